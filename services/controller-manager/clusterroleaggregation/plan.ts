/**
 * Kubernetes' clusterrole-aggregation controller, the decision: an aggregating ClusterRole's rules
 * become those of the roles its selectors match (shared/auth/rbac/aggregation.ts); a role already
 * current, gone, or not aggregating needs nothing.
 */
import type { ClusterRole } from '../../../shared/resources/rbac.js';
import { aggregatedRules, aggregationCurrent } from '../../../shared/auth/rbac/index.js';

export type AggregationAction =
  | { readonly kind: 'none' }
  /** role carries the observed resourceVersion (the update's precondition). */
  | { readonly kind: 'update'; readonly role: ClusterRole };

export function planAggregation(role: ClusterRole | undefined, all: Iterable<ClusterRole>): AggregationAction {
  if (!role || role.metadata.deletionTimestamp) return { kind: 'none' };
  const rules = aggregatedRules(role, all);
  if (!rules || aggregationCurrent(role, rules)) return { kind: 'none' };
  return { kind: 'update', role: { ...role, rules } };
}
