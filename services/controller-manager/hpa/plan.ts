/**
 * One HorizontalPodAutoscaler reconcile as a pure decision (Kubernetes' reconcileAutoscaler): from
 * the autoscaler, its target's Scale, the target's pods and their metrics.k8s.io samples, what to
 * set the Scale to, the status to write, the Events to record and the history to keep. The
 * controller (controller.ts) reads, calls this, and executes.
 */
import type { Pod } from '../../../shared/resources/types.js';
import type { HorizontalPodAutoscaler, HPACondition, HPAConditionType, HPAStatus, MetricSpec, MetricStatus } from '../../../shared/resources/hpa.js';
import type { PodMetrics as PodMetricsObject } from '../../../shared/metrics/types.js';
import { formatQuantity, tryParseQuantity } from '../../../shared/resources/quantity.js';
import { rfc3339 } from '../../../shared/resources/time.js';
import { resourceReplicas, type CalculatorConfig, type PodMetric, type ResourceTarget } from './replicas.js';
import { normalizeDesiredReplicas, storeScaleEvent, type ConditionUpdate, type ScaleHistory } from './behavior.js';

export interface HpaConfig extends CalculatorConfig {
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min). */
  readonly downscaleStabilizationMs: number;
}

export interface ScaleView {
  readonly replicas: number;
  /** status.selector of the Scale (a label selector string); empty: the target has none. */
  readonly selector: string;
}

export interface PlanEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface HpaPlanInput {
  readonly hpa: HorizontalPodAutoscaler;
  /** The target's Scale, or the error reading it (Kubernetes' FailedGetScale). */
  readonly scale: ScaleView | { readonly error: string };
  /** The pods the Scale's selector selects. */
  readonly pods: readonly Pod[];
  /** metrics.k8s.io PodMetrics of those pods, or the error asking for them. */
  readonly metrics: readonly PodMetricsObject[] | { readonly error: string };
  readonly history: ScaleHistory;
  readonly now: Date;
  readonly cfg: HpaConfig;
}

export interface HpaPlan {
  /** Set the Scale to this (absent: leave it). */
  readonly rescale?: number;
  readonly status: HPAStatus;
  readonly events: readonly PlanEvent[];
  readonly history: ScaleHistory;
}

/** A Go duration (`15s`, `1.5s`, `1m0s`, `250ms`) in ms; 0 when it is not one. */
export function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const unit = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]!]!;
    total += Number(m[1]) * unit;
    matched += m[0];
  }
  return matched === s ? total : 0;
}

/** One resource's usage per pod (milli-units), over every container or the one named. */
export function podMetricsFor(items: readonly PodMetricsObject[], resource: string, container?: string): Map<string, PodMetric> {
  const out = new Map<string, PodMetric>();
  for (const pm of items) {
    let value = 0;
    let found = false;
    for (const c of pm.containers ?? []) {
      if (container && c.name !== container) continue;
      const q = c.usage?.[resource];
      const v = q === undefined ? undefined : tryParseQuantity(q);
      if (v === undefined) continue;
      value += Math.round(v * 1000);
      found = true;
    }
    if (!found) continue;
    out.set(pm.metadata.name!, { value, timestampMs: Date.parse(pm.timestamp), windowMs: parseGoDuration(pm.window) });
  }
  return out;
}

function setCondition(conditions: HPACondition[], type: HPAConditionType, u: ConditionUpdate, now: string): void {
  const i = conditions.findIndex((c) => c.type === type);
  const old = i >= 0 ? conditions[i] : undefined;
  const next: HPACondition = { type, status: u.status, lastTransitionTime: old && old.status === u.status ? old.lastTransitionTime ?? now : now, reason: u.reason, message: u.message };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
}

interface MetricResult {
  readonly replicas: number;
  readonly name: string;
  readonly status: MetricStatus;
}

/** The name Kubernetes gives a metric in its messages (metricNameProposal). */
function metricName(spec: MetricSpec): string {
  const src = spec.type === 'Resource' ? spec.resource! : spec.containerResource!;
  const kind = spec.type === 'Resource' ? 'resource' : 'container resource';
  return src.target.type === 'Utilization' ? `${src.name} ${kind} utilization (percentage of request)` : `${src.name} ${kind}`;
}

function computeMetric(spec: MetricSpec, input: HpaPlanInput, current: number, items: readonly PodMetricsObject[]): MetricResult {
  const src = spec.type === 'Resource' ? spec.resource! : spec.containerResource!;
  const container = spec.type === 'ContainerResource' ? spec.containerResource!.container : undefined;
  const target: ResourceTarget =
    src.target.type === 'Utilization'
      ? { type: 'Utilization', averageUtilization: src.target.averageUtilization! }
      : { type: 'AverageValue', averageValueMilli: Math.round((tryParseQuantity(src.target.averageValue!) ?? 0) * 1000) };
  const r = resourceReplicas({
    currentReplicas: current,
    target,
    resource: src.name,
    ...(container ? { container } : {}),
    pods: input.pods,
    metrics: podMetricsFor(items, src.name, container),
    cfg: input.cfg,
    nowMs: input.now.getTime(),
  });
  const averageValue = formatQuantity(r.rawAverage / 1000);
  const value = { ...(r.utilization !== undefined ? { averageUtilization: r.utilization } : {}), averageValue };
  const status: MetricStatus =
    spec.type === 'Resource' ? { type: 'Resource', resource: { name: src.name, current: value } } : { type: 'ContainerResource', containerResource: { name: src.name, container: container!, current: value } };
  return { replicas: r.replicas, name: metricName(spec), status };
}

/** reconcileAutoscaler. */
export function planHpa(input: HpaPlanInput): HpaPlan {
  const { hpa, now, cfg } = input;
  const nowText = rfc3339(now);
  const conditions: HPACondition[] = [...(hpa.status?.conditions ?? [])];
  const events: PlanEvent[] = [];
  const warn = (reason: string, message: string) => {
    // Kubernetes' recorder folds repeats into a count; here a warning is recorded when it is new.
    const seen = conditions.some((c) => c.reason === reason && (c.message ?? '').endsWith(message));
    if (!seen) events.push({ type: 'Warning', reason, message });
  };
  const base = {
    observedGeneration: hpa.metadata.generation,
    ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
  };
  const minReplicas = hpa.spec.minReplicas ?? 1;

  if ('error' in input.scale) {
    const message = `the HPA controller was unable to get the target's current scale: ${input.scale.error}`;
    warn('FailedGetScale', input.scale.error);
    setCondition(conditions, 'AbleToScale', { status: 'False', reason: 'FailedGetScale', message }, nowText);
    return { status: { ...base, currentReplicas: hpa.status?.currentReplicas ?? 0, desiredReplicas: hpa.status?.desiredReplicas ?? 0, ...(hpa.status?.currentMetrics ? { currentMetrics: hpa.status.currentMetrics } : {}), conditions }, events, history: input.history };
  }
  setCondition(conditions, 'AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" }, nowText);
  const current = input.scale.replicas;
  let desired = 0;
  let reason = '';
  let rescale: boolean;
  let currentMetrics: MetricStatus[] | undefined;
  let history = input.history;

  if (current === 0 && minReplicas !== 0) {
    rescale = false;
    setCondition(conditions, 'ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' }, nowText);
  } else if (current > hpa.spec.maxReplicas) {
    reason = 'Current number of replicas above Spec.MaxReplicas';
    desired = hpa.spec.maxReplicas;
    rescale = true;
  } else if (current < minReplicas) {
    reason = 'Current number of replicas below Spec.MinReplicas';
    desired = minReplicas;
    rescale = true;
  } else {
    const specs = hpa.spec.metrics ?? [];
    const results: MetricResult[] = [];
    const statuses: MetricStatus[] = [];
    let firstError: string | undefined;
    let invalid = 0;
    for (const spec of specs) {
      const resourceName = spec.type === 'Resource' ? spec.resource?.name : spec.containerResource?.name;
      const failReason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
      const fail = (err: string) => {
        invalid++;
        const wrapped = `failed to get ${resourceName} ${spec.resource?.target.type === 'AverageValue' || spec.containerResource?.target.type === 'AverageValue' ? 'usage' : 'utilization'}: ${err}`;
        firstError ??= `failed to get ${resourceName} resource metric value: ${wrapped}`;
        warn(failReason, wrapped);
        setCondition(conditions, 'ScalingActive', { status: 'False', reason: failReason, message: `the HPA was unable to compute the replica count: ${wrapped}` }, nowText);
        statuses.push({ type: spec.type });
      };
      if (!input.scale.selector) {
        invalid++;
        firstError ??= 'selector is required';
        warn('SelectorRequired', 'selector is required');
        setCondition(conditions, 'ScalingActive', { status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" }, nowText);
        continue;
      }
      if ('error' in input.metrics) {
        fail(`unable to get metrics for resource ${resourceName}: ${input.metrics.error}`);
        continue;
      }
      try {
        const r = computeMetric(spec, input, current, input.metrics);
        results.push(r);
        statuses.push(r.status);
      } catch (e) {
        fail((e as Error).message);
      }
    }
    currentMetrics = statuses;
    if (results.length === 0) {
      // Recorded with the failure it sums up: a repeat of the same failure is one Event, not one per resync.
      if (events.length > 0) events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError ?? 'no metrics'}` });
      const status: HPAStatus = { ...base, currentReplicas: current, desiredReplicas: hpa.status?.desiredReplicas ?? 0, currentMetrics: statuses, conditions };
      return { status, events, history };
    }
    let best = results[0]!;
    for (const r of results) if (r.replicas > best.replicas) best = r;
    setCondition(conditions, 'ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${best.name}` }, nowText);
    let rescaleMetric = '';
    if (best.replicas > desired) {
      desired = best.replicas;
      rescaleMetric = best.name;
    }
    if (desired > current) reason = `${rescaleMetric} above target`;
    if (desired < current) reason = 'All metrics below target';
    const n = normalizeDesiredReplicas({
      current,
      recommended: desired,
      minReplicas,
      maxReplicas: hpa.spec.maxReplicas,
      ...(hpa.spec.behavior ? { behavior: hpa.spec.behavior } : {}),
      history,
      nowMs: now.getTime(),
      downscaleStabilizationMs: cfg.downscaleStabilizationMs,
    });
    history = n.history;
    setCondition(conditions, 'AbleToScale', n.ableToScale, nowText);
    setCondition(conditions, 'ScalingLimited', n.scalingLimited, nowText);
    desired = n.desired;
    rescale = desired !== current;
  }

  if (!rescale) desired = current;
  if (rescale) {
    setCondition(conditions, 'AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` }, nowText);
    events.push({ type: 'Normal', reason: 'SuccessfulRescale', message: `New size: ${desired}; reason: ${reason}` });
    history = storeScaleEvent(history, hpa.spec.behavior, current, desired, now.getTime(), cfg.downscaleStabilizationMs);
  }
  const status: HPAStatus = {
    observedGeneration: hpa.metadata.generation,
    ...(rescale ? { lastScaleTime: nowText } : hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
    currentReplicas: current,
    desiredReplicas: desired,
    ...(currentMetrics ? { currentMetrics } : hpa.status?.currentMetrics ? { currentMetrics: hpa.status.currentMetrics } : {}),
    conditions,
  };
  return { ...(rescale ? { rescale: desired } : {}), status, events, history };
}
