/**
 * ReplicaSet and Deployment: status and scale subresources, generation. `kubectl get` (printers.go
 * printDeployment, printReplicaSet) shows desired against ready, updated and available replicas; the
 * wide form adds the template's containers, images and the selector.
 */
import type { KindStrategy } from '../strategy.js';
import type { Deployment, ReplicaSet } from '../types.js';
import { defaultDeployment, defaultReplicaSet } from '../defaults.js';
import { validateDeployment, validateReplicaSet } from '../workload-validation.js';
import { count, get, images, optInt, type ColumnValue, type Loose, type PgType } from '../projection.js';
import { age } from '../../printers/duration.js';
import { containerCells, selectorString } from '../../printers/workloads.js';
import { AGE_COLUMN, NAME_COLUMN, column, type ColumnDefinition, type TablePrinter } from '../../printers/types.js';

const TEMPLATE_COLUMNS: readonly ColumnDefinition[] = [
  column('Containers', 'Names of each container in the template.', { wide: true }),
  column('Images', 'Images referenced by each container in the template.', { wide: true }),
  column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { wide: true }),
];

const deploymentPrinter: TablePrinter<Deployment> = {
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

const replicaSetPrinter: TablePrinter<ReplicaSet> = {
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

const WORKLOAD_COLUMNS: Readonly<Record<string, PgType>> = {
  generation: 'bigint',
  observed_generation: 'bigint',
  /** spec.replicas (desired). */
  replicas: 'integer',
  /** status.replicas (current). */
  status_replicas: 'integer',
  ready_replicas: 'integer',
  available_replicas: 'integer',
  /** spec.template.spec.containers[].image, in order. */
  images: 'text[]',
};

function workloadRow(o: Loose): Record<string, ColumnValue> {
  return {
    generation: count(get(o, 'metadata', 'generation')),
    observed_generation: count(get(o, 'status', 'observedGeneration')),
    replicas: optInt(get(o, 'spec', 'replicas')),
    status_replicas: count(get(o, 'status', 'replicas')),
    ready_replicas: count(get(o, 'status', 'readyReplicas')),
    available_replicas: count(get(o, 'status', 'availableReplicas')),
    images: images(get(o, 'spec', 'template', 'spec', 'containers')),
  };
}

export const replicaSetStrategy: KindStrategy = {
  kind: 'ReplicaSet',
  statusSubresource: true,
  generation: true,
  defaults: defaultReplicaSet,
  validate: (obj, old) => validateReplicaSet(obj as ReplicaSet, old as ReplicaSet | undefined),
  printer: replicaSetPrinter,
  projection: { columns: WORKLOAD_COLUMNS, row: workloadRow },
  fields: { 'status.replicas': { absent: '0' } },
};

export const deploymentStrategy: KindStrategy = {
  kind: 'Deployment',
  statusSubresource: true,
  generation: true,
  defaults: defaultDeployment,
  validate: (obj, old) => validateDeployment(obj as Deployment, old as Deployment | undefined),
  printer: deploymentPrinter,
  projection: {
    columns: { ...WORKLOAD_COLUMNS, updated_replicas: 'integer' },
    row: (o) => ({ ...workloadRow(o), updated_replicas: count(get(o, 'status', 'updatedReplicas')) }),
  },
};
