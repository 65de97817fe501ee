/** Kubernetes' RBAC, pure: rule matching, the authorizer, escalation checks, aggregation, the bootstrap policy. */
export { ruleAllows, verbMatches, apiGroupMatches, resourceMatches, resourceNameMatches, nonResourceURLMatches } from './rules.js';
export { subjectApplies, serviceAccountUsername } from './subjects.js';
export { PolicyIndex, type PolicySource } from './policy.js';
export { authorize, rulesFor, rulesOfRoleRef, isMaster } from './authorizer.js';
export { covers, ruleCovers, breakdownRule, compactRules, compactString, escalationMessage } from './escalation.js';
export { aggregatedRules, aggregationCurrent } from './aggregation.js';
export { bootstrapClusterRoles, bootstrapClusterRoleBindings, COMPONENT_USERS, NODES_GROUP, AGGREGATE_TO } from './bootstrap.js';
export { reconcileBootstrap, AUTOUPDATE_ANNOTATION } from './reconcile.js';
