/** The namespace controller's pure core: what its reconciler imports. */
export {
  NAMESPACE_FINALIZER,
  FINALIZER_ESTIMATE_SECONDS,
  type NamespaceConditionType,
  type NamespaceCondition,
  type NamespaceStatus,
  type NamespaceDeleteAction,
  type NamespacePlan,
  type NamespacePlanOptions,
  isNamespaceTerminating,
  needsNamespaceFinalization,
  planNamespaceDeletion,
  estimateSeconds,
  updateNamespaceConditions,
} from './deletion.js';
