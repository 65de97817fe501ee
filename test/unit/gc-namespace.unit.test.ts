import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  estimateSeconds,
  planNamespaceDeletion,
  updateNamespaceConditions,
  type NamespaceCondition,
} from '../../services/controller-manager/namespace/index.js';
import { at, deepFreeze, ms, newNamespace, newObject, newPod } from './controller-fixtures.js';

const terminating = (o: Parameters<typeof newNamespace>[0] = {}) => newNamespace({ deletionTimestamp: at(0), ...o });
const NS = 'team-a';
const okConditions = (time: string): NamespaceCondition[] => [
  { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered', lastTransitionTime: time },
  { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed', lastTransitionTime: time },
  { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization', lastTransitionTime: time },
  { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed', lastTransitionTime: time },
  { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished', lastTransitionTime: time },
];

describe('planNamespaceDeletion', () => {
  it('an active namespace: nothing to do', () => {
    assert.deepEqual(planNamespaceDeletion(newNamespace(), [newPod({ namespace: NS })], ms(0)), { done: true, deletes: [] });
  });

  it('already finalized (no kubernetes finalizer): nothing to do', () => {
    assert.deepEqual(planNamespaceDeletion(terminating({ specFinalizers: [] }), [], ms(0)), { done: true, deletes: [] });
  });

  it('empty: finalize, keeping other spec finalizers, and report all-clear conditions', () => {
    const p = planNamespaceDeletion(deepFreeze(terminating({ specFinalizers: ['kubernetes', 'example.com/x'] })), [], ms(5));
    assert.deepEqual(p.finalize, { finalizers: ['example.com/x'] });
    assert.deepEqual(p.deletes, []);
    assert.equal(p.requeueAfterSeconds, undefined);
    assert.deepEqual(p.status, { phase: 'Terminating', conditions: okConditions(at(5)) });
  });

  it('content left: delete it (controllers first), report it, requeue, do not finalize', () => {
    const content = deepFreeze([
      newObject('ConfigMap', { name: 'cfg', namespace: NS }),
      newPod({ name: 'p2', namespace: NS, phase: 'Running', spec: { terminationGracePeriodSeconds: 10 } }),
      newPod({ name: 'p1', namespace: NS, phase: 'Running' }),
      newObject('Deployment', { name: 'web', namespace: NS }),
      newObject('ConfigMap', { name: 'elsewhere', namespace: 'other' }),
    ]);
    const p = planNamespaceDeletion(terminating(), content, ms(0));
    assert.deepEqual(
      p.deletes.map((d) => `${d.target.kind}/${d.target.name}:${d.propagationPolicy}`),
      ['Deployment/web:Background', 'Pod/p1:Background', 'Pod/p2:Background', 'ConfigMap/cfg:Background'],
    );
    assert.equal(p.finalize, undefined);
    assert.equal(p.requeueAfterSeconds, 16, 'max grace 30s → 30/2 + 1');
    const remaining = p.status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining');
    assert.deepEqual(remaining, {
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: configmaps. has 1 resource instances, deployments.apps has 1 resource instances, pods. has 2 resource instances',
      lastTransitionTime: at(0),
    });
  });

  it('objects already being deleted are not deleted again; finalizers are reported', () => {
    const content = [
      newObject('ConfigMap', { name: 'held', namespace: NS, deletionTimestamp: at(0), finalizers: ['example.com/hold'] }),
      newObject('Secret', { name: 's', namespace: NS, deletionTimestamp: at(0), finalizers: ['example.com/hold', 'foregroundDeletion'] }),
    ];
    const p = planNamespaceDeletion(terminating(), content, ms(0));
    assert.deepEqual(p.deletes, []);
    assert.equal(p.requeueAfterSeconds, 8, 'finalizer estimate 15s → 15/2 + 1');
    assert.deepEqual(p.status?.conditions?.find((c) => c.type === 'NamespaceFinalizersRemaining'), {
      type: 'NamespaceFinalizersRemaining',
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 2 resource instances, foregroundDeletion in 1 resource instances',
      lastTransitionTime: at(0),
    });
  });

  it('delete errors of the previous round are reported', () => {
    const p = planNamespaceDeletion(terminating(), [], ms(0), { deleteErrors: ['b failed', 'a failed'] });
    assert.deepEqual(p.status?.conditions?.find((c) => c.type === 'NamespaceDeletionContentFailure'), {
      type: 'NamespaceDeletionContentFailure',
      status: 'True',
      reason: 'ContentDeletionFailed',
      message: 'Failed to delete all resource types, 2 remaining: a failed, b failed',
      lastTransitionTime: at(0),
    });
  });

  it('replanning an unchanged state writes no status', () => {
    const ns = terminating({ conditions: okConditions(at(0)) as unknown as Record<string, unknown>[] });
    const p = planNamespaceDeletion(ns, [], ms(100));
    assert.equal(p.status, undefined);
    assert.deepEqual(p.finalize, { finalizers: [] });
  });
});

describe('updateNamespaceConditions', () => {
  const failure: NamespaceCondition = { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 1 resource instances' };
  it('lastTransitionTime moves only when the status changes', () => {
    const first = updateNamespaceConditions(undefined, [failure], ms(0))!;
    const second = updateNamespaceConditions(first, [{ ...failure, message: 'Some resources are remaining: pods. has 2 resource instances' }], ms(10))!;
    const c2 = second.find((c) => c.type === 'NamespaceContentRemaining')!;
    assert.equal(c2.lastTransitionTime, at(0), 'message change keeps the time');
    assert.match(c2.message!, /2 resource instances/);
    const third = updateNamespaceConditions(second, [], ms(20))!;
    const c3 = third.find((c) => c.type === 'NamespaceContentRemaining')!;
    assert.deepEqual([c3.status, c3.reason, c3.lastTransitionTime], ['False', 'ContentRemoved', at(20)]);
    assert.equal(updateNamespaceConditions(third, [], ms(30)), undefined);
  });
  it('keeps foreign condition types', () => {
    const out = updateNamespaceConditions([{ type: 'Custom', status: 'True' }], [], ms(0))!;
    assert.deepEqual(out[0], { type: 'Custom', status: 'True' });
    assert.equal(out.length, 6);
  });
});

describe('estimateSeconds', () => {
  const cases: [string, Parameters<typeof estimateSeconds>[0], number][] = [
    ['nothing', [], 0],
    ['pod with default grace', [newPod({ phase: 'Running' })], 30],
    ['terminal pods do not count', [newPod({ phase: 'Succeeded' })], 0],
    ['largest grace wins', [newPod({ spec: { terminationGracePeriodSeconds: 5 } }), newPod({ spec: { terminationGracePeriodSeconds: 60 } })], 60],
    ['finalizers only', [newObject('ConfigMap', { finalizers: ['x'] })], 15],
    ['no finalizers, no pods', [newObject('ConfigMap')], 0],
  ];
  for (const [name, content, want] of cases) it(name, () => assert.equal(estimateSeconds(content), want));
});
