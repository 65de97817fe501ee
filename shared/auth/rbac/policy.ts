/**
 * The RBAC objects an authorizer decides from (PolicySource): the gateway serves it from its
 * informers' caches (services/gateway/authz/policy-cache.ts); PolicyIndex is the in-memory twin
 * unit tests build directly. No I/O.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../resources/rbac.js';

export interface PolicySource {
  role(namespace: string, name: string): Role | undefined;
  clusterRole(name: string): ClusterRole | undefined;
  roleBindings(namespace: string): Iterable<RoleBinding>;
  clusterRoleBindings(): Iterable<ClusterRoleBinding>;
  clusterRoles(): Iterable<ClusterRole>;
}

type Kind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
type Obj = Role | ClusterRole | RoleBinding;

/** Objects by kind, namespace and name, in memory. */
export class PolicyIndex implements PolicySource {
  private readonly byKind = new Map<Kind, Map<string, Map<string, Obj>>>();

  static of(objects: readonly Obj[]): PolicyIndex {
    const p = new PolicyIndex();
    for (const o of objects) p.put(o);
    return p;
  }

  put(o: Obj): void {
    const ns = this.ns(o.kind as Kind);
    let m = ns.get(o.metadata.namespace ?? '');
    if (!m) ns.set(o.metadata.namespace ?? '', (m = new Map()));
    m.set(o.metadata.name ?? '', o);
  }

  remove(o: Obj): void {
    this.ns(o.kind as Kind).get(o.metadata.namespace ?? '')?.delete(o.metadata.name ?? '');
  }

  role(namespace: string, name: string): Role | undefined {
    return this.ns('Role').get(namespace)?.get(name) as Role | undefined;
  }
  clusterRole(name: string): ClusterRole | undefined {
    return this.ns('ClusterRole').get('')?.get(name) as ClusterRole | undefined;
  }
  roleBindings(namespace: string): Iterable<RoleBinding> {
    return (this.ns('RoleBinding').get(namespace)?.values() ?? []) as Iterable<RoleBinding>;
  }
  clusterRoleBindings(): Iterable<ClusterRoleBinding> {
    return (this.ns('ClusterRoleBinding').get('')?.values() ?? []) as Iterable<ClusterRoleBinding>;
  }
  clusterRoles(): Iterable<ClusterRole> {
    return (this.ns('ClusterRole').get('')?.values() ?? []) as Iterable<ClusterRole>;
  }

  /** Objects of one kind: namespace → name → object ('' for cluster-scoped kinds). */
  private ns(kind: Kind): Map<string, Map<string, Obj>> {
    let m = this.byKind.get(kind);
    if (!m) this.byKind.set(kind, (m = new Map()));
    return m;
  }
}
