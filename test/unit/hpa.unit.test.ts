/**
 * The HorizontalPodAutoscaler: the replica calculator (cases of Kubernetes'
 * replica_calculator_test.go, in our own table), the behavior and stabilization rules, the
 * reconcile plan (conditions, status, events), defaults, validation and the kubectl columns.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/resources/types.js';
import type { HorizontalPodAutoscaler, HPABehavior } from '../../shared/resources/hpa.js';
import { defaultHorizontalPodAutoscaler, validateHorizontalPodAutoscaler } from '../../shared/resources/hpa.js';
import { formatHpaMetrics } from '../../shared/resources/kinds/hpa.js';
import type { PodMetrics } from '../../shared/metrics/types.js';
import { DEFAULT_CALCULATOR_CONFIG, resourceReplicas, type PodMetric, type ResourceTarget } from '../../services/controller-manager/hpa/replicas.js';
import { EMPTY_HISTORY, normalizeDesiredReplicas, type ScaleHistory } from '../../services/controller-manager/hpa/behavior.js';
import { parseGoDuration, planHpa, type HpaConfig } from '../../services/controller-manager/hpa/plan.js';
import { hpaConfigFromEnv } from '../../services/controller-manager/hpa/config.js';

const NOW = new Date('2024-01-01T01:00:00Z');
const nowMs = NOW.getTime();
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const HOUR_AGO = nowMs - 3_600_000;

interface PodOpts {
  readonly ready?: boolean;
  /** Start time, ms (default an hour ago: past the cpu initialization period). */
  readonly start?: number;
  /** When the Ready condition last changed (default: the start). */
  readonly transition?: number;
  readonly phase?: string;
  readonly deleting?: boolean;
  readonly request?: string;
}
function pod(i: number, o: PodOpts = {}): Pod {
  const start = o.start ?? HOUR_AGO;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${i}`, namespace: 'ns', labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: iso(nowMs) } : {}) },
    spec: { containers: [{ name: 'app', image: 'x', ...(o.request !== '' ? { resources: { requests: { cpu: o.request ?? '1', memory: '100Mi' } } } : {}) }] },
    status: {
      phase: (o.phase ?? 'Running') as 'Running',
      startTime: iso(start),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(o.transition ?? start) }],
    },
  };
}

/** Metrics for the first levels.length pods, sampled a moment ago over a 30 s window. */
function metrics(levels: readonly number[]): Map<string, PodMetric> {
  return new Map(levels.map((v, i) => [`p${i}`, { value: v, timestampMs: nowMs - 1000, windowMs: 30_000 }]));
}

interface CalcCase {
  readonly name: string;
  readonly current: number;
  readonly pods: readonly Pod[];
  readonly levels: readonly number[];
  readonly target: ResourceTarget;
  readonly resource?: string;
  readonly expected: number | string;
  readonly utilization?: number;
  readonly raw?: number;
}
const util = (n: number): ResourceTarget => ({ type: 'Utilization', averageUtilization: n });
const three = (o: PodOpts[] = [{}, {}, {}]) => o.map((x, i) => pod(i, x));

// Kubernetes' replica_calculator_test.go cases (levels in millicores, requests 1 cpu unless said).
const CALC_CASES: readonly CalcCase[] = [
  { name: 'ScaleUp', current: 3, pods: three(), levels: [300, 500, 700], target: util(30), expected: 5, utilization: 50, raw: 500 },
  { name: 'ScaleUpUnreadyLessScale', current: 3, pods: three([{ ready: false }, {}, {}]), levels: [300, 500, 700], target: util(30), expected: 4, utilization: 60, raw: 600 },
  {
    name: 'ScaleUpHotCpuLessScale (a pod in its cpu initialization period whose sample predates a window since Ready)',
    current: 3,
    pods: three([{ start: nowMs - 20_000, transition: nowMs - 10_000 }, {}, {}]),
    levels: [300, 500, 700],
    target: util(30),
    expected: 4,
    utilization: 60,
    raw: 600,
  },
  { name: 'ScaleUpUnreadyNoScale', current: 3, pods: three([{}, { ready: false }, { ready: false }]), levels: [400, 500, 700], target: util(30), expected: 3, utilization: 40, raw: 400 },
  { name: 'ScaleDown', current: 5, pods: [0, 1, 2, 3, 4].map((i) => pod(i)), levels: [100, 300, 500, 250, 250], target: util(50), expected: 3, utilization: 28, raw: 280 },
  {
    name: 'ScaleDownIgnoresUnreadyPods',
    current: 5,
    pods: [{}, {}, {}, { ready: false }, { ready: false }].map((o, i) => pod(i, o)),
    levels: [100, 300, 500, 250, 250],
    target: util(50),
    expected: 2,
    utilization: 30,
    raw: 300,
  },
  {
    name: 'ScaleDownIgnoresDeletionPods',
    current: 5,
    pods: [{}, {}, {}, { deleting: true }, { deleting: true }].map((o, i) => pod(i, o)),
    levels: [100, 300, 500, 250, 250],
    target: util(50),
    expected: 2,
    utilization: 30,
    raw: 300,
  },
  {
    name: 'Tolerance',
    current: 3,
    pods: three([{ request: '0.9' }, { request: '1.0' }, { request: '1.1' }]),
    levels: [1010, 1030, 1020],
    target: util(100),
    expected: 3,
    utilization: 102,
    raw: 1020,
  },
  { name: 'MissingMetricsNoChangeEq', current: 2, pods: [pod(0), pod(1)], levels: [1000], target: util(100), expected: 2, utilization: 100, raw: 1000 },
  { name: 'EmptyMetrics', current: 4, pods: three(), levels: [], target: util(100), expected: 'unable to get metrics for resource cpu: no metrics returned from resource metrics API' },
  { name: 'EmptyCPURequest', current: 1, pods: [pod(0, { request: '' })], levels: [200], target: util(100), expected: 'missing request for cpu in container app of Pod p0' },
  { name: 'NoPods', current: 1, pods: [], levels: [200], target: util(100), expected: 'no pods returned by selector while calculating replica count' },
  { name: 'all pods unready', current: 2, pods: [pod(0, { phase: 'Pending' }), pod(1, { phase: 'Pending' })], levels: [200, 200], target: util(100), expected: 'did not receive metrics for targeted pods (pods might be unready)' },
  // Derived from the documented rules (not a Kubernetes test case):
  { name: 'missing pods count as 100% on a scale-down', current: 3, pods: three(), levels: [100, 100], target: util(50), expected: 3, utilization: 10, raw: 100 },
  { name: 'missing pods count as 0% on a scale-up', current: 3, pods: three(), levels: [1000, 1000], target: util(50), expected: 4, utilization: 100, raw: 1000 },
  { name: 'AverageValue: raw usage against the target average', current: 2, pods: [pod(0), pod(1)], levels: [400, 600], target: { type: 'AverageValue', averageValueMilli: 250 }, expected: 4, raw: 500 },
  { name: 'memory ignores readiness', current: 2, pods: [pod(0, { ready: false }), pod(1)], levels: [200 * 2 ** 20 * 1000, 200 * 2 ** 20 * 1000], resource: 'memory', target: util(100), expected: 4, utilization: 200 },
];

describe('HPA replica calculator', () => {
  for (const c of CALC_CASES) {
    it(c.name, () => {
      const run = () =>
        resourceReplicas({ currentReplicas: c.current, target: c.target, resource: c.resource ?? 'cpu', pods: c.pods, metrics: metrics(c.levels), cfg: DEFAULT_CALCULATOR_CONFIG, nowMs });
      if (typeof c.expected === 'string') {
        assert.throws(run, { message: c.expected });
        return;
      }
      const r = run();
      assert.equal(r.replicas, c.expected);
      if (c.utilization !== undefined) assert.equal(r.utilization, c.utilization);
      if (c.raw !== undefined) assert.equal(r.rawAverage, c.raw);
    });
  }
});

const DOWN_WINDOW = 300_000;
interface NormCase {
  readonly name: string;
  readonly current: number;
  readonly recommended: number;
  readonly min?: number;
  readonly max?: number;
  readonly behavior?: HPABehavior;
  readonly history?: ScaleHistory;
  readonly expected: number;
  readonly ableToScale: string;
  readonly limited: [string, string];
}
const ago = (s: number) => nowMs - s * 1000;
const NORM_CASES: readonly NormCase[] = [
  { name: 'no behavior: within range', current: 3, recommended: 5, expected: 5, ableToScale: 'ReadyForNewScale', limited: ['False', 'DesiredWithinRange'] },
  { name: 'no behavior: scale-up at most max(2×current, 4)', current: 3, recommended: 20, max: 100, expected: 6, ableToScale: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] },
  { name: 'no behavior: scale-up of 1 to 4 allowed (the minimum limit)', current: 1, recommended: 10, max: 100, expected: 4, ableToScale: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] },
  { name: 'no behavior: maxReplicas', current: 3, recommended: 6, max: 5, expected: 5, ableToScale: 'ReadyForNewScale', limited: ['True', 'TooManyReplicas'] },
  { name: 'no behavior: minReplicas', current: 3, recommended: 1, min: 2, expected: 2, ableToScale: 'ReadyForNewScale', limited: ['True', 'TooFewReplicas'] },
  {
    name: 'no behavior: a higher recommendation within 5 min holds a scale-down',
    current: 5,
    recommended: 3,
    history: { ...EMPTY_HISTORY, recommendations: [{ replicas: 4, atMs: ago(60) }, { replicas: 5, atMs: ago(120) }] },
    expected: 5,
    ableToScale: 'ScaleDownStabilized',
    limited: ['False', 'DesiredWithinRange'],
  },
  {
    name: 'no behavior: recommendations older than the window are forgotten',
    current: 5,
    recommended: 3,
    history: { ...EMPTY_HISTORY, recommendations: [{ replicas: 5, atMs: ago(400) }] },
    expected: 3,
    ableToScale: 'ReadyForNewScale',
    limited: ['False', 'DesiredWithinRange'],
  },
  { name: 'default behavior: scale-up by max(4 pods, 100%) per 15 s', current: 10, recommended: 50, max: 100, behavior: {}, expected: 20, ableToScale: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] },
  { name: 'default behavior: 1 → 5 (4 pods beats 100%)', current: 1, recommended: 50, max: 100, behavior: {}, expected: 5, ableToScale: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] },
  {
    name: 'Pods policy larger than Percent with selectPolicy Max',
    current: 3,
    recommended: 100,
    max: 1000,
    behavior: { scaleUp: { policies: [{ type: 'Pods', value: 100, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }] } },
    expected: 100,
    ableToScale: 'ReadyForNewScale',
    limited: ['False', 'DesiredWithinRange'],
  },
  {
    name: 'selectPolicy Min picks the smaller change',
    current: 3,
    recommended: 100,
    max: 1000,
    behavior: { scaleUp: { selectPolicy: 'Min', policies: [{ type: 'Pods', value: 100, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }] } },
    expected: 6,
    ableToScale: 'ReadyForNewScale',
    limited: ['True', 'ScaleUpLimit'],
  },
  {
    name: 'selectPolicy Disabled: no scale-up',
    current: 3,
    recommended: 10,
    behavior: { scaleUp: { selectPolicy: 'Disabled' } },
    expected: 3,
    max: 20,
    ableToScale: 'ReadyForNewScale',
    limited: ['True', 'ScaleUpLimit'],
  },
  {
    name: 'default behavior: scale-down stabilized by the controller window (300 s)',
    current: 5,
    recommended: 1,
    behavior: {},
    history: { ...EMPTY_HISTORY, recommendations: [{ replicas: 5, atMs: ago(100) }] },
    expected: 5,
    ableToScale: 'ScaleDownStabilized',
    limited: ['False', 'DesiredWithinRange'],
  },
  {
    name: 'scale-down window 0: down to the recommendation',
    current: 10,
    recommended: 1,
    behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    expected: 1,
    ableToScale: 'ReadyForNewScale',
    limited: ['False', 'DesiredWithinRange'],
  },
  {
    name: 'Percent 50% per 60 s counts the scale-down events of the period',
    current: 8,
    recommended: 1,
    behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
    history: { ...EMPTY_HISTORY, scaleDownEvents: [{ change: 2, atMs: ago(30) }] },
    expected: 5,
    ableToScale: 'ReadyForNewScale',
    limited: ['True', 'ScaleDownLimit'],
  },
  {
    name: 'Pods 1 per 60 s: one pod at a time',
    current: 8,
    recommended: 1,
    behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    expected: 7,
    ableToScale: 'ReadyForNewScale',
    limited: ['True', 'ScaleDownLimit'],
  },
  {
    name: 'scale-up window keeps the lowest recent recommendation',
    current: 3,
    recommended: 6,
    behavior: { scaleUp: { stabilizationWindowSeconds: 60 } },
    history: { ...EMPTY_HISTORY, recommendations: [{ replicas: 3, atMs: ago(30) }] },
    expected: 3,
    ableToScale: 'ScaleUpStabilized',
    limited: ['False', 'DesiredWithinRange'],
  },
];

describe('HPA normalization: stabilization, rate limits, bounds', () => {
  for (const c of NORM_CASES) {
    it(c.name, () => {
      const n = normalizeDesiredReplicas({
        current: c.current,
        recommended: c.recommended,
        minReplicas: c.min ?? 1,
        maxReplicas: c.max ?? 10,
        ...(c.behavior ? { behavior: c.behavior } : {}),
        history: c.history ?? EMPTY_HISTORY,
        nowMs,
        downscaleStabilizationMs: DOWN_WINDOW,
      });
      assert.equal(n.desired, c.expected);
      assert.equal(n.ableToScale.reason, c.ableToScale);
      assert.deepEqual([n.scalingLimited.status, n.scalingLimited.reason], c.limited);
      assert.equal(n.history.recommendations.at(-1)?.replicas, c.recommended);
    });
  }
});

const CFG: HpaConfig = { ...DEFAULT_CALCULATOR_CONFIG, downscaleStabilizationMs: DOWN_WINDOW };
function hpa(spec: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler {
  const o = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'ns', generation: 2 },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...spec },
  } as Record<string, unknown>;
  defaultHorizontalPodAutoscaler(o);
  return o as unknown as HorizontalPodAutoscaler;
}
function podMetrics(levels: readonly string[]): PodMetrics[] {
  return levels.map((cpu, i) => ({ kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: `p${i}`, namespace: 'ns' }, timestamp: iso(nowMs - 1000), window: '15s', containers: [{ name: 'app', usage: { cpu, memory: '10Mi' } }] }));
}
const cond = (s: { conditions?: readonly { type: string; status: string; reason?: string }[] }, type: string) => {
  const c = s.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : undefined;
};

describe('HPA reconcile plan', () => {
  it('scales up on cpu above target: SuccessfulRescale, status, conditions', () => {
    const p = planHpa({ hpa: hpa(), scale: { replicas: 1, selector: 'app=web' }, pods: [pod(0)], metrics: podMetrics(['3']), history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, 4);
    assert.deepEqual(p.events, [{ type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target' }]);
    assert.equal(p.status.currentReplicas, 1);
    assert.equal(p.status.desiredReplicas, 4);
    assert.equal(p.status.lastScaleTime, iso(nowMs));
    assert.equal(p.status.observedGeneration, 2);
    assert.deepEqual(p.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 300, averageValue: '3' } } }]);
    assert.equal(cond(p.status, 'AbleToScale'), 'True/SucceededRescale');
    assert.equal(cond(p.status, 'ScalingActive'), 'True/ValidMetricFound');
    assert.equal(cond(p.status, 'ScalingLimited'), 'True/ScaleUpLimit');
  });
  it('scales down below target once nothing higher is recent, reason "All metrics below target"', () => {
    const p = planHpa({ hpa: hpa(), scale: { replicas: 4, selector: 'app=web' }, pods: [0, 1, 2, 3].map((i) => pod(i)), metrics: podMetrics(['100m', '100m', '100m', '100m']), history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, 1);
    assert.equal(p.events[0]?.message, 'New size: 1; reason: All metrics below target');
  });
  it('no rescale within the tolerance: ReadyForNewScale, no event', () => {
    const p = planHpa({ hpa: hpa(), scale: { replicas: 2, selector: 'app=web' }, pods: [pod(0), pod(1)], metrics: podMetrics(['520m', '500m']), history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, undefined);
    assert.deepEqual(p.events, []);
    assert.equal(p.status.desiredReplicas, 2);
    assert.equal(cond(p.status, 'AbleToScale'), 'True/ReadyForNewScale');
  });
  it('target at 0 replicas: ScalingDisabled', () => {
    const p = planHpa({ hpa: hpa(), scale: { replicas: 0, selector: 'app=web' }, pods: [], metrics: [], history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, undefined);
    assert.equal(cond(p.status, 'ScalingActive'), 'False/ScalingDisabled');
  });
  it('above maxReplicas: back to max whatever the metrics', () => {
    const p = planHpa({ hpa: hpa(), scale: { replicas: 9, selector: 'app=web' }, pods: [], metrics: { error: 'down' }, history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, 5);
    assert.equal(p.events[0]?.message, 'New size: 5; reason: Current number of replicas above Spec.MaxReplicas');
  });
  it('no metrics: ScalingActive False FailedGetResourceMetric, warnings once', () => {
    const p = planHpa({ hpa: hpa(), scale: { replicas: 2, selector: 'app=web' }, pods: [pod(0), pod(1)], metrics: [], history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, undefined);
    assert.equal(cond(p.status, 'ScalingActive'), 'False/FailedGetResourceMetric');
    assert.deepEqual(p.events.map((e) => e.reason), ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas']);
    assert.equal(p.events[0]?.message, 'failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    const again = planHpa({ hpa: { ...hpa(), status: p.status }, scale: { replicas: 2, selector: 'app=web' }, pods: [pod(0), pod(1)], metrics: [], history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.deepEqual(again.events, []);
    assert.equal(formatHpaMetrics(hpa().spec.metrics, p.status.currentMetrics), 'cpu: <unknown>/50%');
  });
  it('the target cannot be read: AbleToScale False FailedGetScale', () => {
    const p = planHpa({ hpa: hpa(), scale: { error: 'deployments.apps "web" not found' }, pods: [], metrics: [], history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(cond(p.status, 'AbleToScale'), 'False/FailedGetScale');
    assert.equal(p.events[0]?.reason, 'FailedGetScale');
  });
  it('lastTransitionTime moves only when a condition changes status', () => {
    const first = planHpa({ hpa: hpa(), scale: { replicas: 2, selector: 'app=web' }, pods: [pod(0), pod(1)], metrics: podMetrics(['500m', '500m']), history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    const later = new Date(nowMs + 60_000);
    const second = planHpa({ hpa: { ...hpa(), status: first.status }, scale: { replicas: 2, selector: 'app=web' }, pods: [pod(0), pod(1)], metrics: podMetrics(['500m', '500m']), history: first.history, now: later, cfg: CFG });
    const t = (s: typeof first.status) => s.conditions?.find((c) => c.type === 'ScalingActive')?.lastTransitionTime;
    assert.equal(t(second.status), t(first.status));
  });
  it('ContainerResource: one container\'s usage against its own request', () => {
    const two = (i: number): Pod => ({ ...pod(i), spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '100m' } } }, { name: 'side', image: 'x', resources: { requests: { cpu: '1' } } }] } });
    const pm = [0, 1].map((i) => ({ ...podMetrics(['0'])[0]!, metadata: { name: `p${i}`, namespace: 'ns' }, containers: [{ name: 'app', usage: { cpu: '150m' } }, { name: 'side', usage: { cpu: '10m' } }] }));
    const h = hpa({ metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 50 } } }] });
    const p = planHpa({ hpa: h, scale: { replicas: 2, selector: 'app=web' }, pods: [two(0), two(1)], metrics: pm, history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, 4); // 150% of app's request: 6 wanted, 2 × 2 allowed
    assert.deepEqual(p.status.currentMetrics, [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageUtilization: 150, averageValue: '150m' } } }]);
    assert.equal(p.events[0]?.message, 'New size: 4; reason: cpu container resource utilization (percentage of request) above target');
  });
  it('memory AverageValue: the average against the target, currentMetrics.averageValue', () => {
    const h = hpa({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }] });
    const pm = podMetrics(['1m', '1m']).map((m) => ({ ...m, containers: [{ name: 'app', usage: { cpu: '1m', memory: '250Mi' } }] }));
    const p = planHpa({ hpa: h, scale: { replicas: 2, selector: 'app=web' }, pods: [pod(0), pod(1)], metrics: pm, history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, 4); // 2.5 × 2 = 5 wanted, 4 allowed
    assert.deepEqual(p.status.currentMetrics, [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '262144k' } } }]); // DecimalSI, as Kubernetes writes it (NewMilliQuantity)
    assert.equal(formatHpaMetrics(h.spec.metrics, p.status.currentMetrics), 'memory: 262144k/100Mi');
  });
  it('several metrics: the largest recommendation wins', () => {
    const h = hpa({ maxReplicas: 10, metrics: [...hpa().spec.metrics!, { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }] });
    const pm = podMetrics(['1m', '1m']).map((m) => ({ ...m, containers: [{ name: 'app', usage: { cpu: '10m', memory: '150Mi' } }] }));
    const p = planHpa({ hpa: h, scale: { replicas: 2, selector: 'app=web' }, pods: [pod(0), pod(1)], metrics: pm, history: EMPTY_HISTORY, now: NOW, cfg: CFG });
    assert.equal(p.rescale, 3); // memory 1.5 × 2 = 3; cpu would go to 1
    assert.match(cond(p.status, 'ScalingActive')!, /True\/ValidMetricFound/);
  });
  it('the controller\'s settings from the environment', () => {
    assert.deepEqual(hpaConfigFromEnv({ HPA_SYNC_PERIOD: '1', HPA_DOWNSCALE_STABILIZATION: '4.5', HPA_TOLERANCE: '0.2', HPA_CPU_INITIALIZATION_PERIOD: '0' }), {
      syncPeriodMs: 1000,
      downscaleStabilizationMs: 4500,
      cpuInitializationPeriodMs: 0,
      tolerance: 0.2,
    });
    assert.throws(() => hpaConfigFromEnv({ HPA_SYNC_PERIOD: '0' }), /HPA_SYNC_PERIOD must be a positive number of seconds, got "0"/);
    assert.deepEqual(hpaConfigFromEnv({}), {});
  });
  it('Go durations', () => {
    assert.deepEqual(['15s', '1.5s', '1m0s', '250ms', 'x'].map(parseGoDuration), [15_000, 1500, 60_000, 250, 0]);
  });
});

describe('HPA defaults, validation, columns', () => {
  it('defaults: minReplicas 1, cpu 80%; behavior filled only when given', () => {
    const o = { spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3 } } as Record<string, unknown>;
    defaultHorizontalPodAutoscaler(o);
    assert.deepEqual(o.spec, { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
    const b = { spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } } } as Record<string, unknown>;
    defaultHorizontalPodAutoscaler(b);
    assert.deepEqual((b.spec as { behavior: unknown }).behavior, {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });
  const bad: [string, Partial<HorizontalPodAutoscaler['spec']>, string, string][] = [
    ['maxReplicas below minReplicas', { minReplicas: 3, maxReplicas: 2 }, 'spec.maxReplicas', 'Invalid value: 2: must be greater than or equal to `minReplicas`'],
    ['minReplicas 0', { minReplicas: 0 }, 'spec.minReplicas', 'Invalid value: 0: must be greater than or equal to 1'],
    ['maxReplicas 0', { maxReplicas: 0, minReplicas: 1 }, 'spec.maxReplicas', 'Invalid value: 0: must be greater than 0'],
    ['no target kind', { scaleTargetRef: { kind: '', name: 'w' } }, 'spec.scaleTargetRef.kind', 'Required value'],
    ['utilization 0', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] }, 'spec.metrics[0].resource.target.averageUtilization', 'Invalid value: 0: must be greater than 0'],
    ['Pods metrics are refused (no custom metrics API)', { metrics: [{ type: 'Pods' }] }, 'spec.metrics[0].type', 'Unsupported value: "Pods": supported values: "ContainerResource", "Resource" (jetkube serves resource metrics only: there is no custom or external metrics API)'],
    ['policy period over 1800 s', { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } }, 'spec.behavior.scaleUp.policies[0].periodSeconds', 'Invalid value: 1801: must be less than or equal to 1800'],
    ['stabilization window over 3600 s', { behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } }, 'spec.behavior.scaleDown.stabilizationWindowSeconds', 'Invalid value: 3601: must be less than or equal to 3600'],
  ];
  for (const [name, spec, field, message] of bad) {
    it(`refused: ${name}`, () => {
      const h = { ...hpa(), spec: { ...hpa().spec, ...spec } };
      const causes = validateHorizontalPodAutoscaler(h);
      assert.ok(causes.some((c) => c.field === field && c.message === message), JSON.stringify(causes));
    });
  }
  it('valid as defaulted', () => assert.deepEqual(validateHorizontalPodAutoscaler(hpa()), []));
  it('Targets column', () => {
    const m = hpa().spec.metrics!;
    assert.equal(formatHpaMetrics(m, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 20, averageValue: '200m' } } }]), 'cpu: 20%/50%');
    const three = [...m, { type: 'Resource' as const, resource: { name: 'memory', target: { type: 'AverageValue' as const, averageValue: '100Mi' } } }, ...m];
    assert.equal(formatHpaMetrics(three, []), 'cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...');
    assert.equal(formatHpaMetrics([], []), '<none>');
  });
});
