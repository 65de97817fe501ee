/**
 * Semantic validation of DaemonSets and ControllerRevisions (Kubernetes' pkg/apis/apps/validation
 * ValidateDaemonSet, ValidateDaemonSetUpdate, ValidateControllerRevision and their update rules),
 * with Kubernetes' field paths and messages.
 */
import type { StatusCause } from '../errors.js';
import type { IntOrString, LabelSelector } from './types.js';
import type { ControllerRevision, DaemonSet, DaemonSetUpdateStrategy } from './daemonset-types.js';
import { immutable, invalidValue, notSupported, required } from './field-errors.js';
import { validateAnnotations, validateLabels } from './names.js';
import { fromLabelSelector, matchesLabels, validateLabelSelector } from './selectors.js';
import { validatePodSpec } from './pod-validation.js';
import { deepEqual, isPlainObject } from './json.js';

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

const nonNegative = (field: string, v: unknown): StatusCause[] =>
  typeof v === 'number' && v < 0 ? [invalidValue(field, v, 'must be greater than or equal to 0')] : [];

/** ValidatePositiveIntOrPercent. */
function positiveIntOrPercent(v: IntOrString | undefined, path: string): StatusCause[] {
  if (typeof v === 'number') return nonNegative(path, v);
  if (typeof v === 'string' && !PERCENT_RE.test(v)) return [invalidValue(path, v, PERCENT_MESSAGE)];
  return [];
}

/** getIntOrPercentValue: a percent's number, an int itself; 0 for anything unparsable. */
export function intOrPercentValue(v: IntOrString | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  const n = Number.parseInt(v.replace(/%$/, ''), 10);
  return Number.isNaN(n) ? 0 : n;
}

function notMoreThan100Percent(v: IntOrString | undefined, path: string): StatusCause[] {
  return typeof v === 'string' && PERCENT_RE.test(v) && intOrPercentValue(v) > 100 ? [invalidValue(path, v, 'must not be greater than 100%')] : [];
}

const UPDATE_STRATEGY_TYPES = ['RollingUpdate', 'OnDelete'] as const;

function validateUpdateStrategy(s: DaemonSetUpdateStrategy | undefined): StatusCause[] {
  const path = 'spec.updateStrategy';
  const type = s?.type;
  if (type === 'OnDelete') return [];
  if (type !== 'RollingUpdate') return [notSupported(path, s ?? {}, UPDATE_STRATEGY_TYPES)];
  const ru = s?.rollingUpdate;
  if (!ru) return [required(`${path}.rollingUpdate`)];
  const rp = `${path}.rollingUpdate`;
  const causes = [
    ...positiveIntOrPercent(ru.maxUnavailable, `${rp}.maxUnavailable`),
    ...positiveIntOrPercent(ru.maxSurge, `${rp}.maxSurge`),
    ...notMoreThan100Percent(ru.maxUnavailable, `${rp}.maxUnavailable`),
    ...notMoreThan100Percent(ru.maxSurge, `${rp}.maxSurge`),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) causes.push(invalidValue(`${rp}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) causes.push(required(`${rp}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return causes;
}

export function validateDaemonSet(ds: DaemonSet, old?: DaemonSet): StatusCause[] {
  const spec = ds.spec;
  if (!isPlainObject(spec)) return [required('spec')];
  const causes: StatusCause[] = [];
  const selector = spec.selector as LabelSelector | undefined;
  let selectorOk = false;
  if (selector === undefined) {
    causes.push(required('spec.selector'));
  } else {
    const sc = validateLabelSelector(selector, 'spec.selector');
    causes.push(...sc);
    selectorOk = sc.length === 0;
  }
  const template = spec.template;
  if (!isPlainObject(template)) {
    causes.push(required('spec.template'));
  } else {
    const labels = template.metadata?.labels;
    if (selectorOk && !matchesLabels(fromLabelSelector(selector!), labels)) {
      causes.push(invalidValue('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
    }
  }
  if (selector && isPlainObject(selector) && Object.keys(selector.matchLabels ?? {}).length + ((selector.matchExpressions as unknown[] | undefined) ?? []).length === 0) {
    causes.push(invalidValue('spec.selector', selector, 'empty selector is invalid for daemonset'));
  }
  if (isPlainObject(template)) {
    causes.push(...validateLabels(template.metadata?.labels, 'spec.template.metadata.labels'));
    causes.push(...validateAnnotations(template.metadata?.annotations, 'spec.template.metadata.annotations'));
    causes.push(...validatePodSpec(template.spec, 'spec.template.spec', { templateOf: 'DaemonSet' }));
  }
  causes.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  causes.push(...validateUpdateStrategy(spec.updateStrategy));
  causes.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  if (old && old.spec?.selector !== undefined && !deepEqual(selector, old.spec.selector)) causes.push(immutable('spec.selector', selector ?? null));
  causes.push(...validateStatus(ds, old));
  return causes;
}

const STATUS_COUNTS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
  'collisionCount',
] as const;

/** validateDaemonSetStatus (counts non-negative) and ValidateDaemonSetStatusUpdate (collisionCount never decremented). */
function validateStatus(ds: DaemonSet, old?: DaemonSet): StatusCause[] {
  const st = ds.status;
  if (!isPlainObject(st)) return [];
  const causes = STATUS_COUNTS.flatMap((f) => nonNegative(`status.${f}`, st[f]));
  const before = old?.status?.collisionCount;
  if (typeof before === 'number' && (st.collisionCount ?? 0) < before) {
    causes.push(invalidValue('status.collisionCount', st.collisionCount ?? 0, 'cannot be decremented'));
  }
  return causes;
}

export function validateControllerRevision(cr: ControllerRevision, old?: ControllerRevision): StatusCause[] {
  const causes: StatusCause[] = [];
  if (cr.data === undefined || cr.data === null) causes.push(required('data', 'data is mandatory'));
  if (cr.revision !== undefined && typeof cr.revision !== 'number') causes.push(invalidValue('revision', cr.revision, 'must be an integer'));
  causes.push(...nonNegative('revision', cr.revision));
  if (old && !deepEqual(cr.data, old.data)) causes.push(immutable('data', cr.data ?? null));
  return causes;
}
