/**
 * What a Kubernetes object looks like after the apiserver's round trip through its Go types: an
 * optional (`omitempty`) list or map that is empty is not there. Kubernetes' OpenAPI marks the
 * fields without `omitempty` as required, so every field outside a `required` list whose value is
 * `[]`, or `{}` where the schema is a map, is removed. An empty struct stays (`emptyDir: {}` is a
 * pointer to one, which omitempty keeps), and so do scalars (a pointer's zero value is kept, and
 * the schema does not say which fields are pointers). Returns a new object.
 */
import { DEFINITIONS, resolveSchema, type SchemaObject } from './definitions.js';

type Defs = Readonly<Record<string, SchemaObject>>;

export function omitEmpty<T>(value: T, schema: SchemaObject | undefined, defs: Defs = DEFINITIONS): T {
  return walk(value, schema, defs) as T;
}

function walk(v: unknown, schema: SchemaObject | undefined, defs: Defs): unknown {
  const s = resolveSchema(schema, defs);
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = walk(v[i], s?.items, defs);
    return out;
  }
  if (v === null || typeof v !== 'object') return v;
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const props = s?.properties;
  const mapValues = typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const k of Object.keys(obj)) {
    const x = obj[k];
    const field = props && Object.hasOwn(props, k) ? props[k] : undefined;
    // Only a list or a map can be empty: scalars skip the schema lookups (a hot path on every write).
    if (field && x !== null && typeof x === 'object' && !s!.required?.includes(k) && isEmpty(x, field, defs)) continue;
    out[k] = walk(x, field ?? mapValues, defs);
  }
  return out;
}

function isEmpty(v: object, schema: SchemaObject, defs: Defs): boolean {
  if (Array.isArray(v)) return v.length === 0;
  const field = resolveSchema(schema, defs);
  const isMap = field?.type === 'object' && !field.properties && field.additionalProperties !== undefined;
  return isMap && Object.keys(v).length === 0;
}
