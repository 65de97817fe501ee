import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IntOrString, ReplicaSet } from '../../shared/resources/types.js';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValueFromIntOrPercent } from '../../services/controller-manager/deployment/fenceposts.js';
import {
  cleanupUnhealthyReplicas,
  newRSNewReplicas,
  reconcileNewReplicaSetPlan,
  reconcileOldReplicaSetsPlan,
  scaleDownOldReplicaSetsForRollingUpdate,
} from '../../services/controller-manager/deployment/rolling.js';
import { findActiveOrLatest, getProportion, isSaturated, isScalingEvent, scalePlan } from '../../services/controller-manager/deployment/scale.js';
import { cleanupPlan } from '../../services/controller-manager/deployment/cleanup.js';
import { oldPodsRunning, scaleDownOldForRecreate } from '../../services/controller-manager/deployment/recreate.js';
import { specReplicas } from '../../services/controller-manager/deployment/replica-sets.js';
import { at, deployment, podOf, rs } from './deployment-fixtures.js';

describe('scaledValueFromIntOrPercent', () => {
  const cases: [IntOrString, number, boolean, number][] = [
    [3, 10, true, 3],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['0%', 10, true, 0],
    ['100%', 7, false, 7],
    ['1%', 1, true, 1],
    ['1%', 1, false, 0],
  ];
  for (const [v, total, up, want] of cases) it(`${v} of ${total} (${up ? 'up' : 'down'}) = ${want}`, () => assert.equal(scaledValueFromIntOrPercent(v, total, up), want));
  for (const bad of ['oops', '5', '%', 'x%', '1.5%']) it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => scaledValueFromIntOrPercent(bad, 10, true)));
});

describe('resolveFenceposts (Kubernetes TestResolveFenceposts and the ResolveFenceposts doc examples)', () => {
  const cases: [IntOrString, IntOrString, number, number, number][] = [
    ['0%', '0%', 0, 0, 1],
    ['39%', '39%', 10, 4, 3],
    // 2 desired, unavailable 1%, surge 0%: scale old(-1), then new(+1), ...
    ['0%', '1%', 2, 0, 1],
    // 1 desired, unavailable 25%, surge 1%: new(+1) then old(-1)
    ['1%', '25%', 1, 1, 0],
    // 2 desired, unavailable 0%, surge 1%
    ['1%', '0%', 2, 1, 0],
    [0, 0, 10, 0, 1],
    ['25%', '25%', 10, 3, 2],
  ];
  for (const [surge, unavailable, desired, wantSurge, wantUnavailable] of cases) {
    it(`surge ${surge}, unavailable ${unavailable}, desired ${desired}`, () =>
      assert.deepEqual(resolveFenceposts(surge, unavailable, desired), { maxSurge: wantSurge, maxUnavailable: wantUnavailable }));
  }
  it('errors on invalid values', () => {
    assert.throws(() => resolveFenceposts('oops', '39%', 10));
    assert.throws(() => resolveFenceposts('55%', 'urg', 10));
  });
  it('defaults absent values to 25%', () => assert.deepEqual(resolveFenceposts(undefined, undefined, 10), { maxSurge: 3, maxUnavailable: 2 }));
});

describe('maxUnavailable (Kubernetes TestMaxUnavailable)', () => {
  const cases: [string, number, IntOrString | 'Recreate', number][] = [
    ['less than replicas', 10, 5, 5],
    ['equal to replicas', 10, 10, 10],
    ['greater than replicas', 5, 10, 5],
    ['replicas is 0', 0, 10, 0],
    ['Recreate strategy', 10, 'Recreate', 0],
    ['less than replicas, percent', 10, '50%', 5],
    ['equal to replicas, percent', 10, '100%', 10],
    ['greater than replicas, percent', 5, '100%', 5],
  ];
  for (const [name, replicas, mu, want] of cases) {
    it(name, () => {
      const d = mu === 'Recreate' ? deployment({ replicas, strategy: 'Recreate' }) : deployment({ replicas, maxSurge: 1, maxUnavailable: mu });
      assert.equal(maxUnavailable(d), want);
    });
  }
  it('maxSurge is 0 for Recreate', () => assert.equal(maxSurge(deployment({ replicas: 10, strategy: 'Recreate' })), 0));
});

describe('newRSNewReplicas (Kubernetes TestNewRSNewReplicas)', () => {
  const rs5 = rs('foo-rs5', 5);
  const cases: [string, 'RollingUpdate' | 'Recreate', number, number, number, number][] = [
    ['can not scale up - to newRSReplicas', 'RollingUpdate', 1, 5, 1, 5],
    ['scale up - to depReplicas', 'RollingUpdate', 6, 2, 10, 6],
    ['recreate - to depReplicas', 'Recreate', 3, 1, 1, 3],
  ];
  for (const [name, strategy, depReplicas, newReplicas, surge, want] of cases) {
    it(name, () => {
      const d = deployment({ replicas: depReplicas, strategy, maxSurge: surge, maxUnavailable: 1 });
      assert.equal(newRSNewReplicas(d, [rs5], rs('foo-new', newReplicas)), want);
    });
  }
  it('percent surge rounds up', () => {
    const d = deployment({ replicas: 10, maxSurge: '25%', maxUnavailable: '25%' });
    assert.equal(newRSNewReplicas(d, [rs('old', 10), rs('new', 0)], rs('new', 0)), 3);
  });
});

describe('reconcileNewReplicaSet (Kubernetes TestDeploymentController_reconcileNewReplicaSet)', () => {
  const cases: [number, number, number, number, number | undefined][] = [
    // deploymentReplicas, maxSurge, oldReplicas, newReplicas, expected (undefined: no scaling)
    [10, 0, 10, 0, undefined],
    [10, 2, 10, 0, 2],
    [10, 2, 5, 0, 7],
    [10, 2, 10, 2, undefined],
    [10, 2, 2, 11, 10],
  ];
  for (const [replicas, surge, oldReplicas, newReplicas, want] of cases) {
    it(`${replicas} desired, surge ${surge}, old ${oldReplicas}, new ${newReplicas} → ${want ?? 'no scale'}`, () => {
      const newRS = rs('foo-v2', newReplicas);
      const oldRS = rs('foo-v1', oldReplicas);
      const d = deployment({ replicas, maxSurge: surge, maxUnavailable: 0 });
      assert.equal(reconcileNewReplicaSetPlan(d, [newRS, oldRS], newRS), want);
    });
  }
});

describe('reconcileOldReplicaSets (Kubernetes TestDeploymentController_reconcileOldReplicaSets)', () => {
  const cases: [string, number, number, number, number, number, number, number | undefined][] = [
    // name, deploymentReplicas, maxUnavailable, oldReplicas, newReplicas, readyOld, readyNew, expectedOld
    ['maxUnavailable 0 resolves to 1', 10, 0, 10, 0, 10, 0, 9],
    ['scale down by maxUnavailable', 10, 2, 10, 0, 10, 0, 8],
    ['unhealthy old replicas are cleaned up', 10, 2, 10, 0, 8, 0, 8],
    ['1 unhealthy cleaned up and 1 ready scaled down', 10, 2, 10, 0, 9, 0, 8],
    ['unavailable new pods block further scale down', 10, 2, 8, 2, 8, 0, undefined],
  ];
  for (const [name, replicas, mu, oldReplicas, newReplicas, readyOld, readyNew, want] of cases) {
    it(name, () => {
      const oldRS = rs('foo-old', oldReplicas, { available: readyOld });
      const newRS = rs('foo-new', newReplicas, { available: readyNew });
      const d = deployment({ replicas, maxSurge: 0, maxUnavailable: mu });
      const plan = reconcileOldReplicaSetsPlan(d, [oldRS, newRS], [oldRS], newRS);
      assert.deepEqual(plan.steps, want === undefined ? [] : [{ name: 'foo-old', from: oldReplicas, to: want }]);
    });
  }

  it('takes availability from podsAvailability when given', () => {
    const oldRS = rs('foo-old', 10, { available: 10 });
    const newRS = rs('foo-new', 0);
    const d = deployment({ replicas: 10, maxSurge: 0, maxUnavailable: 2 });
    const plan = reconcileOldReplicaSetsPlan(d, [oldRS, newRS], [oldRS], newRS, { 'foo-old': 7 });
    assert.deepEqual(plan, { steps: [{ name: 'foo-old', from: 10, to: 8 }], cleanedUp: 2, scaledDown: 0 });
  });

  it('scales the oldest old ReplicaSet first, unhealthy first', () => {
    const older = rs('v1', 4, { created: 0, available: 4 });
    const old = rs('v2', 4, { created: 10, available: 2 });
    const newRS = rs('v3', 2, { created: 20, available: 2 });
    const d = deployment({ replicas: 8, maxSurge: 2, maxUnavailable: 2 });
    // allPods 10, minAvailable 6, newUnavailable 0 → maxScaledDown 4: cleanup removes v2's 2 unhealthy;
    // available 8 > 6 → 2 more from the oldest (v1).
    const plan = reconcileOldReplicaSetsPlan(d, [older, old, newRS], [old, older], newRS);
    assert.deepEqual(plan, {
      steps: [
        { name: 'v1', from: 4, to: 2 },
        { name: 'v2', from: 4, to: 2 },
      ],
      cleanedUp: 2,
      scaledDown: 2,
    });
  });
});

describe('cleanupUnhealthyReplicas (Kubernetes TestDeploymentController_cleanupUnhealthyReplicas)', () => {
  const cases: [number, number, number, number][] = [
    // oldReplicas, readyPods, maxCleanupCount, expected
    [10, 8, 1, 1],
    [10, 8, 3, 2],
    [10, 8, 0, 0],
    [10, 10, 3, 0],
  ];
  for (const [oldReplicas, ready, maxCleanup, want] of cases) {
    it(`${oldReplicas} old, ${ready} ready, max ${maxCleanup} → ${want}`, () => {
      const { scaledDown, oldRSs } = cleanupUnhealthyReplicas([rs('foo-v2', oldReplicas, { available: ready })], maxCleanup);
      assert.equal(scaledDown, want);
      assert.equal(specReplicas(oldRSs[0]!), oldReplicas - want);
    });
  }
});

describe('scaleDownOldReplicaSetsForRollingUpdate (Kubernetes TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate)', () => {
  const cases: [number, number, number, number, number | undefined][] = [
    // deploymentReplicas, maxUnavailable, readyPods, oldReplicas, expectedOld
    [10, 0, 10, 10, 9],
    [10, 2, 10, 10, 8],
    [10, 2, 8, 10, undefined],
    [10, 2, 10, 0, undefined],
    [10, 2, 1, 10, undefined],
  ];
  for (const [replicas, mu, ready, oldReplicas, want] of cases) {
    it(`${replicas} desired, maxUnavailable ${mu}, ${ready} ready of ${oldReplicas} → ${want ?? 'no scale'}`, () => {
      const oldRS = rs('foo-v2', oldReplicas, { available: ready, statusReplicas: oldReplicas });
      const d = deployment({ replicas, maxSurge: 0, maxUnavailable: mu });
      const { oldRSs, scaledDown } = scaleDownOldReplicaSetsForRollingUpdate(d, [oldRS], [oldRS]);
      if (want === undefined) assert.equal(scaledDown, 0);
      else assert.equal(specReplicas(oldRSs[0]!), want);
    });
  }
});

describe('scale (Kubernetes TestScale)', () => {
  const newTs = 7200;
  const oldTs = 3600;
  const olderTs = 0;
  interface Case {
    name: string;
    replicas: number;
    surge?: number;
    oldReplicas: number;
    oldSurge?: number;
    newRS?: [string, number];
    oldRSs: [string, number, number][];
    expectedNew?: number;
    expectedOld: number[];
    desiredAnnotations?: Record<string, number>;
    newAvailable?: number;
    unavailable?: number;
  }
  const cases: Case[] = [
    { name: 'normal scaling event: 10 -> 12', replicas: 12, oldReplicas: 10, newRS: ['foo-v1', 10], oldRSs: [], expectedNew: 12, expectedOld: [] },
    { name: 'normal scaling event: 10 -> 5', replicas: 5, oldReplicas: 10, newRS: ['foo-v1', 10], oldRSs: [], expectedNew: 5, expectedOld: [] },
    { name: 'proportional scaling: 5 -> 10', replicas: 10, oldReplicas: 5, newRS: ['foo-v2', 2], oldRSs: [['foo-v1', 3, oldTs]], expectedNew: 4, expectedOld: [6] },
    { name: 'proportional scaling: 5 -> 3', replicas: 3, oldReplicas: 5, newRS: ['foo-v2', 2], oldRSs: [['foo-v1', 3, oldTs]], expectedNew: 1, expectedOld: [2] },
    { name: 'proportional scaling: 9 -> 4', replicas: 4, oldReplicas: 9, newRS: ['foo-v2', 8], oldRSs: [['foo-v1', 1, oldTs]], expectedNew: 4, expectedOld: [0] },
    { name: 'proportional scaling: 7 -> 10', replicas: 10, oldReplicas: 7, newRS: ['foo-v3', 2], oldRSs: [['foo-v2', 3, oldTs], ['foo-v1', 2, olderTs]], expectedNew: 3, expectedOld: [4, 3] },
    { name: 'proportional scaling: 13 -> 8', replicas: 8, oldReplicas: 13, newRS: ['foo-v3', 2], oldRSs: [['foo-v2', 8, oldTs], ['foo-v1', 3, olderTs]], expectedNew: 1, expectedOld: [5, 2] },
    { name: 'leftover distribution: 3 -> 4', replicas: 4, oldReplicas: 3, newRS: ['foo-v3', 1], oldRSs: [['foo-v2', 1, oldTs], ['foo-v1', 1, olderTs]], expectedNew: 2, expectedOld: [1, 1] },
    { name: 'leftover distribution: 3 -> 2', replicas: 2, oldReplicas: 3, newRS: ['foo-v3', 1], oldRSs: [['foo-v2', 1, oldTs], ['foo-v1', 1, olderTs]], expectedNew: 1, expectedOld: [1, 0] },
    { name: 'proportional scaling (no new rs): 4 -> 5', replicas: 5, oldReplicas: 4, oldRSs: [['foo-v2', 2, oldTs], ['foo-v1', 2, olderTs]], expectedOld: [3, 2] },
    { name: 'proportional scaling: 6 -> 0', replicas: 0, oldReplicas: 6, newRS: ['foo-v3', 3], oldRSs: [['foo-v2', 2, oldTs], ['foo-v1', 1, olderTs]], expectedNew: 0, expectedOld: [0, 0] },
    { name: 'proportional scaling: 0 -> 6', replicas: 6, oldReplicas: 6, newRS: ['foo-v3', 0], oldRSs: [['foo-v2', 0, oldTs], ['foo-v1', 0, olderTs]], expectedNew: 6, expectedOld: [0, 0] },
    {
      name: 'failed rs update',
      replicas: 5,
      oldReplicas: 5,
      newRS: ['foo-v3', 2],
      oldRSs: [['foo-v2', 1, oldTs], ['foo-v1', 1, olderTs]],
      expectedNew: 2,
      expectedOld: [2, 1],
      desiredAnnotations: { 'foo-v2': 3 },
    },
    { name: 'deployment with surge pods', replicas: 20, surge: 2, oldReplicas: 10, oldSurge: 2, newRS: ['foo-v2', 6], oldRSs: [['foo-v1', 6, oldTs]], expectedNew: 11, expectedOld: [11] },
    { name: 'change both surge and size', replicas: 50, surge: 6, oldReplicas: 10, oldSurge: 3, newRS: ['foo-v2', 5], oldRSs: [['foo-v1', 8, oldTs]], expectedNew: 22, expectedOld: [34] },
    {
      name: 'saturated but broken new replica set does not affect old pods',
      replicas: 2,
      surge: 1,
      unavailable: 1,
      oldReplicas: 2,
      oldSurge: 1,
      newRS: ['foo-v2', 2],
      newAvailable: 0,
      oldRSs: [['foo-v1', 1, oldTs]],
      expectedNew: 2,
      expectedOld: [1],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deployment({ replicas: c.replicas, maxSurge: c.surge ?? 0, maxUnavailable: c.unavailable ?? 0 });
      const oldD = deployment({ replicas: c.oldReplicas, maxSurge: c.oldSurge ?? 0, maxUnavailable: c.unavailable ?? 0 });
      const annotated = (name: string, replicas: number, created: number, available?: number): ReplicaSet => {
        const desired = c.desiredAnnotations?.[name] ?? c.oldReplicas;
        return rs(name, replicas, { created, desired, max: desired + maxSurge(oldD), ...(available !== undefined ? { available } : {}) });
      };
      const newRS = c.newRS ? annotated(c.newRS[0], c.newRS[1], newTs, c.newAvailable) : undefined;
      const oldRSs = c.oldRSs.map(([n, r, t]) => annotated(n, r, t));
      const sizes = new Map<string, number>([...oldRSs, ...(newRS ? [newRS] : [])].map((x) => [x.metadata.name!, specReplicas(x)]));
      for (const step of scalePlan(d, newRS, oldRSs)) sizes.set(step.name, step.to);
      if (newRS) assert.equal(sizes.get(newRS.metadata.name!), c.expectedNew, 'new');
      assert.deepEqual(
        oldRSs.map((x) => sizes.get(x.metadata.name!)),
        c.expectedOld,
        'old',
      );
    });
  }

  it('re-annotates every active ReplicaSet during proportional scaling', () => {
    const d = deployment({ replicas: 10 });
    const steps = scalePlan(d, rs('v2', 4, { created: 2, desired: 5, max: 5 }), [rs('v1', 6, { created: 1, desired: 5, max: 5 })]);
    // 10 - 10 = nothing to add, but both carry desired=5: both re-annotated with unchanged sizes
    assert.deepEqual(steps, [
      { name: 'v1', from: 6, to: 6 },
      { name: 'v2', from: 4, to: 4 },
    ]);
  });
});

describe('proportions', () => {
  it('getProportion caps by what is left to add', () => {
    const d = deployment({ replicas: 10 });
    const r = rs('v1', 3, { max: 5 });
    assert.equal(getProportion(r, d, 5, 0), 3); // round(3*10/5)-3 = 3
    assert.equal(getProportion(r, d, 5, 4), 1);
    assert.equal(getProportion(r, d, 5, 5), 0);
    assert.equal(getProportion(rs('v0', 0), d, 5, 0), 0);
  });
  it('getProportion scaling to zero removes the whole ReplicaSet', () => {
    assert.equal(getProportion(rs('v1', 3, { max: 5 }), deployment({ replicas: 0 }), -5, 0), -3);
  });
  it('findActiveOrLatest', () => {
    const a = rs('a', 0, { created: 1 });
    const b = rs('b', 0, { created: 2 });
    assert.equal(findActiveOrLatest(undefined, [a, b]), b);
    assert.equal(findActiveOrLatest(rs('n', 0), [a, b])?.metadata.name, 'n');
    assert.equal(findActiveOrLatest(rs('n', 2), [a, b])?.metadata.name, 'n');
    assert.equal(findActiveOrLatest(rs('n', 2), [rs('c', 1)]), undefined);
    assert.equal(findActiveOrLatest(undefined, []), undefined);
  });
  it('isSaturated needs size, desired annotation and availability to match', () => {
    const d = deployment({ replicas: 3 });
    assert.equal(isSaturated(d, rs('n', 3, { desired: 3 })), true);
    assert.equal(isSaturated(d, rs('n', 3, { desired: 2 })), false);
    assert.equal(isSaturated(d, rs('n', 3)), false);
    assert.equal(isSaturated(d, rs('n', 3, { desired: 3, available: 2 })), false);
    assert.equal(isSaturated(d, undefined), false);
  });
  it('isScalingEvent looks at active ReplicaSets desired annotations only', () => {
    const d = deployment({ replicas: 3 });
    assert.equal(isScalingEvent(d, [rs('a', 3, { desired: 3 })]), false);
    assert.equal(isScalingEvent(d, [rs('a', 3, { desired: 5 })]), true);
    assert.equal(isScalingEvent(d, [rs('a', 0, { desired: 5 }), undefined]), false);
    assert.equal(isScalingEvent(d, [rs('a', 3)]), false);
  });
});

describe('cleanupPlan (Kubernetes TestDeploymentController_cleanupDeployment)', () => {
  const withStatus = (name: string, spec: number, status: number, revision: number) => rs(name, spec, { statusReplicas: status, revision });
  const deleted = { ...withStatus('foo-1', 0, 0, 1), metadata: { ...withStatus('foo-1', 0, 0, 1).metadata, deletionTimestamp: at(0) } };
  const cases: [string, ReplicaSet[], number | undefined, string[]][] = [
    ['keeps 1 of 3', [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 0, 2), withStatus('foo-3', 0, 0, 3)], 1, ['foo-1', 'foo-2']],
    [
      'only deletes those with spec = status = 0',
      [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 1, 2), withStatus('foo-3', 1, 0, 3), withStatus('foo-4', 1, 1, 4)],
      0,
      ['foo-1'],
    ],
    ['limit 0 deletes all scaled-down', [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 0, 2)], 0, ['foo-1', 'foo-2']],
    ['never deletes running ones', [withStatus('foo-1', 1, 1, 1), withStatus('foo-2', 1, 1, 2)], 0, []],
    ['skips ReplicaSets already being deleted', [deleted], 0, []],
    ['unlimited (MaxInt32)', [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 0, 2), withStatus('foo-3', 0, 0, 3)], 2147483647, []],
    ['no limit set', [withStatus('foo-1', 0, 0, 1)], undefined, []],
    ['lowest revision first', [withStatus('foo-b', 0, 0, 7), withStatus('foo-a', 0, 0, 9), withStatus('foo-c', 0, 0, 2)], 1, ['foo-c', 'foo-b']],
  ];
  for (const [name, oldRSs, limit, want] of cases) {
    it(name, () => {
      const d = deployment(limit === undefined ? {} : { revisionHistoryLimit: limit });
      assert.deepEqual(cleanupPlan(d, oldRSs), want);
    });
  }
  it('skips ReplicaSets whose latest generation is not observed yet', () => {
    const r = rs('foo-1', 0, { statusReplicas: 0, generation: 3, observedGeneration: 2 });
    assert.deepEqual(cleanupPlan(deployment({ revisionHistoryLimit: 0 }), [r]), []);
  });
});

describe('recreate (Kubernetes TestOldPodsRunning)', () => {
  const old = (name: string, status = 0) => rs(name, 0, { statusReplicas: status });
  const cases: [string, ReplicaSet[], ReturnType<typeof podOf>[], boolean][] = [
    ['no old ReplicaSets', [], [], false],
    ['old ReplicaSets with running pods', [old('rs-1'), old('rs-2')], [podOf('rs-1', 'Running'), podOf('rs-2', 'Running')], true],
    ['no pods but non-zero status replicas', [old('rs-1', 1)], [], true],
    ['no pods and zero status replicas', [old('rs-1')], [], false],
    ['only terminal pods', [old('rs-1')], [podOf('rs-1', 'Failed', 0), podOf('rs-1', 'Succeeded', 1)], false],
    ['a pod in Unknown phase', [old('rs-1')], [podOf('rs-1', 'Unknown')], true],
    ['a pending pod', [old('rs-1')], [podOf('rs-1', 'Pending')], true],
    ['a running pod', [old('rs-1')], [podOf('rs-1', 'Running')], true],
    ['mixed pods', [old('rs-1')], [podOf('rs-1', 'Failed', 0), podOf('rs-1', 'Pending', 1)], true],
    ['pods of the new ReplicaSet do not count', [old('rs-1')], [podOf('rs-new', 'Running')], false],
  ];
  for (const [name, oldRSs, pods, want] of cases) {
    it(name, () => assert.equal(oldPodsRunning(rs('rs-new', 1), oldRSs, pods), want));
  }
  it('scales every active old ReplicaSet to 0', () => {
    assert.deepEqual(scaleDownOldForRecreate([rs('a', 2), rs('b', 0), rs('c', 1)]), [
      { name: 'a', from: 2, to: 0 },
      { name: 'c', from: 1, to: 0 },
    ]);
  });
});
