/**
 * `kubectl get deployments` and `kubectl get replicasets` (printers.go printDeployment,
 * printReplicaSet): desired against ready, updated and available replicas; the wide form adds the
 * template's containers, images and the selector.
 */
import type { Container, Deployment, LabelSelector, ReplicaSet } from '../resources/types.js';
import { formatRequirements, fromLabelSelector } from '../resources/selectors.js';
import { age } from './duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type ColumnDefinition, type TablePrinter } from './types.js';

/** layoutContainerCells: names and images, comma-joined. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

/** A structured selector in its string form (`app=web,tier in (a,b)`); `<invalid>` if it is not valid. */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  try {
    return formatRequirements(fromLabelSelector(sel)) || '<none>';
  } catch {
    return '<invalid>';
  }
}

const TEMPLATE_COLUMNS: readonly ColumnDefinition[] = [
  column('Containers', 'Names of each container in the template.', { wide: true }),
  column('Images', 'Images referenced by each container in the template.', { wide: true }),
  column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { wide: true }),
];

export const deploymentPrinter: TablePrinter<Deployment> = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    AGE_COLUMN,
    ...TEMPLATE_COLUMNS,
  ],
  row(d, now) {
    const st = d.status ?? {};
    return [
      d.metadata.name ?? '',
      `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      st.updatedReplicas ?? 0,
      st.availableReplicas ?? 0,
      age(d.metadata.creationTimestamp, now),
      ...containerCells(d.spec?.template?.spec?.containers),
      selectorString(d.spec?.selector),
    ];
  },
};

export const replicaSetPrinter: TablePrinter<ReplicaSet> = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    column('Ready', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.', { type: 'integer' }),
    AGE_COLUMN,
    ...TEMPLATE_COLUMNS,
  ],
  row(rs, now) {
    return [
      rs.metadata.name ?? '',
      rs.spec?.replicas ?? 1,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs.metadata.creationTimestamp, now),
      ...containerCells(rs.spec?.template?.spec?.containers),
      selectorString(rs.spec?.selector),
    ];
  },
};
