/** List and watch options: Kubernetes' boolean query rule and ValidateListOptions' cases. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listOptions, queryBool } from '../../services/gateway/list-options.js';
import { isApiError } from '../../shared/errors.js';

describe('queryBool (Convert_Slice_string_To_bool)', () => {
  const cases: [string, boolean][] = [['true', true], ['1', true], ['', true], ['yes', true], ['False', false], ['F', false], ['0', false], ['FALSE', false]];
  for (const [v, want] of cases) it(`"${v}" → ${want}`, () => assert.equal(queryBool(v), want));
});

describe('listOptions', () => {
  const fields = (q: Record<string, string>, watch: boolean): string[] => {
    try {
      listOptions(q, watch);
      return [];
    } catch (e) {
      assert.ok(isApiError(e) && e.code === 422);
      return (e.details?.causes ?? []).map((c) => `${c.field} ${c.reason}`);
    }
  };
  const cases: [string, Record<string, string>, boolean, string[]][] = [
    ['a plain list', {}, false, []],
    ['Exact with a resourceVersion', { resourceVersion: '5', resourceVersionMatch: 'Exact' }, false, []],
    ['NotOlderThan with 0', { resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' }, false, []],
    ['a match without a resourceVersion', { resourceVersionMatch: 'NotOlderThan' }, false, ['resourceVersionMatch FieldValueForbidden']],
    ['a match with continue', { resourceVersion: '5', resourceVersionMatch: 'Exact', continue: 'x' }, false, ['resourceVersionMatch FieldValueForbidden']],
    ['Exact at 0', { resourceVersion: '0', resourceVersionMatch: 'Exact' }, false, ['resourceVersionMatch FieldValueForbidden']],
    ['an unknown match', { resourceVersion: '1', resourceVersionMatch: 'exact' }, false, ['resourceVersionMatch FieldValueNotSupported']],
    ['sendInitialEvents on a list', { sendInitialEvents: 'true' }, false, ['sendInitialEvents FieldValueForbidden']],
    ['a plain watch', {}, true, []],
    ['watch list', { sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan' }, true, []],
    ['sendInitialEvents=false with NotOlderThan', { sendInitialEvents: 'false', resourceVersionMatch: 'NotOlderThan' }, true, []],
    ['sendInitialEvents without a match', { sendInitialEvents: 'true' }, true, ['resourceVersionMatch FieldValueForbidden']],
    ['a watch match without sendInitialEvents', { resourceVersionMatch: 'NotOlderThan' }, true, ['resourceVersionMatch FieldValueForbidden']],
    ['Exact on a watch', { sendInitialEvents: 'true', resourceVersionMatch: 'Exact' }, true, ['resourceVersionMatch FieldValueForbidden', 'resourceVersionMatch FieldValueNotSupported']],
  ];
  for (const [name, q, watch, want] of cases) it(name, () => assert.deepEqual(fields(q, watch), want));
});
