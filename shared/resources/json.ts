/** Small helpers for plain JSON values (objects decoded from manifests and events). */

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A deep copy of a JSON value (undefined fields dropped). */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJson(v[i]);
    return out as T;
  }
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  // Keys, not entries, and plain assignment (a hot path on every write): only a `__proto__` key
  // needs defineProperty, to stay data rather than become the copy's prototype.
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === undefined) continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: cloneJson(x), enumerable: true, writable: true, configurable: true });
    else out[k] = cloneJson(x);
  }
  return out as T;
}

/** isPlainObject without narrowing: for checking values that are typed but came from a client. */
export function isObject(v: unknown): boolean {
  return isPlainObject(v);
}
