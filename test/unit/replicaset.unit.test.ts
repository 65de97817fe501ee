import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  adoptPatch,
  BURST_REPLICAS,
  calculateReplicaSetStatus,
  classifyPods,
  getControllerOf,
  isPodActive,
  isPodAvailable,
  isPodReady,
  msUntilNextAvailable,
  newControllerRef,
  podFromTemplate,
  releasePatch,
  replicaDiff,
  slowStartBatch,
  slowStartBatchSizes,
  statusEqual,
} from '../../services/controller-manager/replicaset/index.js';
import type { Pod, ReplicaSetStatus } from '../../shared/resources/types.js';
import { at, deepFreeze, ms, newPod, newReplicaSet, ownerRef } from './controller-fixtures.js';

const names = (pods: readonly Pod[]): string[] => pods.map((p) => p.metadata.name!);

describe('isPodActive', () => {
  const cases: [string, Pod, boolean][] = [
    ['pending', newPod({ phase: 'Pending' }), true],
    ['running', newPod({ phase: 'Running' }), true],
    ['unknown', newPod({ phase: 'Unknown' }), true],
    ['no phase yet', newPod(), true],
    ['succeeded', newPod({ phase: 'Succeeded' }), false],
    ['failed', newPod({ phase: 'Failed' }), false],
    ['running but being deleted', newPod({ phase: 'Running', deletionTimestamp: at(0) }), false],
  ];
  for (const [name, pod, want] of cases) it(name, () => assert.equal(isPodActive(pod), want));
});

describe('isPodReady', () => {
  it('needs a Ready=True condition', () => {
    assert.equal(isPodReady(newPod({ phase: 'Running', ready: true })), true);
    assert.equal(isPodReady(newPod({ phase: 'Running', ready: false })), false);
    assert.equal(isPodReady(newPod({ phase: 'Running' })), false);
  });
});

describe('isPodAvailable', () => {
  const readyAt0 = newPod({ phase: 'Running', ready: true, readySince: at(0) });
  const cases: [string, Pod, number, number, boolean][] = [
    ['minReadySeconds 0: ready is enough', readyAt0, 0, ms(0), true],
    ['not ready is never available', newPod({ phase: 'Running', ready: false, readySince: at(-100) }), 0, ms(0), false],
    ['before the boundary', readyAt0, 10, ms(9), false],
    ['exactly at the boundary (must be strictly after)', readyAt0, 10, ms(10), false],
    ['1ms after the boundary', readyAt0, 10, ms(10) + 1, true],
    ['long after', readyAt0, 10, ms(3600), true],
    ['ready without transition time, minReadySeconds > 0', newPod({ phase: 'Running', ready: true }), 10, ms(3600), false],
    ['ready without transition time, minReadySeconds 0', newPod({ phase: 'Running', ready: true }), 0, ms(0), true],
  ];
  for (const [name, pod, minReady, now, want] of cases) {
    it(name, () => assert.equal(isPodAvailable(pod, minReady, now), want));
  }
  it('accepts a Date', () => assert.equal(isPodAvailable(readyAt0, 10, new Date(ms(11))), true));
});

describe('classifyPods', () => {
  const rs = newReplicaSet({ uid: 'rs-1' });
  const other = newReplicaSet({ name: 'other', uid: 'rs-2' });
  const mine = ownerRef(rs);
  const cases: [string, Pod, 'owned' | 'adopt' | 'release' | 'ignored'][] = [
    ['controlled and matching → owned', newPod({ name: 'a', labels: { app: 'web' }, ownerReferences: [mine] }), 'owned'],
    ['controlled, matching, extra labels → owned', newPod({ name: 'a', labels: { app: 'web', x: 'y' }, ownerReferences: [mine] }), 'owned'],
    ['controlled, labels changed → release', newPod({ name: 'b', labels: { app: 'api' }, ownerReferences: [mine] }), 'release'],
    ['orphan matching → adopt', newPod({ name: 'c', labels: { app: 'web' } }), 'adopt'],
    ['orphan with non-controller owner ref, matching → adopt', newPod({ name: 'c', labels: { app: 'web' }, ownerReferences: [ownerRef(other, { controller: false })] }), 'adopt'],
    ['orphan not matching → ignored', newPod({ name: 'd', labels: { app: 'api' } }), 'ignored'],
    ['orphan matching but being deleted → ignored', newPod({ name: 'e', labels: { app: 'web' }, deletionTimestamp: at(0) }), 'ignored'],
    ['controlled by another RS → ignored', newPod({ name: 'f', labels: { app: 'web' }, ownerReferences: [ownerRef(other)] }), 'ignored'],
    ['matching orphan in another namespace → ignored', newPod({ name: 'g', namespace: 'other', labels: { app: 'web' } }), 'ignored'],
  ];
  for (const [name, pod, want] of cases) {
    it(name, () => {
      const c = classifyPods(rs, [pod]);
      assert.equal(c.invalidSelector, false);
      assert.deepEqual(
        { owned: names(c.owned), adopt: names(c.adopt), release: names(c.release), ignored: names(c.ignored) },
        { owned: [], adopt: [], release: [], ignored: [], [want]: [pod.metadata.name] },
      );
    });
  }

  it('a ReplicaSet being deleted neither adopts nor releases', () => {
    const deleting = newReplicaSet({ uid: 'rs-1', deletionTimestamp: at(0) });
    const c = classifyPods(deleting, [
      newPod({ name: 'owned', labels: { app: 'web' }, ownerReferences: [mine] }),
      newPod({ name: 'stale', labels: { app: 'api' }, ownerReferences: [mine] }),
      newPod({ name: 'orphan', labels: { app: 'web' } }),
    ]);
    assert.deepEqual(names(c.owned), ['owned']);
    assert.deepEqual(names(c.adopt), []);
    assert.deepEqual(names(c.release), []);
    assert.deepEqual(names(c.ignored), ['stale', 'orphan']);
  });

  it('matchExpressions selectors', () => {
    const exprRs = newReplicaSet({ uid: 'rs-1', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] } });
    const c = classifyPods(exprRs, [newPod({ name: 'x', labels: { tier: 'be' } }), newPod({ name: 'y', labels: { tier: 'db' } })]);
    assert.deepEqual(names(c.adopt), ['x']);
  });

  for (const [name, selector] of [
    ['empty selector', {}],
    ['invalid selector', { matchExpressions: [{ key: 'x', operator: 'In' as const, values: [] }] }],
  ] as const) {
    it(`${name}: nothing claimed, nothing released`, () => {
      const bad = newReplicaSet({ uid: 'rs-1', selector });
      const pods = [newPod({ name: 'a', labels: { app: 'web' }, ownerReferences: [mine] }), newPod({ name: 'b' })];
      const c = classifyPods(bad, pods);
      assert.equal(c.invalidSelector, true);
      assert.deepEqual([c.owned, c.adopt, c.release].map((x) => x.length), [0, 0, 0]);
    });
  }
});

describe('controller references and patches', () => {
  const rs = newReplicaSet({ uid: 'rs-1' });
  it('newControllerRef', () => {
    assert.deepEqual(newControllerRef(rs), {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1', controller: true, blockOwnerDeletion: true,
    });
    assert.equal(newControllerRef(rs, 'apps/v1beta2', 'ReplicaSet').apiVersion, 'apps/v1beta2');
    assert.throws(() => newControllerRef(newReplicaSet({ uid: '' })));
  });
  it('getControllerOf ignores non-controller refs', () => {
    const p = newPod({ ownerReferences: [ownerRef(rs, { controller: false })] });
    assert.equal(getControllerOf(p), undefined);
  });
  it('adopt and release patches carry the pod uid as precondition', () => {
    const pod = newPod({ uid: 'pod-1' });
    assert.deepEqual(adoptPatch(pod, newControllerRef(rs)), { metadata: { uid: 'pod-1', ownerReferences: [newControllerRef(rs)] } });
    assert.deepEqual(releasePatch(pod, 'rs-1'), { metadata: { uid: 'pod-1', ownerReferences: [{ $patch: 'delete', uid: 'rs-1' }] } });
  });
});

describe('podFromTemplate', () => {
  it('builds the pod Kubernetes would create', () => {
    const rs = deepFreeze(newReplicaSet({ uid: 'rs-1', templateLabels: { app: 'web', tier: 'fe' }, templateAnnotations: { a: 'b' } }));
    const pod = podFromTemplate(rs);
    assert.deepEqual(pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: 'web-abc-',
        namespace: 'default',
        labels: { app: 'web', tier: 'fe' },
        annotations: { a: 'b' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1', controller: true, blockOwnerDeletion: true }],
      },
      spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] },
    });
    // nothing shared with the (frozen) ReplicaSet
    (pod.metadata.labels as Record<string, string>).x = 'y';
    (pod.spec.containers as unknown as { image: string }[])[0]!.image = 'changed';
    assert.equal(rs.spec.template.spec.containers[0]!.image, 'nginx:1.25');
  });
});

describe('replicaDiff', () => {
  const pods = (n: number): Pod[] => Array.from({ length: n }, (_, i) => newPod({ name: `p${i}` }));
  const cases: [string, number | undefined, number, number, number][] = [
    ['scale up', 3, 1, BURST_REPLICAS, 2],
    ['scale down', 3, 5, BURST_REPLICAS, -2],
    ['steady', 3, 3, BURST_REPLICAS, 0],
    ['replicas defaults to 1', undefined, 0, BURST_REPLICAS, 1],
    ['scale to zero', 0, 4, BURST_REPLICAS, -4],
    ['burst bounds creations', 1000, 0, BURST_REPLICAS, 500],
    ['burst bounds deletions', 0, 1000, BURST_REPLICAS, -500],
    ['custom burst', 10, 0, 3, 3],
  ];
  for (const [name, replicas, have, burst, want] of cases) {
    it(name, () => {
      const rs = newReplicaSet({ replicas: 0 });
      const r = replicas === undefined ? { ...rs, spec: { ...rs.spec, replicas: undefined } } : { ...rs, spec: { ...rs.spec, replicas } };
      assert.equal(replicaDiff(r, have, burst), want);
      if (have <= 10) assert.equal(replicaDiff(r, pods(have), burst), want);
    });
  }
});

describe('slowStartBatchSizes', () => {
  const cases: [number, number, number[]][] = [
    [0, 1, []],
    [1, 1, [1]],
    [10, 1, [1, 2, 4, 3]],
    [15, 1, [1, 2, 4, 8]],
    [16, 1, [1, 2, 4, 8, 1]],
    [500, 1, [1, 2, 4, 8, 16, 32, 64, 128, 245]],
    [5, 3, [3, 2]],
  ];
  for (const [count, initial, want] of cases) {
    it(`${count} from ${initial}`, () => {
      const got = [...slowStartBatchSizes(count, initial)];
      assert.deepEqual(got, want);
      assert.equal(got.reduce((a, b) => a + b, 0), count);
    });
  }

  it('slowStartBatch stops after the first failing batch', async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls === 5) throw new Error('quota exceeded');
    });
    // batches 1, 2, 4: the 5th call is in the third batch, which still completes
    assert.equal(calls, 7);
    assert.equal(r.successes, 6);
    assert.equal((r.error as Error).message, 'quota exceeded');
  });

  it('slowStartBatch all succeed', async () => {
    const r = await slowStartBatch(10, 1, async () => undefined);
    assert.deepEqual(r, { successes: 10 });
  });
});

describe('calculateReplicaSetStatus', () => {
  const now = ms(100);
  const ready = (name: string, since: number, labels: Record<string, string> = { app: 'web' }): Pod =>
    newPod({ name, labels, phase: 'Running', ready: true, readySince: at(since) });

  it('counts replicas, fully labeled, ready and available', () => {
    const rs = newReplicaSet({ replicas: 4, minReadySeconds: 30, templateLabels: { app: 'web', tier: 'fe' }, generation: 7 });
    const pods = [
      ready('old', 0, { app: 'web', tier: 'fe' }), // available
      ready('new', 80, { app: 'web', tier: 'fe' }), // ready, not yet available
      ready('partial', 0), // not fully labeled
      newPod({ name: 'pending', labels: { app: 'web', tier: 'fe' }, phase: 'Pending' }),
      newPod({ name: 'done', labels: { app: 'web', tier: 'fe' }, phase: 'Succeeded' }), // inactive: skipped
    ];
    assert.deepEqual(calculateReplicaSetStatus(rs, pods, now), {
      replicas: 4,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 2,
      observedGeneration: 7,
    });
  });

  it('availability boundary follows minReadySeconds', () => {
    const rs = newReplicaSet({ minReadySeconds: 10 });
    const pods = [ready('a', 0)];
    assert.equal(calculateReplicaSetStatus(rs, pods, ms(10)).availableReplicas, 0);
    assert.equal(calculateReplicaSetStatus(rs, pods, ms(10) + 1).availableReplicas, 1);
    assert.equal(msUntilNextAvailable(rs, pods, ms(4)), 6001);
    assert.equal(msUntilNextAvailable(rs, pods, ms(11)), undefined);
    assert.equal(msUntilNextAvailable(newReplicaSet(), pods, ms(4)), undefined);
  });

  it('adds ReplicaFailure on a create error, keeps it while failing, removes it on success', () => {
    const rs = newReplicaSet({ replicas: 3 });
    const s1 = calculateReplicaSetStatus(rs, [ready('a', 0)], now, new Error('pods "web-abc-x" is forbidden: exceeded quota'));
    assert.deepEqual(s1.conditions, [
      { type: 'ReplicaFailure', status: 'True', lastTransitionTime: at(100), reason: 'FailedCreate', message: 'pods "web-abc-x" is forbidden: exceeded quota' },
    ]);
    const failing = newReplicaSet({ replicas: 3, status: s1 });
    const s2 = calculateReplicaSetStatus(failing, [ready('a', 0)], ms(200), 'another error');
    assert.deepEqual(s2.conditions, s1.conditions, 'the first failure condition is kept');
    const s3 = calculateReplicaSetStatus(failing, [ready('a', 0)], ms(300));
    assert.equal(s3.conditions, undefined);
  });

  it('a delete error gives FailedDelete', () => {
    const rs = newReplicaSet({ replicas: 1 });
    const s = calculateReplicaSetStatus(rs, [ready('a', 0), ready('b', 0)], now, 'boom');
    assert.equal(s.conditions?.[0]?.reason, 'FailedDelete');
  });

  it('keeps foreign conditions', () => {
    const other = { type: 'Custom', status: 'True' as const };
    const rs = newReplicaSet({ status: { replicas: 0, conditions: [other] } });
    assert.deepEqual(calculateReplicaSetStatus(rs, [], now).conditions, [other]);
  });

  it('does not mutate its inputs', () => {
    const rs = deepFreeze(newReplicaSet({ status: { replicas: 0 } }));
    const pods = deepFreeze([ready('a', 0)]);
    calculateReplicaSetStatus(rs, pods, now, 'err');
  });
});

describe('statusEqual', () => {
  const base: ReplicaSetStatus = { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 };
  const cases: [string, ReplicaSetStatus | undefined, ReplicaSetStatus | undefined, boolean][] = [
    ['same', base, { ...base }, true],
    ['absent counts as zero', { replicas: 0 }, { replicas: 0, readyReplicas: 0, fullyLabeledReplicas: 0, availableReplicas: 0 }, true],
    ['undefined vs zero status', undefined, { replicas: 0 }, true],
    ['ready differs', base, { ...base, readyReplicas: 3 }, false],
    ['observedGeneration differs', base, { ...base, observedGeneration: 3 }, false],
    ['conditions differ', base, { ...base, conditions: [{ type: 'ReplicaFailure', status: 'True' }] }, false],
    ['empty conditions vs none', base, { ...base, conditions: [] }, true],
  ];
  for (const [name, a, b, want] of cases) it(name, () => assert.equal(statusEqual(a, b), want));

  it('a recomputed status of a steady ReplicaSet equals the stored one', () => {
    const pods = [newPod({ name: 'a', labels: { app: 'web' }, phase: 'Running', ready: true, readySince: at(0) })];
    const rs = newReplicaSet({ replicas: 1 });
    const s = calculateReplicaSetStatus(rs, pods, ms(100));
    const stored = newReplicaSet({ replicas: 1, status: s });
    assert.equal(statusEqual(stored.status, calculateReplicaSetStatus(stored, pods, ms(200))), true);
  });
});
