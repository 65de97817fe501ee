/**
 * Semantic validation of batch/v1 Jobs (pkg/apis/batch/validation ValidateJob, ValidateJobSpec,
 * validateGeneratedSelector, pod failure policy, success policy, pod replacement policy), returning
 * StatusCauses shaped like field.Error. Object metadata (name, labels) is validated by the generic
 * path; only the Job-specific rules are here. Call on the defaulted object (defaults.ts).
 */
import type { StatusCause } from '../../errors.js';
import { child, duplicate, index, invalidValue, key, notSupported, required, tooMany } from '../field-errors.js';
import { dns1123LabelErrors, validateAnnotations, validateLabels, validateQualifiedName } from '../names.js';
import { validatePodSpec } from '../pod-validation.js';
import { fromLabelSelector, matchesLabels, tryFromLabelSelector, validateLabelSelector } from '../selectors.js';
import type { Job, JobSpec, PodFailurePolicyRule } from './types.js';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './types.js';

const MAX_PARALLELISM_INDEXED = 100_000;
const MAX_FAILED_INDEXES = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'] as const;
const EXIT_CODE_OPERATORS = ['In', 'NotIn'] as const;
const CONDITION_STATUSES = ['False', 'True', 'Unknown'] as const;

const goQuoteList = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

function nonNegative(field: string, v: number | undefined): StatusCause[] {
  return typeof v === 'number' && v < 0 ? [invalidValue(field, v, 'must be greater than or equal to 0')] : [];
}

/** ValidateJob for create (old undefined) or update. */
export function validateJob(job: Job, old?: Job): StatusCause[] {
  const causes: StatusCause[] = [];
  const requirePrefixed = !old || hasPrefixedLabels(old);
  causes.push(...validateGeneratedSelector(job, requirePrefixed));
  causes.push(...validateJobSpecWithSelector(job.spec, 'spec'));
  const s = job.spec;
  if (s?.completionMode === 'Indexed' && typeof s.completions === 'number' && s.completions > 0) {
    const host = `${job.metadata.name ?? ''}-${s.completions - 1}`;
    if (dns1123LabelErrors(host).length > 0) {
      causes.push(invalidValue('metadata.name', job.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${host}`));
    }
  }
  if (old && job.spec && old.spec) causes.push(...validateJobUpdate(job, old));
  if (old) causes.push(...validateJobStatusUpdate(job, old));
  return causes;
}

const conditionTrue = (job: Job, type: string): boolean => !!job.status?.conditions?.some((c) => c.type === type && c.status === 'True');
const omitted = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${detail}` });

/**
 * The status rules of ValidateJobStatusUpdate that keep a Job's history from going backwards
 * (with the 1.32 default gates): counters never decrease (succeeded of an Indexed Job may, with
 * its completions), a terminal or interim condition once True stays True, completionTime is set
 * once. Spec writes keep the stored status, so these only ever refuse status writes.
 */
export function validateJobStatusUpdate(job: Job, old: Job): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const type of ['Failed', 'Complete', 'FailureTarget']) {
    if (conditionTrue(old, type) && !conditionTrue(job, type)) causes.push(omitted('status.conditions', `cannot disable the terminal ${type}=True condition`));
  }
  const failed = job.status?.failed ?? 0;
  if (failed < (old.status?.failed ?? 0)) causes.push(invalidValue('status.failed', failed, 'cannot decrease the failed counter'));
  const succeeded = job.status?.succeeded ?? 0;
  const elastic = job.spec?.completionMode === 'Indexed' && job.spec?.completions !== old.spec?.completions;
  if (!elastic && succeeded < (old.status?.succeeded ?? 0)) causes.push(invalidValue('status.succeeded', succeeded, 'cannot decrease the succeeded counter'));
  const ct = job.status?.completionTime;
  const oldCt = old.status?.completionTime;
  if (ct !== undefined && oldCt !== undefined && ct !== oldCt) causes.push(invalidValue('status.completionTime', ct, 'completionTime cannot be mutated'));
  if (conditionTrue(old, 'SuccessCriteriaMet') && !conditionTrue(job, 'SuccessCriteriaMet')) {
    causes.push(omitted('status.conditions', 'cannot disable the SuccessCriteriaMet=True condition'));
  }
  return causes;
}

function hasPrefixedLabels(job: Job): boolean {
  const l = job.spec?.template?.metadata?.labels ?? {};
  return l[CONTROLLER_UID_LABEL] !== undefined && l[JOB_NAME_LABEL] !== undefined;
}

/** The immutable parts of a Job on update (selector, completions outside elastic Indexed Jobs, template unless suspended). */
function validateJobUpdate(job: Job, old: Job): StatusCause[] {
  const causes: StatusCause[] = [];
  const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!eq(job.spec.selector, old.spec.selector)) causes.push(invalidValue('spec.selector', job.spec.selector ?? null, 'field is immutable'));
  if (!eq(job.spec.completions, old.spec.completions)) {
    const indexed = job.spec.completionMode === 'Indexed';
    if (!indexed) causes.push(invalidValue('spec.completions', job.spec.completions ?? null, 'field is immutable'));
    else if (job.spec.completions !== undefined && job.spec.completions !== job.spec.parallelism) {
      causes.push(invalidValue('spec.completions', job.spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  causes.push(...validatePodTemplateUpdate(job, old));
  if (!eq(job.spec.completionMode, old.spec.completionMode)) causes.push(invalidValue('spec.completionMode', job.spec.completionMode ?? null, 'field is immutable'));
  if (!eq(job.spec.podFailurePolicy, old.spec.podFailurePolicy)) causes.push(invalidValue('spec.podFailurePolicy', job.spec.podFailurePolicy ?? null, 'field is immutable'));
  if (!eq(job.spec.backoffLimitPerIndex, old.spec.backoffLimitPerIndex)) causes.push(invalidValue('spec.backoffLimitPerIndex', job.spec.backoffLimitPerIndex ?? null, 'field is immutable'));
  if (!eq(job.spec.managedBy, old.spec.managedBy)) causes.push(invalidValue('spec.managedBy', job.spec.managedBy ?? null, 'field is immutable'));
  if (!eq(job.spec.successPolicy, old.spec.successPolicy)) causes.push(invalidValue('spec.successPolicy', job.spec.successPolicy ?? null, 'field is immutable'));
  return causes;
}

/**
 * spec.template is immutable, except that a Job suspended and never started may change its pod
 * template's labels, annotations, node selector, tolerations, scheduling gates and node affinity
 * (validatePodTemplateUpdate with AllowMutableSchedulingDirectives).
 */
function validatePodTemplateUpdate(job: Job, old: Job): StatusCause[] {
  const t = job.spec.template as unknown as Record<string, unknown> | undefined;
  let o = old.spec.template as unknown as Record<string, unknown> | undefined;
  if (old.spec.suspend === true && !old.status?.startTime && t && o) {
    const tm = (t.metadata ?? {}) as Record<string, unknown>;
    const ts = (t.spec ?? {}) as Record<string, unknown>;
    const om = { ...((o.metadata ?? {}) as Record<string, unknown>) };
    const os = { ...((o.spec ?? {}) as Record<string, unknown>) };
    for (const k of ['labels', 'annotations'] as const) {
      if (tm[k] === undefined) delete om[k];
      else om[k] = tm[k];
    }
    for (const k of ['nodeSelector', 'tolerations', 'schedulingGates'] as const) {
      if (ts[k] === undefined) delete os[k];
      else os[k] = ts[k];
    }
    const ta = ts.affinity as Record<string, unknown> | undefined;
    const oa = os.affinity as Record<string, unknown> | undefined;
    if (ta === undefined && oa !== undefined) {
      const rest = { ...oa };
      delete rest.nodeAffinity;
      if (Object.keys(rest).length === 0) delete os.affinity;
      else os.affinity = rest;
    } else if (ta !== undefined) {
      const merged = { ...(oa ?? {}) };
      if (ta.nodeAffinity === undefined) delete merged.nodeAffinity;
      else merged.nodeAffinity = ta.nodeAffinity;
      os.affinity = merged;
    }
    o = { ...o, metadata: om, spec: os };
  }
  return JSON.stringify(canon(t)) === JSON.stringify(canon(o)) ? [] : [invalidValue('spec.template', t ?? null, 'field is immutable')];
}

/** JSON with object keys sorted, for comparing objects built in different orders. */
function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
  }
  return v;
}

function hasLabel(labels: Readonly<Record<string, string>> | undefined, k: string, expected: string): StatusCause[] {
  const path = key('spec.template.metadata.labels', k);
  const actual = labels?.[k];
  if (actual === undefined) return [required(path, `must be '${expected}'`)];
  if (actual !== expected) return [invalidValue(path, labels ?? {}, `must be '${expected}'`)];
  return [];
}

/** validateGeneratedSelector: unless manualSelector, the four generated labels must be on the template and selected. */
export function validateGeneratedSelector(job: Job, requirePrefixed = true): StatusCause[] {
  if (job.spec?.manualSelector === true || !job.spec?.selector) return [];
  const causes: StatusCause[] = [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  if (!uid) causes.push(required('metadata.uid'));
  const labels = job.spec.template?.metadata?.labels;
  causes.push(...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid));
  causes.push(...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (requirePrefixed) {
    causes.push(...hasLabel(labels, CONTROLLER_UID_LABEL, uid));
    causes.push(...hasLabel(labels, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  const reqs = tryFromLabelSelector(job.spec.selector);
  if (reqs && !matchesLabels(reqs, expected)) causes.push(invalidValue('spec.selector', job.spec.selector, '`selector` not auto-generated'));
  return causes;
}

/** ValidateJobSpec: the spec rules plus a required, valid selector that matches the template labels. */
export function validateJobSpecWithSelector(spec: JobSpec | undefined, path: string): StatusCause[] {
  if (!spec) return [required(path)];
  const causes = validateJobSpec(spec, path);
  if (!spec.selector) causes.push(required(child(path, 'selector')));
  else {
    const sc = validateLabelSelector(spec.selector, child(path, 'selector'));
    causes.push(...sc);
    if (sc.length === 0 && !matchesLabels(fromLabelSelector(spec.selector), spec.template?.metadata?.labels)) {
      causes.push(invalidValue(child(path, 'template.metadata.labels'), spec.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
    }
  }
  return causes;
}

/** validateJobSpec: everything but the selector (shared with CronJob job templates). */
export function validateJobSpec(s: JobSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const p = (f: string): string => child(path, f);
  causes.push(...nonNegative(p('parallelism'), s.parallelism));
  causes.push(...nonNegative(p('completions'), s.completions));
  causes.push(...nonNegative(p('activeDeadlineSeconds'), s.activeDeadlineSeconds));
  causes.push(...nonNegative(p('backoffLimit'), s.backoffLimit));
  causes.push(...nonNegative(p('ttlSecondsAfterFinished'), s.ttlSecondsAfterFinished));
  causes.push(...nonNegative(p('backoffLimitPerIndex'), s.backoffLimitPerIndex));
  if (s.maxFailedIndexes !== undefined) {
    causes.push(...nonNegative(p('maxFailedIndexes'), s.maxFailedIndexes));
    if (s.backoffLimitPerIndex === undefined) causes.push(required(p('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (s.completionMode !== undefined) {
    if (s.completionMode !== 'NonIndexed' && s.completionMode !== 'Indexed') {
      causes.push(notSupported(p('completionMode'), s.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (s.completionMode === 'Indexed') {
      if (s.completions === undefined) causes.push(required(p('completions'), 'when completion mode is Indexed'));
      if (s.parallelism !== undefined && s.parallelism > MAX_PARALLELISM_INDEXED) {
        causes.push(invalidValue(p('parallelism'), s.parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
      if (s.completions !== undefined && s.maxFailedIndexes !== undefined && s.maxFailedIndexes > s.completions) {
        causes.push(invalidValue(p('maxFailedIndexes'), s.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (s.maxFailedIndexes !== undefined && s.maxFailedIndexes > MAX_FAILED_INDEXES) {
        causes.push(invalidValue(p('maxFailedIndexes'), s.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES}`));
      }
      if (s.completions !== undefined && s.completions > COMPLETIONS_SOFT_LIMIT && s.backoffLimitPerIndex !== undefined) {
        if (s.maxFailedIndexes === undefined) causes.push(required(p('maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        if (s.parallelism !== undefined && s.parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS) {
          causes.push(invalidValue(p('parallelism'), s.parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`));
        }
        if (s.maxFailedIndexes !== undefined && s.maxFailedIndexes > MAX_FAILED_INDEXES_HIGH_COMPLETIONS) {
          causes.push(invalidValue(p('maxFailedIndexes'), s.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`));
        }
      }
    }
  }
  if (s.completionMode === undefined || s.completionMode === 'NonIndexed') {
    if (s.backoffLimitPerIndex !== undefined) causes.push(invalidValue(p('backoffLimitPerIndex'), s.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (s.maxFailedIndexes !== undefined) causes.push(invalidValue(p('maxFailedIndexes'), s.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (s.podFailurePolicy) causes.push(...validatePodFailurePolicy(s, p('podFailurePolicy')));
  if (s.successPolicy && s.completionMode !== 'Indexed') {
    causes.push(invalidValue(p('successPolicy'), s.successPolicy, 'requires indexed completion mode'));
  }
  if (s.podReplacementPolicy !== undefined) {
    if (s.podFailurePolicy) {
      if (s.podReplacementPolicy !== 'Failed') causes.push(notSupported(p('podReplacementPolicy'), s.podReplacementPolicy, ['Failed']));
    } else if (s.podReplacementPolicy !== 'Failed' && s.podReplacementPolicy !== 'TerminatingOrFailed') {
      causes.push(notSupported(p('podReplacementPolicy'), s.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
    }
  }
  const t = s.template;
  if (!t) {
    causes.push(required(p('template')));
    return causes;
  }
  causes.push(...validateLabels(t.metadata?.labels, p('template.metadata.labels')));
  causes.push(...validateAnnotations(t.metadata?.annotations, p('template.metadata.annotations')));
  causes.push(...validatePodSpec(t.spec, p('template.spec')));
  const rp = t.spec?.restartPolicy;
  const rpPath = p('template.spec.restartPolicy');
  if (rp === 'Always' || rp === undefined || (rp as string) === '') {
    causes.push(required(rpPath, `valid values: "OnFailure", "Never"`));
  } else if (rp !== 'OnFailure' && rp !== 'Never') {
    causes.push(notSupported(rpPath, rp, ['OnFailure', 'Never']));
  } else if (s.podFailurePolicy && rp !== 'Never') {
    causes.push(invalidValue(rpPath, rp, `only "Never" is supported when podFailurePolicy is specified`));
  }
  return causes;
}

function validatePodFailurePolicy(s: JobSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const rules = s.podFailurePolicy?.rules ?? [];
  const rulesPath = child(path, 'rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) causes.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const names = new Set<string>([...(s.template?.spec?.containers ?? []), ...(s.template?.spec?.initContainers ?? [])].map((c) => c.name));
  rules.forEach((r, i) => causes.push(...validateRule(s, r, index(rulesPath, i), names)));
  return causes;
}

function validateRule(s: JobSpec, rule: PodFailurePolicyRule, rulePath: string, names: ReadonlySet<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  const actionPath = child(rulePath, 'action');
  const action = rule.action as string | undefined;
  if (!action) causes.push(required(actionPath, `valid values: ${goQuoteList(ACTIONS)}`));
  else if (action === 'FailIndex') {
    if (s.backoffLimitPerIndex === undefined) causes.push(invalidValue(actionPath, action, 'requires the backoffLimitPerIndex to be set'));
  } else if (!(ACTIONS as readonly string[]).includes(action)) causes.push(notSupported(actionPath, action, ACTIONS));
  const ec = rule.onExitCodes;
  if (ec) {
    const ecPath = child(rulePath, 'onExitCodes');
    const op = ec.operator as string | undefined;
    if (!op) causes.push(required(child(ecPath, 'operator'), `valid values: ${goQuoteList(EXIT_CODE_OPERATORS)}`));
    else if (!(EXIT_CODE_OPERATORS as readonly string[]).includes(op)) causes.push(notSupported(child(ecPath, 'operator'), op, EXIT_CODE_OPERATORS));
    if (ec.containerName !== undefined && !names.has(ec.containerName)) {
      causes.push(invalidValue(child(ecPath, 'containerName'), ec.containerName, 'must be one of the container or initContainer names in the pod template'));
    }
    const valuesPath = child(ecPath, 'values');
    const values = ec.values ?? [];
    if (values.length === 0) causes.push(invalidValue(valuesPath, values, 'at least one value is required'));
    else if (values.length > MAX_ON_EXIT_CODES_VALUES) causes.push(tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
    const seen = new Set<number>();
    let ordered = true;
    values.forEach((v, j) => {
      const vp = index(valuesPath, j);
      if (op === 'In' && v === 0) causes.push(invalidValue(vp, v, 'must not be 0 for the In operator'));
      if (seen.has(v)) causes.push(duplicate(vp, v));
      else seen.add(v);
      if (j > 0 && values[j - 1]! > v) ordered = false;
    });
    if (!ordered) causes.push(invalidValue(valuesPath, values, 'must be ordered'));
  }
  const pcs = rule.onPodConditions ?? [];
  if (pcs.length > 0) {
    const pcPath = child(rulePath, 'onPodConditions');
    if (pcs.length > MAX_ON_POD_CONDITIONS_PATTERNS) causes.push(tooMany(pcPath, pcs.length, MAX_ON_POD_CONDITIONS_PATTERNS));
    pcs.forEach((pat, j) => {
      const pp = index(pcPath, j);
      causes.push(...validateQualifiedName(pat.type ?? '', child(pp, 'type')));
      const st = pat.status as string | undefined;
      if (!st) causes.push(required(child(pp, 'status'), `valid values: ${goQuoteList(CONDITION_STATUSES)}`));
      else if (!(CONDITION_STATUSES as readonly string[]).includes(st)) causes.push(notSupported(child(pp, 'status'), st, CONDITION_STATUSES));
    });
  }
  if (ec && pcs.length > 0) causes.push({ reason: 'FieldValueInvalid', field: rulePath, message: 'Invalid value: specifying both OnExitCodes and OnPodConditions is not supported' });
  if (!ec && pcs.length === 0) causes.push({ reason: 'FieldValueInvalid', field: rulePath, message: 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required' });
  return causes;
}
