/**
 * Controller references and the patches that adopt, release or orphan a dependent, as in
 * Kubernetes' metav1.NewControllerRef / GetControllerOf and controller_ref_manager.go.
 *
 * Patches are strategic merge patches keyed on ownerReferences[].uid, and carry the dependent's
 * uid in metadata.uid as a precondition: if the object was deleted and recreated under the same
 * name, the gateway answers 409 instead of patching the new object.
 */
import type { KObject, OwnerReference } from '../../../shared/resources/meta.js';

/** A strategic merge patch that only touches metadata.ownerReferences (with a uid precondition). */
export interface OwnerReferencesPatch {
  readonly metadata: {
    readonly uid: string;
    readonly ownerReferences: readonly (OwnerReference | { readonly $patch: 'delete'; readonly uid: string })[];
    readonly finalizers?: readonly string[];
  };
}

/** The owner reference marked `controller: true`, if any (Kubernetes allows at most one). */
export function getControllerOf(obj: KObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** Whether obj's controller reference points at owner (an object or its uid). */
export function isControlledBy(obj: KObject, owner: KObject | string): boolean {
  const uid = typeof owner === 'string' ? owner : owner.metadata.uid;
  return uid !== undefined && getControllerOf(obj)?.uid === uid;
}

/** The reference obj holds to the owner with this uid, if any. */
export function ownerReferenceTo(obj: KObject, ownerUid: string): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.uid === ownerUid);
}

/**
 * A controller reference to owner: controller and blockOwnerDeletion both true. apiVersion and
 * kind default to the owner's own. Throws when the owner has no name or uid (not yet stored).
 */
export function newControllerRef(owner: KObject, apiVersion: string = owner.apiVersion, kind: string = owner.kind): OwnerReference {
  const { name, uid } = owner.metadata;
  if (!name || !uid) throw new Error(`cannot reference a ${kind} without name and uid`);
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** Patch that adds controllerRef to the dependent's owner references (adoption). */
export function adoptPatch(dependent: KObject, controllerRef: OwnerReference, finalizers: readonly string[] = []): OwnerReferencesPatch {
  // Finalizers merge into the dependent's list (ObjectMeta.finalizers is patchStrategy merge),
  // as Kubernetes' PodControllerRefManager adds the Job's tracking finalizer on adoption.
  return { metadata: { uid: requireUid(dependent), ownerReferences: [controllerRef], ...(finalizers.length ? { finalizers: [...finalizers] } : {}) } };
}

/** Patch that removes the references to these owners from the dependent (release, orphaning, dangling refs). */
export function removeOwnerReferencesPatch(dependent: KObject, ownerUids: readonly string[]): OwnerReferencesPatch {
  return {
    metadata: { uid: requireUid(dependent), ownerReferences: ownerUids.map((uid) => ({ $patch: 'delete' as const, uid })) },
  };
}

/** Patch that releases a pod from its controller (the pod's labels no longer match). */
export function releasePatch(dependent: KObject, ownerUid: string): OwnerReferencesPatch {
  return removeOwnerReferencesPatch(dependent, [ownerUid]);
}

function requireUid(obj: KObject): string {
  const uid = obj.metadata.uid;
  if (!uid) throw new Error(`${obj.kind} ${obj.metadata.name ?? ''} has no uid`);
  return uid;
}
