/**
 * persistentVolumeClaimRetentionPolicy as owner references on the claims (pure), after Kubernetes'
 * isClaimOwnerUpToDate / updateClaimOwnerRefForSetAndPod (StatefulSetAutoDeletePVC, GA in 1.32):
 *
 *   whenScaled Retain, whenDeleted Retain   no reference from the set or the pod
 *   whenScaled Retain, whenDeleted Delete   the set controls the claim
 *   whenScaled Delete, whenDeleted Retain   the pod controls the claim once it is scaled away
 *   whenScaled Delete, whenDeleted Delete   the set while the pod is in range, the pod once scaled away
 *
 * The garbage collector then deletes a claim with its controller. A claim that refers to an
 * earlier set or pod of the same name (another uid) is left alone; a claim controlled by anything
 * else keeps that controller and loses our references.
 */
import type { OwnerReference } from '../../../shared/resources/meta.js';
import type { Pod } from '../../../shared/resources/types.js';
import { inOrdinalRange, ordinalOf } from './identity.js';
import type { PersistentVolumeClaim, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy } from './types.js';

/** The policy with Retain for anything unset. */
export function retentionPolicy(set: StatefulSet): Required<StatefulSetPersistentVolumeClaimRetentionPolicy> {
  const p = set.spec.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? 'Retain', whenScaled: p?.whenScaled ?? 'Retain' };
}

interface Owner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

const setOwner = (set: StatefulSet): Owner => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name ?? '', uid: set.metadata.uid ?? '' });
const podOwner = (pod: Pod): Owner => ({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' });

const matchesRef = (ref: OwnerReference, o: Owner): boolean => ref.apiVersion === o.apiVersion && ref.kind === o.kind && ref.name === o.name;
const hasOwnerRef = (claim: PersistentVolumeClaim, o: Owner): boolean => !!o.uid && (claim.metadata.ownerReferences ?? []).some((r) => r.uid === o.uid);

/** The first reference to an object of this kind and name has another uid. */
export function hasStaleOwnerRef(claim: PersistentVolumeClaim, o: Owner): boolean {
  const ref = (claim.metadata.ownerReferences ?? []).find((r) => matchesRef(r, o));
  return ref !== undefined && ref.uid !== o.uid;
}

function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const p = retentionPolicy(set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Retain') return false;
  const s = setOwner(set);
  const po = podOwner(pod);
  for (const ref of claim.metadata.ownerReferences ?? []) {
    if (matchesRef(ref, s)) {
      if (ref.uid !== s.uid) return true;
      continue;
    }
    if (matchesRef(ref, po)) {
      if (ref.uid !== po.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const uids = new Set([set.metadata.uid, pod.metadata.uid].filter((u): u is string => !!u));
  return (claim.metadata.ownerReferences ?? []).some((r) => uids.has(r.uid) && r.controller !== true);
}

const scaledDown = (set: StatefulSet, pod: Pod): boolean => !inOrdinalRange(set, ordinalOf(pod));

/** isClaimOwnerUpToDate: whether the claim's references already say what the policy asks. */
export function claimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const s = setOwner(set);
  const po = podOwner(pod);
  if (hasStaleOwnerRef(claim, s) || hasStaleOwnerRef(claim, po)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, s) || hasOwnerRef(claim, po));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const p = retentionPolicy(set);
  const bySet = hasOwnerRef(claim, s);
  const byPod = hasOwnerRef(claim, po);
  if (p.whenScaled === 'Delete') {
    const down = scaledDown(set, pod);
    const wantSet = p.whenDeleted === 'Delete' && !down;
    return bySet === wantSet && byPod === down;
  }
  return bySet === (p.whenDeleted === 'Delete') && !byPod;
}

const controllerRef = (o: Owner): OwnerReference => ({ ...o, controller: true, blockOwnerDeletion: true });

/** updateClaimOwnerRefForSetAndPod: the claim's ownerReferences as the policy wants them. */
export function claimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): OwnerReference[] {
  const s = setOwner(set);
  const po = podOwner(pod);
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = (claim.metadata.ownerReferences ?? []).filter((r) => !matchesRef(r, s) && !matchesRef(r, po));
  if (unexpected) return refs;
  const add = (o: Owner) => {
    if (o.uid && !refs.some((r) => r.uid === o.uid)) refs.push(controllerRef(o));
  };
  const p = retentionPolicy(set);
  const down = scaledDown(set, pod);
  if (p.whenScaled === 'Delete' && down) add(po);
  else if (p.whenDeleted === 'Delete' && !(p.whenScaled === 'Delete' && down)) add(s);
  return refs;
}

/**
 * PodClaimIsStale: with whenScaled Delete, a claim of a pod about to be created that still refers
 * to an earlier pod of that name must go (the garbage collector deletes it) before the pod is made.
 */
export function podClaimIsStale(set: StatefulSet, pod: Pod, existing: readonly PersistentVolumeClaim[]): boolean {
  if (retentionPolicy(set).whenScaled === 'Retain') return false;
  return existing.some((c) => hasStaleOwnerRef(c, podOwner(pod)));
}
