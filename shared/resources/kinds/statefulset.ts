/**
 * apps/v1 StatefulSet: status and scale subresources, generation. Defaults and validation are
 * SetDefaults_StatefulSet / ValidateStatefulSet(Update) (statefulset-defaults.ts,
 * statefulset-validation.ts); `kubectl get` (printers.go printStatefulSet) shows ready against
 * desired replicas, the wide form adds the template's containers and images.
 */
import type { KindStrategy } from '../strategy.js';
import type { StatefulSet } from '../statefulset-types.js';
import { defaultPodSpec } from '../defaults.js';
import { defaultStatefulSetSpec } from '../statefulset-defaults.js';
import { validateClaimTemplates, validateStatefulSet, validateStatefulSetStatus, validateStatefulSetUpdate } from '../statefulset-validation.js';
import { count, get, images, str } from '../projection.js';
import { isPlainObject } from '../json.js';
import { defaultPersistentVolumeClaim } from './storage.js';
import { age } from '../../printers/duration.js';
import { containerCells } from '../../printers/workloads.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

type Obj = Record<string, unknown>;

/** SetDefaults_StatefulSet, in place, and the template's pod defaults. */
export function defaultStatefulSetObject(o: Obj): void {
  const spec = o.spec;
  if (!isPlainObject(spec)) return;
  const defaulted = defaultStatefulSetSpec(spec as unknown as StatefulSet['spec']) as unknown as Obj;
  const template = defaulted.template;
  if (isPlainObject(template) && isPlainObject(template.spec)) defaultPodSpec(template.spec);
  // The claim templates get a claim's defaults (SetDefaults_PersistentVolumeClaim): Filesystem, Pending.
  if (Array.isArray(defaulted.volumeClaimTemplates)) {
    for (const t of defaulted.volumeClaimTemplates as Obj[]) {
      if (!isPlainObject(t)) continue;
      defaultPersistentVolumeClaim(t);
      t.status = isPlainObject(t.status) ? { phase: 'Pending', ...t.status } : { phase: 'Pending' };
    }
  }
  o.spec = defaulted;
}

const statefulSetPrinter: TablePrinter<StatefulSet> = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    AGE_COLUMN,
    column('Containers', 'Names of each container in the template.', { wide: true }),
    column('Images', 'Images referenced by each container in the template.', { wide: true }),
  ],
  row(s, now) {
    return [
      s.metadata.name ?? '',
      `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`,
      age(s.metadata.creationTimestamp, now),
      ...containerCells(s.spec?.template?.spec?.containers),
    ];
  },
};

export const statefulSetStrategy: KindStrategy = {
  kind: 'StatefulSet',
  statusSubresource: true,
  generation: true,
  defaults: defaultStatefulSetObject,
  validate(obj, old) {
    const set = obj as StatefulSet;
    const causes = old ? validateStatefulSetUpdate(set, old as StatefulSet) : validateStatefulSet(set);
    return [...causes, ...validateClaimTemplates(set), ...validateStatefulSetStatus(set.status)];
  },
  printer: statefulSetPrinter,
  projection: {
    columns: {
      replicas: 'integer',
      ready_replicas: 'integer',
      current_replicas: 'integer',
      updated_replicas: 'integer',
      available_replicas: 'integer',
      current_revision: 'text',
      update_revision: 'text',
      service_name: 'text',
      pod_management_policy: 'text',
      observed_generation: 'bigint',
      images: 'text[]',
    },
    row: (o) => ({
      replicas: count(get(o, 'spec', 'replicas')),
      ready_replicas: count(get(o, 'status', 'readyReplicas')),
      current_replicas: count(get(o, 'status', 'currentReplicas')),
      updated_replicas: count(get(o, 'status', 'updatedReplicas')),
      available_replicas: count(get(o, 'status', 'availableReplicas')),
      current_revision: str(get(o, 'status', 'currentRevision')),
      update_revision: str(get(o, 'status', 'updateRevision')),
      service_name: str(get(o, 'spec', 'serviceName')),
      pod_management_policy: str(get(o, 'spec', 'podManagementPolicy')),
      observed_generation: count(get(o, 'status', 'observedGeneration')),
      images: images(get(o, 'spec', 'template', 'spec', 'containers')),
    }),
  },
};
