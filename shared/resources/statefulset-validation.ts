/**
 * StatefulSet validation (pure), with Kubernetes' messages (pkg/apis/apps/validation
 * ValidateStatefulSetSpec / ValidateStatefulSetUpdate / ValidateStatefulSetStatus), returning
 * field causes in the shape of shared/resources/field-errors.ts. Expects a defaulted object
 * (defaults.ts): an empty podManagementPolicy or updateStrategy.type is Required.
 *
 * spec.updateStrategy.rollingUpdate.maxUnavailable: Kubernetes 1.32 gates it behind
 * MaxUnavailableStatefulSet (alpha, off by default) and silently drops it on create. We do not
 * accept a field we would then ignore: it is Forbidden, naming the gate.
 */
import { validatePersistentVolumeClaimSpec } from './storage-validation.js';
import type { PersistentVolumeClaim } from './storage-types.js';
import type { StatusCause } from '../errors.js';
import type { PodSpecContext } from './pod-validation.js';
import { forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { isPlainObject, deepEqual } from './json.js';
import { validateAnnotations, validateLabels } from './names.js';
import { validatePodSpec } from './pod-validation.js';
import { fromLabelSelector, matchesLabels, validateLabelSelector } from './selectors.js';
import type { StatefulSet, StatefulSetSpec, StatefulSetStatus } from './statefulset-types.js';

export const MAX_UNAVAILABLE_GATE_MESSAGE =
  'the MaxUnavailableStatefulSet feature gate is not enabled (it is alpha and off by default in Kubernetes 1.32)';

const nonNegative = (field: string, v: unknown): StatusCause[] =>
  typeof v === 'number' && v < 0 ? [invalidValue(field, v, 'must be greater than or equal to 0')] : [];

const RETENTION = ['Retain', 'Delete'] as const;

function retentionType(field: string, v: unknown): StatusCause[] {
  return (RETENTION as readonly unknown[]).includes(v) ? [] : [notSupported(field, v ?? '', RETENTION)];
}

export function validateStatefulSetSpec(spec: StatefulSetSpec | undefined, path = 'spec'): StatusCause[] {
  if (!isPlainObject(spec)) return [required(path)];
  const causes: StatusCause[] = [];
  const p = (f: string) => `${path}.${f}`;

  const pmp = spec.podManagementPolicy as string | undefined;
  if (!pmp) causes.push(required(p('podManagementPolicy')));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') causes.push(invalidValue(p('podManagementPolicy'), pmp, "must be 'OrderedReady' or 'Parallel'"));

  const us = spec.updateStrategy;
  const type = us?.type as string | undefined;
  if (!type) causes.push(required(p('updateStrategy')));
  else if (type === 'OnDelete') {
    if (us?.rollingUpdate !== undefined) causes.push(invalidValue(p('updateStrategy.rollingUpdate'), us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    const ru = us?.rollingUpdate;
    if (ru !== undefined) {
      causes.push(...nonNegative(p('updateStrategy.rollingUpdate.partition'), ru.partition));
      if (ru.maxUnavailable !== undefined) causes.push(forbidden(p('updateStrategy.rollingUpdate.maxUnavailable'), MAX_UNAVAILABLE_GATE_MESSAGE));
    }
  } else causes.push(invalidValue(p('updateStrategy'), us, "must be 'RollingUpdate' or 'OnDelete'"));

  const policy = spec.persistentVolumeClaimRetentionPolicy;
  if (policy !== undefined) {
    causes.push(...retentionType(p('persistentVolumeClaimRetentionPolicy.whenDeleted'), policy.whenDeleted));
    causes.push(...retentionType(p('persistentVolumeClaimRetentionPolicy.whenScaled'), policy.whenScaled));
  }
  causes.push(...nonNegative(p('replicas'), spec.replicas));
  causes.push(...nonNegative(p('minReadySeconds'), spec.minReadySeconds));
  if (spec.ordinals !== undefined) causes.push(...nonNegative(p('ordinals.start'), spec.ordinals.start));

  let selectorOk = false;
  if (spec.selector === undefined) causes.push(required(p('selector')));
  else {
    const sc = validateLabelSelector(spec.selector, p('selector'));
    causes.push(...sc);
    const empty = Object.keys(spec.selector.matchLabels ?? {}).length === 0 && (spec.selector.matchExpressions ?? []).length === 0;
    if (empty) causes.push(invalidValue(p('selector'), spec.selector, 'empty selector is invalid for statefulset'));
    selectorOk = sc.length === 0;
  }

  const template = spec.template;
  if (!isPlainObject(template)) causes.push(required(p('template')));
  else {
    const labels = template.metadata?.labels;
    causes.push(...validateLabels(labels, p('template.metadata.labels')));
    causes.push(...validateAnnotations(template.metadata?.annotations, p('template.metadata.annotations')));
    if (selectorOk && !matchesLabels(fromLabelSelector(spec.selector), labels)) {
      causes.push(invalidValue(p('template.metadata.labels'), labels ?? {}, '`selector` does not match template `labels`'));
    }
    // restartPolicy must be Always, activeDeadlineSeconds is forbidden (as for ReplicaSet templates).
    const ctx: PodSpecContext = { templateOf: 'StatefulSet' };
    // The claim templates are volumes of every pod: mounts may name them (as Kubernetes validates).
    const have = new Set((template.spec.volumes ?? []).map((v) => v.name));
    const claimVolumes = (spec.volumeClaimTemplates ?? [])
      .map((t) => t.metadata?.name ?? '')
      .filter((n) => n && !have.has(n))
      .map((n) => ({ name: n, persistentVolumeClaim: { claimName: n } }));
    const podSpec = claimVolumes.length ? { ...template.spec, volumes: [...(template.spec.volumes ?? []), ...claimVolumes] } : template.spec;
    causes.push(...validatePodSpec(podSpec, p('template.spec'), ctx));
  }

  (spec.volumeClaimTemplates ?? []).forEach((t, i) => {
    if (!t.metadata?.name) causes.push(required(`${p('volumeClaimTemplates')}[${i}].metadata.name`, 'name or generateName is required'));
  });
  return causes;
}

export function validateStatefulSet(set: StatefulSet): StatusCause[] {
  return validateStatefulSetSpec(set.spec);
}

const UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'] as const;

/** ValidateStatefulSetUpdate: the new spec is valid, and only the updatable fields changed. */
export function validateStatefulSetUpdate(set: StatefulSet, old: StatefulSet): StatusCause[] {
  const causes = validateStatefulSetSpec(set.spec);
  const strip = (s: StatefulSetSpec) => {
    const out: Record<string, unknown> = { ...s };
    for (const f of UPDATABLE) delete out[f];
    return out;
  };
  if (isPlainObject(set.spec) && isPlainObject(old.spec) && !deepEqual(strip(set.spec), strip(old.spec))) {
    causes.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return causes;
}

/** ValidateStatefulSetStatus: non-negative counts, none above status.replicas, ready ≥ available. */
export function validateStatefulSetStatus(status: StatefulSetStatus | undefined, path = 'status'): StatusCause[] {
  if (!status) return [];
  const causes: StatusCause[] = [];
  const f = (n: string) => `${path}.${n}`;
  for (const n of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'] as const) {
    causes.push(...nonNegative(f(n), status[n]));
  }
  const replicas = status.replicas ?? 0;
  for (const n of ['readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) {
    const v = status[n];
    if (typeof v === 'number' && v > replicas) causes.push(invalidValue(f(n), v, `cannot be greater than ${f('replicas')}`));
  }
  const avail = status.availableReplicas;
  if (typeof avail === 'number') {
    if (avail > replicas) causes.push(invalidValue(f('availableReplicas'), avail, `cannot be greater than ${f('replicas')}`));
    if (avail > (status.readyReplicas ?? 0)) causes.push(invalidValue(f('availableReplicas'), avail, `cannot be greater than ${f('readyReplicas')}`));
  }
  return causes;
}

/** Each volumeClaimTemplate's spec is a valid PersistentVolumeClaim spec (ValidatePersistentVolumeClaimSpec). */
export function validateClaimTemplates(set: StatefulSet): StatusCause[] {
  const t = isPlainObject(set.spec) ? set.spec.volumeClaimTemplates : undefined;
  if (!Array.isArray(t)) return [];
  return t.flatMap((c, i) => validatePersistentVolumeClaimSpec(c.spec as PersistentVolumeClaim['spec'], `spec.volumeClaimTemplates[${i}].spec`));
}
