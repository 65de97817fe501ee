/**
 * Escalation prevention on the RBAC kinds' writes (Kubernetes' policy-based RBAC storage): a Role
 * or ClusterRole is written only with rules the writer holds in that namespace, unless they may
 * `escalate` roles (then also an aggregationRule, which otherwise needs everything: it can gather
 * anything); a binding only to a role whose rules they hold, unless they may `bind` it.
 * system:masters may do all of it.
 */
import { isDeepStrictEqual } from 'node:util';
import type { UserInfo } from '../../../shared/auth/user.js';
import type { ResourceInfo } from '../../../shared/resources/registry.js';
import type { KObject } from '../../../shared/resources/meta.js';
import { escalationMessage, isMaster, rulesFor, rulesOfRoleRef, type PolicySource } from '../../../shared/auth/rbac/index.js';
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type RoleBinding } from '../../../shared/resources/rbac.js';
import { forbiddenError, notFound } from '../../../shared/errors.js';
import type { Authorizer } from './authorizer.js';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/**
 * An update that changes only what the garbage collector changes (owner references, finalizers),
 * besides what the server keeps (resourceVersion, managedFields): no escalation check, as
 * Kubernetes' IsOnlyMutatingGCFields.
 */
export function onlyGarbageCollectorFields(obj: KObject, old: KObject): boolean {
  const strip = (o: KObject) => {
    const { ownerReferences: _o, finalizers: _f, managedFields: _m, resourceVersion: _r, ...meta } = o.metadata as Record<string, unknown>;
    return { ...o, metadata: meta };
  };
  return isDeepStrictEqual(strip(obj), strip(old));
}

export const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** Throws a 403 (or the roleRef's 404) when `user` may not write `obj`; `ns` is the request's namespace. */
export function checkEscalation(authz: Authorizer, policy: PolicySource, user: UserInfo, info: ResourceInfo, ns: string, obj: KObject, old?: KObject): void {
  if (!RBAC_KINDS.has(info.kind) || info.group !== RBAC_GROUP || isMaster(user)) return;
  const name = obj.metadata.name ?? '';
  const may = (verb: string, resource: string, objName: string, namespace: string) =>
    authz.authorize({ user, verb, resourceRequest: true, apiGroup: RBAC_GROUP, resource, name: objName, ...(namespace ? { namespace } : {}) }).allowed;
  const confirm = (wanted: readonly PolicyRule[]) => {
    const own = rulesFor(policy, user, ns);
    const msg = escalationMessage(user, own.rules, wanted, own.errors);
    if (msg) throw forbiddenError(info.plural, RBAC_GROUP, name, msg);
  };

  if (info.kind === 'Role' || info.kind === 'ClusterRole') {
    if (may('escalate', info.plural, name, ns)) return;
    confirm((obj as ClusterRole).rules ?? []);
    // An aggregationRule can gather anything: setting, keeping or removing one needs `*` on `*.*`.
    if (info.kind === 'ClusterRole' && ((obj as ClusterRole).aggregationRule || (old as ClusterRole | undefined)?.aggregationRule)) {
      const own = rulesFor(policy, user, '');
      if (escalationMessage(user, own.rules, FULL_AUTHORITY)) {
        throw forbiddenError(info.plural, RBAC_GROUP, name, 'must have cluster-admin privileges to use the aggregationRule');
      }
    }
    return;
  }
  const b = obj as RoleBinding;
  const ref = b.roleRef;
  if (!ref) return; // validation answers
  const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
  if (may('bind', refResource, ref.name, ns)) return;
  const rules = rulesOfRoleRef(policy, ref, info.kind === 'RoleBinding' ? ns : '');
  if (!rules) throw notFound(refResource, RBAC_GROUP, ref.name);
  confirm(rules);
}
