/** The ReplicaSet controller's pure core: what the reconciler imports. */
export { type Instant, toMillis, parseTimestamp, formatTimestamp } from './time.js';
export { isPodActive, isPodReady, isPodAvailable, getPodReadyCondition, podReadyTime, maxContainerRestarts, filterActivePods } from './pods.js';
export {
  type OwnerReferencesPatch,
  getControllerOf,
  isControlledBy,
  ownerReferenceTo,
  newControllerRef,
  adoptPatch,
  releasePatch,
  removeOwnerReferencesPatch,
} from './controller-ref.js';
export { type PodClaims, classifyPods, replicaSetSelector } from './claim.js';
export { podFromTemplate, podNamePrefix } from './pod-template.js';
export {
  BURST_REPLICAS,
  SLOW_START_INITIAL_BATCH_SIZE,
  type SlowStartResult,
  desiredReplicas,
  replicaDiff,
  slowStartBatchSizes,
  slowStartBatch,
} from './replicas.js';
export {
  POD_DELETION_COST_ANNOTATION,
  podDeletionCost,
  rankPodsByRelatedPodsOnSameNode,
  compareActivePods,
  sortPodsForDeletion,
  podsToDelete,
} from './pods-to-delete.js';
export {
  REPLICA_FAILURE,
  FAILED_CREATE_REASON,
  FAILED_DELETE_REASON,
  calculateReplicaSetStatus,
  statusEqual,
  msUntilNextAvailable,
} from './status.js';
export { EXPECTATIONS_TTL_MS, type ExpectationsSnapshot, Expectations } from './expectations.js';
