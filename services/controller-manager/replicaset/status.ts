/**
 * A ReplicaSet's status as a pure function of its pods (Kubernetes' calculateStatus in
 * replica_set_utils.go), and the comparison that lets the caller write only on change.
 */
import type { Pod, ReplicaSet, ReplicaSetStatus, WorkloadCondition } from '../../../shared/resources/types.js';
import { deepEqual } from '../../../shared/resources/json.js';
import { matchesLabels } from '../../../shared/resources/selectors.js';
import type { Requirement } from '../../../shared/resources/selector-types.js';
import { isPodActive, isPodAvailable, isPodReady, podReadyTime } from './pods.js';
import { desiredReplicas } from './replicas.js';
import { formatTimestamp, toMillis, type Instant } from './time.js';

export const REPLICA_FAILURE = 'ReplicaFailure';
export const FAILED_CREATE_REASON = 'FailedCreate';
export const FAILED_DELETE_REASON = 'FailedDelete';

/**
 * The status rs should have given pods (the active pods it manages; inactive ones are skipped).
 *
 * - replicas: active pods; fullyLabeledReplicas: those whose labels include every template label;
 *   readyReplicas / availableReplicas: ready, and ready for minReadySeconds (see isPodAvailable).
 * - observedGeneration: metadata.generation (the spec this status describes).
 * - conditions: a ReplicaFailure condition (True, reason FailedCreate or FailedDelete by the
 *   direction of the diff) is added when manageReplicasError is given and none exists yet, kept
 *   while errors continue, and removed once a sync succeeds. Other conditions are kept.
 */
export function calculateReplicaSetStatus(
  rs: ReplicaSet,
  pods: readonly Pod[],
  now: Instant,
  manageReplicasError?: Error | string,
): ReplicaSetStatus {
  const active = pods.filter(isPodActive);
  const templateLabels: Requirement[] = Object.entries(rs.spec.template?.metadata?.labels ?? {}).map(([key, v]) => ({
    key,
    operator: 'In',
    values: [v],
  }));
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of active) {
    if (matchesLabels(templateLabels, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }

  let conditions: WorkloadCondition[] = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageReplicasError !== undefined && !failure) {
    const diff = active.length - desiredReplicas(rs);
    const reason = diff < 0 ? FAILED_CREATE_REASON : diff > 0 ? FAILED_DELETE_REASON : undefined;
    const message = typeof manageReplicasError === 'string' ? manageReplicasError : manageReplicasError.message;
    conditions.push({
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: formatTimestamp(now),
      ...(reason ? { reason } : {}),
      message,
    });
  } else if (manageReplicasError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }

  const observedGeneration = rs.metadata.generation ?? rs.status?.observedGeneration;
  return {
    replicas: active.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    ...(conditions.length ? { conditions } : {}),
  };
}

/**
 * Whether two statuses are the same for the fields calculateReplicaSetStatus owns (absent counts
 * as 0, absent conditions as none). When equal, the caller skips the status write.
 */
export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus | undefined): boolean {
  return (
    (a?.replicas ?? 0) === (b?.replicas ?? 0) &&
    (a?.fullyLabeledReplicas ?? 0) === (b?.fullyLabeledReplicas ?? 0) &&
    (a?.readyReplicas ?? 0) === (b?.readyReplicas ?? 0) &&
    (a?.availableReplicas ?? 0) === (b?.availableReplicas ?? 0) &&
    (a?.observedGeneration ?? 0) === (b?.observedGeneration ?? 0) &&
    deepEqual(a?.conditions ?? [], b?.conditions ?? [])
  );
}

/**
 * Milliseconds until the first ready-but-not-yet-available pod becomes available, or undefined
 * when none will (minReadySeconds is 0, or no pod is waiting). A reconcile returns this as
 * requeueAfter so availableReplicas catches up without a pod event.
 */
export function msUntilNextAvailable(rs: ReplicaSet, pods: readonly Pod[], now: Instant): number | undefined {
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  if (minReadySeconds <= 0) return undefined;
  const nowMs = toMillis(now);
  let best: number | undefined;
  for (const pod of pods) {
    if (!isPodActive(pod) || !isPodReady(pod) || isPodAvailable(pod, minReadySeconds, nowMs)) continue;
    const since = podReadyTime(pod);
    if (since === undefined) continue;
    // isPodAvailable needs since + minReadySeconds to be strictly before now.
    const wait = since + minReadySeconds * 1000 + 1 - nowMs;
    if (best === undefined || wait < best) best = wait;
  }
  return best;
}
