/**
 * Field paths as Kubernetes' server-side apply names them (structured-merge-diff's fieldpath): a
 * path is a list of elements, each one of
 *  - a field of a map or struct (`f:name` in FieldsV1, `.name` in messages);
 *  - an item of a map list, by its key fields sorted by name (`k:{"name":"nginx"}`, `[name="nginx"]`);
 *  - an item of a set, by its value (`v:"foregroundDeletion"`, `[="foregroundDeletion"]`);
 *  - an index (`i:0`, `[0]`), which Kubernetes decodes but never produces for lists it knows.
 * Elements have a total order (fields < keys < values < indexes), which is the order of FieldsV1.
 */

export type PathElement =
  | { readonly field: string }
  | { readonly key: readonly KeyField[] }
  | { readonly value: unknown }
  | { readonly index: number };

/** One key field of a map-list item: [name, value]. */
export type KeyField = readonly [string, unknown];

export type Path = readonly PathElement[];

export const fieldEl = (name: string): PathElement => ({ field: name });
export const indexEl = (index: number): PathElement => ({ index });
export const valueEl = (value: unknown): PathElement => ({ value });
/** A map-list item's element; its key fields are sorted by name as Kubernetes sorts them. */
export const keyEl = (fields: Record<string, unknown> | readonly KeyField[]): PathElement => {
  const list: KeyField[] = Array.isArray(fields) ? [...(fields as readonly KeyField[])] : Object.entries(fields);
  return { key: list.sort((a, b) => strCompare(a[0], b[0])) };
};

/** A path from short forms: a string is a field, a number an index, an object a ready element. */
export function makePath(...parts: (string | number | PathElement)[]): Path {
  return parts.map((p) => (typeof p === 'string' ? fieldEl(p) : typeof p === 'number' ? indexEl(p) : p));
}

function rank(e: PathElement): number {
  if ('field' in e) return 0;
  if ('key' in e) return 1;
  if ('value' in e) return 2;
  return 3;
}

export function compareElements(a: PathElement, b: PathElement): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if ('field' in a) return strCompare(a.field, (b as { field: string }).field);
  if ('key' in a) return compareKeys(a.key, (b as { key: readonly KeyField[] }).key);
  if ('value' in a) return compareValues(a.value, (b as { value: unknown }).value);
  const ia = (a as { index: number }).index;
  const ib = (b as { index: number }).index;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

export function comparePaths(a: Path, b: Path): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const c = compareElements(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
}

function compareKeys(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const n = strCompare(a[i]![0], b[i]![0]);
    if (n !== 0) return n;
    const v = compareValues(a[i]![1], b[i]![1]);
    if (v !== 0) return v;
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Byte order of UTF-8 strings, as Go compares them. */
export function strCompare(a: string, b: string): number {
  if (a === b) return 0;
  // Code point order equals UTF-8 byte order; UTF-16 order differs from it only with surrogates.
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < ca.length && i < cb.length; i++) {
    const x = ca[i]!.codePointAt(0)!;
    const y = cb[i]!.codePointAt(0)!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ca.length < cb.length ? -1 : ca.length > cb.length ? 1 : 0;
}

function valueRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null && typeof v === 'object') return 4;
  return 5; // null
}

/** The total order of JSON values Kubernetes uses: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1: return strCompare(a as string, b as string);
    case 2: return a === b ? 0 : a === false ? -1 : 1;
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; ; i++) {
        if (i >= la.length && i >= lb.length) return 0;
        if (i >= la.length) return -1;
        if (i >= lb.length) return 1;
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
    }
    case 4: {
      const ma = a as Record<string, unknown>;
      const mb = b as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort(strCompare);
      for (const k of keys) {
        if (!Object.hasOwn(ma, k)) return 1;
        if (!Object.hasOwn(mb, k)) return -1;
        const c = compareValues(ma[k], mb[k]);
        if (c !== 0) return c;
      }
      return 0;
    }
    default: return 0;
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/** A value as Go's fmt prints it in Kubernetes' messages: strings quoted, maps as k=v. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (typeof v === 'object') {
    return Object.keys(v).sort(strCompare).map((k) => `${k}=${valueString((v as Record<string, unknown>)[k])}`).join('');
  }
  return String(v);
}

/** `.spec`, `[name="nginx"]`, `[="a"]`, `[0]`: how Kubernetes prints an element in messages. */
export function elementString(e: PathElement): string {
  if ('field' in e) return `.${e.field}`;
  if ('key' in e) return `[${e.key.map(([k, v]) => `${k}=${valueString(v)}`).join(',')}]`;
  if ('value' in e) return `[=${valueString(e.value)}]`;
  return `[${e.index}]`;
}

/** `.spec.template.spec.containers[name="nginx"].image` */
export function pathString(p: Path): string {
  return p.map(elementString).join('');
}
