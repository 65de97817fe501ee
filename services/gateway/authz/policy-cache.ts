/**
 * The RBAC objects the gateway authorizes from, kept in memory by four informers (current state,
 * then every change, from the stream): no SQL and no stream read per request. Like kube-apiserver's
 * RBAC authorizer over its informer caches, a grant takes effect when its event arrives here.
 */
import type { EventLog } from '../../../shared/eventlog/index.js';
import type { Logger } from '../../../shared/log.js';
import { Informer } from '../../../shared/informer/index.js';
import type { PolicySource } from '../../../shared/auth/rbac/index.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../shared/resources/rbac.js';

export class InformerPolicyCache implements PolicySource {
  private readonly roles: Informer<Role>;
  private readonly clusterRolesInf: Informer<ClusterRole>;
  private readonly bindings: Informer<RoleBinding>;
  private readonly clusterBindings: Informer<ClusterRoleBinding>;

  constructor(log: EventLog, logger?: Logger) {
    const opts = (plural: string) => ({ log, plural, ...(logger ? { logger } : {}) });
    this.roles = new Informer<Role>(opts('roles'));
    this.clusterRolesInf = new Informer<ClusterRole>(opts('clusterroles'));
    this.bindings = new Informer<RoleBinding>(opts('rolebindings'));
    this.clusterBindings = new Informer<ClusterRoleBinding>(opts('clusterrolebindings'));
  }

  private all() {
    return [this.roles, this.clusterRolesInf, this.bindings, this.clusterBindings] as Informer[];
  }

  /** Start following; resolves once every informer holds the stream's current state. */
  async start(): Promise<void> {
    await Promise.all(this.all().map((i) => i.start()));
    await Promise.all(this.all().map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((i) => i.stop()));
  }

  role(namespace: string, name: string): Role | undefined {
    return this.roles.getByName(namespace, name);
  }
  clusterRole(name: string): ClusterRole | undefined {
    return this.clusterRolesInf.getByName(undefined, name);
  }
  roleBindings(namespace: string): Iterable<RoleBinding> {
    return this.bindings.listByNamespace(namespace);
  }
  clusterRoleBindings(): Iterable<ClusterRoleBinding> {
    return this.clusterBindings.list();
  }
  clusterRoles(): Iterable<ClusterRole> {
    return this.clusterRolesInf.list();
  }
}
