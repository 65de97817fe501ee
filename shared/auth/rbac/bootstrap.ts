/**
 * The bootstrap policy the gateway creates at cluster start (Kubernetes' bootstrappolicy, trimmed
 * to what jetkube serves): the user-facing roles cluster-admin, admin, edit and view (the last
 * three aggregated from system:aggregate-to-* through their labels, as Kubernetes ships them),
 * system:basic-user, system:discovery, system:public-info-viewer, and one least-privilege
 * ClusterRole and ClusterRoleBinding per jetkube component, from what each component writes
 * through the gateway and reads (components follow the stream with informers; the reads let them
 * also list and watch through the gateway).
 */
import { AUTHENTICATED_GROUP, MASTERS_GROUP, UNAUTHENTICATED_GROUP } from '../user.js';
import { RBAC_GROUP, type ClusterRole, type ClusterRoleBinding, type PolicyRule, type Subject } from '../../resources/rbac.js';

/** The identities jetkube's components authenticate as (Kubernetes' names where Kubernetes has one). */
export const COMPONENT_USERS = {
  controllerManager: 'system:kube-controller-manager',
  scheduler: 'system:kube-scheduler',
  proxy: 'system:kube-proxy',
  dns: 'system:jetkube-dns',
  ingress: 'system:jetkube-ingress',
} as const;
/** Kubelets authenticate as `system:node:<name>` in this group. */
export const NODES_GROUP = 'system:nodes';

export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const r = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({ apiGroups, resources, verbs });
const url = (nonResourceURLs: string[], verbs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: 'admin' | 'edit' | 'view'): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels }, annotations: { ...AUTOUPDATE } },
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(aggregateFrom)]: 'true' } }] }, rules: [] } : { rules }),
  };
}

function binding(name: string, role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { ...AUTOUPDATE } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects,
  };
}

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });

const VIEW_RULES: PolicyRule[] = [
  r([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale',
    'serviceaccounts', 'services', 'services/status'], READ),
  r([''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'], READ),
  r([''], ['namespaces'], READ),
  r(['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale',
    'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], READ),
  r(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], READ),
  r(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], READ),
  r(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], READ),
  r(['coordination.k8s.io'], ['leases'], READ),
  // jetkube's history API (history.jetkube.io): reading a kind's past also needs the verb on the kind itself.
  r(['history.jetkube.io'], ['changes', 'diffs', 'objects', 'revisions'], READ),
];

const EDIT_RULES: PolicyRule[] = [
  r([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], READ),
  r([''], ['serviceaccounts'], ['impersonate']),
  r([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], WRITE),
  r([''], ['pods/eviction'], ['create']),
  r([''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services',
    'services/proxy'], WRITE),
  r([''], ['serviceaccounts/token'], ['create']),
  r(['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], WRITE),
  r(['batch'], ['cronjobs', 'jobs'], WRITE),
  r(['policy'], ['poddisruptionbudgets'], WRITE),
  r(['networking.k8s.io'], ['ingresses', 'networkpolicies'], WRITE),
  r(['coordination.k8s.io'], ['leases'], WRITE),
];

const ADMIN_RULES: PolicyRule[] = [
  r(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
  r([RBAC_GROUP], ['rolebindings', 'roles'], [...WRITE, ...READ].sort()),
];

const yes = 'true';

/** Every bootstrap ClusterRole. */
export function bootstrapClusterRoles(): ClusterRole[] {
  return [
    clusterRole('cluster-admin', [r(['*'], ['*'], ['*']), url(['*'], ['*'])]),
    clusterRole('admin', [], {}, 'admin'),
    clusterRole('edit', [], { [AGGREGATE_TO('admin')]: yes }, 'edit'),
    clusterRole('view', [], { [AGGREGATE_TO('edit')]: yes }, 'view'),
    clusterRole('system:aggregate-to-admin', ADMIN_RULES, { [AGGREGATE_TO('admin')]: yes }),
    clusterRole('system:aggregate-to-edit', EDIT_RULES, { [AGGREGATE_TO('admin')]: yes, [AGGREGATE_TO('edit')]: yes }),
    clusterRole('system:aggregate-to-view', VIEW_RULES, { [AGGREGATE_TO('admin')]: yes, [AGGREGATE_TO('edit')]: yes, [AGGREGATE_TO('view')]: yes }),
    clusterRole('system:basic-user', [
      r(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']),
      r(['authentication.k8s.io'], ['selfsubjectreviews'], ['create']),
    ]),
    clusterRole('system:discovery', [url(['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], ['get'])]),
    // The log's first and last sequence and their times (the console's time slider): nothing of any object.
    clusterRole('jetkube:history-bounds', [r(['history.jetkube.io'], ['bounds'], READ)]),
    clusterRole('system:public-info-viewer', [url(['/healthz', '/livez', '/readyz', '/version', '/version/'], ['get'])]),
    // ---- jetkube's components
    clusterRole('system:kube-controller-manager', [
      // the garbage collector and the namespace controller act on any kind (Kubernetes'
      // generic-garbage-collector and namespace-controller roles)
      r(['*'], ['*'], ['delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
      // what the controllers create
      r([''], ['pods', 'endpoints', 'serviceaccounts', 'configmaps', 'events'], ['create']),
      r([''], ['pods/eviction'], ['create']),
      r(['apps'], ['replicasets', 'controllerrevisions'], ['create']),
      r(['batch'], ['jobs'], ['create']),
      r(['coordination.k8s.io'], ['leases'], ['create']),
      // the StatefulSet controller's claims, the local-path provisioner's volumes
      r([''], ['persistentvolumeclaims', 'persistentvolumes'], ['create']),
      // the clusterrole-aggregation controller writes rules it need not hold
      r([RBAC_GROUP], ['clusterroles'], ['escalate']),
    ]),
    clusterRole('system:kube-scheduler', [
      r(['', 'apps', 'policy'], ['pods', 'nodes', 'namespaces', 'services', 'replicasets', 'statefulsets', 'poddisruptionbudgets'], READ),
      r([''], ['pods/binding', 'bindings'], ['create']),
      // volume binding (Kubernetes' system:volume-scheduler): the claims, volumes and classes, and
      // the selected-node annotation on a WaitForFirstConsumer claim
      r(['', 'storage.k8s.io'], ['persistentvolumeclaims', 'persistentvolumes', 'storageclasses'], READ),
      r([''], ['persistentvolumeclaims'], ['patch', 'update']),
      r([''], ['pods/status'], ['patch', 'update']),
      r([''], ['events'], ['create', 'patch', 'update']),
      r(['coordination.k8s.io'], ['leases'], ['create', 'get', 'update']),
    ]),
    clusterRole('system:node', [
      r([''], ['nodes'], [...READ, 'create', 'update', 'patch', 'delete']),
      r([''], ['nodes/status'], ['patch', 'update']),
      r([''], ['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'namespaces', 'persistentvolumeclaims', 'persistentvolumes'], READ),
      r([''], ['pods'], ['create', 'delete']),
      r([''], ['pods/status'], ['patch', 'update']),
      r([''], ['pods/eviction'], ['create']),
      r([''], ['events'], ['create', 'patch', 'update']),
      r([''], ['serviceaccounts/token'], ['create']),
      r(['coordination.k8s.io'], ['leases'], ['create', 'delete', 'get', 'patch', 'update']),
    ]),
    clusterRole('system:node-proxier', [
      r([''], ['services', 'endpoints', 'nodes'], ['list', 'watch', 'get']),
      r([''], ['events'], ['create', 'patch', 'update']),
    ]),
    clusterRole('system:jetkube-dns', [r([''], ['services', 'endpoints', 'pods', 'namespaces'], ['list', 'watch'])]),
    clusterRole('system:jetkube-ingress', [
      r(['', 'networking.k8s.io'], ['ingresses', 'ingressclasses', 'services', 'endpoints', 'secrets'], READ),
      r(['networking.k8s.io'], ['ingresses/status'], ['patch', 'update']),
      r([''], ['events'], ['create', 'patch', 'update']),
    ]),
  ];
}

/** Every bootstrap ClusterRoleBinding. */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    binding('cluster-admin', 'cluster-admin', [group(MASTERS_GROUP)]),
    binding('system:basic-user', 'system:basic-user', [group(AUTHENTICATED_GROUP)]),
    binding('system:discovery', 'system:discovery', [group(AUTHENTICATED_GROUP)]),
    binding('jetkube:history-bounds', 'jetkube:history-bounds', [group(AUTHENTICATED_GROUP)]),
    binding('system:public-info-viewer', 'system:public-info-viewer', [group(AUTHENTICATED_GROUP), group(UNAUTHENTICATED_GROUP)]),
    binding('system:kube-controller-manager', 'system:kube-controller-manager', [user(COMPONENT_USERS.controllerManager)]),
    binding('system:kube-scheduler', 'system:kube-scheduler', [user(COMPONENT_USERS.scheduler)]),
    binding('system:node', 'system:node', [group(NODES_GROUP)]),
    binding('system:node-proxier', 'system:node-proxier', [user(COMPONENT_USERS.proxy)]),
    binding('system:jetkube-dns', 'system:jetkube-dns', [user(COMPONENT_USERS.dns)]),
    binding('system:jetkube-ingress', 'system:jetkube-ingress', [user(COMPONENT_USERS.ingress)]),
  ];
}
