import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatRequirements,
  fromLabelSelector,
  fromNodeSelectorRequirements,
  matchesLabels,
  parseLabelSelector,
  validateLabelSelector,
} from '../../shared/resources/selectors.js';
import type { Requirement } from '../../shared/resources/selector-types.js';
import { isApiError } from '../../shared/errors.js';
import { summary } from './resource-fixtures.js';

describe('parseLabelSelector', () => {
  const cases: [string, Requirement[]][] = [
    ['', []],
    ['   ', []],
    ['app=web', [{ key: 'app', operator: 'In', values: ['web'] }]],
    ['app==web', [{ key: 'app', operator: 'In', values: ['web'] }]],
    ['tier!=db', [{ key: 'tier', operator: 'NotIn', values: ['db'] }]],
    ['env in (a,b)', [{ key: 'env', operator: 'In', values: ['a', 'b'] }]],
    ['env notin (b, a)', [{ key: 'env', operator: 'NotIn', values: ['a', 'b'] }]],
    ['env in (a,a)', [{ key: 'env', operator: 'In', values: ['a'] }]],
    ['legacy', [{ key: 'legacy', operator: 'Exists', values: [] }]],
    ['!legacy', [{ key: 'legacy', operator: 'DoesNotExist', values: [] }]],
    ['x=', [{ key: 'x', operator: 'In', values: [''] }]],
    ['x=,z= ', [{ key: 'x', operator: 'In', values: [''] }, { key: 'z', operator: 'In', values: [''] }]],
    ['x in (a,)', [{ key: 'x', operator: 'In', values: ['', 'a'] }]],
    ['x>1', [{ key: 'x', operator: 'Gt', values: ['1'] }]],
    ['x<5', [{ key: 'x', operator: 'Lt', values: ['5'] }]],
    ['example.com/team=core', [{ key: 'example.com/team', operator: 'In', values: ['core'] }]],
    [
      // sorted by key, as Kubernetes keeps them
      ' z=c , x!=a,y in ( b ) , !w ',
      [
        { key: 'w', operator: 'DoesNotExist', values: [] },
        { key: 'x', operator: 'NotIn', values: ['a'] },
        { key: 'y', operator: 'In', values: ['b'] },
        { key: 'z', operator: 'In', values: ['c'] },
      ],
    ],
  ];
  for (const [input, want] of cases) {
    it(`parses ${JSON.stringify(input)}`, () => assert.deepEqual(parseLabelSelector(input), want));
  }

  const bad = [
    'x=a||y=b',
    'x==a==b',
    '!x=a',
    'x<a',
    'x in ()',
    'x notin ( )',
    'x in (a',
    'x in a',
    'x=a,',
    ',x=a',
    'x=a,,y=b',
    'x=a b',
    '=a',
    'x=(a)',
    'Example.com/x=a', // prefix must be a lowercase DNS subdomain
    'a/b/c=d',
    'x=-a', // value must start with an alphanumeric
    `x=${'a'.repeat(64)}`,
    `${'k'.repeat(64)}=v`,
    'x in (a,-b)',
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)} with 400`, () => {
      assert.throws(
        () => parseLabelSelector(input),
        (e: unknown) => isApiError(e) && e.code === 400 && e.reason === 'BadRequest' && e.message.includes('label selector'),
      );
    });
  }
});

describe('formatRequirements', () => {
  const cases: [string, string][] = [
    ['app=web', 'app=web'],
    ['app==web', 'app=web'],
    ['tier!=db', 'tier!=db'],
    ['env in (b, a)', 'env in (a,b)'],
    ['env notin (b,a)', 'env notin (a,b)'],
    ['legacy', 'legacy'],
    ['!legacy', '!legacy'],
    ['x>1', 'x>1'],
    ['b=2,a=1', 'a=1,b=2'],
    ['x=', 'x='],
  ];
  for (const [input, want] of cases) {
    it(`formats ${JSON.stringify(input)} as ${JSON.stringify(want)} and reads it back`, () => {
      const reqs = parseLabelSelector(input);
      assert.equal(formatRequirements(reqs), want);
      assert.deepEqual(parseLabelSelector(formatRequirements(reqs)), reqs);
    });
  }
  it('formats the empty selector as ""', () => assert.equal(formatRequirements([]), ''));
});

describe('matchesLabels', () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', {}, true],
    ['', undefined, true],
    ['', { a: 'b' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y', { x: 'y', z: 'w' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=y', {}, false],
    ['x=y', undefined, false],
    ['x!=y', { x: 'y' }, false],
    ['x!=y', { x: 'z' }, true],
    ['x!=y', {}, true], // NotIn matches an absent key, like Kubernetes
    ['x notin (a,b)', { y: 'a' }, true],
    ['x notin (a,b)', { x: 'b' }, false],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x', { x: '' }, true],
    ['x', { y: 'x' }, false],
    ['!x', {}, true],
    ['!x', { x: 'y' }, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x>1', { x: '2' }, true],
    ['x>1', { x: '1' }, false],
    ['x>1', { x: 'two' }, false],
    ['x>1', {}, false],
    ['x<5', { x: '-3' }, true],
    ['x=a,y=b', { x: 'a', y: 'b' }, true],
    ['x=a,y=b', { x: 'a' }, false],
    ['app=web,tier!=db,!legacy', { app: 'web', tier: 'fe' }, true],
    ['app=web,tier!=db,!legacy', { app: 'web', legacy: 'true' }, false],
  ];
  for (const [sel, labels, want] of cases) {
    it(`${JSON.stringify(sel)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(sel), labels), want);
    });
  }
  it('does not match inherited properties as labels', () => {
    assert.equal(matchesLabels(parseLabelSelector('toString'), {}), false);
  });
});

describe('fromLabelSelector', () => {
  it('turns matchLabels and matchExpressions into requirements, sorted by key', () => {
    const reqs = fromLabelSelector({
      matchLabels: { tier: 'fe', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    assert.deepEqual(reqs, [
      { key: 'app', operator: 'In', values: ['web'] },
      { key: 'env', operator: 'In', values: ['dev', 'prod'] },
      { key: 'legacy', operator: 'DoesNotExist', values: [] },
      { key: 'tier', operator: 'In', values: ['fe'] },
    ]);
    assert.equal(formatRequirements(reqs), 'app=web,env in (dev,prod),!legacy,tier=fe');
  });
  it('selects everything for {}', () => {
    assert.deepEqual(fromLabelSelector({}), []);
    assert.equal(matchesLabels(fromLabelSelector({}), { any: 'thing' }), true);
  });
  it('throws Invalid (422) with causes for a bad selector', () => {
    assert.throws(
      () => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }),
      (e: unknown) => isApiError(e) && e.code === 422 && (e.details?.causes?.length ?? 0) === 1,
    );
  });
});

describe('validateLabelSelector', () => {
  const cases: [string, unknown, string[]][] = [
    ['valid', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'Exists' }] }, []],
    ['undefined', undefined, []],
    ['In without values', { matchExpressions: [{ key: 'x', operator: 'In' }] }, ['spec.selector.matchExpressions[0].values: FieldValueRequired']],
    ['NotIn with []', { matchExpressions: [{ key: 'x', operator: 'NotIn', values: [] }] }, ['spec.selector.matchExpressions[0].values: FieldValueRequired']],
    ['Exists with values', { matchExpressions: [{ key: 'x', operator: 'Exists', values: ['a'] }] }, ['spec.selector.matchExpressions[0].values: FieldValueForbidden']],
    ['DoesNotExist with values', { matchExpressions: [{ key: 'x', operator: 'DoesNotExist', values: ['a'] }] }, ['spec.selector.matchExpressions[0].values: FieldValueForbidden']],
    ['Gt is not a label selector operator', { matchExpressions: [{ key: 'x', operator: 'Gt', values: ['1'] }] }, ['spec.selector.matchExpressions[0].operator: FieldValueNotSupported']],
    ['missing operator', { matchExpressions: [{ key: 'x' }] }, ['spec.selector.matchExpressions[0].operator: FieldValueRequired']],
    ['bad key', { matchExpressions: [{ key: 'a b', operator: 'Exists' }] }, ['spec.selector.matchExpressions[0].key: FieldValueInvalid']],
    ['bad value', { matchExpressions: [{ key: 'a', operator: 'In', values: ['-x'] }] }, ['spec.selector.matchExpressions[0].values[0]: FieldValueInvalid']],
    ['bad matchLabels value', { matchLabels: { app: 'web app' } }, ['spec.selector.matchLabels: FieldValueInvalid']],
    ['bad matchLabels key', { matchLabels: { '-app': 'web' } }, ['spec.selector.matchLabels: FieldValueInvalid']],
  ];
  for (const [name, ls, want] of cases) {
    it(name, () => assert.deepEqual(summary(validateLabelSelector(ls, 'spec.selector')), want));
  }
  it('phrases the operator error like Kubernetes', () => {
    const [c] = validateLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Foo' }] }, 'selector');
    assert.equal(c?.message, 'Unsupported value: "Foo": supported values: "DoesNotExist", "Exists", "In", "NotIn"');
  });
});

describe('fromNodeSelectorRequirements', () => {
  it('keeps Gt and Lt for node affinity', () => {
    const reqs = fromNodeSelectorRequirements([{ key: 'cores', operator: 'Gt', values: ['4'] }]);
    assert.equal(matchesLabels(reqs, { cores: '8' }), true);
    assert.equal(matchesLabels(reqs, { cores: '2' }), false);
  });
});
