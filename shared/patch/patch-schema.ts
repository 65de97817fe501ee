/**
 * Strategic merge patch metadata read from OpenAPI definitions: a field's
 * `x-kubernetes-patch-strategy` (comma-separated, e.g. `merge,retainKeys`) and
 * `x-kubernetes-patch-merge-key`; lists descend into their items, maps into additionalProperties.
 * A field the schema does not know has no metadata: its lists are replaced, its maps merged.
 */
import { DEFINITIONS, definitionNameOf, resolveSchema, type SchemaObject } from '../openapi/definitions.js';
import type { PatchMeta, PatchSchema } from './strategic-merge.js';

const NO_META: PatchMeta = { strategies: [], mergeKey: '' };

export class OpenApiPatchSchema implements PatchSchema {
  constructor(
    private readonly schema: SchemaObject | undefined,
    private readonly defs: Readonly<Record<string, SchemaObject>> = DEFINITIONS,
  ) {}

  forStruct(key: string): [PatchSchema, PatchMeta] {
    const field = this.field(key);
    return [new OpenApiPatchSchema(this.resolve(field), this.defs), metaOf(field)];
  }

  forSlice(key: string): [PatchSchema, PatchMeta] {
    const field = this.field(key);
    const list = this.resolve(field);
    return [new OpenApiPatchSchema(this.resolve(list?.items), this.defs), metaOf(field)];
  }

  name(): string {
    return this.schema?.type ?? 'Struct';
  }

  private field(key: string): SchemaObject | undefined {
    const s = this.resolve(this.schema);
    if (!s) return undefined;
    const prop = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
    if (prop) return prop;
    return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  }

  private resolve(s: SchemaObject | undefined): SchemaObject | undefined {
    return resolveSchema(s, this.defs);
  }
}

function metaOf(field: SchemaObject | undefined): PatchMeta {
  if (!field) return NO_META;
  const strategy = field['x-kubernetes-patch-strategy'];
  return { strategies: strategy ? strategy.split(',') : [], mergeKey: field['x-kubernetes-patch-merge-key'] ?? '' };
}

const cache = new Map<string, PatchSchema>();

/** The patch schema of a served kind (group '' is core), or one without metadata if Kubernetes has no such kind. */
export function patchSchemaForKind(group: string, version: string, kind: string): PatchSchema {
  const key = `${group}/${version}/${kind}`;
  let s = cache.get(key);
  if (!s) {
    const name = definitionNameOf(group, version, kind);
    s = new OpenApiPatchSchema(name ? DEFINITIONS[name] : undefined);
    cache.set(key, s);
  }
  return s;
}
