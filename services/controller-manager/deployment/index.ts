/**
 * The Deployment controller's pure core: rollout arithmetic, revisions, status and the
 * reconcile planner. No I/O and no clock reads; the controller's I/O layer feeds planDeployment
 * from its caches and executes the returned actions.
 */
export { planDeployment, type DeploymentAction, type DeploymentPlan, type PlanEvent, type PodsInfo } from './plan.js';
export { POD_TEMPLATE_HASH_LABEL, podTemplateHash, equalIgnoreHash, canonicalTemplateJson } from './hash.js';
export {
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
  revisionOf,
  maxRevision,
  lastRevision,
  nextRevision,
  findNewReplicaSet,
  findOldReplicaSets,
  newReplicaSetFor,
  newReplicaSetAnnotations,
  formatTime,
} from './revision.js';
export { resolveFenceposts, scaledValueFromIntOrPercent, maxSurge, maxUnavailable, minAvailable, isRollingUpdate } from './fenceposts.js';
export { newRSNewReplicas, reconcileNewReplicaSetPlan, reconcileOldReplicaSetsPlan, cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate, type PodsAvailability } from './rolling.js';
export { scalePlan, isSaturated, isScalingEvent, getProportion, findActiveOrLatest } from './scale.js';
export { oldPodsRunning, scaleDownOldForRecreate } from './recreate.js';
export { cleanupPlan, hasRevisionHistoryLimit } from './cleanup.js';
export { planRollback, rollbackTo, templateFromReplicaSet, type RollbackResult } from './rollback.js';
export {
  AVAILABLE,
  PROGRESSING,
  REPLICA_FAILURE,
  Reasons,
  calculateDeploymentStatus,
  rolloutStatus,
  getCondition,
  setCondition,
  removeCondition,
  newCondition,
  hasProgressDeadline,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  requeueAfterSeconds,
  pausedConditions,
} from './status.js';
export { ownedReplicaSets, type ScaleStep } from './replica-sets.js';
