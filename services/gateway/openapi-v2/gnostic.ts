/**
 * The messages of gnostic's `openapi.v2` package (github.com/google/gnostic-models,
 * openapiv2/OpenAPIv2.proto) that the document uses, written from the upstream field numbers and
 * built with protobufjs's reflection API. client-go decodes `/openapi/v2` into `openapi_v2.Document`
 * with these numbers. Fields the document never sets are left out (a decoder skips what it does not
 * know, so a subset is a valid writer).
 *
 * One row per field: `[field number, type, rule]`; rule `repeated`, or `oneof` for the members of
 * the message's single `oneof oneof { … }`.
 */
import protobuf from 'protobufjs';

type Row = readonly [id: number, type: string, rule?: 'repeated' | 'oneof'];
type Table = Readonly<Record<string, Readonly<Record<string, Row>>>>;

/** `repeated NamedAny vendor_extension`: the message's `x-*` keys. */
const vendor = (id: number): Row => [id, 'NamedAny', 'repeated'];

export const GNOSTIC: Table = {
  Document: {
    swagger: [1, 'string'],
    info: [2, 'Info'],
    host: [3, 'string'],
    base_path: [4, 'string'],
    schemes: [5, 'string', 'repeated'],
    consumes: [6, 'string', 'repeated'],
    produces: [7, 'string', 'repeated'],
    paths: [8, 'Paths'],
    definitions: [9, 'Definitions'],
    vendor_extension: vendor(16),
  },
  Info: {
    title: [1, 'string'],
    version: [2, 'string'],
    description: [3, 'string'],
    terms_of_service: [4, 'string'],
    vendor_extension: vendor(7),
  },
  // google.protobuf.Any value = 1 is never set: extensions carry their YAML text.
  Any: { yaml: [2, 'string'] },
  NamedAny: { name: [1, 'string'], value: [2, 'Any'] },
  Paths: { vendor_extension: vendor(1), path: [2, 'NamedPathItem', 'repeated'] },
  NamedPathItem: { name: [1, 'string'], value: [2, 'PathItem'] },
  PathItem: {
    _ref: [1, 'string'],
    get: [2, 'Operation'],
    put: [3, 'Operation'],
    post: [4, 'Operation'],
    delete: [5, 'Operation'],
    options: [6, 'Operation'],
    head: [7, 'Operation'],
    patch: [8, 'Operation'],
    parameters: [9, 'ParametersItem', 'repeated'],
    vendor_extension: vendor(10),
  },
  Operation: {
    tags: [1, 'string', 'repeated'],
    summary: [2, 'string'],
    description: [3, 'string'],
    operation_id: [5, 'string'],
    produces: [6, 'string', 'repeated'],
    consumes: [7, 'string', 'repeated'],
    parameters: [8, 'ParametersItem', 'repeated'],
    responses: [9, 'Responses'],
    schemes: [10, 'string', 'repeated'],
    deprecated: [11, 'bool'],
    vendor_extension: vendor(13),
  },
  ParametersItem: { parameter: [1, 'Parameter', 'oneof'], json_reference: [2, 'JsonReference', 'oneof'] },
  JsonReference: { _ref: [1, 'string'], description: [2, 'string'] },
  Parameter: { body_parameter: [1, 'BodyParameter', 'oneof'], non_body_parameter: [2, 'NonBodyParameter', 'oneof'] },
  BodyParameter: {
    description: [1, 'string'],
    name: [2, 'string'],
    in: [3, 'string'],
    required: [4, 'bool'],
    schema: [5, 'Schema'],
    vendor_extension: vendor(6),
  },
  NonBodyParameter: {
    query_parameter_sub_schema: [3, 'QueryParameterSubSchema', 'oneof'],
    path_parameter_sub_schema: [4, 'PathParameterSubSchema', 'oneof'],
  },
  QueryParameterSubSchema: {
    required: [1, 'bool'],
    in: [2, 'string'],
    description: [3, 'string'],
    name: [4, 'string'],
    allow_empty_value: [5, 'bool'],
    type: [6, 'string'],
    format: [7, 'string'],
    collection_format: [9, 'string'],
    default: [10, 'Any'],
    unique_items: [20, 'bool'],
    enum: [21, 'Any', 'repeated'],
    vendor_extension: vendor(23),
  },
  PathParameterSubSchema: {
    required: [1, 'bool'],
    in: [2, 'string'],
    description: [3, 'string'],
    name: [4, 'string'],
    type: [5, 'string'],
    format: [6, 'string'],
    collection_format: [8, 'string'],
    default: [9, 'Any'],
    unique_items: [19, 'bool'],
    enum: [20, 'Any', 'repeated'],
    vendor_extension: vendor(22),
  },
  Responses: { response_code: [1, 'NamedResponseValue', 'repeated'], vendor_extension: vendor(2) },
  NamedResponseValue: { name: [1, 'string'], value: [2, 'ResponseValue'] },
  ResponseValue: { response: [1, 'Response', 'oneof'], json_reference: [2, 'JsonReference', 'oneof'] },
  Response: { description: [1, 'string'], schema: [2, 'SchemaItem'], vendor_extension: vendor(5) },
  SchemaItem: { schema: [1, 'Schema', 'oneof'] },
  Definitions: { additional_properties: [1, 'NamedSchema', 'repeated'] },
  NamedSchema: { name: [1, 'string'], value: [2, 'Schema'] },
  Schema: {
    _ref: [1, 'string'],
    format: [2, 'string'],
    title: [3, 'string'],
    description: [4, 'string'],
    default: [5, 'Any'],
    multiple_of: [6, 'double'],
    maximum: [7, 'double'],
    exclusive_maximum: [8, 'bool'],
    minimum: [9, 'double'],
    exclusive_minimum: [10, 'bool'],
    max_length: [11, 'int64'],
    min_length: [12, 'int64'],
    pattern: [13, 'string'],
    max_items: [14, 'int64'],
    min_items: [15, 'int64'],
    unique_items: [16, 'bool'],
    max_properties: [17, 'int64'],
    min_properties: [18, 'int64'],
    required: [19, 'string', 'repeated'],
    enum: [20, 'Any', 'repeated'],
    additional_properties: [21, 'AdditionalPropertiesItem'],
    type: [22, 'TypeItem'],
    items: [23, 'ItemsItem'],
    all_of: [24, 'Schema', 'repeated'],
    properties: [25, 'Properties'],
    discriminator: [26, 'string'],
    read_only: [27, 'bool'],
    example: [30, 'Any'],
    vendor_extension: vendor(31),
  },
  Properties: { additional_properties: [1, 'NamedSchema', 'repeated'] },
  AdditionalPropertiesItem: { schema: [1, 'Schema', 'oneof'], boolean: [2, 'bool', 'oneof'] },
  ItemsItem: { schema: [1, 'Schema', 'repeated'] },
  TypeItem: { value: [1, 'string', 'repeated'] },
};

/** The `openapi.v2` namespace with every message of the table, resolved. */
export function gnosticRoot(table: Table = GNOSTIC): protobuf.Namespace {
  const root = new protobuf.Root();
  const ns = root.define('openapi.v2');
  for (const [name, fields] of Object.entries(table)) {
    const type = new protobuf.Type(name);
    const members: string[] = [];
    for (const [field, [id, t, rule]] of Object.entries(fields)) {
      type.add(new protobuf.Field(field, id, t, rule === 'repeated' ? 'repeated' : undefined));
      if (rule === 'oneof') members.push(field);
    }
    if (members.length) type.add(new protobuf.OneOf('oneof', members));
    ns.add(type);
  }
  root.resolveAll();
  return ns;
}

let cached: protobuf.Type | undefined;
/** gnostic's `openapi.v2.Document`. */
export function documentType(): protobuf.Type {
  return (cached ??= gnosticRoot().lookupType('Document'));
}
