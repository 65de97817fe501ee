/**
 * A Swagger 2.0 document (as parsed JSON) to gnostic's `openapi.v2.Document`, as gnostic's compiler
 * (`openapi_v2.ParseDocument`, which kube-apiserver runs on its JSON) builds it:
 * - maps (paths, definitions, properties, responses) become repeated Named* pairs in key order;
 * - every `x-*` key becomes a `NamedAny` whose `Any.yaml` is the value written as YAML text (kubectl,
 *   through k8s.io/kube-openapi/pkg/util/proto, reads extensions back with `yaml.Unmarshal`);
 * - `default`, `example` and `enum` values are `Any`s the same way;
 * - proto3 fields are left unset when zero, as Go's encoder omits them.
 * A key gnostic does not allow is an error here, so the document cannot drift from what clients read.
 */
import YAML from 'yaml';

type Json = Readonly<Record<string, unknown>>;
type Msg = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(where: string, key: string): never {
  throw new Error(`openapi v2: ${where} has a key gnostic does not read: ${key}`);
}

/** gnostic's `Any`: the value as YAML text. */
export function anyOf(value: unknown): Msg {
  return { yaml: YAML.stringify(value, { lineWidth: 0 }) };
}

function vendorExtension(key: string, value: unknown): Msg {
  return { name: key, value: anyOf(value) };
}

/** Set a field unless it holds proto3's zero value. */
function put(out: Msg, field: string, value: unknown): void {
  if (value === undefined || value === false || value === '' || value === 0) return;
  if (Array.isArray(value) && value.length === 0) return;
  out[field] = value;
}

/** Copy plain keys by their snake_case field names, hand others to `special`, collect `x-*` keys. */
function convert(where: string, o: Json, plain: readonly string[], special: Readonly<Record<string, (v: unknown) => unknown>> = {}): Msg {
  const out: Msg = {};
  const ext: Msg[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-')) ext.push(vendorExtension(k, v));
    else if (special[k]) put(out, fieldName(k), special[k]!(v));
    else if (plain.includes(k)) put(out, fieldName(k), v);
    else fail(where, k);
  }
  put(out, 'vendor_extension', ext);
  return out;
}

/** `$ref` → `_ref`, `operationId` → `operation_id`. */
function fieldName(key: string): string {
  return key === '$ref' ? '_ref' : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const named = <T>(o: unknown, value: (v: unknown) => T) => Object.entries(o as Json).map(([name, v]) => ({ name, value: value(v) }));

const SCHEMA_PLAIN = ['$ref', 'format', 'title', 'description', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'discriminator', 'readOnly'];

export function schema(s: unknown): Msg {
  if (!isObject(s)) throw new Error(`openapi v2: a schema is not an object: ${JSON.stringify(s)}`);
  return convert('schema', s, SCHEMA_PLAIN, {
    default: anyOf,
    example: anyOf,
    enum: (v) => (v as unknown[]).map(anyOf),
    type: (v) => ({ value: Array.isArray(v) ? v : [v] }),
    items: (v) => ({ schema: Array.isArray(v) ? v.map(schema) : [schema(v)] }),
    allOf: (v) => (v as unknown[]).map(schema),
    properties: (v) => ({ additional_properties: named(v, schema) }),
    additionalProperties: (v) => (typeof v === 'boolean' ? { boolean: v } : { schema: schema(v) }),
  });
}

const SUB_SCHEMA_PLAIN = ['required', 'in', 'description', 'name', 'type', 'format', 'collectionFormat', 'uniqueItems'];

function parametersItem(p: unknown): Msg {
  if (!isObject(p)) throw new Error(`openapi v2: a parameter is not an object: ${JSON.stringify(p)}`);
  if (typeof p.$ref === 'string') return { json_reference: convert('parameter reference', p, ['$ref', 'description']) };
  switch (p.in) {
    case 'body':
      return { parameter: { body_parameter: convert('body parameter', p, ['description', 'name', 'in', 'required'], { schema }) } };
    case 'query':
      return { parameter: { non_body_parameter: { query_parameter_sub_schema: convert('query parameter', p, [...SUB_SCHEMA_PLAIN, 'allowEmptyValue'], { default: anyOf, enum: (v) => (v as unknown[]).map(anyOf) }) } } };
    case 'path':
      return { parameter: { non_body_parameter: { path_parameter_sub_schema: convert('path parameter', p, SUB_SCHEMA_PLAIN, { default: anyOf, enum: (v) => (v as unknown[]).map(anyOf) }) } } };
    default:
      throw new Error(`openapi v2: parameters in ${String(p.in)} are not supported`);
  }
}

const parameters = (v: unknown) => (v as unknown[]).map(parametersItem);

function responses(o: unknown): Msg {
  const codes: Msg[] = [];
  const ext: Msg[] = [];
  for (const [code, r] of Object.entries(o as Json)) {
    if (code.startsWith('x-')) ext.push(vendorExtension(code, r));
    else codes.push({ name: code, value: { response: convert('response', r as Json, ['description'], { schema: (s) => ({ schema: schema(s) }) }) } });
  }
  const out: Msg = {};
  put(out, 'response_code', codes);
  put(out, 'vendor_extension', ext);
  return out;
}

function operation(o: unknown): Msg {
  return convert('operation', o as Json, ['tags', 'summary', 'description', 'operationId', 'produces', 'consumes', 'schemes', 'deprecated'], { parameters, responses });
}

function pathItem(o: unknown): Msg {
  const ops = Object.fromEntries(['get', 'put', 'post', 'delete', 'options', 'head', 'patch'].map((m) => [m, operation]));
  return convert('path item', o as Json, ['$ref'], { ...ops, parameters });
}

function paths(o: unknown): Msg {
  const out: Msg = {};
  const ext: Msg[] = [];
  const items: Msg[] = [];
  for (const [k, v] of Object.entries(o as Json)) {
    if (k.startsWith('x-')) ext.push(vendorExtension(k, v));
    else items.push({ name: k, value: pathItem(v) });
  }
  put(out, 'vendor_extension', ext);
  put(out, 'path', items);
  return out;
}

/** The whole document; throws on anything gnostic would not read into the same fields. */
export function toGnostic(doc: Json): Msg {
  return convert('document', doc, ['swagger', 'host', 'basePath', 'schemes', 'consumes', 'produces'], {
    info: (v) => convert('info', v as Json, ['title', 'version', 'description', 'termsOfService']),
    paths,
    definitions: (v) => ({ additional_properties: named(v, schema) }),
  });
}
