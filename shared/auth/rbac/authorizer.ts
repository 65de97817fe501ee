/**
 * Kubernetes' RBAC authorizer (plugin/pkg/auth/authorizer/rbac), pure over a PolicySource: the
 * ClusterRoleBindings that apply to the user, then (for a namespaced request) the RoleBindings of
 * that namespace, each lending the rules of the role it names; the first rule that allows the
 * request decides. Members of system:masters are allowed everything, as kube-apiserver's
 * privileged-group authorizer allows them before RBAC is asked. A denial has no reason (RBAC has
 * no opinion), as in Kubernetes.
 */
import { MASTERS_GROUP, type Decision, type RequestAttributes, type UserInfo } from '../user.js';
import type { PolicyRule, RoleBinding, RoleRef } from '../../resources/rbac.js';
import type { PolicySource } from './policy.js';
import { ruleAllows } from './rules.js';
import { bindingApplies } from './subjects.js';

/** Where a rule came from, for the allow reason. */
interface Source {
  readonly binding: RoleBinding;
  readonly subjectIndex: number;
}

/** The rules of a roleRef as seen from `namespace` ('' for cluster bindings); undefined when it names nothing. */
export function rulesOfRoleRef(policy: PolicySource, ref: RoleRef, namespace: string): readonly PolicyRule[] | undefined {
  switch (ref.kind) {
    case 'ClusterRole':
      return policy.clusterRole(ref.name)?.rules ?? (policy.clusterRole(ref.name) ? [] : undefined);
    case 'Role':
      if (!namespace) return undefined;
      return policy.role(namespace, ref.name)?.rules ?? (policy.role(namespace, ref.name) ? [] : undefined);
    default:
      return undefined;
  }
}

/**
 * Visit every rule the user holds in `namespace` ('' for cluster-wide only), cluster bindings
 * first; stop when `visit` answers true. Missing roles are passed to `missing`.
 */
export function visitRulesFor(
  policy: PolicySource,
  user: UserInfo,
  namespace: string,
  visit: (rule: PolicyRule, from: Source) => boolean,
  missing?: (binding: RoleBinding) => void,
): void {
  for (const b of policy.clusterRoleBindings()) {
    const i = bindingApplies(user, b.subjects, '');
    if (i < 0) continue;
    const rules = rulesOfRoleRef(policy, b.roleRef, '');
    if (!rules) {
      missing?.(b);
      continue;
    }
    for (const r of rules) if (visit(r, { binding: b, subjectIndex: i })) return;
  }
  if (!namespace) return;
  for (const b of policy.roleBindings(namespace)) {
    const i = bindingApplies(user, b.subjects, namespace);
    if (i < 0) continue;
    const rules = rulesOfRoleRef(policy, b.roleRef, namespace);
    if (!rules) {
      missing?.(b);
      continue;
    }
    for (const r of rules) if (visit(r, { binding: b, subjectIndex: i })) return;
  }
}

/** Every rule the user holds in `namespace` (cluster-wide ones included). */
export function rulesFor(policy: PolicySource, user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(policy, user, namespace, (r) => (rules.push(r), false), (b) => errors.push(missingRoleMessage(b)));
  return { rules, errors };
}

function missingRoleMessage(b: RoleBinding): string {
  const where = b.metadata.namespace ? `RoleBinding "${b.metadata.name}" in namespace "${b.metadata.namespace}"` : `ClusterRoleBinding "${b.metadata.name}"`;
  return `${b.roleRef.kind.toLowerCase()}.rbac.authorization.k8s.io "${b.roleRef.name}" not found for ${where}`;
}

function describeSource(s: Source): string {
  const b = s.binding;
  const subj = b.subjects![s.subjectIndex]!;
  const binding = b.metadata.namespace ? `RoleBinding "${b.metadata.name}/${b.metadata.namespace}"` : `ClusterRoleBinding "${b.metadata.name}"`;
  const subject = subj.kind === 'ServiceAccount' ? `ServiceAccount "${subj.name}/${subj.namespace || b.metadata.namespace}"` : `${subj.kind} "${subj.name}"`;
  return `RBAC: allowed by ${binding} of ${b.roleRef.kind} "${b.roleRef.name}" to ${subject}`;
}

export function isMaster(user: UserInfo): boolean {
  return user.groups.includes(MASTERS_GROUP);
}

export function authorize(policy: PolicySource, a: RequestAttributes): Decision {
  if (isMaster(a.user)) return { allowed: true, reason: '' };
  let allowedBy: Source | undefined;
  visitRulesFor(policy, a.user, a.resourceRequest ? (a.namespace ?? '') : '', (rule, from) => {
    if (!ruleAllows(a, rule)) return false;
    allowedBy = from;
    return true;
  });
  if (allowedBy) return { allowed: true, reason: describeSource(allowedBy) };
  return { allowed: false, reason: '' };
}
