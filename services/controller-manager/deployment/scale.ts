/**
 * Scaling a Deployment whose spec.replicas changed, possibly in the middle of a rollout
 * (sync.go scale, isScalingEvent; deployment_util.go FindActiveOrLatest, IsSaturated,
 * GetProportion, getReplicaSetFraction). Surplus or missing replicas are spread over the active
 * ReplicaSets in proportion to their size, so a half-finished rollout keeps its shape.
 */
import type { Deployment, ReplicaSet } from '../../../shared/resources/types.js';
import { isRollingUpdate, maxSurge } from './fenceposts.js';
import {
  activeReplicaSets,
  availableReplicas,
  compareByCreation,
  compareBySizeNewer,
  compareBySizeOlder,
  desiredReplicas,
  replicaCount,
  specReplicas,
  type ScaleStep,
} from './replica-sets.js';
import { desiredReplicasAnnotation, maxReplicasAnnotation, replicasAnnotationsFor, replicasAnnotationsNeedUpdate } from './revision.js';

/**
 * FindActiveOrLatest: the only active ReplicaSet, or the newest one when none is active;
 * undefined when several are active (then scaling must be proportional).
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => compareByCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/**
 * IsSaturated: the new ReplicaSet owns all desired replicas: its size and its desired-replicas
 * annotation equal spec.replicas and all of them are available.
 */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const want = desiredReplicas(d);
  return specReplicas(rs) === want && desired === want && availableReplicas(rs) === want;
}

/**
 * isScalingEvent: some active ReplicaSet was sized for a different spec.replicas than the
 * current one (per its desired-replicas annotation).
 */
export function isScalingEvent(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[]): boolean {
  return activeReplicaSets(allRSs).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== desiredReplicas(d);
  });
}

/** Go's math.Round / integer.RoundToInt32: halves away from zero. */
function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * getReplicaSetFraction: how many replicas `rs` should gain (or lose, negative) when the
 * Deployment grows to spec.replicas + maxSurge, in proportion to the max-replicas it was sized for.
 */
export function getReplicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (desiredReplicas(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const newSize = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAwayFromZero(newSize) - specReplicas(rs);
}

/**
 * GetProportion: the share of `toAdd` for `rs`, capped by what is still left to add
 * (min when scaling up, max when scaling down).
 */
export function getProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = getReplicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * scale: the size changes for a scaling event (or a paused Deployment).
 *
 * - one active (or no active, then the newest) ReplicaSet: it gets all of spec.replicas;
 * - a saturated new ReplicaSet: the active old ones go to 0;
 * - otherwise (RollingUpdate only): spread spec.replicas + maxSurge - current over the active sets,
 *   largest first (ties: newer first when growing, older first when shrinking), leftovers to the
 *   first one. Every active set is also re-annotated with the new desired/max replicas, so steps
 *   with `from === to` mean "annotations only".
 */
export function scalePlan(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ScaleStep[] {
  const desired = desiredReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    const from = specReplicas(activeOrLatest);
    return from === desired ? [] : [{ name: activeOrLatest.metadata.name ?? '', from, to: desired }];
  }
  if (isSaturated(d, newRS)) {
    return activeReplicaSets(oldRSs).map((rs) => ({ name: rs.metadata.name ?? '', from: specReplicas(rs), to: 0 }));
  }
  if (!isRollingUpdate(d)) return [];

  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowedSize = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowedSize - replicaCount(all);
  if (toAdd > 0) all.sort(compareBySizeNewer);
  else if (toAdd < 0) all.sort(compareBySizeOlder);

  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = getProportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, sizes[0]! + toAdd - added);

  const { desired: annDesired, max: annMax } = replicasAnnotationsFor(d);
  const steps: ScaleStep[] = [];
  all.forEach((rs, i) => {
    const from = specReplicas(rs);
    const to = sizes[i]!;
    if (from !== to || replicasAnnotationsNeedUpdate(rs, annDesired, annMax)) steps.push({ name: rs.metadata.name ?? '', from, to });
  });
  return steps;
}
