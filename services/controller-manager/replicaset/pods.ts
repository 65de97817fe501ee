/**
 * Pod predicates the ReplicaSet controller relies on, as in Kubernetes' pkg/api/v1/pod and
 * pkg/controller/controller_utils.go (IsPodActive, IsPodReady, IsPodAvailable).
 */
import type { Pod, PodCondition } from '../../../shared/resources/types.js';
import { parseTimestamp, toMillis, type Instant } from './time.js';

/** Not finished (Succeeded/Failed) and not being deleted: counts towards replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** The pod's `Ready` condition, if it has one. */
export function getPodReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Whether the `Ready` condition is `True`. */
export function isPodReady(pod: Pod): boolean {
  return getPodReadyCondition(pod)?.status === 'True';
}

/** When a ready pod last became ready (epoch ms), or undefined when not ready or unknown. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = getPodReadyCondition(pod);
  return c?.status === 'True' ? parseTimestamp(c.lastTransitionTime) : undefined;
}

/**
 * Ready for at least minReadySeconds: ready, and either minReadySeconds is 0 or the Ready
 * transition plus minReadySeconds is strictly before now (Kubernetes' IsPodAvailable). A ready pod
 * without a transition time is available only when minReadySeconds is 0.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Instant): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds || minReadySeconds <= 0) return true;
  const since = parseTimestamp(getPodReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < toMillis(now);
}

/** The highest restart count among the pod's containers. */
export function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** The pods that are active (see isPodActive), in their original order. */
export function filterActivePods<P extends Pod>(pods: readonly P[]): P[] {
  return pods.filter(isPodActive);
}
