/**
 * A structural schema as CEL types: integer→int, number→double, boolean→bool, string→string
 * (date/date-time→timestamp, duration→duration), array→list, additionalProperties→map, object
 * with properties→an object type with those fields (the root and embedded resources also get
 * apiVersion, kind and metadata.name/generateName), int-or-string and untyped→dyn. Each node also
 * knows how a JSON value there becomes a CEL value (integers as bigint, null fields absent).
 */
import { Environment } from '@marcbachmann/cel-js';
import type { JSONSchemaProps } from '../crd.js';
import { isPlainObject } from '../json.js';
import { baseEnvironment, deepEqual, DURATION, TIMESTAMP } from './library.js';

const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

// ---- names -----------------------------------------------------------------------------------------

/**
 * A property name as CEL sees it (Kubernetes' escaping): reserved words become `__name__`, and
 * `__`, `.`, `-`, `/` become `__underscores__`, `__dot__`, `__dash__`, `__slash__`. Undefined for
 * a name that can't be an identifier (the property is not accessible from rules).
 */
export function celFieldName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  // An own `constructor` field would hide the object's type from the evaluator: not accessible.
  if (name === 'constructor') return undefined;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

// ---- types -----------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
type ObjCtor = new (o: Json) => Json;

/** The CEL view of one schema node: its type name, and how a JSON value there becomes a CEL value. */
export interface Node {
  type: string;
  convert(v: unknown): unknown;
}

/** All the object types of one schema, registered in one environment that rule environments clone. */
export interface SchemaTypes {
  base: Environment;
  nodes: Map<JSONSchemaProps, Node>;
  rootNode: Node;
}

const META_FIELDS = ['name', 'generateName'];

/**
 * The class of an object type's values. Its prototype chain stops at the class (no
 * Object.prototype), so an absent field named `toString` or `hasOwnProperty` reads as absent.
 */
function objectClass(name: string): ObjCtor {
  const Ctor = class {
    constructor(o: Json) {
      Object.assign(this, o);
    }
  } as unknown as ObjCtor;
  Object.defineProperty(Ctor, 'name', { value: name });
  Object.setPrototypeOf(Ctor.prototype, null);
  return Ctor;
}

/** A JSON object as a CEL map: a Map, so keys like `constructor` or `__proto__` stay plain keys. */
function toMap(v: Json, convert: (x: unknown) => unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) m.set(k, convert(x));
  return m;
}

function jsonToDyn(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(jsonToDyn);
  if (isPlainObject(v)) return toMap(v, jsonToDyn);
  return v;
}

export const DYN: Node = { type: 'dyn', convert: jsonToDyn };

/** Build the CEL types of a schema tree (objects with properties become registered object types). */
export function schemaTypes(schema: JSONSchemaProps): SchemaTypes {
  const base = baseEnvironment();
  const nodes = new Map<JSONSchemaProps, Node>();
  let n = 0;
  const metaFields: Record<string, string> = { name: 'string', generateName: 'string' };
  const Meta = objectClass('ObjectMeta');
  base.registerType('ObjectMeta', { ctor: Meta, fields: metaFields });
  base.registerOperator('ObjectMeta == ObjectMeta', deepEqual);
  const metaNode: Node = {
    type: 'ObjectMeta',
    convert: (v) => {
      const o: Json = {};
      if (isPlainObject(v)) for (const f of META_FIELDS) if (Object.hasOwn(v, f) && typeof v[f] === 'string') o[f] = v[f];
      return new Meta(o);
    },
  };

  const build = (s: JSONSchemaProps, root: boolean): Node => {
    const node = buildNode(s, root);
    nodes.set(s, node);
    return node;
  };
  const buildNode = (s: JSONSchemaProps, root: boolean): Node => {
    if (s['x-kubernetes-int-or-string'] || !s.type) return DYN;
    switch (s.type) {
      case 'integer':
        return { type: 'int', convert: (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v) };
      case 'number':
        return { type: 'double', convert: (v) => v };
      case 'boolean':
        return { type: 'bool', convert: (v) => v };
      case 'string':
        if (s.format === 'date-time' || s.format === 'date') {
          return { type: TIMESTAMP, convert: (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : v) };
        }
        if (s.format === 'duration') {
          return { type: DURATION, convert: (v) => (typeof v === 'string' ? toDuration(v) : v) };
        }
        return { type: 'string', convert: (v) => v };
      case 'array': {
        const items = s.items ? build(s.items, false) : DYN;
        return { type: `list<${items.type}>`, convert: (v) => (Array.isArray(v) ? v.filter((x) => x !== null).map((x) => items.convert(x)) : v) };
      }
      case 'object': {
        if (!s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
          const vals = isPlainObject(s.additionalProperties) ? build(s.additionalProperties, false) : DYN;
          return {
            type: `map<string, ${vals.type}>`,
            convert: (v) => (isPlainObject(v) ? toMap(v, (x) => vals.convert(x)) : v),
          };
        }
        const props = new Map<string, { cel: string; node: Node }>();
        const embedded = root || s['x-kubernetes-embedded-resource'] === true;
        for (const [k, p] of Object.entries(s.properties ?? {})) {
          const cel = celFieldName(k);
          if (!cel || (embedded && k === 'metadata')) continue;
          props.set(k, { cel, node: isPlainObject(p) ? build(p, false) : DYN });
        }
        if (embedded) {
          for (const k of ['apiVersion', 'kind']) if (!props.has(k)) props.set(k, { cel: k, node: { type: 'string', convert: (v) => v } });
          props.set('metadata', { cel: 'metadata', node: metaNode });
        }
        const name = `Object${++n}`;
        const Ctor = objectClass(name);
        const fields: Record<string, string> = {};
        for (const { cel, node } of props.values()) fields[cel] = node.type;
        base.registerType(name, { ctor: Ctor, fields });
        base.registerOperator(`${name} == ${name}`, deepEqual);
        return {
          type: name,
          convert: (v) => {
            if (!isPlainObject(v)) return v;
            const o: Json = {};
            for (const [k, { cel, node }] of props) if (Object.hasOwn(v, k) && v[k] !== null && v[k] !== undefined) o[cel] = node.convert(v[k]);
            return new Ctor(o);
          },
        };
      }
      default:
        return DYN;
    }
  };
  const rootNode = build(schema, true);
  return { base, nodes, rootNode };
}

/** A Go duration string (`1h30m`, `-1.5s`, `300ms`) as the library's Duration, through CEL's own duration(). */
const durationEnv = new Environment().registerVariable('s', 'string');
const durationOf = durationEnv.parse('duration(s)');
function toDuration(v: string): unknown {
  try {
    return durationOf({ s: v });
  } catch {
    return v;
  }
}
