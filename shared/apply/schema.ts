/**
 * The shape server-side apply sees in a Kubernetes OpenAPI schema (what kube-openapi's schemaconv
 * gives structured-merge-diff):
 *  - lists: `x-kubernetes-list-type` map (items keyed by `x-kubernetes-list-map-keys`), set, or
 *    atomic; without it, `x-kubernetes-patch-strategy: merge` makes a map list keyed by
 *    `x-kubernetes-patch-merge-key` (a set when there is no key); every other list is atomic;
 *  - maps and structs: granular unless `x-kubernetes-map-type: atomic` (on the field or its type);
 *  - scalars, Quantity, IntOrString, Time: leaves; RawExtension and schemaless values: atomic;
 *  - no schema at all, `type: object` without properties, preserve-unknown-fields: "deduced" from
 *    the value (objects are granular maps, lists are atomic), as for unstructured objects.
 */
import { DEFINITIONS, kindSchema, resolveSchema, type SchemaObject } from '../openapi/definitions.js';

type Defs = Readonly<Record<string, SchemaObject>>;

export type Atom =
  | { readonly kind: 'scalar' }
  /** Any value, always a leaf. */
  | { readonly kind: 'untyped' }
  /** Shaped by the value: objects are granular maps of deduced values, everything else a leaf. */
  | { readonly kind: 'deduced' }
  | ListAtom
  | MapAtom;

export interface ListAtom {
  readonly kind: 'list';
  readonly atomic: boolean;
  /** Key fields of a map list; empty for a set. */
  readonly keys: readonly string[];
  /** Defaults of key fields, used when an item omits one. */
  readonly keyDefaults: Readonly<Record<string, unknown>>;
  readonly item: Type;
}

export interface MapAtom {
  readonly kind: 'map';
  readonly atomic: boolean;
  /** Declared fields (a struct); undefined for a plain map. */
  readonly fields?: Readonly<Record<string, Type>>;
  /** The type of keys that are not declared fields; undefined when a struct allows none. */
  readonly elem?: Type;
  /** Fields the Go type writes even when empty (no `omitempty`), as the schema's `required`. */
  readonly required?: readonly string[];
}

export interface Type {
  readonly atom: Atom;
}

/** Key field defaults that Kubernetes' v3 schemas declare but the v2 definitions leave out. */
const KEY_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { protocol: 'TCP' },
};

const RAW = new Set(['io.k8s.apimachinery.pkg.runtime.RawExtension', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON']);

const SCALAR: Type = { atom: { kind: 'scalar' } };
const UNTYPED: Type = { atom: { kind: 'untyped' } };
const DEDUCED: Type = { atom: { kind: 'deduced' } };

/** Types for schemaless objects (CustomResources without a schema). */
export const DEDUCED_TYPE: Type = DEDUCED;

/** The apply type of a schema (e.g. `kindSchema('apps', 'v1', 'Deployment')`); undefined means deduced. */
export function typeOf(schema: SchemaObject | undefined, defs: Defs = DEFINITIONS): Type {
  if (!schema) return DEDUCED;
  return new LazyType(schema, defs, false);
}

class LazyType implements Type {
  private cached?: Atom;
  constructor(private readonly s: SchemaObject, private readonly defs: Defs, private readonly preserveUnknown: boolean) {}

  get atom(): Atom {
    return (this.cached ??= this.build());
  }

  private build(): Atom {
    const outer = this.s;
    const refName = outer.$ref?.replace('#/definitions/', '');
    if (refName && RAW.has(refName)) return UNTYPED.atom;
    const s = resolveSchema(outer, this.defs);
    if (!s) return UNTYPED.atom;
    const preserve = this.preserveUnknown || s['x-kubernetes-preserve-unknown-fields'] === true;
    if (s['x-kubernetes-int-or-string']) return SCALAR.atom;
    switch (s.type) {
      case 'array':
        return this.list(s, preserve);
      case 'object':
      case undefined: {
        if (s.type === undefined && !s.properties) return s.items ? this.list(s, preserve) : DEDUCED.atom;
        const mapType = outer['x-kubernetes-map-type'] ?? s['x-kubernetes-map-type'];
        const atomic = mapType === 'atomic';
        if (s.properties) {
          // No prototype: a field named `constructor` or `__proto__` in a body finds no type, not Object's.
          const fields: Record<string, Type> = Object.create(null);
          for (const [k, v] of Object.entries(s.properties)) fields[k] = new LazyType(v, this.defs, preserve);
          const elem = typeof s.additionalProperties === 'object'
            ? new LazyType(s.additionalProperties, this.defs, preserve)
            : preserve || s.additionalProperties === true ? DEDUCED : undefined;
          return { kind: 'map', atomic, fields, elem, required: s.required ?? [] };
        }
        const elem = typeof s.additionalProperties === 'object' ? new LazyType(s.additionalProperties, this.defs, preserve) : DEDUCED;
        return { kind: 'map', atomic, elem };
      }
      default:
        return SCALAR.atom;
    }
  }

  private list(s: SchemaObject, preserve: boolean): ListAtom {
    const item: Type = s.items ? new LazyType(s.items, this.defs, preserve) : UNTYPED;
    const listType = s['x-kubernetes-list-type'];
    let atomic = true;
    let keys: readonly string[] = [];
    if (listType === 'map') {
      atomic = false;
      keys = s['x-kubernetes-list-map-keys'] ?? [];
    } else if (listType === 'set') {
      atomic = false;
    } else if (listType === undefined) {
      const strategy = s['x-kubernetes-patch-strategy'];
      if (strategy === 'merge' || strategy === 'merge,retainKeys') {
        atomic = false;
        const key = s['x-kubernetes-patch-merge-key'];
        keys = key ? [key] : [];
      }
    }
    return { kind: 'list', atomic, keys, keyDefaults: keys.length ? keyDefaultsOf(s.items, keys, this.defs) : {}, item };
  }
}

function keyDefaultsOf(items: SchemaObject | undefined, keys: readonly string[], defs: Defs): Record<string, unknown> {
  const name = items?.$ref?.replace('#/definitions/', '');
  const known = name ? KEY_DEFAULTS[name] : undefined;
  const props = resolveSchema(items, defs)?.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const d = (Object.hasOwn(props, k) ? props[k]?.default : undefined) ?? known?.[k];
    if (d !== undefined) out[k] = d;
  }
  return out;
}

/** How a value of a type is walked: as a leaf, a list of items, or a map of fields. */
export type Shape =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'list'; readonly list: ListAtom }
  | { readonly kind: 'map'; readonly map: MapAtom };

const LEAF: Shape = { kind: 'leaf' };
const DEDUCED_MAP: MapAtom = { kind: 'map', atomic: false, elem: DEDUCED };

/** The shape of `value` under `type`; a value that does not fit its type is a leaf. */
export function shapeOf(type: Type, value: unknown): Shape {
  const a = type.atom;
  switch (a.kind) {
    case 'scalar':
    case 'untyped':
      return LEAF;
    case 'deduced':
      return isMap(value) ? { kind: 'map', map: DEDUCED_MAP } : LEAF;
    case 'list':
      return a.atomic || !(Array.isArray(value) || value === null || value === undefined) ? LEAF : { kind: 'list', list: a };
    case 'map':
      return a.atomic || !(isMap(value) || value === null || value === undefined) ? LEAF : { kind: 'map', map: a };
  }
}

/** The type of a map's field `key` (undefined when the schema does not declare it). */
export function fieldType(m: MapAtom, key: string): Type | undefined {
  return (m.fields && Object.hasOwn(m.fields, key) ? m.fields[key] : undefined) ?? m.elem;
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export const UNTYPED_TYPE: Type = UNTYPED;

const kindCache = new Map<string, Type>();

/** The apply type of a kind Kubernetes defines (group '' is core), deduced when it has no schema. */
export function typeOfKind(group: string, version: string, kind: string): Type {
  const k = `${group}/${version}/${kind}`;
  let t = kindCache.get(k);
  if (!t) {
    t = typeOf(kindSchema(group, version, kind));
    kindCache.set(k, t);
  }
  return t;
}
