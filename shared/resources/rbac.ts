/**
 * rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding (types) and
 * Kubernetes' semantic validation of them (pkg/apis/rbac/validation): rules need verbs, resource
 * rules need apiGroups and resources, non-resource URLs only in cluster roles and never beside
 * resources; a binding's roleRef names a Role or ClusterRole of this group and never changes; its
 * subjects are Users, Groups (this group) or ServiceAccounts (core group, with a namespace).
 */
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { LabelSelector } from './types.js';
import { child, index, invalidValue, notSupported, required } from './field-errors.js';
import { validateLabelSelector } from './selectors.js';
import { dns1123SubdomainErrors } from './names.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

export interface AggregationRule {
  readonly clusterRoleSelectors?: readonly LabelSelector[];
}

export interface Role extends KObject {
  readonly rules?: readonly PolicyRule[];
}
export interface ClusterRole extends KObject {
  readonly rules?: readonly PolicyRule[];
  readonly aggregationRule?: AggregationRule;
}

export interface RoleRef {
  readonly apiGroup: string;
  readonly kind: string;
  readonly name: string;
}
export interface Subject {
  readonly kind: string;
  readonly apiGroup?: string;
  readonly name: string;
  readonly namespace?: string;
}
export interface RoleBinding extends KObject {
  readonly subjects?: readonly Subject[];
  readonly roleRef: RoleRef;
}
export type ClusterRoleBinding = RoleBinding;

/** Kubernetes' path segment names (ValidateRBACName): anything but `.`, `..`, or a `/` or `%` inside. */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  for (const c of ['/', '%']) if (name.includes(c)) out.push(`may not contain '${c}'`);
  return out;
}

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!rule.verbs?.length) errs.push(required(child(path, 'verbs'), 'verbs must contain at least one value'));
  if (rule.nonResourceURLs?.length) {
    if (namespaced) errs.push(invalidValue(child(path, 'nonResourceURLs'), rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(invalidValue(child(path, 'nonResourceURLs'), rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(required(child(path, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(required(child(path, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(rules: readonly PolicyRule[] | undefined, namespaced: boolean): StatusCause[] {
  return (rules ?? []).flatMap((r, i) => validatePolicyRule(r, namespaced, index('rules', i)));
}

export function validateRole(role: Role): StatusCause[] {
  return validateRules(role.rules, true);
}

export function validateClusterRole(role: ClusterRole): StatusCause[] {
  const errs = validateRules(role.rules, false);
  const agg = role.aggregationRule;
  if (agg) {
    if (!agg.clusterRoleSelectors?.length) {
      errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    (agg.clusterRoleSelectors ?? []).forEach((s, i) => errs.push(...validateLabelSelector(s, index('aggregationRule.clusterRoleSelectors', i))));
  }
  return errs;
}

function validateSubject(s: Subject, bindingNamespaced: boolean, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!s.name) errs.push(required(child(path, 'name'), ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const m of dns1123SubdomainErrors(s.name)) errs.push(invalidValue(child(path, 'name'), s.name, m));
      if (s.apiGroup) errs.push(notSupported(child(path, 'apiGroup'), s.apiGroup, ['']));
      if (!bindingNamespaced && !s.namespace) errs.push(required(child(path, 'namespace'), ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(child(path, 'apiGroup'), s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(path, 'kind'), s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateRoleRef(ref: RoleRef | undefined, kinds: readonly string[]): StatusCause[] {
  const errs: StatusCause[] = [];
  if (ref?.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(ref?.kind ?? '')) errs.push(notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  if (!ref?.name) errs.push(required('roleRef.name', ''));
  else for (const m of pathSegmentNameErrors(ref.name)) errs.push(invalidValue('roleRef.name', ref.name, m));
  return errs;
}

function roleRefUpdate(b: RoleBinding, old: RoleBinding | undefined): StatusCause[] {
  if (!old) return [];
  const a = b.roleRef ?? ({} as RoleRef);
  const o = old.roleRef ?? ({} as RoleRef);
  if (a.apiGroup === o.apiGroup && a.kind === o.kind && a.name === o.name) return [];
  return [invalidValue('roleRef', a, 'cannot change roleRef')];
}

export function validateRoleBinding(b: RoleBinding, old?: RoleBinding): StatusCause[] {
  return [
    ...validateRoleRef(b.roleRef, ['ClusterRole', 'Role']),
    ...(b.subjects ?? []).flatMap((s, i) => validateSubject(s, true, index('subjects', i))),
    ...roleRefUpdate(b, old),
  ];
}

export function validateClusterRoleBinding(b: ClusterRoleBinding, old?: ClusterRoleBinding): StatusCause[] {
  return [
    ...validateRoleRef(b.roleRef, ['ClusterRole']),
    ...(b.subjects ?? []).flatMap((s, i) => validateSubject(s, false, index('subjects', i))),
    ...roleRefUpdate(b, old),
  ];
}
