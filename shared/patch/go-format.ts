/**
 * Values printed the way Go's fmt `%v` prints decoded JSON, so error messages read like
 * kube-apiserver's: `map[name:a value:1]`, `[1 2]`, `<nil>`.
 */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const m = v as Record<string, unknown>;
    return `map[${Object.keys(m).sort().map((k) => `${k}:${goString(m[k])}`).join(' ')}]`;
  }
  return String(v);
}
