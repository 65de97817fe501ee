/**
 * A custom resource against its CRD version's openAPIV3Schema, pure: pruning of unknown fields,
 * structural defaulting, validation (ajv for the value keywords, a walk for Kubernetes' list
 * types) with Kubernetes' field-cause messages, the `kubectl get` columns from
 * additionalPrinterColumns, and the scale subresource's paths.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { re2Engine } from './re2.js';
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { JSONSchemaProps, PrinterColumn } from './crd.js';
import { isPlainObject } from './json.js';
import { child, duplicate, formatValue, index, key, notSupported, required, tooMany } from './field-errors.js';
import { age, humanDuration } from '../printers/duration.js';
import { NAME_COLUMN, AGE_COLUMN, type Cell, type ColumnDefinition, type TablePrinter } from '../printers/types.js';

type Json = Record<string, unknown>;
const ROOT_META = new Set(['apiVersion', 'kind', 'metadata']);

// ---- pruning -------------------------------------------------------------------------------------

/**
 * Remove, in place, every field the schema does not specify (apiVersion, kind, metadata stay at
 * the root). Returns the removed fields' paths (`spec.junk`, `spec.list[0].x`), for
 * fieldValidation's warnings and strict errors.
 */
export function prune(obj: Json, schema: JSONSchemaProps): string[] {
  const removed: string[] = [];
  pruneObject(obj, schema, true, '', removed);
  return removed;
}

function pruneValue(v: unknown, s: JSONSchemaProps | undefined, path: string, removed: string[]): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => pruneValue(x, s.items, index(path, i), removed));
    return;
  }
  if (isPlainObject(v)) pruneObject(v, s, false, path, removed);
}

/**
 * The schema of property k (own properties only: a field named `toString` or `constructor` is
 * data, not something inherited from Object.prototype).
 */
function propertyOf(s: JSONSchemaProps | undefined, k: string): JSONSchemaProps | undefined {
  return s?.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
}

/** o's own value for k. */
function own(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

function pruneObject(o: Json, s: JSONSchemaProps, root: boolean, path: string, removed: string[]): void {
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  for (const k of Object.keys(o)) {
    if ((root || embedded) && ROOT_META.has(k) && !propertyOf(s, k)) continue;
    const p = propertyOf(s, k);
    if (p) pruneValue(o[k], p, child(path, k), removed);
    else if (isPlainObject(s.additionalProperties)) pruneValue(o[k], s.additionalProperties, child(path, k), removed);
    else if (s.additionalProperties === true || preserve) continue;
    else {
      delete o[k];
      removed.push(child(path, k));
    }
  }
}

// ---- defaulting ----------------------------------------------------------------------------------

/** Structural defaulting, in place: a specified field that is absent takes its schema default (deep copy). */
export function applySchemaDefaults(v: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (s.items) for (const x of v) applySchemaDefaults(x, s.items);
    return;
  }
  if (!isPlainObject(v)) return;
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (own(v, k) === undefined && p.default !== undefined) v[k] = structuredClone(p.default);
    if (own(v, k) !== undefined) applySchemaDefaults(v[k], p);
  }
  if (isPlainObject(s.additionalProperties)) {
    for (const [k, x] of Object.entries(v)) if (!propertyOf(s, k)) applySchemaDefaults(x, s.additionalProperties);
  }
}

// ---- validation ----------------------------------------------------------------------------------

// Patterns are RE2 (re2.ts): linear-time matching, Go's syntax, as kube-apiserver validates them.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: re2Engine } });
const compiled = new WeakMap<JSONSchemaProps, ValidateFunction>();

/** The schema as ajv (draft-07) reads it: nullable, int-or-string and the draft-4 exclusive bounds translated. */
export function toAjvSchema(s: JSONSchemaProps, root = false): Json {
  const out: Json = {};
  const types: string[] = [];
  if (s['x-kubernetes-int-or-string']) types.push('integer', 'string');
  else if (s.type) types.push(s.type);
  if (types.length && s.nullable) types.push('null');
  if (types.length) out.type = types.length === 1 ? types[0] : types;
  for (const k of ['enum', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf', 'uniqueItems'] as const) {
    if (s[k] !== undefined) out[k] = s[k];
  }
  if (s.enum && s.nullable) out.enum = [...s.enum, null];
  if (s.minimum !== undefined) out[s.exclusiveMinimum ? 'exclusiveMinimum' : 'minimum'] = s.minimum;
  if (s.maximum !== undefined) out[s.exclusiveMaximum ? 'exclusiveMaximum' : 'maximum'] = s.maximum;
  if (s.required && !root) out.required = s.required;
  if (root && s.required) out.required = s.required.filter((r) => !ROOT_META.has(r));
  if (s.properties) {
    const props: Json = {};
    for (const [k, p] of Object.entries(s.properties)) if (!(root && k === 'metadata')) props[k] = toAjvSchema(p);
    out.properties = props;
  }
  if (isPlainObject(s.additionalProperties)) out.additionalProperties = toAjvSchema(s.additionalProperties);
  if (s.items) out.items = toAjvSchema(s.items);
  return out;
}

function validatorFor(schema: JSONSchemaProps): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(toAjvSchema(schema, true));
    compiled.set(schema, v);
  }
  return v;
}

/** Why ajv can't compile the schema (an enum with duplicates, a bad bound), or undefined. The CRD is refused for it. */
export function schemaCompileError(schema: JSONSchemaProps): string | undefined {
  try {
    validatorFor(schema);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Kubernetes' causes for an object that breaks its schema; none when it is valid. Expects a pruned, defaulted object. */
export function validateAgainstSchema(obj: KObject, schema: JSONSchemaProps): StatusCause[] {
  const validate = validatorFor(schema);
  const body: Json = { ...(obj as unknown as Json) };
  delete body.metadata;
  validate(body);
  const causes: StatusCause[] = [];
  for (const e of validate.errors ?? []) {
    const c = causeOf(e, body, schema);
    if (c) causes.push(c);
  }
  causes.push(...listTypeCauses(body, schema, ''));
  return causes;
}

function causeOf(e: ErrorObject, body: Json, schema: JSONSchemaProps): StatusCause | undefined {
  const segs = e.instancePath ? e.instancePath.slice(1).split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~')) : [];
  const { path, value } = locate(body, schema, segs);
  const p = e.params as Record<string, unknown>;
  const inBody = (what: string) => `${path} in body ${what}`;
  switch (e.keyword) {
    case 'required':
      return required(child(path, String(p.missingProperty)));
    case 'type': {
      const actual = jsonType(value);
      const want = Array.isArray(p.type) ? (p.type as string[]).filter((t) => t !== 'null').join(',') : String(p.type);
      return { reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${actual}": ${inBody(`must be of type ${want}`)}: "${actual}"` };
    }
    case 'enum':
      return notSupportedUnsorted(path, value, (p.allowedValues as unknown[]).filter((x) => x !== null));
    case 'pattern':
      return inv(path, value, inBody(`should match '${String(p.pattern)}'`));
    case 'minimum':
      return inv(path, value, inBody(`should be greater than or equal to ${String(p.limit)}`));
    case 'exclusiveMinimum':
      return inv(path, value, inBody(`should be greater than ${String(p.limit)}`));
    case 'maximum':
      return inv(path, value, inBody(`should be less than or equal to ${String(p.limit)}`));
    case 'exclusiveMaximum':
      return inv(path, value, inBody(`should be less than ${String(p.limit)}`));
    case 'minLength':
      return inv(path, value, inBody(`should be at least ${String(p.limit)} chars long`));
    case 'maxLength':
      return { reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${String(p.limit)} bytes` };
    case 'minItems':
      return inv(path, value, inBody(`should have at least ${String(p.limit)} items`));
    case 'maxItems':
      return tooMany(path, Array.isArray(value) ? value.length : 0, Number(p.limit));
    case 'minProperties':
      return inv(path, value, inBody(`should have at least ${String(p.limit)} properties`));
    case 'maxProperties':
      return { reason: 'FieldValueTooMany', field: path, message: `Too many: ${isPlainObject(value) ? Object.keys(value).length : 0}: must have at most ${String(p.limit)} items` };
    case 'multipleOf':
      return inv(path, value, inBody(`should be a multiple of ${String(p.multipleOf)}`));
    case 'uniqueItems':
      return { reason: 'FieldValueDuplicate', field: path, message: `Duplicate value: ${formatValue(value)}` };
    default:
      return inv(path, value, e.message ?? 'is invalid');
  }
}

const inv = (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}: ${detail}` });

/** `Unsupported value: "x": supported values: "a", "b"` in the schema's order, as the CRD validator lists them. */
function notSupportedUnsorted(field: string, value: unknown, allowed: unknown[]): StatusCause {
  const c = notSupported(field, value, []);
  return { ...c, message: `Unsupported value: ${formatValue(value)}: supported values: ${allowed.map((a) => formatValue(a)).join(', ')}` };
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function locate(body: unknown, schema: JSONSchemaProps, segs: readonly string[]): { path: string; value: unknown } {
  let path = '';
  let s: JSONSchemaProps | undefined = schema;
  let v: unknown = body;
  for (const seg of segs) {
    if (Array.isArray(v)) {
      path = index(path, Number(seg));
      v = v[Number(seg)];
      s = s?.items;
      continue;
    }
    if (propertyOf(s, seg) || !isPlainObject(s?.additionalProperties)) {
      path = child(path, seg);
      s = propertyOf(s, seg);
    } else {
      path = key(path, seg);
      s = s.additionalProperties as JSONSchemaProps;
    }
    v = isPlainObject(v) ? own(v, seg) : undefined;
  }
  return { path, value: v };
}

/** x-kubernetes-list-type set (items unique) and map (items unique by their keys): Duplicate value causes. */
function listTypeCauses(v: unknown, s: JSONSchemaProps | undefined, path: string): StatusCause[] {
  if (!s) return [];
  const causes: StatusCause[] = [];
  if (Array.isArray(v)) {
    const lt = s['x-kubernetes-list-type'];
    if (lt === 'set' || lt === 'map') {
      const seen = new Set<string>();
      v.forEach((x, i) => {
        const id = lt === 'set' ? x : isPlainObject(x) ? Object.fromEntries((s['x-kubernetes-list-map-keys'] ?? []).map((k) => [k, x[k]])) : x;
        const k = JSON.stringify(id);
        if (seen.has(k)) causes.push(duplicate(index(path, i), id));
        seen.add(k);
      });
    }
    v.forEach((x, i) => causes.push(...listTypeCauses(x, s.items, index(path, i))));
  } else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = propertyOf(s, k);
      if (p) causes.push(...listTypeCauses(x, p, child(path, k)));
      else if (isPlainObject(s.additionalProperties)) causes.push(...listTypeCauses(x, s.additionalProperties, key(path, k)));
    }
  }
  return causes;
}

// ---- printing ------------------------------------------------------------------------------------

/** The value at a simple JSONPath (`.spec.a`, `.items[0].b`, `.metadata.labels['app.kubernetes.io/name']`). */
export function readPath(obj: unknown, path: string): unknown {
  const steps = path.match(/\.[A-Za-z0-9_-]+|\[\d+\]|\['[^']+'\]/g) ?? [];
  let v = obj;
  for (const st of steps) {
    if (v === null || typeof v !== 'object') return undefined;
    if (st.startsWith('[\'')) v = (v as Json)[st.slice(2, -2)];
    else if (st.startsWith('[')) v = Array.isArray(v) ? v[Number(st.slice(1, -1))] : undefined;
    else v = (v as Json)[st.slice(1)];
  }
  return v;
}

/** A cell as Kubernetes' CRD table convertor renders it: ages for dates, JSON for structures, '' for missing. */
function cellOf(v: unknown, type: string, now: Date): Cell {
  if (v === undefined || v === null) return '';
  if (type === 'date' && typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : humanDuration(now.getTime() - t);
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    if (type === 'integer' && typeof v === 'number') return Math.trunc(v);
    return v;
  }
  return JSON.stringify(v);
}

/** The printer of a CRD version: Name, then its additionalPrinterColumns; Name and Age without any. */
export function crdPrinter(columns: readonly PrinterColumn[] | undefined): TablePrinter {
  if (!columns?.length) {
    return { columns: [NAME_COLUMN, AGE_COLUMN], row: (o, now) => [o.metadata.name ?? '', age(o.metadata.creationTimestamp, now)] };
  }
  const defs: ColumnDefinition[] = [
    NAME_COLUMN,
    ...columns.map((c) => ({ name: c.name, type: c.type as ColumnDefinition['type'], format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
  return {
    columns: defs,
    row: (o, now) => [o.metadata.name ?? '', ...columns.map((c) => cellOf(readPath(o, c.jsonPath), c.type, now))],
  };
}

// ---- scale ---------------------------------------------------------------------------------------

export interface ScalePaths {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** The autoscaling/v1 Scale of a custom resource. */
export function crScale(obj: KObject, p: ScalePaths): KObject {
  const spec = readPath(obj, p.specReplicasPath);
  const status = readPath(obj, p.statusReplicasPath);
  const sel = p.labelSelectorPath ? readPath(obj, p.labelSelectorPath) : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: typeof spec === 'number' ? spec : 0 },
    status: { replicas: typeof status === 'number' ? status : 0, ...(typeof sel === 'string' && sel ? { selector: sel } : {}) },
  };
}

/** A copy of the object with the spec replicas path set (its parents made as needed). */
export function withReplicas(obj: KObject, p: ScalePaths, replicas: number): KObject {
  const next = structuredClone(obj) as unknown as Json;
  const steps = p.specReplicasPath.split('.').filter(Boolean);
  let cur = next;
  for (const st of steps.slice(0, -1)) {
    if (!isPlainObject(cur[st])) cur[st] = {};
    cur = cur[st] as Json;
  }
  cur[steps[steps.length - 1]!] = replicas;
  return next as unknown as KObject;
}
