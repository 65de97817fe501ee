/**
 * apps/v1 DaemonSet and ControllerRevision. DaemonSet: status subresource, generation, the
 * template generation the API server keeps in the `deprecated.daemonset.template.generation`
 * annotation (1 on create, +1 on every template change); `kubectl get` (printers.go
 * printDaemonSet) shows the status counts and the template's node selector. ControllerRevision:
 * immutable data, a revision number; `kubectl get` (printControllerRevision) shows its controller.
 */
import type { KindStrategy } from '../strategy.js';
import type { KObject } from '../meta.js';
import type { ControllerRevision, DaemonSet } from '../daemonset-types.js';
import { defaultPodSpec } from '../defaults.js';
import { validateControllerRevision, validateDaemonSet } from '../daemonset-validation.js';
import { count, get, images, str, type Loose } from '../projection.js';
import { deepEqual, isPlainObject } from '../json.js';
import { age } from '../../printers/duration.js';
import { containerCells, selectorString } from '../../printers/workloads.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

/** extensions.DaemonSetTemplateGenerationKey's annotation on apps/v1 objects. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

type Obj = Record<string, unknown>;

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10, the template's pod defaults. */
export function defaultDaemonSet(o: Obj): void {
  const spec = o.spec;
  if (!isPlainObject(spec)) return;
  if (spec.updateStrategy === undefined) spec.updateStrategy = {};
  const us = spec.updateStrategy;
  if (isPlainObject(us)) {
    if (us.type === undefined || us.type === '') us.type = 'RollingUpdate';
    if (us.type === 'RollingUpdate') {
      if (us.rollingUpdate === undefined) us.rollingUpdate = {};
      const ru = us.rollingUpdate;
      if (isPlainObject(ru)) {
        if (ru.maxUnavailable === undefined) ru.maxUnavailable = 1;
        if (ru.maxSurge === undefined) ru.maxSurge = 0;
      }
    }
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  const template = spec.template;
  if (isPlainObject(template) && isPlainObject(template.spec)) defaultPodSpec(template.spec);
}

/** The template generation an object carries (a positive integer), or undefined. */
export function templateGeneration(o: KObject): number | undefined {
  const v = o.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 ? n : undefined;
}

function setTemplateGeneration(o: KObject, n: number): void {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(n) };
}

/** `k=v,k2=v2` sorted by key (labels.FormatLabels); `<none>` when empty. */
export function formatLabels(m: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

const daemonSetPrinter: TablePrinter<DaemonSet> = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/', { type: 'integer' }),
    column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/', { type: 'integer' }),
    column('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', { type: 'integer' }),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', { type: 'integer' }),
    column('Node Selector', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
    AGE_COLUMN,
    column('Containers', 'Names of each container in the template.', { wide: true }),
    column('Images', 'Images referenced by each container in the template.', { wide: true }),
    column('Selector', "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", { wide: true }),
  ],
  row(ds, now) {
    const st = ds.status;
    return [
      ds.metadata.name ?? '',
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds.metadata.creationTimestamp, now),
      ...containerCells(ds.spec?.template?.spec?.containers),
      selectorString(ds.spec?.selector),
    ];
  },
};

/** `daemonset.apps/web`: the controller reference's kind, group and name (printControllerRevision). */
export function controllerCell(cr: KObject): string {
  const ref = (cr.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!ref) return '<none>';
  const group = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/')[0] : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

const controllerRevisionPrinter: TablePrinter<ControllerRevision> = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'Controller of the object'),
    column('Revision', 'Revision indicates the revision of the state represented by Data.'),
    AGE_COLUMN,
  ],
  row(cr, now) {
    return [cr.metadata.name ?? '', controllerCell(cr), cr.revision ?? 0, age(cr.metadata.creationTimestamp, now)];
  },
};

function nodeSelectorCell(o: Loose): string | null {
  const ns = get(o, 'spec', 'template', 'spec', 'nodeSelector');
  if (!isPlainObject(ns)) return null;
  const m: Record<string, string> = {};
  for (const [k, v] of Object.entries(ns)) if (typeof v === 'string') m[k] = v;
  return Object.keys(m).length ? formatLabels(m) : null;
}

export const daemonSetStrategy: KindStrategy = {
  kind: 'DaemonSet',
  statusSubresource: true,
  generation: true,
  defaults: defaultDaemonSet,
  prepareForCreate(o) {
    if (templateGeneration(o) === undefined) setTemplateGeneration(o, 1);
  },
  prepareForUpdate(o, old) {
    const before = templateGeneration(old) ?? 1;
    const changed = !deepEqual((o.spec as DaemonSet['spec'] | undefined)?.template, (old.spec as DaemonSet['spec'] | undefined)?.template);
    setTemplateGeneration(o, changed ? before + 1 : before);
  },
  validate: (obj, old) => validateDaemonSet(obj as DaemonSet, old as DaemonSet | undefined),
  printer: daemonSetPrinter,
  projection: {
    columns: {
      generation: 'bigint',
      observed_generation: 'bigint',
      desired: 'integer',
      current: 'integer',
      ready: 'integer',
      updated: 'integer',
      available: 'integer',
      misscheduled: 'integer',
      /** spec.template.spec.nodeSelector as `k=v,...`; null when none. */
      node_selector: 'text',
      images: 'text[]',
    },
    row: (o) => ({
      generation: count(get(o, 'metadata', 'generation')),
      observed_generation: count(get(o, 'status', 'observedGeneration')),
      desired: count(get(o, 'status', 'desiredNumberScheduled')),
      current: count(get(o, 'status', 'currentNumberScheduled')),
      ready: count(get(o, 'status', 'numberReady')),
      updated: count(get(o, 'status', 'updatedNumberScheduled')),
      available: count(get(o, 'status', 'numberAvailable')),
      misscheduled: count(get(o, 'status', 'numberMisscheduled')),
      node_selector: str(nodeSelectorCell(o)),
      images: images(get(o, 'spec', 'template', 'spec', 'containers')),
    }),
  },
};

export const controllerRevisionStrategy: KindStrategy = {
  kind: 'ControllerRevision',
  statusSubresource: false,
  generation: false,
  validate: (obj, old) => validateControllerRevision(obj as ControllerRevision, old as ControllerRevision | undefined),
  printer: controllerRevisionPrinter,
  projection: {
    columns: { revision: 'bigint' },
    row: (o) => ({ revision: count(get(o, 'revision')) }),
  },
};
