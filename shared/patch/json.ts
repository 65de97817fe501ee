/**
 * What strategic merge patch's apply (strategic-merge.ts) and creation (three-way.ts) share: JSON
 * values as decoded, the directive keys, and small helpers over them.
 */
export type Json = null | boolean | number | string | Json[] | JsonMap;
export type JsonMap = { [k: string]: Json };

export const DIRECTIVE = '$patch';
export const REPLACE = 'replace';
export const DELETE = 'delete';
export const MERGE = 'merge';
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
export const RETAIN_KEYS_STRATEGY = 'retainKeys';
export const DELETE_FROM_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList';
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

export function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's kind of a decoded JSON value: nil, slice, map, or the scalar's type. */
export function typeName(v: Json): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

/** Deep equality of decoded JSON (key order ignored, list order not). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]!));
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k]!, b[k]!));
  }
  return false;
}

/**
 * A field's patch strategies split as apimachinery does: whether it has retainKeys, and the other
 * strategy ('' if none). undefined when the declaration is not one Kubernetes allows.
 */
export function splitStrategies(strategies: readonly string[]): [boolean, string] | undefined {
  switch (strategies.length) {
    case 0:
      return [false, ''];
    case 1:
      return strategies[0] === RETAIN_KEYS_STRATEGY ? [true, ''] : [false, strategies[0]!];
    case 2:
      if (strategies[0] === RETAIN_KEYS_STRATEGY) return [true, strategies[1]!];
      if (strategies[1] === RETAIN_KEYS_STRATEGY) return [true, strategies[0]!];
  }
  return undefined;
}
