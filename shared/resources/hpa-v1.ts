/**
 * autoscaling/v1 HorizontalPodAutoscaler, served over the stored autoscaling/v2 object as
 * Kubernetes does (pkg/apis/autoscaling/v1/conversion.go): v1 has only
 * spec.targetCPUUtilizationPercentage and status.currentCPUUtilizationPercentage; what v2 says
 * beyond that travels in annotations (`autoscaling.alpha.kubernetes.io/metrics`, `.../behavior`,
 * `.../conditions`, `.../current-metrics`, here with v2's JSON), so a v1 read-modify-write keeps it.
 * `kubectl autoscale` (1.32) creates its HPAs through v1.
 */
import { isPlainObject } from './json.js';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
const ANNOTATIONS = [METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION];

type Obj = Record<string, unknown>;

const isCpuUtilization = (m: unknown): boolean => {
  if (!isPlainObject(m) || m.type !== 'Resource' || !isPlainObject(m.resource)) return false;
  const t = m.resource.target;
  return m.resource.name === 'cpu' && isPlainObject(t) && t.type === 'Utilization';
};

function parseAnnotation(v: unknown): unknown {
  if (typeof v !== 'string') return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** A stored (v2) object as autoscaling/v1 shows it. */
export function hpaV2ToV1(o: Obj): Obj {
  const spec = isPlainObject(o.spec) ? o.spec : {};
  const status = isPlainObject(o.status) ? o.status : undefined;
  const meta = isPlainObject(o.metadata) ? { ...o.metadata } : {};
  const annotations: Record<string, string> = { ...(isPlainObject(meta.annotations) ? (meta.annotations as Record<string, string>) : {}) };
  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  const cpu = metrics.find(isCpuUtilization) as { resource: { target: { averageUtilization?: number } } } | undefined;
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (spec.behavior !== undefined) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const conditions = status && Array.isArray(status.conditions) ? status.conditions : [];
  if (conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
  const current = status && Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
  const cpuIndex = metrics.indexOf(cpu);
  const currentCpu = cpuIndex >= 0 ? (current[cpuIndex] as { resource?: { current?: { averageUtilization?: number } } } | undefined) : undefined;
  const otherCurrent = current.filter((_m, i) => i !== cpuIndex);
  if (otherCurrent.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherCurrent);
  if (Object.keys(annotations).length) meta.annotations = annotations;
  const { apiVersion: _a, kind: _k, metadata: _m, spec: _s, status: _st, ...rest } = o;
  return {
    ...rest,
    kind: 'HorizontalPodAutoscaler',
    apiVersion: 'autoscaling/v1',
    metadata: meta,
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(cpu?.resource.target.averageUtilization !== undefined ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
    },
    ...(status
      ? {
          status: {
            ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
            ...(status.lastScaleTime !== undefined ? { lastScaleTime: status.lastScaleTime } : {}),
            currentReplicas: status.currentReplicas ?? 0,
            desiredReplicas: status.desiredReplicas ?? 0,
            ...(currentCpu?.resource?.current?.averageUtilization !== undefined ? { currentCPUUtilizationPercentage: currentCpu.resource.current.averageUtilization } : {}),
          },
        }
      : {}),
  };
}

/** An autoscaling/v1 body as the v2 object it stands for (its annotations folded back in). */
export function hpaV1ToV2(o: unknown): unknown {
  if (!isPlainObject(o)) return o;
  const spec = isPlainObject(o.spec) ? o.spec : {};
  const status = isPlainObject(o.status) ? o.status : undefined;
  const meta = isPlainObject(o.metadata) ? { ...o.metadata } : {};
  const annotations = isPlainObject(meta.annotations) ? { ...(meta.annotations as Record<string, unknown>) } : undefined;
  const read = (k: string) => {
    const v = annotations ? parseAnnotation(annotations[k]) : undefined;
    if (annotations) delete annotations[k];
    return v;
  };
  const others = read(METRICS_ANNOTATION);
  const behavior = read(BEHAVIOR_ANNOTATION);
  const conditions = read(CONDITIONS_ANNOTATION);
  const otherCurrent = read(CURRENT_METRICS_ANNOTATION);
  if (annotations) {
    if (Object.keys(annotations).length) meta.annotations = annotations;
    else delete meta.annotations;
  }
  const { targetCPUUtilizationPercentage: target, ...specRest } = spec;
  const metrics = [
    ...(target !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }] : []),
    ...(Array.isArray(others) ? others : []),
  ];
  let v2Status: Obj | undefined;
  if (status) {
    const { currentCPUUtilizationPercentage: cur, ...statusRest } = status;
    const currentMetrics = [
      ...(cur !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cur } } }] : []),
      ...(Array.isArray(otherCurrent) ? otherCurrent : []),
    ];
    v2Status = { ...statusRest, ...(currentMetrics.length ? { currentMetrics } : {}), ...(Array.isArray(conditions) ? { conditions } : {}) };
  }
  return {
    ...o,
    apiVersion: 'autoscaling/v2',
    metadata: meta,
    spec: { ...specRest, ...(metrics.length ? { metrics } : {}), ...(behavior !== undefined ? { behavior } : {}) },
    ...(v2Status ? { status: v2Status } : {}),
  };
}

/** A response body (an HPA, a list of them, a Status, a Table) as autoscaling/v1 shows it. */
export function hpaResponseToV1(body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  if (body.kind === 'HorizontalPodAutoscaler') return hpaV2ToV1(body);
  if (body.kind === 'HorizontalPodAutoscalerList' && Array.isArray(body.items)) {
    return { ...body, apiVersion: 'autoscaling/v1', items: body.items.map((i) => (isPlainObject(i) ? hpaV2ToV1(i) : i)) };
  }
  return body;
}

export const HPA_V1_ANNOTATIONS: readonly string[] = ANNOTATIONS;
