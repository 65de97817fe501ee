/**
 * The patch schema apimachinery's strategicpatch tests use (its MergeItem type), as OpenAPI: a
 * merging list keyed by `name`, a replaced list, merging and replaced scalar lists, a map, a
 * `replace` field and two `retainKeys` fields. Shared by the strategic merge and three-way tables.
 */
import { OpenApiPatchSchema } from '../../shared/patch/patch-schema.js';
import type { SchemaObject } from '../../shared/openapi/definitions.js';

const ref = (name: string): SchemaObject => ({ $ref: `#/definitions/${name}` });
const mergingList = (extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'array', items: ref('item'), 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge', ...extra,
});

export const MERGE_ITEM_DEFINITIONS: Readonly<Record<string, SchemaObject>> = {
  item: {
    properties: {
      name: { type: 'string' }, value: { type: 'string' }, other: { type: 'string' },
      mergingList: mergingList(),
      nonMergingList: { type: 'array', items: ref('item') },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingIntList: { type: 'array', items: { type: 'integer' } },
      mergeItemPtr: mergingList(),
      simpleMap: { type: 'object', additionalProperties: { type: 'string' } },
      replacingItem: { ...ref('raw'), 'x-kubernetes-patch-strategy': 'replace' },
      retainKeysMap: { ...ref('retained'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      retainKeysMergingList: mergingList({ 'x-kubernetes-patch-strategy': 'merge,retainKeys' }),
    },
  },
  retained: {
    properties: {
      name: { type: 'string' }, value: { type: 'string' }, other: { type: 'string' },
      simpleMap: { type: 'object', additionalProperties: { type: 'string' } },
      mergingList: mergingList(),
      nonMergingList: { type: 'array', items: ref('item') },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
    },
  },
  raw: { type: 'object' },
};

/** The schema of a MergeItem document. */
export const MERGE_ITEM_SCHEMA = new OpenApiPatchSchema(MERGE_ITEM_DEFINITIONS.item, MERGE_ITEM_DEFINITIONS);
