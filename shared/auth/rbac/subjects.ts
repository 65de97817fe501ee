/**
 * Whom a binding's subject names (rbac appliesToUser): a User by name, a Group by membership, a
 * ServiceAccount by its username `system:serviceaccount:<namespace>:<name>`, the namespace being
 * the subject's own or, when it has none, the binding's.
 */
import type { UserInfo } from '../user.js';
import type { Subject } from '../../resources/rbac.js';

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

export function subjectApplies(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && user.username === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

export function bindingApplies(user: UserInfo, subjects: readonly Subject[] | undefined, bindingNamespace: string): number {
  return (subjects ?? []).findIndex((s) => subjectApplies(user, s, bindingNamespace));
}
