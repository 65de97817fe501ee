/**
 * Role, ClusterRole, RoleBinding, ClusterRoleBinding (rbac.authorization.k8s.io/v1): no status, no
 * generation. `kubectl get` (printers.go printRole, printClusterRole, printRoleBinding,
 * printClusterRoleBinding): roles print NAME and CREATED AT; bindings NAME, ROLE (`Kind/name`), AGE
 * and, wide, USERS, GROUPS, SERVICEACCOUNTS (`namespace:name`).
 */
import type { KindStrategy } from '../strategy.js';
import type { KObject } from '../meta.js';
import { get, str, type Projection } from '../projection.js';
import { age } from '../../printers/duration.js';
import { NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
  type ClusterRole,
  type Role,
  type RoleBinding,
} from '../rbac.js';

const CREATED_AT = column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' });
const AGE = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

const rolePrinter: TablePrinter<KObject> = {
  columns: [NAME_COLUMN, CREATED_AT],
  row: (r) => [r.metadata.name ?? '', r.metadata.creationTimestamp ?? ''],
};

function bindingPrinter(roleRefDoc: string): TablePrinter<RoleBinding> {
  return {
    columns: [
      NAME_COLUMN,
      column('Role', roleRefDoc),
      AGE,
      column('Users', 'Users in the roleBinding', { wide: true }),
      column('Groups', 'Groups in the roleBinding', { wide: true }),
      column('ServiceAccounts', 'ServiceAccounts in the roleBinding', { wide: true }),
    ],
    row(b, now) {
      const of = (kind: string) => (b.subjects ?? []).filter((s) => s.kind === kind);
      return [
        b.metadata.name ?? '',
        `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
        age(b.metadata.creationTimestamp, now),
        of('User').map((s) => s.name).join(', '),
        of('Group').map((s) => s.name).join(', '),
        of('ServiceAccount').map((s) => `${s.namespace ?? ''}:${s.name}`).join(', '),
      ];
    },
  };
}

const ROLE_REF_DOC = 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';
const CLUSTER_ROLE_REF_DOC = 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';

const bindingProjection: Projection = {
  columns: { role_kind: 'text', role_name: 'text' },
  row: (o) => ({ role_kind: str(get(o, 'roleRef', 'kind')), role_name: str(get(o, 'roleRef', 'name')) }),
};

export const roleStrategy: KindStrategy = {
  kind: 'Role',
  statusSubresource: false,
  generation: false,
  validate: (obj) => validateRole(obj as Role),
  printer: rolePrinter,
};

export const clusterRoleStrategy: KindStrategy = {
  kind: 'ClusterRole',
  statusSubresource: false,
  generation: false,
  validate: (obj) => validateClusterRole(obj as ClusterRole),
  printer: rolePrinter,
};

export const roleBindingStrategy: KindStrategy = {
  kind: 'RoleBinding',
  statusSubresource: false,
  generation: false,
  validate: (obj, old) => validateRoleBinding(obj as RoleBinding, old as RoleBinding | undefined),
  printer: bindingPrinter(ROLE_REF_DOC) as TablePrinter,
  projection: bindingProjection,
};

export const clusterRoleBindingStrategy: KindStrategy = {
  kind: 'ClusterRoleBinding',
  statusSubresource: false,
  generation: false,
  validate: (obj, old) => validateClusterRoleBinding(obj as RoleBinding, old as RoleBinding | undefined),
  printer: bindingPrinter(CLUSTER_ROLE_REF_DOC) as TablePrinter,
  projection: bindingProjection,
};
