/**
 * ClusterRole aggregation (Kubernetes' clusterrole-aggregation controller): a ClusterRole with an
 * aggregationRule has as rules those of every other ClusterRole matching any of its selectors, in
 * the order of the matching roles' names, each distinct rule once.
 */
import type { ClusterRole, PolicyRule } from '../../resources/rbac.js';
import { matchesLabels, tryFromLabelSelector } from '../../resources/selectors.js';

function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const eq = (x?: readonly string[], y?: readonly string[]) => JSON.stringify(x ?? []) === JSON.stringify(y ?? []);
  return eq(a.verbs, b.verbs) && eq(a.apiGroups, b.apiGroups) && eq(a.resources, b.resources) && eq(a.resourceNames, b.resourceNames) && eq(a.nonResourceURLs, b.nonResourceURLs);
}

/** The rules `role` aggregates from `all`; undefined for a role without an aggregationRule. */
export function aggregatedRules(role: ClusterRole, all: Iterable<ClusterRole>): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const reqs = selectors.map((s) => tryFromLabelSelector(s)).filter((r) => r !== undefined);
  const matched = [...all]
    .filter((c) => c.metadata.name !== role.metadata.name && reqs.some((r) => matchesLabels(r, c.metadata.labels)))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const rules: PolicyRule[] = [];
  for (const c of matched) for (const r of c.rules ?? []) if (!rules.some((x) => sameRule(x, r))) rules.push(r);
  return rules;
}

/** True when the role's rules already are what aggregation makes them. */
export function aggregationCurrent(role: ClusterRole, rules: readonly PolicyRule[]): boolean {
  const cur = role.rules ?? [];
  return cur.length === rules.length && cur.every((r, i) => sameRule(r, rules[i]!));
}
