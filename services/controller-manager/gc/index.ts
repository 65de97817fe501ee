/** The garbage collector's pure core: what its reconciler imports. */
export { type ObjectRef, refOf } from './object-ref.js';
export {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  type PropagationPolicy,
  hasFinalizer,
  isBeingDeleted,
  isDeletingDependents,
  isOrphaningDependents,
  finalizersWithout,
  removeFinalizerPatch,
} from './finalizers.js';
export {
  type OwnerLookup,
  type OwnerReferenceClasses,
  type DependentDecision,
  type GcDelete,
  type GcPatch,
  type GcMode,
  type GcPlan,
  type OwnerGcInput,
  classifyOwnerReferences,
  decideDependent,
  planOwnerDeletion,
  blockingDependents,
  dependentsToDelete,
  dependentsOf,
  indexByUid,
  ownerReferencesMergePatch,
} from './plan.js';
