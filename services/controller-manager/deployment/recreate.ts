/**
 * Recreate strategy (recreate.go): scale every old ReplicaSet to 0, wait until no old pod is
 * running, then create / scale up the new ReplicaSet to spec.replicas.
 */
import type { Pod, ReplicaSet } from '../../../shared/resources/types.js';
import { actualReplicaCount, activeReplicaSets, controllerOf, specReplicas, type ScaleStep } from './replica-sets.js';

/** scaleDownOldReplicaSetsForRecreate: every active old ReplicaSet to 0. */
export function scaleDownOldForRecreate(oldRSs: readonly ReplicaSet[]): ScaleStep[] {
  return activeReplicaSets(oldRSs).map((rs) => ({ name: rs.metadata.name ?? '', from: specReplicas(rs), to: 0 }));
}

function sameReplicaSet(ref: { readonly uid: string; readonly name: string }, rs: ReplicaSet): boolean {
  if (ref.uid && rs.metadata.uid) return ref.uid === rs.metadata.uid;
  return ref.name === rs.metadata.name;
}

/**
 * oldPodsRunning: old ReplicaSets still report pods, or some pod controlled by one of `allRSs`
 * other than the new one is not in a terminal phase (Unknown counts as running).
 * `pods` are the pods of the Deployment's ReplicaSets (others are ignored).
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], pods: readonly Pod[]): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  return pods.some((pod) => {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return false;
    if (newRS && sameReplicaSet(ref, newRS)) return false;
    if (!oldRSs.some((rs) => sameReplicaSet(ref, rs))) return false;
    const phase = pod.status?.phase;
    return phase !== 'Failed' && phase !== 'Succeeded';
  });
}
