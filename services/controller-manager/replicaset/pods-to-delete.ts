/**
 * Which pods to delete when scaling down: Kubernetes' ActivePodsWithRanks ordering
 * (controller_utils.go) and getPodsToDelete (replica_set.go). Earlier in the order = deleted first:
 *
 *   1. unassigned < assigned (no spec.nodeName first)
 *   2. Pending < Unknown < Running
 *   3. not ready < ready
 *   4. lower controller.kubernetes.io/pod-deletion-cost < higher
 *   5. more related active pods on the same node < fewer ("doubled up" first)
 *   6. both ready: ready for a shorter time < longer (no ready time first)
 *   7. higher max container restart count < lower
 *   8. newer creationTimestamp < older (no timestamp first)
 *
 * Ties keep the input order (the sort is stable). Kubernetes' LogarithmicScaleDown (comparing
 * times on a log scale with a UID tie-break) is not applied: times compare exactly.
 */
import type { Pod } from '../../../shared/resources/types.js';
import { isPodActive, isPodReady, maxContainerRestarts, podReadyTime } from './pods.js';
import { parseTimestamp } from './time.js';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** The pod-deletion-cost annotation as an int32; 0 when absent or not a valid int32 (as Kubernetes). */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/**
 * Each pod's rank: how many active pods of `related` run on the same node (Kubernetes'
 * getPodsRankedByRelatedPodsOnSameNode). related is usually the pods of every ReplicaSet with the
 * same controller (a Deployment's old and new ReplicaSets), a superset of pods.
 */
export function rankPodsByRelatedPodsOnSameNode(pods: readonly Pod[], related: readonly Pod[]): number[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods.map((p) => onNode.get(p.spec?.nodeName ?? '') ?? 0);
}

/**
 * Negative when a should be deleted before b, positive when after, 0 when the ordering has no
 * preference. rankA/rankB are the pods' ranks (see rankPodsByRelatedPodsOnSameNode).
 */
export function compareActivePods(a: Pod, b: Pod, rankA = 0, rankB = 0): number {
  // 1. unassigned < assigned
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  // 2. Pending < Unknown < Running (anything else counts as Pending, as in Kubernetes' map lookup)
  const phaseA = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  // 3. not ready < ready
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  // 4. lower deletion cost < higher
  const costA = podDeletionCost(a);
  const costB = podDeletionCost(b);
  if (costA !== costB) return costA < costB ? -1 : 1;
  // 5. doubled up < not doubled up
  if (rankA !== rankB) return rankA > rankB ? -1 : 1;
  // 6. ready for a shorter time < longer; no ready time first
  if (readyA && readyB) {
    const c = compareNewerFirst(podReadyTime(a), podReadyTime(b));
    if (c !== 0) return c;
  }
  // 7. more restarts < fewer
  const restartsA = maxContainerRestarts(a);
  const restartsB = maxContainerRestarts(b);
  if (restartsA !== restartsB) return restartsA > restartsB ? -1 : 1;
  // 8. newer < older; no creation time first
  return compareNewerFirst(parseTimestamp(a.metadata.creationTimestamp), parseTimestamp(b.metadata.creationTimestamp));
}

/** Kubernetes' afterOrZero as a comparator: zero time first, then later times first. */
function compareNewerFirst(t1: number | undefined, t2: number | undefined): number {
  if (t1 === t2) return 0;
  if (t1 === undefined) return -1;
  if (t2 === undefined) return 1;
  return t1 > t2 ? -1 : 1;
}

/** pods in deletion-preference order (a new array; pods is not modified). related defaults to pods. */
export function sortPodsForDeletion(pods: readonly Pod[], related: readonly Pod[] = pods): Pod[] {
  const ranks = rankPodsByRelatedPodsOnSameNode(pods, related);
  return pods
    .map((pod, i) => ({ pod, rank: ranks[i]! }))
    .sort((x, y) => compareActivePods(x.pod, y.pod, x.rank, y.rank))
    .map((x) => x.pod);
}

/**
 * The n pods to delete, best candidates first. When n covers every pod, all are returned in their
 * input order (nothing to choose); n <= 0 gives none. related defaults to pods.
 */
export function podsToDelete(pods: readonly Pod[], n: number, related?: readonly Pod[]): Pod[] {
  if (n <= 0) return [];
  if (n >= pods.length) return [...pods];
  return sortPodsForDeletion(pods, related ?? pods).slice(0, n);
}
