/**
 * Strategic merge patch as kube-apiserver applies it. The first table runs on a small schema with
 * every kind of list and strategy (patch-fixtures.ts, the shape apimachinery's own tests use); its
 * expected results are Kubernetes' answers for those inputs. The second runs on the real
 * Kubernetes schemas with the patches `kubectl apply` sends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StrategicMergeError, strategicMergePatch } from '../../shared/patch/strategic-merge.js';
import { OpenApiPatchSchema, patchSchemaForKind } from '../../shared/patch/patch-schema.js';
import { MERGE_ITEM_SCHEMA } from './patch-fixtures.js';
import { omitEmpty } from '../../shared/openapi/omit-empty.js';
import { kindSchema } from '../../shared/openapi/definitions.js';

const ITEM = MERGE_ITEM_SCHEMA;

interface Case {
  readonly name: string;
  readonly live: object;
  readonly patch: object;
  readonly want?: object;
  readonly error?: string;
}
const gives = (name: string, live: object, patch: object, want: object): Case => ({ name, live, patch, want });
const fails = (name: string, live: object, patch: object, error: string): Case => ({ name, live, patch, error });

const GENERIC: Case[] = [
  gives('$setElementOrder contains item that is not present in the list to be merged', {"mergingList": [{"name": 1}, {"name": 3}]}, {"$setElementOrder/mergingList": [{"name": 3}, {"name": 2}, {"name": 1}], "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}, {"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
  gives('$setElementOrder contains item that is not present in the int list to be merged', {"mergingIntList": [1, 3]}, {"$setElementOrder/mergingIntList": [3, 2, 1]}, {"mergingIntList": [3, 1]}),
  fails('should check if order in $setElementOrder and patch list match', {"mergingList": [{"name": 1}, {"name": 3}, {"name": 2}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}], "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}, "doesn't match"),
  fails('missing merge key should error out', {"mergingList": [{"name": 1, "value": "a"}]}, {"mergingList": [{"value": "b"}]}, "does not contain declared merge key"),
  gives('$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list', {"mergingIntList": [1, 2]}, {"$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": [1, 2]}),
  gives('$deleteFromPrimitiveList on empty primitive list should not add the item to the list', {"mergingIntList": null}, {"$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": null}),
  gives('$deleteFromPrimitiveList should delete item from a list with merge patch strategy', {"mergingIntList": [1, 2, 3]}, {"$deleteFromPrimitiveList/mergingIntList": [2]}, {"mergingIntList": [1, 3]}),
  gives('$deleteFromPrimitiveList should delete item from a list without merge patch strategy', {"nonMergingIntList": [1, 2, 3]}, {"$deleteFromPrimitiveList/nonMergingIntList": [2]}, {"nonMergingIntList": [1, 3]}),
  gives('delete items in lists of scalars (on a changed live object)', {"mergingIntList": [1, 2, 3, 4]}, {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": [1, 2, 4]}),
  gives('add and delete items in lists of scalars (on a changed live object)', {"mergingIntList": [1, 2, 3, 4]}, {"$setElementOrder/mergingIntList": [1, 2, 4], "$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": [1, 2, 4]}),
  gives('merge lists of maps (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 4}, {"name": 1}, {"name": 2}, {"name": 3}], "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}]}, {"mergingList": [{"name": 4, "value": 4}, {"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
  gives('merge lists of maps with conflict (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 3, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}], "mergingList": [{"name": 2, "value": 2}, {"name": 3, "value": 3}]}, {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
  gives('add field to map in merging list with conflict (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]}, {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2}, {"name": 3, "value": 2, "other": "b"}]}),
  gives('replace map field value in merging list (on a changed live object)', {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "value": "a"}]}, {"mergingList": [{"name": 1, "value": "a", "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
  gives('delete map from merging list (on a changed live object)', {"mergingList": [{"name": 1}, {"name": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 2}], "mergingList": [{"name": 1, "$patch": "delete"}]}, {"mergingList": [{"name": 2, "other": "b"}]}),
  gives('delete missing map from merging list (on a changed live object)', {"mergingList": [{"name": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 2}], "mergingList": [{"name": 1, "$patch": "delete"}]}, {"mergingList": [{"name": 2, "other": "b"}]}),
  gives('add map and delete map from merging list (on a changed live object)', {"mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]}, {"$setElementOrder/mergingList": [{"name": 2}, {"name": 3}], "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}]}, {"mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]}),
  gives('add map and delete map from merging list with conflict (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 4, "other": "c"}]}, {"$setElementOrder/mergingList": [{"name": 2}, {"name": 3}], "mergingList": [{"name": 2}, {"name": 3}, {"name": 1, "$patch": "delete"}]}, {"mergingList": [{"name": 4, "other": "c"}, {"name": 2}, {"name": 3}]}),
  gives('delete field from map in merging list (on a changed live object)', {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "value": null}]}, {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
  gives('replace non merging list nested in merging list (on a changed live object)', {"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]}, {"name": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}]}, {"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]}, {"name": 2, "other": "b"}]}),
  gives('add field to map in merging list nested in merging list (on a changed live object)', {"mergingList": [{"name": 1, "other": "a", "mergingList": [{"name": 1}, {"name": 2, "value": 2}]}, {"name": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "name": 1, "mergingList": [{"name": 1, "value": 1}]}]}, {"mergingList": [{"name": 1, "other": "a", "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]}, {"name": 2, "other": "b"}]}),
  gives('add field to map in merging list nested in merging list with deletion conflict (on a changed live object)', {"mergingList": [{"name": 1, "other": "a", "mergingList": [{"name": 2, "value": 2, "other": "d"}]}, {"name": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "name": 1, "mergingList": [{"name": 1, "value": 1}]}]}, {"mergingList": [{"name": 1, "other": "a", "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2, "other": "d"}]}, {"name": 2, "other": "b"}]}),
  gives('add field to map in merging list by pointer (on a changed live object)', {"mergeItemPtr": [{"name": 1, "other": "a", "mergeItemPtr": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}, {"name": 2, "other": "b"}]}, {"$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}], "mergeItemPtr": [{"$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}], "name": 1, "mergeItemPtr": [{"name": 1, "value": 1}]}]}, {"mergeItemPtr": [{"name": 1, "other": "a", "mergeItemPtr": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}, {"name": 2, "other": "b"}]}),
  gives('merge lists of scalars (on a changed live object)', {"mergingIntList": [1, 2, 4]}, {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3]}, {"mergingIntList": [1, 2, 3, 4]}),
  gives('add an item in a list of primitives and preserve order (on a changed live object)', {"mergingIntList": [1, 4, 2]}, {"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]}, {"mergingIntList": [3, 1, 4, 2]}),
  gives('delete an item in a list of primitives and preserve order (on a changed live object)', {"mergingIntList": [1, 2, 3]}, {"$setElementOrder/mergingIntList": [2, 1], "$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": [2, 1]}),
  gives('add an item in a list and preserve order (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}, {"$setElementOrder/mergingList": [{"name": 3}, {"name": 1}, {"name": 2}], "mergingList": [{"name": 3, "value": 3}]}, {"mergingList": [{"name": 3, "value": 3}, {"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
  gives('delete an item in a list and preserve order (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}, {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}], "mergingList": [{"name": 3, "$patch": "delete"}]}, {"mergingList": [{"name": 2, "value": 2, "other": "b"}, {"name": 1, "other": "a"}]}),
  gives('add and delete an item in a list and preserve order (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}, {"$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 1}], "mergingList": [{"name": 4, "value": 4}, {"name": 3, "$patch": "delete"}]}, {"mergingList": [{"name": 4, "value": 4}, {"name": 2, "value": 2, "other": "b"}, {"name": 1, "other": "a"}]}),
  gives('set elements order in a list (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 3}, {"name": 4, "value": 4}, {"name": 2, "value": 2}]}, {"$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]}, {"mergingList": [{"name": 4, "value": 4}, {"name": 2, "value": 2}, {"name": 3, "value": 3}, {"name": 1, "other": "a"}]}),
  gives('set elements order in a list with server-only items (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 3}, {"name": 4, "value": 4}, {"name": 2, "value": 2}, {"name": 9}]}, {"$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]}, {"mergingList": [{"name": 4, "value": 4}, {"name": 2, "value": 2}, {"name": 3, "value": 3}, {"name": 1, "other": "a"}, {"name": 9}]}),
  gives('set elements order in a list with server-only items 2 (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2}, {"name": 9}, {"name": 3, "value": 3}, {"name": 4, "value": 4}]}, {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]}, {"mergingList": [{"name": 2, "value": 2}, {"name": 1, "other": "a"}, {"name": 9}, {"name": 4, "value": 4}, {"name": 3, "value": 3}]}),
  gives('set elements order in a list with server-only items 3 (on a changed live object)', {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2}, {"name": 7}, {"name": 9}, {"name": 8}, {"name": 3, "value": 3}, {"name": 4, "value": 4}]}, {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]}, {"mergingList": [{"name": 2, "value": 2}, {"name": 1, "other": "a"}, {"name": 7}, {"name": 9}, {"name": 8}, {"name": 4, "value": 4}, {"name": 3, "value": 3}]}),
  gives('add and delete an item in a int list and preserve order (on a changed live object)', {"mergingIntList": [1, 2, 3]}, {"$setElementOrder/mergingIntList": [4, 2, 1], "mergingIntList": [4], "$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": [4, 2, 1]}),
  gives('set elements order in a int list with server-only items 3 (on a changed live object)', {"mergingIntList": [1, 2, 7, 9, 8, 3, 4]}, {"$setElementOrder/mergingIntList": [2, 1, 4, 3]}, {"mergingIntList": [2, 1, 7, 9, 8, 4, 3]}),
  gives('behavior of set element order for a merging list with duplicate (on a changed live object)', {"mergingList": [{"name": 1}, {"name": 2, "value": "dup1"}, {"name": 3}, {"name": 2, "value": "dup2"}, {"name": 4}]}, {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}, {"name": 2}]}, {"mergingList": [{"name": 2, "value": "dup1"}, {"name": 2, "value": "dup2"}, {"name": 1}, {"name": 4}, {"name": 3}]}),
  gives('retainKeys map should clear defaulted field (on a changed live object)', {"retainKeysMap": {"value": "foo"}}, {"retainKeysMap": {"$retainKeys": ["other"], "other": "bar"}}, {"retainKeysMap": {"other": "bar"}}),
  gives('retainKeys map should clear defaulted field with conflict (discriminated union) (on a changed live object)', {"retainKeysMap": {"name": "type1", "value": "foo"}}, {"retainKeysMap": {"$retainKeys": ["name", "other"], "name": "type2", "other": "bar"}}, {"retainKeysMap": {"name": "type2", "other": "bar"}}),
  gives('retainKeys map adds a field and clear a field (on a changed live object)', {"retainKeysMap": {"name": "foo", "other": "a"}}, {"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar"}}, {"retainKeysMap": {"name": "foo", "value": "bar"}}),
  gives('retainKeys map deletes a field and clears a field (on a changed live object)', {"retainKeysMap": {"name": "foo", "value": "bar", "other": "a"}}, {"retainKeysMap": {"$retainKeys": ["name"], "value": null}}, {"retainKeysMap": {"name": "foo"}}),
  gives('retainKeys map changes a field in a nested map (on a changed live object)', {"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "a", "key2": "b", "key3": "c"}}}, {"retainKeysMap": {"$retainKeys": ["name", "simpleMap", "value"], "simpleMap": {"key1": "x"}}}, {"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "x", "key2": "b", "key3": "c"}}}),
  gives('retainKeys map replaces non-merging list (on a changed live object)', {"retainKeysMap": {"name": "foo", "value": "bar", "nonMergingList": [{"name": "a"}, {"name": "b"}]}}, {"retainKeysMap": {"$retainKeys": ["name", "nonMergingList", "value"], "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}]}}, {"retainKeysMap": {"name": "foo", "value": "bar", "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}]}}),
  gives('retainKeys map adds an item and deletes an item in nested merging int list (on a changed live object)', {"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3, 4]}}, {"retainKeysMap": {"$retainKeys": ["mergingIntList", "name"], "mergingIntList": [5], "$deleteFromPrimitiveList/mergingIntList": [2], "$setElementOrder/mergingIntList": [1, 3, 5]}}, {"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3, 5, 4]}}),
  gives('retainKeys map changes an item in nested merging list (on a changed live object)', {"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b", "value": "foo"}, {"name": "x"}]}}, {"retainKeysMap": {"$retainKeys": ["mergingList", "name"], "$setElementOrder/mergingList": [{"name": "a"}, {"name": "b"}], "mergingList": [{"name": "b", "value": "bar"}]}}, {"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b", "value": "bar"}, {"name": "x"}]}}),
  gives('retainKeys map deletes an item in nested merging list (on a changed live object)', {"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "x"}]}}, {"retainKeysMap": {"$retainKeys": ["mergingList", "name"], "$setElementOrder/mergingList": [{"name": "a"}], "mergingList": [{"name": "b", "$patch": "delete"}]}}, {"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "x"}]}}),
  gives('retainKeys list of maps changes a field and clear a field (on a changed live object)', {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "old", "other": "x"}]}, {"$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}], "retainKeysMergingList": [{"$retainKeys": ["name", "value"], "name": "foo", "value": "new"}]}, {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new"}]}),
  gives('retainKeys list of maps adds a field and clear a field (on a changed live object)', {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "other": "x"}]}, {"$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}], "retainKeysMergingList": [{"$retainKeys": ["name", "value"], "name": "foo", "value": "a"}]}, {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]}),
  gives('delete and reorder in one list, reorder in another (on a changed live object)', {"mergingList": [{"name": "a", "value": "a"}, {"name": "b", "value": "b"}], "mergeItemPtr": [{"name": "c", "value": "c"}, {"name": "d", "value": "d"}]}, {"$setElementOrder/mergingList": [{"name": "b"}], "$setElementOrder/mergeItemPtr": [{"name": "d"}, {"name": "c"}], "mergingList": [{"$patch": "delete", "name": "a"}]}, {"mergingList": [{"name": "b", "value": "b"}], "mergeItemPtr": [{"name": "d", "value": "d"}, {"name": "c", "value": "c"}]}),
  gives('replace RawExtension field and merge list (on a changed live object)', {"name": "my-object", "value": "some-value", "other": "current-other", "mergingList": [{"name": 1}, {"name": 3}], "replacingItem": {"Some": "Generic", "Yaml": "Inside", "The": "RawExtension", "Field": "Period"}}, {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 2}], "replacingItem": {"Newly": "Modified", "Yaml": "Inside", "The": "RawExtension"}}, {"name": "my-object", "value": "some-value", "other": "current-other", "mergingList": [{"name": 1}, {"name": 2}, {"name": 3}], "replacingItem": {"Newly": "Modified", "Yaml": "Inside", "The": "RawExtension"}}),
  gives('unique scalars when merging lists', {"mergingIntList": [1, 2]}, {"mergingIntList": [2, 3]}, {"mergingIntList": [1, 2, 3]}),
  gives('delete map from nested map', {"simpleMap": {"key1": 1, "key2": 1}}, {"simpleMap": {"$patch": "delete"}}, {"simpleMap": {}}),
  gives('delete all items from merging list', {"mergingList": [{"name": 1}, {"name": 2}]}, {"mergingList": [{"$patch": "replace"}]}, {"mergingList": []}),
  gives('delete all keys from map', {"name": 1, "value": 1}, {"$patch": "replace"}, {}),
  gives('add key and delete all keys from map', {"name": 1, "value": 1}, {"other": "a", "$patch": "replace"}, {"other": "a"}),
  gives('delete all duplicate entries in a merging list', {"mergingList": [{"name": 1}, {"name": 1}, {"name": 2, "value": "a"}, {"name": 3}, {"name": 3}]}, {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]}, {"mergingList": [{"name": 2, "value": "a"}]}),
];

function check(c: Case, schema: OpenApiPatchSchema | ReturnType<typeof patchSchemaForKind>): void {
  const live = structuredClone(c.live);
  const patch = structuredClone(c.patch);
  if (c.error !== undefined) {
    assert.throws(() => strategicMergePatch(c.live, c.patch, schema), (e: unknown) => e instanceof StrategicMergeError && e.message.includes(c.error!));
  } else {
    assert.deepEqual(strategicMergePatch(c.live, c.patch, schema), c.want);
  }
  assert.deepEqual(c.live, live, 'the live object is not modified');
  assert.deepEqual(c.patch, patch, 'the patch is not modified');
}

describe('strategic merge patch: Kubernetes cases on a schema with every strategy', () => {
  for (const c of GENERIC) it(c.name, () => check(c, ITEM));
});

const svcPorts = (...ports: object[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', ports } });
const http = { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31874 };
const https = { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443, nodePort: 30979 };
const deploy = (podSpec: object, extra: object = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: { replicas: 1, template: { spec: podSpec }, ...extra },
});
const ctr = (over: object = {}) => ({ name: 'web', image: 'nginx:1', ...over });

const KINDS: (Case & { readonly kind: [string, string] })[] = [
  { kind: ['', 'Service'], ...gives('Service: apply adds a port; the first keeps its node port',
    svcPorts(http),
    { spec: { '$setElementOrder/ports': [{ port: 80 }, { port: 443 }], ports: [{ name: 'https', port: 443, targetPort: 8443 }] } },
    svcPorts(http, { name: 'https', port: 443, targetPort: 8443 })) },
  { kind: ['', 'Service'], ...gives('Service: apply removes a port',
    svcPorts(http, https),
    { spec: { '$setElementOrder/ports': [{ port: 443 }], ports: [{ $patch: 'delete', port: 80 }] } },
    svcPorts(https)) },
  { kind: ['', 'Service'], ...gives('Service: apply reorders the ports, node ports stay',
    svcPorts(http, https),
    { spec: { '$setElementOrder/ports': [{ port: 443 }, { port: 80 }] } },
    svcPorts(https, http)) },
  { kind: ['', 'Service'], ...gives('Service: a changed target port merges into the item with that port',
    svcPorts(http, https),
    { spec: { '$setElementOrder/ports': [{ port: 80 }, { port: 443 }], ports: [{ port: 80, targetPort: 9090 }] } },
    svcPorts({ ...http, targetPort: 9090 }, https)) },
  { kind: ['', 'Service'], ...gives('Service: the selector map replaced with $patch: replace',
    { metadata: { name: 'web' }, spec: { selector: { app: 'web', tier: 'fe' } } },
    { spec: { selector: { $patch: 'replace', app: 'api' } } },
    { metadata: { name: 'web' }, spec: { selector: { app: 'api' } } }) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: container ports merge by containerPort',
    deploy({ containers: [ctr({ ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }] })] }),
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'web', '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 9090 }], ports: [{ containerPort: 9090, name: 'metrics' }] }] } } } },
    deploy({ containers: [ctr({ ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 9090, name: 'metrics' }] })] })) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: env var removed and another changed, by name',
    deploy({ containers: [ctr({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] })] }),
    { spec: { template: { spec: { containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }], env: [{ name: 'C', value: '33' }, { $patch: 'delete', name: 'B' }] }] } } } },
    deploy({ containers: [ctr({ env: [{ name: 'A', value: '1' }, { name: 'C', value: '33' }] })] })) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: a volume and its mount added (volumes by name, mounts by mountPath)',
    deploy({ containers: [ctr({ volumeMounts: [{ name: 'a', mountPath: '/a' }] })], volumes: [{ name: 'a', emptyDir: {} }] }),
    { spec: { template: { spec: {
      '$setElementOrder/volumes': [{ name: 'a' }, { name: 'b' }], volumes: [{ name: 'b', configMap: { name: 'cfg' } }],
      containers: [{ name: 'web', '$setElementOrder/volumeMounts': [{ mountPath: '/a' }, { mountPath: '/b' }], volumeMounts: [{ name: 'b', mountPath: '/b' }] }],
    } } } },
    deploy({ containers: [ctr({ volumeMounts: [{ name: 'a', mountPath: '/a' }, { name: 'b', mountPath: '/b' }] })], volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'cfg' } }] })) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: a volume source changed keeps the other volumes',
    deploy({ containers: [ctr()], volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'x' } }] }),
    { spec: { template: { spec: { volumes: [{ name: 'b', configMap: { name: 'y' } }] } } } },
    deploy({ containers: [ctr()], volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'y' } }] })) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: retainKeys on strategy type change (RollingUpdate to Recreate)',
    deploy({ containers: [ctr()] }, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } }),
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    deploy({ containers: [ctr()] }, { strategy: { type: 'Recreate' } })) },
  { kind: ['apps', 'Deployment'], ...fails('Deployment: a retainKeys list that leaves out a patched field is refused',
    deploy({ containers: [ctr()] }, { strategy: { type: 'RollingUpdate' } }),
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } },
    'invalid patch format of retainKeys') },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: container args (no strategy) are replaced whole',
    deploy({ containers: [ctr({ args: ['a', 'b'] })] }),
    { spec: { template: { spec: { containers: [{ name: 'web', args: ['c'] }] } } } },
    deploy({ containers: [ctr({ args: ['c'] })] })) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: a sidecar the manifest never had stays where it was',
    deploy({ containers: [ctr(), { name: 'sidecar', image: 'envoy' }] }),
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'web', image: 'nginx:2' }] } } } },
    deploy({ containers: [ctr({ image: 'nginx:2' }), { name: 'sidecar', image: 'envoy' }] })) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: tolerations (atomic) are replaced whole',
    deploy({ containers: [ctr()], tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] }),
    { spec: { template: { spec: { tolerations: [{ key: 'c', operator: 'Exists' }] } } } },
    deploy({ containers: [ctr()], tolerations: [{ key: 'c', operator: 'Exists' }] })) },
  { kind: ['apps', 'Deployment'], ...gives('Deployment: imagePullSecrets merge by name; without $setElementOrder the patch\'s items come first',
    deploy({ containers: [ctr()], imagePullSecrets: [{ name: 'a' }] }),
    { spec: { template: { spec: { imagePullSecrets: [{ name: 'b' }] } } } },
    deploy({ containers: [ctr()], imagePullSecrets: [{ name: 'b' }, { name: 'a' }] })) },
  { kind: ['apps', 'Deployment'], ...fails('Deployment: a container without its merge key is refused',
    deploy({ containers: [ctr()] }),
    { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
    'map: map[image:x] does not contain declared merge key: name') },
  { kind: ['', 'ConfigMap'], ...gives('labels: apply drops one the last apply had (null), keeps the others',
    { metadata: { name: 'c', labels: { a: '1', b: '2', c: '3' } }, data: { k: 'v' } },
    { metadata: { labels: { b: null } } },
    { metadata: { name: 'c', labels: { a: '1', c: '3' } }, data: { k: 'v' } }) },
  { kind: ['', 'ConfigMap'], ...gives('finalizers: a set, merged without duplicates',
    { metadata: { name: 'c', finalizers: ['a/x', 'b/y'] } },
    { metadata: { finalizers: ['b/y', 'c/z'] } },
    { metadata: { name: 'c', finalizers: ['a/x', 'b/y', 'c/z'] } }) },
  { kind: ['', 'ConfigMap'], ...gives('finalizers: $deleteFromPrimitiveList removes one',
    { metadata: { name: 'c', finalizers: ['a/x', 'b/y'] } },
    { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/x'] } },
    { metadata: { name: 'c', finalizers: ['b/y'] } }) },
  { kind: ['', 'ConfigMap'], ...gives('ownerReferences merge by uid; $patch: delete removes one',
    { metadata: { name: 'c', ownerReferences: [{ uid: '1', name: 'a', kind: 'K', apiVersion: 'v1' }, { uid: '2', name: 'b', kind: 'K', apiVersion: 'v1' }] } },
    { metadata: { ownerReferences: [{ uid: '1', $patch: 'delete' }] } },
    { metadata: { name: 'c', ownerReferences: [{ uid: '2', name: 'b', kind: 'K', apiVersion: 'v1' }] } }) },
  { kind: ['', 'Node'], ...gives('Node taints (atomic, no patch strategy) are replaced whole',
    { metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } },
    { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } },
    { metadata: { name: 'n' }, spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } }) },
  { kind: ['', 'Pod'], ...gives('Pod status conditions merge by type',
    { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } },
    { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } }) },
  { kind: ['', 'Pod'], ...gives('a $patch map for a field the object lacks is dropped',
    { metadata: { name: 'p' } },
    { metadata: { labels: { $patch: 'delete' } } },
    { metadata: { name: 'p' } }) },
  { kind: ['', 'Pod'], ...fails('a $patch directive of an unknown type is refused',
    { metadata: { name: 'p', labels: { a: '1' } } },
    { metadata: { labels: { $patch: 'frobnicate' } } },
    'unknown patch type: frobnicate') },
];

describe('strategic merge patch: what kubectl apply sends, on Kubernetes schemas', () => {
  for (const c of KINDS) it(c.name, () => check(c, patchSchemaForKind(c.kind[0], 'v1', c.kind[1])));
});

describe('omitEmpty: optional empty lists and maps disappear as in the Go types', () => {
  const pod = kindSchema('', 'v1', 'Pod');
  it('drops an empty optional list and map, keeps empty structs and required lists', () => {
    const out = omitEmpty({
      metadata: { name: 'p', ownerReferences: [], labels: {} },
      spec: { containers: [{ name: 'c', image: 'i', env: [] }], volumes: [{ name: 'v', emptyDir: {} }], securityContext: {} },
    }, pod);
    assert.deepEqual(out, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'v', emptyDir: {} }], securityContext: {} } });
    assert.deepEqual(omitEmpty({ spec: { containers: [] } }, pod), { spec: { containers: [] } });
  });
});
