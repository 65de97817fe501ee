/**
 * Structural validation: an object against its kind's JSON Schema (schemas.ts), compiled once per
 * kind with ajv. Type errors become causes at Kubernetes-style field paths; unknown fields are
 * causes (Strict) or dropped from the returned copy (Warn, Ignore), like kube-apiserver's
 * `fieldValidation` query parameter.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { ResourceInfo } from './registry.js';
import { schemaFor, type SchemaNode } from './schemas.js';
import { child, index, invalidValue, key, required, typeInvalid, unknownField } from './field-errors.js';
import { isPlainObject } from './json.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface SchemaCheck {
  /** Type errors, missing root fields and (Strict only) unknown fields. Empty = structurally valid. */
  readonly causes: StatusCause[];
  /** Paths of the unknown fields found (`spec.foo`), in every mode; the gateway warns about them in Warn. */
  readonly unknownFields: string[];
  /** A deep copy of the input with nulls and unknown fields removed. Never the input itself. */
  readonly object: KObject;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const compiled = new Map<string, { readonly validate: ValidateFunction; readonly schema: SchemaNode }>();

function validatorFor(info: ResourceInfo): { readonly validate: ValidateFunction; readonly schema: SchemaNode } {
  const key = `${info.group}/${info.version}/${info.kind}`;
  let v = compiled.get(key);
  if (!v) {
    const schema = schemaFor(info.kind, info.group, info.version);
    v = { validate: ajv.compile(schema), schema };
    compiled.set(key, v);
  }
  return v;
}

export function checkSchema(info: ResourceInfo, obj: unknown, fieldValidation: FieldValidation): SchemaCheck {
  if (!isPlainObject(obj)) {
    return {
      causes: [typeInvalid('', jsonTypeName(obj), 'the object must be of type object')],
      unknownFields: [],
      object: { apiVersion: '', kind: '', metadata: {} },
    };
  }
  const copy = cloneWithoutNulls(obj) as Record<string, unknown>;
  const { validate, schema } = validatorFor(info);
  validate(copy);
  const causes: StatusCause[] = [];
  const unknownFields: string[] = [];
  const toRemove: { readonly at: readonly string[]; readonly prop: string }[] = [];
  for (const e of validate.errors ?? []) {
    const at = pointerSegments(e.instancePath);
    const loc = locate(schema, copy, at);
    switch (e.keyword) {
      case 'additionalProperties': {
        const prop = String((e.params as { additionalProperty: string }).additionalProperty);
        const field = child(loc.path, prop);
        unknownFields.push(field);
        toRemove.push({ at, prop });
        if (fieldValidation === 'Strict') causes.push(unknownField(field));
        break;
      }
      case 'required': {
        const prop = String((e.params as { missingProperty: string }).missingProperty);
        causes.push(required(child(loc.path, prop)));
        break;
      }
      case 'type':
        causes.push(typeCause(loc, e));
        break;
      default:
        causes.push(invalidValue(loc.path, loc.value, e.message ?? 'is invalid'));
    }
  }
  for (const r of toRemove) removeAt(copy, r.at, r.prop);
  return { causes, unknownFields, object: copy as KObject };
}

function typeCause(loc: Location, e: ErrorObject): StatusCause {
  const t = (e.params as { type: string | string[] }).type;
  const expected = Array.isArray(t) ? t.join(' or ') : t;
  const shown = isPlainObject(loc.value) || Array.isArray(loc.value) ? jsonTypeName(loc.value) : loc.value;
  if (loc.mapKey !== undefined) {
    // A map value of the wrong type (a label value that is a number) points at the map, as the
    // Go JSON decoder does: `metadata.labels`.
    return typeInvalid(loc.mapPath, shown, `the value of key ${JSON.stringify(loc.mapKey)} must be of type ${expected}`);
  }
  return typeInvalid(loc.path, shown, `must be of type ${expected}`);
}

interface Location {
  /** Kubernetes field path: `spec.template.spec.containers[0].image`, map keys as `[key]`. */
  readonly path: string;
  readonly value: unknown;
  /** Set when the last step was a key of a map (labels, data, resource lists). */
  readonly mapKey?: string;
  readonly mapPath: string;
}

/** Walk the schema and the data along a JSON pointer, naming each step the way Kubernetes does. */
function locate(root: SchemaNode, data: unknown, segments: readonly string[]): Location {
  let node: SchemaNode = root;
  let value: unknown = data;
  let path = '';
  let mapKey: string | undefined;
  let mapPath = '';
  for (const seg of segments) {
    node = resolve(root, node);
    mapKey = undefined;
    if (Array.isArray(value)) {
      path = index(path, Number(seg));
      node = node.items ?? {};
      value = value[Number(seg)];
      continue;
    }
    if (node.properties && Object.prototype.hasOwnProperty.call(node.properties, seg)) {
      path = child(path, seg);
      node = node.properties[seg]!;
    } else if (typeof node.additionalProperties === 'object') {
      mapPath = path;
      mapKey = seg;
      path = key(path, seg);
      node = node.additionalProperties;
    } else {
      path = child(path, seg);
      node = {};
    }
    value = isPlainObject(value) ? value[seg] : undefined;
  }
  return mapKey === undefined ? { path, value, mapPath } : { path, value, mapKey, mapPath };
}

function resolve(root: SchemaNode, node: SchemaNode): SchemaNode {
  const prefix = '#/definitions/';
  if (node.$ref?.startsWith(prefix)) return root.definitions?.[node.$ref.slice(prefix.length)] ?? {};
  return node;
}

function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function removeAt(root: unknown, at: readonly string[], prop: string): void {
  let v: unknown = root;
  for (const seg of at) {
    if (Array.isArray(v)) v = v[Number(seg)];
    else if (isPlainObject(v)) v = v[seg];
    else return;
  }
  if (isPlainObject(v)) delete v[prop];
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * A JSON deep copy without null or undefined object fields (Kubernetes decodes `field: null` as
 * unset). Nulls inside arrays are kept, so they still fail their item type.
 */
function cloneWithoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneWithoutNulls(v[i]);
    return out;
  }
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === null || x === undefined) continue;
    // defineProperty: a `__proto__` key from JSON.parse must stay data, not become a prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: cloneWithoutNulls(x), enumerable: true, writable: true, configurable: true });
    else out[k] = cloneWithoutNulls(x);
  }
  return out;
}
