/**
 * Server-side apply's ownership rules below the field manager (no stripped fields, no
 * before-first-apply, no entries): structured-merge-diff's merge tests (nested_test.go,
 * multiple_appliers_test.go, leaf_test.go) replayed on the same schema written as OpenAPI: a struct,
 * a map list of structs holding a set, a map list of structs holding a map, maps of sets and of
 * maps, and a recursive map. Objects and owned fields are structured-merge-diff's expected results.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyManagers, pathString, typeOf, updateManagers, type Managers } from '../../shared/apply/index.js';
import type { SchemaObject } from '../../shared/openapi/definitions.js';

const ref = (name: string): SchemaObject => ({ $ref: `#/definitions/${name}` });
const STRING: SchemaObject = { type: 'string' };
const SET: SchemaObject = { type: 'array', items: STRING, 'x-kubernetes-list-type': 'set' };
const STRING_MAP: SchemaObject = { type: 'object', additionalProperties: STRING };
const DEFS: Record<string, SchemaObject> = {
  type: {
    type: 'object',
    properties: {
      listOfLists: { type: 'array', items: ref('itemWithSet'), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
      listOfMaps: { type: 'array', items: ref('itemWithMap'), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
      mapOfLists: { type: 'object', additionalProperties: SET },
      mapOfMaps: { type: 'object', additionalProperties: STRING_MAP },
      mapOfMapsRecursive: ref('recursive'),
      struct: ref('struct'),
      numeric: { type: 'number' },
      string: STRING,
      bool: { type: 'boolean' },
    },
  },
  struct: { type: 'object', properties: { name: STRING, value: { type: 'number' } } },
  itemWithSet: { type: 'object', properties: { name: STRING, value: SET } },
  itemWithMap: { type: 'object', properties: { name: STRING, value: STRING_MAP } },
  recursive: { type: 'object', additionalProperties: ref('recursive') },
};
const TYPE = typeOf(DEFS.type, DEFS);
const OPTS = { type: TYPE, apiVersion: 'v1' };

type Op = { readonly apply: string; readonly obj: object; readonly force?: boolean; readonly conflicts?: string[] } | { readonly update: string; readonly obj: object };

interface Case {
  readonly name: string;
  readonly ops: readonly Op[];
  readonly object: object;
  /** manager → owned paths; left out when the upstream test checks only the object. */
  readonly managed?: Readonly<Record<string, readonly string[]>>;
}

const K = (name: string) => `[name="${name}"]`;
const V = (v: string) => `[="${v}"]`;

const CASES: Case[] = [
  {
    name: 'listOfLists_change_value',
    ops: [
      { apply: 'default', obj: { listOfLists: [{ name: 'a', value: ['b', 'c'] }] } },
      { apply: 'default', obj: { listOfLists: [{ name: 'a', value: ['a', 'c'] }] } },
    ],
    object: { listOfLists: [{ name: 'a', value: ['a', 'c'] }] },
    managed: { default: [`.listOfLists${K('a')}`, `.listOfLists${K('a')}.name`, `.listOfLists${K('a')}.value${V('a')}`, `.listOfLists${K('a')}.value${V('c')}`] },
  },
  {
    name: 'listOfLists_change_key_and_value',
    ops: [
      { apply: 'default', obj: { listOfLists: [{ name: 'a', value: ['b', 'c'] }] } },
      { apply: 'default', obj: { listOfLists: [{ name: 'b', value: ['a', 'c'] }] } },
    ],
    object: { listOfLists: [{ name: 'b', value: ['a', 'c'] }] },
    managed: { default: [`.listOfLists${K('b')}`, `.listOfLists${K('b')}.name`, `.listOfLists${K('b')}.value${V('a')}`, `.listOfLists${K('b')}.value${V('c')}`] },
  },
  {
    name: 'listOfMaps_change_value',
    ops: [
      { apply: 'default', obj: { listOfMaps: [{ name: 'a', value: { b: 'x', c: 'y' } }] } },
      { apply: 'default', obj: { listOfMaps: [{ name: 'a', value: { a: 'x', c: 'z' } }] } },
    ],
    object: { listOfMaps: [{ name: 'a', value: { a: 'x', c: 'z' } }] },
    managed: { default: [`.listOfMaps${K('a')}`, `.listOfMaps${K('a')}.name`, `.listOfMaps${K('a')}.value.a`, `.listOfMaps${K('a')}.value.c`] },
  },
  {
    name: 'mapOfLists_change_key_and_value',
    ops: [
      { apply: 'default', obj: { mapOfLists: { a: ['b', 'c'] } } },
      { apply: 'default', obj: { mapOfLists: { b: ['a', 'c'] } } },
    ],
    object: { mapOfLists: { b: ['a', 'c'] } },
    managed: { default: ['.mapOfLists.b', `.mapOfLists.b${V('a')}`, `.mapOfLists.b${V('c')}`] },
  },
  {
    name: 'mapOfMaps_change_value',
    ops: [
      { apply: 'default', obj: { mapOfMaps: { a: { b: 'x', c: 'y' } } } },
      { apply: 'default', obj: { mapOfMaps: { a: { a: 'x', c: 'z' } } } },
    ],
    object: { mapOfMaps: { a: { a: 'x', c: 'z' } } },
    managed: { default: ['.mapOfMaps.a', '.mapOfMaps.a.a', '.mapOfMaps.a.c'] },
  },
  {
    name: 'mapOfMapsRecursive_change_middle_key',
    ops: [
      { apply: 'default', obj: { mapOfMapsRecursive: { a: { b: { c: null } } } } },
      { apply: 'default', obj: { mapOfMapsRecursive: { a: { d: { c: null } } } } },
    ],
    object: { mapOfMapsRecursive: { a: { d: { c: null } } } },
    managed: { default: ['.mapOfMapsRecursive.a', '.mapOfMapsRecursive.a.d', '.mapOfMapsRecursive.a.d.c'] },
  },
  {
    name: 'struct_apply_remove_all',
    ops: [
      { apply: 'default', obj: { struct: { name: 'a', value: 1 } } },
      { apply: 'default', obj: {} },
    ],
    object: {},
    managed: {},
  },
  {
    name: 'struct_apply_remove_dangling',
    ops: [
      { apply: 'default', obj: { struct: { name: 'a' } } },
      { apply: 'default', obj: { struct: null } },
    ],
    object: { struct: null },
    managed: { default: ['.struct'] },
  },
  {
    name: 'struct_apply_update_remove_all',
    ops: [
      { apply: 'default', obj: { struct: { name: 'a' } } },
      { update: 'controller', obj: { struct: { name: 'a', value: 1 } } },
      { apply: 'default', obj: {} },
    ],
    object: { struct: { value: 1 } },
  },
  {
    name: 'struct_apply_update_dict_dangling',
    ops: [
      { apply: 'default', obj: { struct: { name: 'a' } } },
      { update: 'controller', obj: { struct: { name: 'a', value: 1 } } },
      { apply: 'default', obj: { struct: {} } },
    ],
    object: { struct: { value: 1 } },
  },
  {
    name: 'struct_apply_update_dict_null',
    ops: [
      { apply: 'default', obj: { struct: { name: 'a' } } },
      { update: 'controller', obj: { struct: { name: 'a', value: 1 } } },
      { apply: 'default', obj: { struct: null } },
    ],
    object: { struct: { value: 1 } },
  },
  {
    name: 'struct_apply_update_took_over',
    ops: [
      { apply: 'default', obj: { struct: { name: 'a' } } },
      { update: 'controller', obj: { struct: { name: 'b', value: 1 } } },
      { apply: 'default', obj: { struct: null } },
    ],
    object: { struct: { name: 'b', value: 1 } },
  },
  {
    name: 'remove_one_keep_one_with_two_sub_items',
    ops: [
      { apply: 'apply-one', obj: { listOfLists: [{ name: 'a' }, { name: 'b', value: ['c'] }] } },
      { apply: 'apply-two', obj: { listOfLists: [{ name: 'b', value: ['d'] }] } },
      { apply: 'apply-one', obj: { listOfLists: [{ name: 'a' }] } },
    ],
    object: { listOfLists: [{ name: 'a' }, { name: 'b', value: ['d'] }] },
    managed: {
      'apply-one': [`.listOfLists${K('a')}`, `.listOfLists${K('a')}.name`],
      'apply-two': [`.listOfLists${K('b')}`, `.listOfLists${K('b')}.name`, `.listOfLists${K('b')}.value${V('d')}`],
    },
  },
  {
    name: 'multiple_appliers_recursive_map',
    ops: [
      { apply: 'apply-one', obj: { mapOfMapsRecursive: { a: { b: null }, c: { d: null } } } },
      { apply: 'apply-two', obj: { mapOfMapsRecursive: { a: null, c: { d: null } } } },
      { update: 'controller-one', obj: { mapOfMapsRecursive: { a: { b: { c: null } }, c: { d: { e: null } } } } },
      { update: 'controller-two', obj: { mapOfMapsRecursive: { a: { b: { c: { d: null } } }, c: { d: { e: { f: null } } } } } },
      { update: 'controller-one', obj: { mapOfMapsRecursive: { a: { b: { c: { d: { e: null } } } }, c: { d: { e: { f: { g: null } } } } } } },
      { apply: 'apply-one', obj: { mapOfMapsRecursive: null } },
    ],
    object: { mapOfMapsRecursive: { a: null, c: { d: { e: { f: { g: null } } } } } },
    managed: {
      'apply-one': ['.mapOfMapsRecursive'],
      'apply-two': ['.mapOfMapsRecursive.a', '.mapOfMapsRecursive.c', '.mapOfMapsRecursive.c.d'],
      'controller-one': ['.mapOfMapsRecursive.c.d.e', '.mapOfMapsRecursive.c.d.e.f.g'],
      'controller-two': ['.mapOfMapsRecursive.c.d.e.f'],
    },
  },
  {
    name: 'update_apply_omits (leaf_test)',
    ops: [
      { apply: 'default', obj: { numeric: 2 } },
      { update: 'controller', obj: { numeric: 1 } },
      { apply: 'default', obj: {} },
    ],
    object: { numeric: 1 },
    managed: { controller: ['.numeric'] },
  },
  {
    name: 'apply_update_apply_with_conflict (leaf_test)',
    ops: [
      { apply: 'default', obj: { numeric: 1, string: 'string' } },
      { update: 'controller', obj: { numeric: 1, string: 'controller string', bool: true } },
      { apply: 'default', obj: { numeric: 2, string: 'user string' }, conflicts: ['controller .string'] },
      { apply: 'default', obj: { numeric: 2, string: 'user string' }, force: true },
    ],
    object: { numeric: 2, string: 'user string', bool: true },
    managed: { default: ['.numeric', '.string'], controller: ['.bool'] },
  },
];

function run(c: Case): { object: unknown; managers: Managers } {
  let live: unknown = {};
  let managers: Managers = new Map();
  for (const op of c.ops) {
    if ('apply' in op) {
      const r = applyManagers(live, op.obj, managers, op.apply, op.force ?? false, OPTS);
      if (!r.ok) {
        assert.deepEqual(r.conflicts.map((x) => `${x.manager} ${pathString(x.path)}`), op.conflicts, 'conflicts');
        continue;
      }
      assert.equal(op.conflicts, undefined, 'expected conflicts');
      if (r.object !== undefined) live = r.object;
      managers = r.managers;
    } else {
      managers = updateManagers(live, op.obj, managers, op.update, OPTS);
      live = op.obj;
    }
  }
  return { object: live, managers };
}

describe('server-side apply: structured-merge-diff\'s ownership cases on its nested schema', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { object, managers } = run(c);
      assert.deepEqual(object, c.object);
      if (c.managed) {
        const got = Object.fromEntries([...managers].map(([m, vs]) => [m, vs.set.sortedPaths().map(pathString)]));
        assert.deepEqual(got, c.managed);
      }
    });
  }
});
