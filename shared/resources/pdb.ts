/**
 * policy/v1 PodDisruptionBudget: its types, Kubernetes' validation (pkg/apis/policy/validation),
 * which pods a budget selects, and the DisruptionAllowed condition both the disruption controller
 * and the eviction subresource keep (pkg/util/pdb/helpers.go). Shared by the gateway and the
 * controller-manager; everything here is pure.
 */
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { IntOrString, LabelSelector, Timestamp } from './types.js';
import { invalidValue, notSupported } from './field-errors.js';
import { matchesLabels, tryFromLabelSelector, validateLabelSelector } from './selectors.js';
import { isPlainObject } from './json.js';

export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow';
export const UNHEALTHY_POD_EVICTION_POLICIES: readonly UnhealthyPodEvictionPolicy[] = ['IfHealthyBudget', 'AlwaysAllow'];

/** metav1.Condition. */
export interface MetaCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: Timestamp;
  readonly reason: string;
  readonly message: string;
}

export interface PodDisruptionBudgetSpec {
  readonly minAvailable?: IntOrString;
  readonly maxUnavailable?: IntOrString;
  readonly selector?: LabelSelector;
  readonly unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy;
}

export interface PodDisruptionBudgetStatus {
  readonly observedGeneration?: number;
  /** Pod name → when the eviction subresource let it go (the controller forgets it after DELETION_TIMEOUT_MS). */
  readonly disruptedPods?: Readonly<Record<string, Timestamp>>;
  readonly disruptionsAllowed: number;
  readonly currentHealthy: number;
  readonly desiredHealthy: number;
  readonly expectedPods: number;
  readonly conditions?: readonly MetaCondition[];
}

export interface PodDisruptionBudget extends KObject {
  readonly spec?: PodDisruptionBudgetSpec;
  readonly status?: PodDisruptionBudgetStatus;
}

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/** How long an evicted pod stays in disruptedPods without being deleted (Kubernetes' DeletionTimeout: 2 minutes). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

// ------------------------------------------------------------------ validation

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(v: unknown, path: string): StatusCause[] {
  if (typeof v === 'number') {
    return v < 0 ? [invalidValue(path, v, 'must be greater than or equal to 0')] : [];
  }
  if (typeof v !== 'string') return [invalidValue(path, v, "must be an integer or percentage (e.g '5%')")];
  if (!PERCENT_RE.test(v)) return [invalidValue(path, v, PERCENT_MESSAGE)];
  return Number(v.slice(0, -1)) > 100 ? [invalidValue(path, v, 'must not be greater than 100%')] : [];
}

/** ValidatePodDisruptionBudget (create and update: the spec is mutable in policy/v1). */
export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): StatusCause[] {
  const spec = pdb.spec;
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) return [invalidValue('spec', spec, 'must be an object')];
  const causes: StatusCause[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    causes.push(invalidValue('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (spec.minAvailable !== undefined) causes.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  if (spec.maxUnavailable !== undefined) causes.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy as string | undefined;
  if (policy !== undefined && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly string[]).includes(policy)) {
    causes.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  causes.push(...validateStatus(pdb.status));
  return causes;
}

/** ValidatePodDisruptionBudgetStatusUpdate: the counts are never negative. */
function validateStatus(status: PodDisruptionBudgetStatus | undefined): StatusCause[] {
  if (!isPlainObject(status)) return [];
  const causes: StatusCause[] = [];
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const) {
    const v = status[f];
    if (typeof v === 'number' && v < 0) causes.push(invalidValue(`status.${f}`, v, 'must be greater than or equal to 0'));
  }
  return causes;
}

// ------------------------------------------------------------------ selection

/**
 * Whether the budget selects pod (same namespace assumed). In policy/v1 a null selector selects
 * nothing and an empty one (`{}`) every pod of the namespace; an invalid selector selects nothing.
 */
export function pdbSelects(pdb: PodDisruptionBudget, pod: KObject): boolean {
  const sel = pdb.spec?.selector;
  if (!isPlainObject(sel)) return false;
  const reqs = tryFromLabelSelector(sel);
  return reqs !== undefined && matchesLabels(reqs, pod.metadata.labels);
}

// ------------------------------------------------------------------ conditions

/**
 * apimeta.SetStatusCondition: replace the condition of that type, keeping its lastTransitionTime
 * unless the status changes; a new one gets `now`.
 */
export function setCondition(conditions: readonly MetaCondition[] | undefined, c: MetaCondition, now: Timestamp): MetaCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  if (i < 0) return [...list, { ...c, lastTransitionTime: c.lastTransitionTime ?? now }];
  const old = list[i]!;
  list[i] = { ...c, lastTransitionTime: old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : (c.lastTransitionTime ?? now) };
  return list;
}

/** UpdateDisruptionAllowedCondition: True/SufficientPods with disruptions allowed, else False/InsufficientPods. */
export function withDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: Timestamp): PodDisruptionBudgetStatus {
  const allowed = status.disruptionsAllowed > 0;
  const cond: MetaCondition = {
    type: DISRUPTION_ALLOWED,
    status: allowed ? 'True' : 'False',
    reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
    message: '',
    observedGeneration: status.observedGeneration ?? 0,
  };
  return { ...status, conditions: setCondition(status.conditions, cond, now) };
}

/** ConditionsAreUpToDate: the DisruptionAllowed condition says what disruptionsAllowed says, for this generation. */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const st = pdb.status;
  const cond = st?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED);
  if (!st || !cond) return false;
  if ((st.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  return st.disruptionsAllowed > 0
    ? cond.status === 'True' && cond.reason === SUFFICIENT_PODS
    : cond.status === 'False' && cond.reason === INSUFFICIENT_PODS;
}

/** An RFC 3339 timestamp in seconds, as metav1.Time writes it. */
export function rfc3339Seconds(d: Date): Timestamp {
  return `${d.toISOString().slice(0, 19)}Z`;
}
