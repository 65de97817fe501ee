import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValue, formatFieldSelector, matchesFields, parseFieldSelector } from '../../shared/resources/field-selectors.js';
import type { FieldRequirement } from '../../shared/resources/selector-types.js';
import { isApiError } from '../../shared/errors.js';
import { info, newObject, newPod } from './resource-fixtures.js';

describe('parseFieldSelector', () => {
  const cases: [string, string, FieldRequirement[]][] = [
    ['Pod', '', []],
    ['Pod', 'metadata.name=web', [{ field: 'metadata.name', operator: '=', value: 'web' }]],
    ['Pod', 'metadata.name==web', [{ field: 'metadata.name', operator: '=', value: 'web' }]],
    ['Pod', 'metadata.namespace!=kube-system', [{ field: 'metadata.namespace', operator: '!=', value: 'kube-system' }]],
    [
      'Pod',
      'spec.nodeName=n1,status.phase!=Failed',
      [
        { field: 'spec.nodeName', operator: '=', value: 'n1' },
        { field: 'status.phase', operator: '!=', value: 'Failed' },
      ],
    ],
    ['Pod', 'spec.nodeName=', [{ field: 'spec.nodeName', operator: '=', value: '' }]],
    ['Pod', 'spec.schedulerName=default-scheduler', [{ field: 'spec.schedulerName', operator: '=', value: 'default-scheduler' }]],
    ['Event', 'involvedObject.kind=Pod,involvedObject.name=web', [
      { field: 'involvedObject.kind', operator: '=', value: 'Pod' },
      { field: 'involvedObject.name', operator: '=', value: 'web' },
    ]],
    ['Event', 'type=Warning,reason=BackOff', [
      { field: 'type', operator: '=', value: 'Warning' },
      { field: 'reason', operator: '=', value: 'BackOff' },
    ]],
    ['Event', 'involvedObject.uid=123,involvedObject.namespace=default', [
      { field: 'involvedObject.uid', operator: '=', value: '123' },
      { field: 'involvedObject.namespace', operator: '=', value: 'default' },
    ]],
    ['Secret', 'type=kubernetes.io/tls', [{ field: 'type', operator: '=', value: 'kubernetes.io/tls' }]],
    ['ConfigMap', 'metadata.name=a\\,b', [{ field: 'metadata.name', operator: '=', value: 'a,b' }]],
    ['ConfigMap', 'metadata.name=a\\=b', [{ field: 'metadata.name', operator: '=', value: 'a=b' }]],
    ['Node', 'metadata.name=n1,', [{ field: 'metadata.name', operator: '=', value: 'n1' }]],
  ];
  for (const [kind, s, want] of cases) {
    it(`${kind}: ${JSON.stringify(s)}`, () => assert.deepEqual(parseFieldSelector(s, info(kind)), want));
  }

  const unsupported: [string, string, string][] = [
    ['Pod', 'spec.foo=x', 'spec.foo'],
    ['Pod', 'type=x', 'type'],
    ['ConfigMap', 'spec.nodeName=n1', 'spec.nodeName'],
    ['Deployment', 'status.phase=Running', 'status.phase'],
    ['Secret', 'reason=x', 'reason'],
  ];
  for (const [kind, s, field] of unsupported) {
    it(`${kind}: rejects ${JSON.stringify(s)} with "field label not supported"`, () => {
      assert.throws(
        () => parseFieldSelector(s, info(kind)),
        (e: unknown) => isApiError(e) && e.code === 400 && e.message === `field label not supported: ${field}`,
      );
    });
  }

  for (const s of ['metadata.name', 'foo', 'metadata.name=a,x']) {
    it(`rejects a term without an operator: ${JSON.stringify(s)}`, () => {
      assert.throws(() => parseFieldSelector(s, info('Pod')), (e: unknown) => isApiError(e) && e.code === 400);
    });
  }

  it('formats back to a parseable string', () => {
    const reqs = parseFieldSelector('metadata.name=a\\,b,status.phase!=Running', info('Pod'));
    assert.equal(formatFieldSelector(reqs), 'metadata.name=a\\,b,status.phase!=Running');
    assert.deepEqual(parseFieldSelector(formatFieldSelector(reqs), info('Pod')), reqs);
  });
});

describe('fieldValue and matchesFields', () => {
  const pod = newPod({ nodeName: 'n1', hostNetwork: true }, { name: 'web' });
  const running = { ...pod, status: { phase: 'Running' } };
  const event = newObject('Event', {
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' },
    reason: 'Scheduled',
    type: 'Normal',
    source: { component: 'scheduler' },
  });

  const values: [string, ReturnType<typeof newPod>, string, string][] = [
    ['name', pod, 'metadata.name', 'web'],
    ['namespace', pod, 'metadata.namespace', 'default'],
    ['nodeName', pod, 'spec.nodeName', 'n1'],
    ['absent phase', pod, 'status.phase', ''],
    ['phase', running, 'status.phase', 'Running'],
    ['boolean', pod, 'spec.hostNetwork', 'true'],
    ['event source is its component', event, 'source', 'scheduler'],
    ['event involvedObject', event, 'involvedObject.uid', 'u1'],
    ['missing', pod, 'spec.nothing.here', ''],
    ['absent boolean is false', newPod(), 'spec.hostNetwork', 'false'],
    ['absent unschedulable is false', newObject('Node'), 'spec.unschedulable', 'false'],
  ];
  for (const [name, obj, field, want] of values) {
    it(`fieldValue: ${name}`, () => assert.equal(fieldValue(obj, field), want));
  }

  const matches: [string, ReturnType<typeof newPod>, string, boolean][] = [
    ['Pod', pod, '', true],
    ['Pod', pod, 'spec.nodeName=n1', true],
    ['Pod', pod, 'spec.nodeName=n2', false],
    ['Pod', pod, 'spec.nodeName!=n2', true],
    ['Pod', newPod(), 'spec.nodeName=', true],
    ['Pod', pod, 'spec.nodeName=', false],
    ['Pod', running, 'status.phase=Running,spec.nodeName=n1', true],
    ['Pod', running, 'status.phase=Running,spec.nodeName=n2', false],
    ['Pod', running, 'status.phase!=Succeeded,status.phase!=Failed', true],
    ['Event', event, 'involvedObject.kind=Pod,reason=Scheduled', true],
    ['Event', event, 'type=Warning', false],
  ];
  for (const [kind, obj, sel, want] of matches) {
    it(`${JSON.stringify(sel)} ${want ? 'matches' : 'does not match'}`, () => {
      assert.equal(matchesFields(parseFieldSelector(sel, info(kind)), obj), want);
    });
  }
});
