import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, WorkloadCondition } from '../../shared/resources/types.js';
import {
  AVAILABLE,
  PROGRESSING,
  Reasons,
  calculateDeploymentStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  pausedConditions,
  requeueAfterSeconds,
  rolloutStatus,
  setCondition,
} from '../../services/controller-manager/deployment/status.js';
import { at, deployment, rs, time } from './deployment-fixtures.js';

const cond = (type: string, status: WorkloadCondition['status'], reason: string, since: number): WorkloadCondition => ({
  type,
  status,
  reason,
  message: '',
  lastUpdateTime: at(since),
  lastTransitionTime: at(since),
});

describe('setCondition', () => {
  const base: DeploymentStatus = { conditions: [cond(AVAILABLE, 'True', 'A', 0), cond(PROGRESSING, 'True', 'X', 0)] };
  it('same status and reason: unchanged', () => assert.equal(setCondition(base, cond(PROGRESSING, 'True', 'X', 50)), base));
  it('same status, new reason: keeps lastTransitionTime, moves to the end', () => {
    const s = setCondition(base, cond(AVAILABLE, 'True', 'B', 50));
    assert.deepEqual(s.conditions?.map((c) => c.type), [PROGRESSING, AVAILABLE]);
    assert.equal(getCondition(s, AVAILABLE)?.lastTransitionTime, at(0));
    assert.equal(getCondition(s, AVAILABLE)?.lastUpdateTime, at(50));
  });
  it('status flips: both times move', () => {
    const s = setCondition(base, cond(AVAILABLE, 'False', 'B', 50));
    assert.equal(getCondition(s, AVAILABLE)?.lastTransitionTime, at(50));
  });
});

describe('calculateDeploymentStatus', () => {
  it('sums ReplicaSet counts; unavailable from spec totals; Available condition', () => {
    const d = deployment({ replicas: 3, maxSurge: 1, maxUnavailable: 1, generation: 4, status: { collisionCount: 2 } });
    const newRS = rs('new', 2, { statusReplicas: 2, ready: 1, available: 1 });
    const oldRS = rs('old', 2, { statusReplicas: 2, available: 2 });
    const s = calculateDeploymentStatus([oldRS, newRS], newRS, d, time(10));
    assert.deepEqual(
      { ...s, conditions: undefined },
      { observedGeneration: 4, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, collisionCount: 2, conditions: undefined },
    );
    assert.deepEqual(s.conditions, [
      { type: AVAILABLE, status: 'True', reason: Reasons.MinimumReplicasAvailable, message: 'Deployment has minimum availability.', lastUpdateTime: at(10), lastTransitionTime: at(10) },
    ]);
  });
  it('unavailableReplicas never goes negative', () => {
    const d = deployment({ replicas: 1 });
    const s = calculateDeploymentStatus([rs('a', 1, { statusReplicas: 3, available: 3 })], undefined, d, time(0));
    assert.equal(s.unavailableReplicas, 0);
  });
  it('below desired - maxUnavailable: Available=False MinimumReplicasUnavailable', () => {
    const d = deployment({ replicas: 4, maxSurge: 1, maxUnavailable: 1 });
    const s = calculateDeploymentStatus([rs('a', 4, { available: 2 })], undefined, d, time(0));
    assert.equal(getCondition(s, AVAILABLE)?.reason, Reasons.MinimumReplicasUnavailable);
  });
});

describe('deploymentComplete (Kubernetes TestDeploymentComplete)', () => {
  const d = (desired: number, current: number, updated: number, available: number, mu: number, ms: number) =>
    deployment({ replicas: desired, maxUnavailable: mu, maxSurge: ms, generation: 1, status: { replicas: current, updatedReplicas: updated, availableReplicas: available, observedGeneration: 1 } });
  const cases: [string, Deployment, boolean][] = [
    ['min but not all pods available', d(5, 5, 5, 4, 1, 0), false],
    ['min availability not honored', d(5, 5, 5, 3, 1, 0), false],
    ['complete', d(5, 5, 5, 5, 0, 0), true],
    ['all available but not all updated', d(5, 5, 4, 5, 0, 0), false],
    ['still running old pods', d(1, 2, 1, 1, 0, 1), false],
    ['one replica never comes up', d(1, 1, 1, 0, 1, 1), false],
  ];
  for (const [name, dep, want] of cases) it(name, () => assert.equal(deploymentComplete(dep, dep.status!), want));
  it('needs the current generation observed', () => {
    const dep = d(5, 5, 5, 5, 0, 0);
    assert.equal(deploymentComplete({ ...dep, metadata: { ...dep.metadata, generation: 2 } }, dep.status!), false);
  });
});

describe('deploymentProgressing (Kubernetes TestDeploymentProgressing)', () => {
  const st = (replicas: number, updatedReplicas: number, readyReplicas: number, availableReplicas: number): DeploymentStatus => ({ replicas, updatedReplicas, readyReplicas, availableReplicas });
  const cases: [string, DeploymentStatus, DeploymentStatus, boolean][] = [
    ['updated pods', st(10, 4, 4, 4), st(10, 6, 4, 4), true],
    ['not progressing', st(10, 4, 4, 4), st(10, 4, 4, 4), false],
    ['old pods removed', st(10, 4, 6, 6), st(8, 4, 6, 6), true],
    ['less new pods', st(10, 7, 3, 3), st(10, 6, 3, 3), false],
    ['less overall but more new pods', st(10, 4, 7, 7), st(8, 8, 5, 5), true],
    ['more ready pods', st(10, 10, 9, 8), st(10, 10, 10, 8), true],
    ['more available pods', st(10, 10, 10, 9), st(10, 10, 10, 10), true],
  ];
  for (const [name, old, now, want] of cases) it(name, () => assert.equal(deploymentProgressing(deployment({ status: old }), now), want));
});

describe('deploymentTimedOut (Kubernetes TestDeploymentTimedOut)', () => {
  // 00:01:09 and 00:01:11 vs now 00:01:20
  const d = (reason: string, pds: number | undefined, from: number) =>
    deployment({ ...(pds !== undefined ? { progressDeadlineSeconds: pds } : {}), status: { conditions: [cond(PROGRESSING, 'True', reason, from)] } });
  const cases: [string, Deployment, boolean][] = [
    ['no progressDeadlineSeconds', d('', undefined, 69), false],
    ['infinite progressDeadlineSeconds', d('', 2147483647, 69), false],
    ['10s deadline, 11s since progress', d('', 10, 69), true],
    ['10s deadline, 9s since progress', d('', 10, 71), false],
    ['exactly at the deadline is not yet timed out', d('', 10, 70), false],
    ['previous status was a complete deployment', d(Reasons.NewReplicaSetAvailable, 10, 0), false],
    ['already timed out', d(Reasons.ProgressDeadlineExceeded, 10, 80), true],
  ];
  for (const [name, dep, want] of cases) it(name, () => assert.equal(deploymentTimedOut(dep, dep.status!, time(80)), want));
});

describe('requeueAfterSeconds (Kubernetes TestRequeueStuckDeployment, +1s skew)', () => {
  const stuck = [cond(PROGRESSING, 'True', Reasons.ReplicaSetUpdated, 0)];
  const failed = [cond(PROGRESSING, 'False', Reasons.ProgressDeadlineExceeded, 0)];
  const d = (pds: number | undefined, conditions: WorkloadCondition[] | undefined, available: number) =>
    deployment({ replicas: 4, ...(pds !== undefined ? { progressDeadlineSeconds: pds } : {}), status: { replicas: 3, updatedReplicas: 3, availableReplicas: available, ...(conditions ? { conditions } : {}) } });
  const ns = (available: number): DeploymentStatus => ({ replicas: 3, updatedReplicas: 3, availableReplicas: available });
  const cases: [string, Deployment, DeploymentStatus, number, number | undefined][] = [
    ['no progressDeadlineSeconds', d(undefined, stuck, 2), ns(2), 0, undefined],
    ['infinite progressDeadlineSeconds', d(2147483647, stuck, 2), ns(2), 0, undefined],
    ['no Progressing condition', d(60, undefined, 2), ns(2), 0, undefined],
    ['complete', { ...d(60, stuck, 3), spec: { ...d(60, stuck, 3).spec, replicas: 3 } }, { ...ns(3), observedGeneration: 1 }, 0, undefined],
    ['already failed', d(60, failed, 0), ns(0), 0, undefined],
    ['stuck - 30s left', d(60, stuck, 1), ns(1), 30, 31],
    ['stuck - 1s left', d(60, stuck, 1), ns(1), 59, 2],
    ['less than a second left: now', d(60, stuck, 1), ns(1), 59.5, 0],
    ['past the deadline: now', d(60, stuck, 1), ns(1), 120, 0],
  ];
  for (const [name, dep, s, now, want] of cases) it(name, () => assert.equal(requeueAfterSeconds(dep, s, time(now)), want));
});

describe('rolloutStatus (syncRolloutStatus)', () => {
  const pds = 600;
  it('no deadline: Progressing is removed', () => {
    const d = deployment({ replicas: 1, status: { conditions: [cond(PROGRESSING, 'True', Reasons.ReplicaSetUpdated, 0)] } });
    const s = rolloutStatus([rs('a', 1)], rs('a', 1), d, time(10));
    assert.equal(getCondition(s, PROGRESSING), undefined);
  });
  it('complete: NewReplicaSetAvailable', () => {
    const d = deployment({ replicas: 2, progressDeadlineSeconds: pds, status: { conditions: [cond(PROGRESSING, 'True', Reasons.ReplicaSetUpdated, 0)] } });
    const s = rolloutStatus([rs('a', 2)], rs('a', 2), d, time(10));
    const c = getCondition(s, PROGRESSING)!;
    assert.equal(c.reason, Reasons.NewReplicaSetAvailable);
    assert.equal(c.message, 'ReplicaSet "a" has successfully progressed.');
    assert.equal(c.lastTransitionTime, at(0));
  });
  it('already complete: nothing is re-estimated', () => {
    const done = cond(PROGRESSING, 'True', Reasons.NewReplicaSetAvailable, 0);
    const d = deployment({ replicas: 2, progressDeadlineSeconds: pds, status: { replicas: 2, updatedReplicas: 2, conditions: [done] } });
    const s = rolloutStatus([rs('a', 2, { available: 1 })], rs('a', 2, { available: 1 }), d, time(9999));
    assert.deepEqual(getCondition(s, PROGRESSING), done);
  });
  it('progress: ReplicaSetUpdated with fresh lastUpdateTime, lastTransitionTime kept', () => {
    const d = deployment({ replicas: 4, maxSurge: 1, maxUnavailable: 1, progressDeadlineSeconds: pds, status: { replicas: 4, updatedReplicas: 1, conditions: [cond(PROGRESSING, 'True', Reasons.NewReplicaSetCreated, 0)] } });
    const s = rolloutStatus([rs('old', 2), rs('new', 2)], rs('new', 2), d, time(30));
    const c = getCondition(s, PROGRESSING)!;
    assert.equal(c.reason, Reasons.ReplicaSetUpdated);
    assert.equal(c.lastUpdateTime, at(30));
    assert.equal(c.lastTransitionTime, at(0));
  });
  it('no progress past the deadline: ProgressDeadlineExceeded', () => {
    const d = deployment({ replicas: 4, maxSurge: 1, maxUnavailable: 1, progressDeadlineSeconds: pds, status: { replicas: 4, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2, conditions: [cond(PROGRESSING, 'True', Reasons.ReplicaSetUpdated, 0)] } });
    const newRS = rs('new', 2, { available: 0, ready: 0 });
    const all = [rs('old', 2), newRS];
    assert.equal(getCondition(rolloutStatus(all, newRS, d, time(pds)), PROGRESSING)?.reason, Reasons.ReplicaSetUpdated);
    const s = rolloutStatus(all, newRS, d, time(pds + 1));
    const c = getCondition(s, PROGRESSING)!;
    assert.deepEqual([c.status, c.reason, c.lastTransitionTime], ['False', Reasons.ProgressDeadlineExceeded, at(pds + 1)]);
  });
  it('surfaces ReplicaFailure from the new ReplicaSet, and removes it when gone', () => {
    const d = deployment({ replicas: 1 });
    const failing = { ...rs('a', 1, { available: 0 }), status: { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True' as const, reason: 'FailedCreate', lastTransitionTime: at(5) }] } };
    const s = rolloutStatus([failing], failing, d, time(10));
    assert.deepEqual(getCondition(s, 'ReplicaFailure'), { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', lastTransitionTime: at(5), lastUpdateTime: at(5) });
    const healed = rolloutStatus([rs('a', 1)], rs('a', 1), { ...d, status: s }, time(20));
    assert.equal(getCondition(healed, 'ReplicaFailure'), undefined);
  });
});

describe('pausedConditions (checkPausedConditions)', () => {
  it('paused: Progressing Unknown DeploymentPaused; resumed: DeploymentResumed', () => {
    const d = deployment({ progressDeadlineSeconds: 600, paused: true, status: { conditions: [cond(PROGRESSING, 'True', Reasons.ReplicaSetUpdated, 0)] } });
    const paused = pausedConditions(d, d.status!, time(5));
    assert.deepEqual(
      [getCondition(paused, PROGRESSING)?.status, getCondition(paused, PROGRESSING)?.reason, getCondition(paused, PROGRESSING)?.lastTransitionTime],
      ['Unknown', Reasons.DeploymentPaused, at(5)],
    );
    assert.equal(pausedConditions(d, paused, time(6)), paused);
    const resumed = pausedConditions({ ...d, spec: { ...d.spec, paused: false } }, paused, time(7));
    assert.deepEqual([getCondition(resumed, PROGRESSING)?.reason, getCondition(resumed, PROGRESSING)?.lastTransitionTime], [Reasons.DeploymentResumed, at(5)]);
  });
  it('does not overwrite ProgressDeadlineExceeded, and needs a deadline', () => {
    const failed = deployment({ progressDeadlineSeconds: 600, paused: true, status: { conditions: [cond(PROGRESSING, 'False', Reasons.ProgressDeadlineExceeded, 0)] } });
    assert.equal(pausedConditions(failed, failed.status!, time(5)), failed.status);
    const noDeadline = deployment({ paused: true, status: {} });
    assert.equal(pausedConditions(noDeadline, noDeadline.status!, time(5)), noDeadline.status);
  });
});
