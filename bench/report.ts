/** Small helpers shared by the benchmarks: medians, percentiles and an aligned table. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** p-th percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function printTable(title: string, rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  for (const r of rows) console.log('  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('   '));
}

/** The samples of a Prometheus text exposition: `name{labels}` → value (comments skipped). */
export function promSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/**
 * The upper bound of the bucket holding the q-quantile (0..1) of what a histogram `name` observed
 * between two scrapes (`before` may be empty): Infinity when it lies past the last finite bucket,
 * NaN when nothing was observed. Also the count observed.
 */
export function bucketQuantile(before: Map<string, number>, after: Map<string, number>, name: string, q: number): { le: number; count: number } {
  const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
  const count = delta(`${name}_count`);
  if (!(count > 0)) return { le: NaN, count: 0 };
  const bounds = [...after.keys()]
    .filter((k) => k.startsWith(`${name}_bucket{le="`))
    .map((k) => ({ k, le: k.endsWith('le="+Inf"}') ? Infinity : Number(k.slice(`${name}_bucket{le="`.length, -2)) }))
    .sort((a, b) => a.le - b.le);
  for (const b of bounds) if (delta(b.k) >= q * count) return { le: b.le, count };
  return { le: Infinity, count };
}
