/**
 * The structural schema (for ajv, see schema-check.ts) of a kind jetkube has no hand-written schema
 * for, made from Kubernetes' own OpenAPI definition of it (shared/openapi). It follows the rules
 * Kubernetes' JSON decoder applies: every declared field typed, unknown fields found (objects with
 * properties are closed), maps typed by their values, IntOrString as an integer or a string,
 * Quantity as a string or a number, timestamps as strings, and free-form objects open. `required`
 * and enums are left to the semantic validation, as the decoder leaves them.
 */
import { DEFINITIONS, definitionNameOf, reachableDefinitions, refName, type SchemaObject } from '../openapi/definitions.js';
import type { SchemaNode } from './schemas.js';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** The kind's root schema with its definitions, or undefined when Kubernetes does not define the kind. */
export function openApiSchemaFor(group: string, version: string, kind: string): SchemaNode | undefined {
  const name = definitionNameOf(group, version, kind);
  if (!name) return undefined;
  const definitions: Record<string, SchemaNode> = Object.fromEntries(reachableDefinitions([name]).map((n) => [n, convert(DEFINITIONS[n]!)]));
  const root = definitions[name]!;
  return { ...root, required: ['apiVersion', 'kind', 'metadata'], definitions };
}

function convert(s: SchemaObject): SchemaNode {
  if (s.$ref) {
    const target = refName(s.$ref);
    if (target === INT_OR_STRING) return { type: ['integer', 'string'] };
    if (target === QUANTITY) return { type: ['string', 'number'] };
    return { $ref: `#/definitions/${target}` };
  }
  if (s.format === 'int-or-string') return { type: ['integer', 'string'] };
  switch (s.type) {
    case 'string':
      return { type: 'string' };
    case 'integer':
      return { type: 'integer' };
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'array':
      return { type: 'array', ...(s.items ? { items: convert(s.items) } : {}) };
    case 'object':
    case undefined: {
      if (s.properties) {
        const properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, convert(v)]));
        return { type: 'object', properties, additionalProperties: false };
      }
      if (typeof s.additionalProperties === 'object') return { type: 'object', additionalProperties: convert(s.additionalProperties) };
      // A free-form object (RawExtension, FieldsV1, a preserved-unknown-fields tree), or any value.
      return s.type === 'object' ? { type: 'object' } : {};
    }
    default:
      return {};
  }
}
