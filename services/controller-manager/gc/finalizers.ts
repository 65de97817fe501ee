/** The garbage collector's finalizers and the predicates on them (Kubernetes' metav1 constants). */
import type { KObject } from '../../../shared/resources/meta.js';

/** Set by a delete with propagationPolicy=Foreground: the owner waits for its blocking dependents. */
export const FINALIZER_FOREGROUND = 'foregroundDeletion';
/** Set by a delete with propagationPolicy=Orphan: dependents lose their reference, then the owner goes. */
export const FINALIZER_ORPHAN = 'orphan';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export function hasFinalizer(obj: KObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

export function isBeingDeleted(obj: KObject): boolean {
  return !!obj.metadata.deletionTimestamp;
}

/** Being deleted in the foreground: its dependents go first. */
export function isDeletingDependents(obj: KObject): boolean {
  return isBeingDeleted(obj) && hasFinalizer(obj, FINALIZER_FOREGROUND);
}

/** Being deleted with Orphan: its dependents are to be released first. */
export function isOrphaningDependents(obj: KObject): boolean {
  return isBeingDeleted(obj) && hasFinalizer(obj, FINALIZER_ORPHAN);
}

/** The finalizers obj would have without this one. */
export function finalizersWithout(obj: KObject, finalizer: string): string[] {
  return (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
}

/**
 * A JSON merge patch removing one finalizer, guarded by the resourceVersion it was computed from
 * (a 409 means the object changed: recompute, never force).
 */
export function removeFinalizerPatch(
  obj: KObject,
  finalizer: string,
): { readonly metadata: { readonly finalizers: string[]; readonly resourceVersion?: string } } {
  const rv = obj.metadata.resourceVersion;
  return { metadata: { finalizers: finalizersWithout(obj, finalizer), ...(rv ? { resourceVersion: rv } : {}) } };
}
