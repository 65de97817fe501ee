/**
 * Which pods a ReplicaSet owns, should adopt, or should release: the decisions of Kubernetes'
 * PodControllerRefManager.ClaimPods (controller_ref_manager.go), without the patches themselves.
 */
import type { Pod, ReplicaSet } from '../../../shared/resources/types.js';
import type { Requirement } from '../../../shared/resources/selector-types.js';
import { matchesLabels, tryFromLabelSelector } from '../../../shared/resources/selectors.js';
import { getControllerOf } from './controller-ref.js';

export interface PodClaims {
  /** Controlled by the ReplicaSet and matching its selector. */
  readonly owned: Pod[];
  /** Orphans (no controller) that match the selector, are not being deleted, while the ReplicaSet is not being deleted. */
  readonly adopt: Pod[];
  /** Controlled by the ReplicaSet but no longer matching its selector (and the ReplicaSet is not being deleted). */
  readonly release: Pod[];
  /** Everything else: other controllers' pods, non-matching orphans, orphans being deleted, other namespaces. */
  readonly ignored: Pod[];
  /**
   * The selector is missing, empty or invalid. Nothing is claimed, adopted or released (a
   * validated ReplicaSet never has one; Kubernetes gives up on such a sync without writes).
   */
  readonly invalidSelector: boolean;
}

/** The ReplicaSet's selector as requirements; undefined when it is missing, empty or invalid. */
export function replicaSetSelector(rs: ReplicaSet): Requirement[] | undefined {
  const sel = rs.spec?.selector;
  if (!sel) return undefined;
  const reqs = tryFromLabelSelector(sel);
  return reqs && reqs.length > 0 ? reqs : undefined;
}

/**
 * Sort pods into owned / adopt / release / ignored for this ReplicaSet. Liveness is the
 * caller's concern: Kubernetes passes only active pods (see filterActivePods). After the adopt
 * patches succeed, the pods the ReplicaSet manages are `owned` plus the adopted ones.
 */
export function classifyPods(rs: ReplicaSet, pods: readonly Pod[]): PodClaims {
  const claims: PodClaims = { owned: [], adopt: [], release: [], ignored: [], invalidSelector: false };
  const selector = replicaSetSelector(rs);
  if (!selector) return { ...claims, ignored: [...pods], invalidSelector: true };
  const rsUid = rs.metadata.uid;
  const rsDeleting = !!rs.metadata.deletionTimestamp;
  const ns = rs.metadata.namespace ?? '';
  for (const pod of pods) {
    if ((pod.metadata.namespace ?? '') !== ns) {
      claims.ignored.push(pod);
      continue;
    }
    const matches = matchesLabels(selector, pod.metadata.labels);
    const ref = getControllerOf(pod);
    if (ref) {
      if (rsUid === undefined || ref.uid !== rsUid) claims.ignored.push(pod);
      else if (matches) claims.owned.push(pod);
      // A ReplicaSet being deleted neither claims nor releases: the GC will deal with its pods.
      else if (rsDeleting) claims.ignored.push(pod);
      else claims.release.push(pod);
    } else if (matches && !rsDeleting && !pod.metadata.deletionTimestamp && rsUid !== undefined) {
      claims.adopt.push(pod);
    } else {
      claims.ignored.push(pod);
    }
  }
  return claims;
}
