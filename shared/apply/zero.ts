/**
 * The empty object of a kind as kube-apiserver sees it (the Go zero value written as JSON): a write
 * that creates an object is compared with it, not with `{}`. Struct fields that are not pointers are
 * always written (`metadata: {creationTimestamp: null}`, `spec: {template: {…}, strategy: {}}`,
 * `status: {}`), and fields without `omitempty` (the schema's `required`) are written empty (`null`
 * here), so a create owns `spec.replicas` but not `spec` itself, and a PodSpec's `containers` list
 * but not the list as a whole; a map a create adds (`labels`) is owned whole, written `.: {}`.
 * The schema does not say which struct fields are pointers; these are the names Kubernetes' types
 * use for value structs.
 */
import { isMap, type Type } from './schema.js';

const VALUE_STRUCTS = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy']);

const zeros = new WeakMap<Type, Record<string, unknown>>();

/** The kind's zero value, computed once per type and frozen (callers only read it). */
export function zeroObject(type: Type): Record<string, unknown> {
  let z = zeros.get(type);
  if (!z) {
    const v = zero(type, 0);
    z = deepFreeze(isMap(v) ? v : {});
    zeros.set(type, z);
  }
  return z;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function zero(type: Type, depth: number): unknown {
  const a = type.atom;
  if (a.kind !== 'map' || !a.fields || depth > 8) return {};
  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(a.fields)) {
    const f = t.atom;
    if (VALUE_STRUCTS.has(name) && f.kind === 'map' && f.fields) out[name] = zero(t, depth + 1);
    else if (name === 'creationTimestamp' || a.required?.includes(name)) out[name] = null;
  }
  return out;
}

/**
 * `obj` with the struct fields its Go type always has filled in where absent, so that a status
 * write does not count `status` itself as added when the stored JSON left an empty one out.
 */
export function withZeroStructs(obj: unknown, zeroValue: Record<string, unknown>): unknown {
  if (!isMap(obj)) return obj;
  const out: Record<string, unknown> = { ...obj };
  for (const [k, z] of Object.entries(zeroValue)) {
    if (!(k in out)) out[k] = structuredClone(z);
    else if (isMap(z) && isMap(out[k])) out[k] = withZeroStructs(out[k], z);
  }
  return out;
}
