/**
 * Deployment status and conditions (sync.go calculateStatus, syncDeploymentStatus; progress.go
 * syncRolloutStatus, requeueStuckDeployment, getReplicaFailures; deployment_util.go condition
 * helpers, DeploymentComplete, DeploymentProgressing, DeploymentTimedOut). The clock is an input.
 *
 * Conditions: `Available` (MinimumReplicasAvailable / MinimumReplicasUnavailable) and, when a
 * progress deadline is set, `Progressing`. Setting a condition with the same status and reason is
 * a no-op; lastTransitionTime only moves when the status flips.
 */
import type { ConditionStatus, Deployment, DeploymentStatus, ReplicaSet, WorkloadCondition } from '../../../shared/resources/types.js';
import { maxUnavailable } from './fenceposts.js';
import {
  actualReplicaCount,
  availableReplicaCount,
  desiredReplicas,
  readyReplicaCount,
  replicaCount,
} from './replica-sets.js';
import { formatTime } from './revision.js';

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';

/** Reasons Kubernetes puts on Deployment conditions. */
export const Reasons = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  DeploymentPaused: 'DeploymentPaused',
  DeploymentResumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** math.MaxInt32: "no deadline". */
const NO_DEADLINE = 2147483647;

/** NewDeploymentCondition: both times set to `now`. */
export function newCondition(type: string, status: ConditionStatus, reason: string, message: string, now: Date): WorkloadCondition {
  const t = formatTime(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** GetDeploymentCondition */
export function getCondition(status: DeploymentStatus | undefined, type: string): WorkloadCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: unchanged if a condition of that type has the same status and reason;
 * keeps lastTransitionTime if only the reason changes; the condition moves to the end.
 */
export function setCondition(status: DeploymentStatus, condition: WorkloadCondition): DeploymentStatus {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return status;
  const c: WorkloadCondition =
    current && current.status === condition.status ? { ...condition, lastTransitionTime: current.lastTransitionTime } : condition;
  return { ...status, conditions: [...(status.conditions ?? []).filter((x) => x.type !== condition.type), c] };
}

/** RemoveDeploymentCondition */
export function removeCondition(status: DeploymentStatus, type: string): DeploymentStatus {
  if (!status.conditions?.some((c) => c.type === type)) return status;
  return { ...status, conditions: status.conditions.filter((c) => c.type !== type) };
}

/** HasProgressDeadline: progressDeadlineSeconds is set and not MaxInt32. */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== NO_DEADLINE;
}

/**
 * DeploymentComplete: all desired replicas are updated, available, and nothing else runs, and the
 * status is for the current generation.
 */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === desired &&
    (s.replicas ?? 0) === desired &&
    (s.availableReplicas ?? 0) === desired &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/**
 * DeploymentProgressing: compared with the Deployment's recorded status, more updated, fewer old,
 * more ready or more available replicas.
 */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/**
 * DeploymentTimedOut: the Progressing condition in `s` already says ProgressDeadlineExceeded, or
 * its lastUpdateTime + progressDeadlineSeconds is before `now`. A completed rollout
 * (NewReplicaSetAvailable) never times out.
 */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, PROGRESSING);
  if (!c) return false;
  if (c.reason === Reasons.NewReplicaSetAvailable) return false;
  if (c.reason === Reasons.ProgressDeadlineExceeded) return true;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return false;
  return from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 < now.getTime();
}

/**
 * calculateStatus: counts summed over all ReplicaSets (`replicas`, `readyReplicas`,
 * `availableReplicas` from their status; `updatedReplicas` from the new one), unavailable =
 * max(0, sum of spec.replicas - available), observedGeneration = metadata.generation, existing
 * conditions kept and Available set against desired - maxUnavailable.
 */
export function calculateDeploymentStatus(
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: Date,
): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  const terminating = allRSs.some((rs) => rs?.status?.terminatingReplicas !== undefined)
    ? allRSs.reduce((n, rs) => n + (rs?.status?.terminatingReplicas ?? 0), 0)
    : undefined;
  let status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    ...(terminating !== undefined ? { terminatingReplicas: terminating } : {}),
    ...(d.status?.conditions ? { conditions: [...d.status.conditions] } : {}),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    status = setCondition(status, newCondition(AVAILABLE, 'True', Reasons.MinimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    status = setCondition(status, newCondition(AVAILABLE, 'False', Reasons.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** getReplicaFailures: ReplicaFailure conditions of the new ReplicaSet, else of any ReplicaSet. */
export function replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): WorkloadCondition[] {
  const convert = (c: WorkloadCondition): WorkloadCondition => ({
    type: c.type,
    status: c.status,
    ...(c.lastTransitionTime !== undefined ? { lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime } : {}),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.message !== undefined ? { message: c.message } : {}),
  });
  const of = (rs: ReplicaSet | undefined): WorkloadCondition[] => (rs?.status?.conditions ?? []).filter((c) => c.type === REPLICA_FAILURE).map(convert);
  const fromNew = of(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(of);
}

/**
 * syncRolloutStatus: calculateStatus plus progress estimation. Without a deadline the Progressing
 * condition is removed. With one, unless the rollout already completed: complete →
 * NewReplicaSetAvailable; progress since the recorded status → ReplicaSetUpdated with a fresh
 * lastUpdateTime; past the deadline → ProgressDeadlineExceeded (False). ReplicaFailure conditions
 * of the ReplicaSets are surfaced.
 */
export function rolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: Date): DeploymentStatus {
  let s = calculateDeploymentStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) s = removeCondition(s, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const isCompleteDeployment = s.replicas === s.updatedReplicas && current?.reason === Reasons.NewReplicaSetAvailable;
  if (hasProgressDeadline(d) && !isCompleteDeployment) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name ?? ''}"` : `Deployment "${d.metadata.name ?? ''}"`;
    if (deploymentComplete(d, s)) {
      s = setCondition(s, newCondition(PROGRESSING, 'True', Reasons.NewReplicaSetAvailable, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      let c = newCondition(PROGRESSING, 'True', Reasons.ReplicaSetUpdated, `${subject} is progressing.`, now);
      if (current) {
        if (current.status === 'True' && current.lastTransitionTime !== undefined) c = { ...c, lastTransitionTime: current.lastTransitionTime };
        s = removeCondition(s, PROGRESSING);
      }
      s = setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      s = setCondition(s, newCondition(PROGRESSING, 'False', Reasons.ProgressDeadlineExceeded, `${subject} has timed out progressing.`, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  s = failures.length > 0 ? setCondition(s, failures[0]!) : removeCondition(s, REPLICA_FAILURE);
  return s;
}

/**
 * requeueStuckDeployment: seconds until the progress deadline should be re-checked, or undefined
 * when there is nothing to watch (no deadline, no Progressing condition, complete or timed out).
 * 0 means "now" (rate-limited); otherwise one second is added against clock skew.
 */
export function requeueAfterSeconds(d: Deployment, s: DeploymentStatus, now: Date): number | undefined {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, s) || current.reason === Reasons.ProgressDeadlineExceeded) return undefined;
  const from = current.lastUpdateTime ? Date.parse(current.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return undefined;
  const after = (from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - now.getTime()) / 1000;
  return after < 1 ? 0 : after + 1;
}

/**
 * checkPausedConditions: with a deadline, record Progressing=Unknown DeploymentPaused while paused
 * and DeploymentResumed when resumed, so time spent paused does not count against the deadline.
 * A ProgressDeadlineExceeded condition is never overwritten.
 */
export function pausedConditions(d: Deployment, status: DeploymentStatus, now: Date): DeploymentStatus {
  if (!hasProgressDeadline(d)) return status;
  const c = getCondition(status, PROGRESSING);
  if (c?.reason === Reasons.ProgressDeadlineExceeded) return status;
  const pausedCondExists = c?.reason === Reasons.DeploymentPaused;
  if (d.spec.paused && !pausedCondExists) {
    return setCondition(status, newCondition(PROGRESSING, 'Unknown', Reasons.DeploymentPaused, 'Deployment is paused', now));
  }
  if (!d.spec.paused && pausedCondExists) {
    return setCondition(status, newCondition(PROGRESSING, 'Unknown', Reasons.DeploymentResumed, 'Deployment is resumed', now));
  }
  return status;
}
