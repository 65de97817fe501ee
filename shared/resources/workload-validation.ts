/**
 * Semantic validation of ReplicaSets and Deployments (Kubernetes' pkg/apis/apps/validation):
 * replicas, selector, template (labels must match the selector, spec is a PodSpec), rollout
 * strategy, and the immutable selector on update.
 */
import type { StatusCause } from '../errors.js';
import type { Deployment, DeploymentSpec, LabelSelector, PodTemplateSpec, ReplicaSet, ReplicaSetSpec } from './types.js';
import { forbidden, immutable, invalidValue, notSupported, required } from './field-errors.js';
import { validateAnnotations, validateLabels } from './names.js';
import { fromLabelSelector, matchesLabels, validateLabelSelector } from './selectors.js';
import { validatePodSpec } from './pod-validation.js';
import { deepEqual, isPlainObject } from './json.js';

type WorkloadKind = 'ReplicaSet' | 'Deployment';

const nonNegative = (field: string, v: unknown): StatusCause[] =>
  typeof v === 'number' && v < 0 ? [invalidValue(field, v, 'must be greater than or equal to 0')] : [];

/** The fields ReplicaSet and Deployment share: replicas, minReadySeconds, selector, template. */
function validateWorkloadSpec(kind: WorkloadKind, spec: ReplicaSetSpec | DeploymentSpec | undefined): StatusCause[] {
  if (!isPlainObject(spec)) return [required('spec')];
  const causes: StatusCause[] = [];
  causes.push(...nonNegative('spec.replicas', spec.replicas));
  causes.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  causes.push(...validateSelectorAndTemplate(kind, spec.selector, spec.template));
  return causes;
}

function validateSelectorAndTemplate(kind: WorkloadKind, selector: LabelSelector | undefined, template: PodTemplateSpec | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  let selectorOk = false;
  if (selector === undefined) {
    causes.push(required('spec.selector'));
  } else {
    const sc = validateLabelSelector(selector, 'spec.selector');
    causes.push(...sc);
    const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    if (empty) causes.push(invalidValue('spec.selector', selector, `empty selector is invalid for ${kind.toLowerCase()}`));
    selectorOk = sc.length === 0 && !empty;
  }
  if (!isPlainObject(template)) {
    causes.push(required('spec.template'));
    return causes;
  }
  const labels = template.metadata?.labels;
  causes.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  causes.push(...validateAnnotations(template.metadata?.annotations, 'spec.template.metadata.annotations'));
  if (selectorOk && !matchesLabels(fromLabelSelector(selector!), labels)) {
    causes.push(invalidValue('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  }
  causes.push(...validatePodSpec(template.spec, 'spec.template.spec', { templateOf: kind }));
  return causes;
}

export function validateReplicaSet(rs: ReplicaSet, old?: ReplicaSet): StatusCause[] {
  const causes = validateWorkloadSpec('ReplicaSet', rs.spec);
  if (old) causes.push(...validateSelectorUpdate(rs.spec?.selector, old.spec?.selector));
  return causes;
}

export function validateDeployment(d: Deployment, old?: Deployment): StatusCause[] {
  const spec = d.spec;
  const causes = validateWorkloadSpec('Deployment', spec);
  if (!isPlainObject(spec)) return causes;
  causes.push(...validateStrategy(spec));
  causes.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    causes.push(...nonNegative('spec.progressDeadlineSeconds', pds));
    if (pds <= (spec.minReadySeconds ?? 0)) {
      causes.push(invalidValue('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  if (old) causes.push(...validateSelectorUpdate(spec.selector, old.spec?.selector));
  return causes;
}

function validateSelectorUpdate(selector: LabelSelector | undefined, old: LabelSelector | undefined): StatusCause[] {
  return old !== undefined && !deepEqual(selector, old) ? [immutable('spec.selector', selector ?? null)] : [];
}

const STRATEGY_TYPES = ['RollingUpdate', 'Recreate'] as const;
const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

function validateStrategy(spec: DeploymentSpec): StatusCause[] {
  const s = spec.strategy;
  if (s === undefined) return [];
  const causes: StatusCause[] = [];
  const type = s.type ?? 'RollingUpdate';
  switch (type) {
    case 'Recreate':
      if (s.rollingUpdate !== undefined) {
        causes.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!ru) break;
      const surge = validateIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge');
      const unavailable = validateIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable');
      causes.push(...surge.causes, ...unavailable.causes);
      if (unavailable.percent !== undefined && unavailable.percent > 100) {
        causes.push(invalidValue('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must not be greater than 100%'));
      }
      if (surge.zero && unavailable.zero) {
        causes.push(invalidValue('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
      break;
    }
    default:
      causes.push(notSupported('spec.strategy.type', type, STRATEGY_TYPES));
  }
  return causes;
}

/** An int ≥ 0 or `N%`. Absent means the default (25%), which is not zero. */
function validateIntOrPercent(v: number | string | undefined, path: string): { causes: StatusCause[]; zero: boolean; percent?: number } {
  if (v === undefined) return { causes: [], zero: false };
  if (typeof v === 'number') return { causes: nonNegative(path, v), zero: v === 0 };
  if (!PERCENT_RE.test(v)) return { causes: [invalidValue(path, v, PERCENT_MESSAGE)], zero: false };
  const percent = Number(v.slice(0, -1));
  return { causes: [], zero: percent === 0, percent };
}
