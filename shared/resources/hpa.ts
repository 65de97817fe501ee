/**
 * autoscaling/v2 HorizontalPodAutoscaler: its types, Kubernetes' defaulting
 * (pkg/apis/autoscaling/v2/defaults.go) and validation (pkg/apis/autoscaling/validation). Pure;
 * shared by the gateway (strategy) and the controller-manager (hpa/).
 *
 * jetkube serves only resource metrics (metrics.k8s.io from the kubelets): a metric of type Pods,
 * Object or External is refused with a 422 naming the field, never accepted and left unserved.
 */
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { Timestamp } from './types.js';
import { child, index, invalidValue, notSupported, required, forbidden } from './field-errors.js';
import { isPlainObject } from './json.js';
import { tryParseQuantity } from './quantity.js';

export type MetricTargetType = 'Utilization' | 'Value' | 'AverageValue';
export interface MetricTarget {
  readonly type: MetricTargetType;
  readonly value?: string;
  readonly averageValue?: string;
  readonly averageUtilization?: number;
}
export interface ResourceMetricSource {
  readonly name: string;
  readonly target: MetricTarget;
}
export interface ContainerResourceMetricSource extends ResourceMetricSource {
  readonly container: string;
}
export interface MetricSpec {
  readonly type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
  readonly resource?: ResourceMetricSource;
  readonly containerResource?: ContainerResourceMetricSource;
}
export interface HPAScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';
export interface HPAScalingRules {
  readonly stabilizationWindowSeconds?: number;
  readonly selectPolicy?: SelectPolicy;
  readonly policies?: readonly HPAScalingPolicy[];
  readonly tolerance?: string;
}
export interface HPABehavior {
  readonly scaleUp?: HPAScalingRules;
  readonly scaleDown?: HPAScalingRules;
}
export interface CrossVersionObjectReference {
  readonly kind: string;
  readonly name: string;
  readonly apiVersion?: string;
}
export interface HPASpec {
  readonly scaleTargetRef: CrossVersionObjectReference;
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  readonly metrics?: readonly MetricSpec[];
  readonly behavior?: HPABehavior;
}
export interface MetricValueStatus {
  readonly value?: string;
  readonly averageValue?: string;
  readonly averageUtilization?: number;
}
export interface MetricStatus {
  readonly type: MetricSpec['type'];
  readonly resource?: { readonly name: string; readonly current: MetricValueStatus };
  readonly containerResource?: { readonly name: string; readonly container: string; readonly current: MetricValueStatus };
}
export type HPAConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
export interface HPACondition {
  readonly type: HPAConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly lastTransitionTime?: Timestamp;
  readonly reason?: string;
  readonly message?: string;
}
export interface HPAStatus {
  readonly observedGeneration?: number;
  readonly lastScaleTime?: Timestamp;
  readonly currentReplicas?: number;
  readonly desiredReplicas: number;
  readonly currentMetrics?: readonly MetricStatus[];
  readonly conditions?: readonly HPACondition[];
}
export interface HorizontalPodAutoscaler extends KObject {
  readonly spec: HPASpec;
  readonly status?: HPAStatus;
}

// ------------------------------------------------------------------ defaults

/** What an HPA with no metrics scales on: 80% of the pods' cpu requests (DefaultCPUUtilization). */
export const DEFAULT_CPU_UTILIZATION = 80;

/** GenerateHPAScaleUpRules' defaults: no stabilization, the bigger of +4 pods and +100% every 15 s. */
export const DEFAULT_SCALE_UP: Required<Omit<HPAScalingRules, 'tolerance'>> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
/** GenerateHPAScaleDownRules' defaults: 100% every 15 s; the window is the controller's (300 s) when unset. */
export const DEFAULT_SCALE_DOWN: Omit<Required<Omit<HPAScalingRules, 'tolerance'>>, 'stabilizationWindowSeconds'> = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function fillRules(r: unknown, d: HPAScalingRules): Record<string, unknown> {
  const o: Record<string, unknown> = isPlainObject(r) ? { ...r } : {};
  if (o.stabilizationWindowSeconds === undefined && d.stabilizationWindowSeconds !== undefined) o.stabilizationWindowSeconds = d.stabilizationWindowSeconds;
  o.selectPolicy ??= d.selectPolicy;
  if (o.policies === undefined || (Array.isArray(o.policies) && o.policies.length === 0)) o.policies = d.policies!.map((p) => ({ ...p }));
  return o;
}

/** SetDefaults_HorizontalPodAutoscaler for autoscaling/v2, in place. */
export function defaultHorizontalPodAutoscaler(o: Record<string, unknown>): void {
  const spec = o.spec;
  if (!isPlainObject(spec)) return;
  spec.minReplicas ??= 1;
  if (spec.metrics === undefined || (Array.isArray(spec.metrics) && spec.metrics.length === 0)) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  // Behavior is filled in only when given (SetDefaults_HorizontalPodAutoscalerBehavior).
  if (isPlainObject(spec.behavior)) {
    spec.behavior = { ...spec.behavior, scaleUp: fillRules(spec.behavior.scaleUp, DEFAULT_SCALE_UP), scaleDown: fillRules(spec.behavior.scaleDown, DEFAULT_SCALE_DOWN) };
  }
}

// ------------------------------------------------------------------ validation

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const SERVED_METRIC_TYPES = ['Resource', 'ContainerResource'];
const ALL_METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function validateTarget(t: unknown, path: string, resourceMetric: boolean): StatusCause[] {
  if (!isPlainObject(t)) return [required(path, 'must specify a metric target')];
  const out: StatusCause[] = [];
  const type = t.type;
  if (type === undefined) out.push(required(child(path, 'type'), 'must specify a metric target type'));
  else if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') out.push(notSupported(child(path, 'type'), type, ['AverageValue', 'Utilization', 'Value']));
  if (t.averageUtilization !== undefined && (!isInt(t.averageUtilization) || t.averageUtilization < 1)) {
    out.push(invalidValue(child(path, 'averageUtilization'), t.averageUtilization, 'must be greater than 0'));
  }
  for (const f of ['value', 'averageValue'] as const) {
    if (t[f] === undefined) continue;
    const q = tryParseQuantity(t[f] as string);
    if (q === undefined || q <= 0) out.push(invalidValue(child(path, f), t[f], 'must be positive'));
  }
  if (type === 'Utilization' && t.averageUtilization === undefined) out.push(required(child(path, 'averageUtilization'), 'must set averageUtilization when metric target type is Utilization'));
  if (type === 'AverageValue' && t.averageValue === undefined) out.push(required(child(path, 'averageValue'), 'must set averageValue when metric target type is AverageValue'));
  if (type === 'Value' && resourceMetric) out.push(invalidValue(child(path, 'type'), type, 'must be either Utilization or AverageValue'));
  return out;
}

function validateMetric(m: unknown, path: string): StatusCause[] {
  if (!isPlainObject(m)) return [required(path)];
  const type = m.type;
  if (type === undefined || type === '') return [required(child(path, 'type'), 'must specify a metric source type')];
  if (!ALL_METRIC_TYPES.includes(type as string)) return [notSupported(child(path, 'type'), type, ALL_METRIC_TYPES)];
  if (!SERVED_METRIC_TYPES.includes(type as string)) {
    return [notSupported(child(path, 'type'), type, SERVED_METRIC_TYPES)].map((c) => ({
      ...c,
      message: `${c.message} (jetkube serves resource metrics only: there is no custom or external metrics API)`,
    }));
  }
  const field = type === 'Resource' ? 'resource' : 'containerResource';
  const src = m[field];
  if (!isPlainObject(src)) return [required(child(path, field), `must populate information for the given metric source`)];
  const out: StatusCause[] = [];
  const sp = child(path, field);
  if (!src.name) out.push(required(child(sp, 'name'), 'must specify a resource name'));
  else if (src.name !== 'cpu' && src.name !== 'memory') out.push(notSupported(child(sp, 'name'), src.name, ['cpu', 'memory']));
  if (field === 'containerResource' && !src.container) out.push(required(child(sp, 'container'), 'must specify a container'));
  out.push(...validateTarget(src.target, child(sp, 'target'), true));
  for (const other of ['resource', 'containerResource', 'pods', 'object', 'external']) {
    if (other !== field && m[other] !== undefined) out.push(forbidden(child(path, other), `must populate the given metric source only`));
  }
  return out;
}

function validateRules(r: unknown, path: string): StatusCause[] {
  if (r === undefined) return [];
  if (!isPlainObject(r)) return [invalidValue(path, r, 'must be an object')];
  const out: StatusCause[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (!isInt(w) || w < 0)) out.push(invalidValue(child(path, 'stabilizationWindowSeconds'), w, 'must be greater than or equal to zero'));
  else if (isInt(w) && w > MAX_STABILIZATION_WINDOW_SECONDS) out.push(invalidValue(child(path, 'stabilizationWindowSeconds'), w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (r.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(r.selectPolicy as string)) {
    out.push(notSupported(child(path, 'selectPolicy'), r.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies = r.policies;
  if (policies !== undefined && !Array.isArray(policies)) out.push(invalidValue(child(path, 'policies'), policies, 'must be a list'));
  if (Array.isArray(policies)) {
    if (policies.length === 0) out.push(required(child(path, 'policies'), 'must specify at least one Policy'));
    policies.forEach((p: unknown, i) => {
      const pp = index(child(path, 'policies'), i);
      if (!isPlainObject(p)) return void out.push(required(pp));
      if (p.type !== 'Pods' && p.type !== 'Percent') out.push(notSupported(child(pp, 'type'), p.type, ['Percent', 'Pods']));
      if (!isInt(p.value) || p.value <= 0) out.push(invalidValue(child(pp, 'value'), p.value, 'must be greater than zero'));
      if (!isInt(p.periodSeconds) || p.periodSeconds <= 0) out.push(invalidValue(child(pp, 'periodSeconds'), p.periodSeconds, 'must be greater than zero'));
      else if (p.periodSeconds > MAX_PERIOD_SECONDS) out.push(invalidValue(child(pp, 'periodSeconds'), p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
    });
  }
  if (r.tolerance !== undefined) out.push(forbidden(child(path, 'tolerance'), 'jetkube does not serve the HPAConfigurableTolerance feature (alpha in Kubernetes 1.33)'));
  return out;
}

/** ValidateHorizontalPodAutoscaler (create and update alike), with jetkube's refusals of what it cannot serve. */
export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): StatusCause[] {
  const spec = hpa.spec as unknown;
  if (!isPlainObject(spec)) return [required('spec')];
  const out: StatusCause[] = [];
  const ref = spec.scaleTargetRef;
  if (!isPlainObject(ref)) out.push(required('spec.scaleTargetRef'));
  else {
    if (!ref.kind) out.push(required('spec.scaleTargetRef.kind'));
    else if (typeof ref.kind !== 'string' || /[/%]/.test(ref.kind) || ref.kind === '.' || ref.kind === '..') out.push(invalidValue('spec.scaleTargetRef.kind', ref.kind, 'may not contain \'/\' or \'%\''));
    if (!ref.name) out.push(required('spec.scaleTargetRef.name'));
    else if (typeof ref.name !== 'string' || /[/%]/.test(ref.name) || ref.name === '.' || ref.name === '..') out.push(invalidValue('spec.scaleTargetRef.name', ref.name, 'may not contain \'/\' or \'%\''));
  }
  const min = spec.minReplicas;
  if (min !== undefined && (!isInt(min) || min < 1)) out.push(invalidValue('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (!isInt(max) || max < 1) out.push(invalidValue('spec.maxReplicas', max, 'must be greater than 0'));
  else if (isInt(min) && max < min) out.push(invalidValue('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  if (spec.metrics !== undefined) {
    if (!Array.isArray(spec.metrics)) out.push(invalidValue('spec.metrics', spec.metrics, 'must be a list'));
    else spec.metrics.forEach((m: unknown, i) => out.push(...validateMetric(m, index('spec.metrics', i))));
  }
  if (spec.behavior !== undefined) {
    if (!isPlainObject(spec.behavior)) out.push(invalidValue('spec.behavior', spec.behavior, 'must be an object'));
    else {
      out.push(...validateRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'));
      out.push(...validateRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
    }
  }
  return out;
}
