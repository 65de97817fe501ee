/**
 * Rolling update arithmetic (rolling.go reconcileNewReplicaSet, reconcileOldReplicaSets,
 * cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate; deployment_util.go
 * NewRSNewReplicas). Every function returns the target sizes instead of writing them.
 */
import type { Deployment, ReplicaSet } from '../../../shared/resources/types.js';
import { isRollingUpdate, maxUnavailable, scaledValueFromIntOrPercent, DEFAULT_FENCEPOST } from './fenceposts.js';
import {
  availableReplicaCount,
  availableReplicas,
  desiredReplicas,
  replicaCount,
  scaleSteps,
  sortedByCreation,
  specReplicas,
  withReplicas,
  type ScaleStep,
} from './replica-sets.js';

/**
 * NewRSNewReplicas: how large the new ReplicaSet may be now. RollingUpdate: grow into the room left
 * under desired + maxSurge (surge rounds up), never beyond desired. Recreate: desired.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  const surge = scaledValueFromIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge ?? DEFAULT_FENCEPOST, desired, true);
  const current = replicaCount(allRSs);
  const maxTotal = desired + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/**
 * reconcileNewReplicaSet: the size the new ReplicaSet should be scaled to, or undefined when it
 * stays as it is. Larger than desired scales down to desired at once.
 */
export function reconcileNewReplicaSetPlan(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number | undefined {
  const desired = desiredReplicas(d);
  const current = specReplicas(newRS);
  if (current === desired) return undefined;
  const target = current > desired ? desired : newRSNewReplicas(d, allRSs, newRS);
  return target === current ? undefined : target;
}

export interface OldScalePlan {
  /** The old ReplicaSets after the plan (same order as given), sizes lowered. */
  readonly oldRSs: ReplicaSet[];
  /** How many replicas were removed in total. */
  readonly scaledDown: number;
}

/**
 * cleanupUnhealthyReplicas: oldest first, drop up to `maxCleanupCount` replicas that are not
 * available; removing them cannot lower availability. (The ReplicaSet controller deletes
 * not-ready pods first.)
 */
export function cleanupUnhealthyReplicas(oldRSs: readonly ReplicaSet[], maxCleanupCount: number): OldScalePlan {
  const sorted = sortedByCreation(oldRSs);
  let total = 0;
  const out = sorted.map((rs) => {
    if (total >= maxCleanupCount) return rs;
    const replicas = specReplicas(rs);
    if (replicas === 0 || replicas === availableReplicas(rs)) return rs;
    const n = Math.min(maxCleanupCount - total, replicas - availableReplicas(rs));
    if (n <= 0) return rs;
    total += n;
    return withReplicas(rs, replicas - n);
  });
  return { oldRSs: out, scaledDown: total };
}

/**
 * scaleDownOldReplicaSetsForRollingUpdate: remove old replicas, oldest ReplicaSet first, as long
 * as the available pods stay at or above desired - maxUnavailable.
 */
export function scaleDownOldReplicaSetsForRollingUpdate(d: Deployment, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[]): OldScalePlan {
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return { oldRSs: [...oldRSs], scaledDown: 0 };
  const totalToScaleDown = available - minAvailable;
  let total = 0;
  const out = sortedByCreation(oldRSs).map((rs) => {
    if (total >= totalToScaleDown) return rs;
    const replicas = specReplicas(rs);
    if (replicas === 0) return rs;
    const n = Math.min(replicas, totalToScaleDown - total);
    total += n;
    return withReplicas(rs, replicas - n);
  });
  return { oldRSs: out, scaledDown: total };
}

/** Available-pod counts per ReplicaSet name, overriding `status.availableReplicas`. */
export type PodsAvailability = Readonly<Record<string, number>>;

function withAvailability(rs: ReplicaSet, availability: PodsAvailability | undefined): ReplicaSet {
  const n = availability?.[rs.metadata.name ?? ''];
  if (n === undefined) return rs;
  return { ...rs, status: { replicas: rs.status?.replicas ?? 0, ...rs.status, availableReplicas: n } };
}

export interface OldReplicaSetsPlan {
  /** One step per old ReplicaSet whose size changes (cleanup and scale-down combined). */
  readonly steps: ScaleStep[];
  /** Unavailable replicas removed by cleanupUnhealthyReplicas. */
  readonly cleanedUp: number;
  /** Replicas removed by scaleDownOldReplicaSetsForRollingUpdate. */
  readonly scaledDown: number;
}

/**
 * reconcileOldReplicaSets: how far the old ReplicaSets may shrink now.
 *
 * maxScaledDown = allPods - minAvailable - newRSUnavailable, so unavailable new pods never let
 * the old ones shrink further. Unhealthy old replicas go first (they would otherwise block the
 * rollout), then available ones while availability stays >= desired - maxUnavailable.
 * `oldRSs` should be the active old ReplicaSets; availability comes from each ReplicaSet's
 * status unless `podsAvailability` overrides it by name.
 */
export function reconcileOldReplicaSetsPlan(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  oldRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  podsAvailability?: PodsAvailability,
): OldReplicaSetsPlan {
  const none: OldReplicaSetsPlan = { steps: [], cleanedUp: 0, scaledDown: 0 };
  const olds = oldRSs.map((rs) => withAvailability(rs, podsAvailability));
  const fresh = newRS ? withAvailability(newRS, podsAvailability) : undefined;
  if (replicaCount(olds) === 0) return none;
  const allPods = replicaCount(allRSs);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = fresh ? specReplicas(fresh) - availableReplicas(fresh) : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return none;

  const cleaned = cleanupUnhealthyReplicas(olds, maxScaledDown);
  const all = fresh ? [...cleaned.oldRSs, fresh] : cleaned.oldRSs;
  const scaled = scaleDownOldReplicaSetsForRollingUpdate(d, all, cleaned.oldRSs);
  return { steps: scaleSteps(olds, scaled.oldRSs), cleanedUp: cleaned.scaledDown, scaledDown: scaled.scaledDown };
}
