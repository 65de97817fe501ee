/**
 * The HPA's replica calculator (Kubernetes' pkg/controller/podautoscaler/replica_calculator.go),
 * pure: from the target's pods, their resource metrics and the target, the replica count a metric
 * asks for. The rules, as Kubernetes documents them (Algorithm details, kubernetes.io):
 *
 * - desired = ceil(ready pods × usage ratio); within the tolerance (10%) of 1.0, nothing changes.
 * - Pods being deleted or Failed are ignored; Pending pods are "unready"; pods without a metric are
 *   "missing". For cpu only, a pod within its cpu initialization period (5 min after start) counts
 *   as unready while it is not Ready or its sample does not cover a whole window since it became
 *   Ready; after that period, a pod that is not Ready and never was (its readiness last changed
 *   within the initial readiness delay, 30 s, of its start) is unready.
 * - With missing or unready pods, the ratio is computed again: on a scale-down missing pods count
 *   as using 100% of their request (or the target when it is above 100%; the target itself for
 *   AverageValue), on a scale-up as using 0; unready pods count as 0 on a scale-up and are left out
 *   otherwise. If that reverses the direction or falls within the tolerance, nothing changes.
 *
 * Values are milli-units, as Kubernetes' MilliValue: cpu in millicores, memory in thousandths of a byte.
 */
import type { Pod } from '../../../shared/resources/types.js';
import { parseMilli } from '../../../shared/resources/quantity.js';

/** One pod's usage of the resource (summed over its containers, or the one container asked for). */
export interface PodMetric {
  /** Milli-units. */
  readonly value: number;
  /** When the sample was taken (end of its window), ms since the epoch. */
  readonly timestampMs: number;
  readonly windowMs: number;
}

export type PodMetrics = ReadonlyMap<string, PodMetric>;

export interface CalculatorConfig {
  /** Kubernetes' --horizontal-pod-autoscaler-tolerance: 0.1. */
  readonly tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period: 5 min. */
  readonly cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay: 30 s. */
  readonly delayOfInitialReadinessStatusMs: number;
}

export const DEFAULT_CALCULATOR_CONFIG: CalculatorConfig = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

/** A metric that gave no replica count: the reason is Kubernetes' error text. */
export class ReplicaCalculationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaCalculationError';
  }
}

export interface PodGroups {
  readonly readyPodCount: number;
  readonly unready: ReadonlySet<string>;
  readonly missing: ReadonlySet<string>;
  readonly ignored: ReadonlySet<string>;
}

const ms = (t: string | undefined | null): number | undefined => (t ? Date.parse(t) : undefined);

/** groupPods: which pods count, which are unready, missing or ignored. */
export function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: string, cfg: CalculatorConfig, nowMs: number): PodGroups {
  let readyPodCount = 0;
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  for (const pod of pods) {
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending' || !pod.status?.phase) {
      unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = ms(pod.status?.startTime);
      let isUnready: boolean;
      if (!ready || start === undefined) isUnready = true;
      else {
        const transition = ms(ready.lastTransitionTime) ?? 0;
        if (start + cfg.cpuInitializationPeriodMs > nowMs) {
          isUnready = ready.status === 'False' || metric.timestampMs < transition + metric.windowMs;
        } else {
          isUnready = ready.status === 'False' && start + cfg.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (isUnready) {
        unready.add(name);
        continue;
      }
    }
    readyPodCount++;
  }
  return { readyPodCount, unready, missing, ignored };
}

/** calculatePodRequests: each pod's request of the resource (milli), over its containers or the one named. */
export function podRequests(pods: readonly Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? []).filter((c) => (c as { restartPolicy?: string }).restartPolicy === 'Always')];
    for (const c of containers) {
      if (container && c.name !== container) continue;
      const req = c.resources?.requests?.[resource];
      if (req === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += parseMilli(req as string | number);
    }
    out.set(pod.metadata.name!, sum);
  }
  return out;
}

/** GetResourceUtilizationRatio: usage over requests, in whole percent, against the target. */
export function utilizationRatio(metrics: ReadonlyMap<string, number>, requests: ReadonlyMap<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [pod, value] of metrics) {
    const req = requests.get(pod);
    if (req === undefined) continue;
    metricsTotal += value;
    requestsTotal += req;
    n++;
  }
  if (requestsTotal === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / n) };
}

/** GetMetricUsageRatio: the average usage against the target average. */
export function usageRatio(metrics: ReadonlyMap<string, number>, targetUsage: number): { ratio: number; average: number } {
  let total = 0;
  for (const v of metrics.values()) total += v;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetUsage, average };
}

export interface ResourceReplicas {
  readonly replicas: number;
  /** Utilization in percent (Utilization targets). */
  readonly utilization?: number;
  /** Average usage per pod, milli-units. */
  readonly rawAverage: number;
  /** The newest sample's time, ms. */
  readonly timestampMs: number;
}

export type ResourceTarget = { readonly type: 'Utilization'; readonly averageUtilization: number } | { readonly type: 'AverageValue'; readonly averageValueMilli: number };

export interface ResourceReplicasInput {
  readonly currentReplicas: number;
  readonly target: ResourceTarget;
  readonly resource: string;
  readonly container?: string;
  readonly pods: readonly Pod[];
  readonly metrics: PodMetrics;
  readonly cfg: CalculatorConfig;
  readonly nowMs: number;
}

/** GetResourceReplicas (Utilization) and GetRawResourceReplicas (AverageValue). Throws ReplicaCalculationError. */
export function resourceReplicas(input: ResourceReplicasInput): ResourceReplicas {
  const { currentReplicas, target, resource, pods, cfg } = input;
  if (input.metrics.size === 0) throw new ReplicaCalculationError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const groups = groupPods(pods, input.metrics, resource, cfg, input.nowMs);
  const metrics = new Map<string, number>();
  let timestampMs = 0;
  for (const [pod, m] of input.metrics) {
    if (groups.ignored.has(pod) || groups.unready.has(pod)) continue;
    if (!pods.some((p) => p.metadata.name === pod)) continue;
    metrics.set(pod, m.value);
    timestampMs = Math.max(timestampMs, m.timestampMs);
  }
  const requests = target.type === 'Utilization' ? podRequests(pods, resource, input.container) : undefined;
  if (metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');

  const ratioOf = (m: ReadonlyMap<string, number>) =>
    target.type === 'Utilization' ? utilizationRatio(m, requests!, target.averageUtilization) : { ...usageRatio(m, target.averageValueMilli), utilization: undefined, rawAverage: usageRatio(m, target.averageValueMilli).average };
  const first = ratioOf(metrics);
  const result = (replicas: number): ResourceReplicas => ({
    replicas,
    ...(first.utilization !== undefined ? { utilization: first.utilization } : {}),
    rawAverage: first.rawAverage,
    timestampMs,
  });

  const scaleUpWithUnready = groups.unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= cfg.tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * groups.readyPodCount));
  }
  if (groups.missing.size > 0) {
    for (const pod of groups.missing) {
      let v = 0;
      if (first.ratio < 1.0) {
        v = target.type === 'Utilization' ? Math.trunc(((requests!.get(pod) ?? 0) * Math.max(100, target.averageUtilization)) / 100) : target.averageValueMilli;
      }
      if (first.ratio !== 1.0) metrics.set(pod, v);
    }
  }
  if (scaleUpWithUnready) for (const pod of groups.unready) metrics.set(pod, 0);

  const next = ratioOf(metrics).ratio;
  if (Math.abs(1.0 - next) <= cfg.tolerance || (first.ratio < 1.0 && next > 1.0) || (first.ratio > 1.0 && next < 1.0)) return result(currentReplicas);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1.0 && replicas > currentReplicas) || (next > 1.0 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
