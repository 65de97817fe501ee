/**
 * Resource metrics, pure parts: /proc parsing, docker stats, the fake runtime's synthetic load,
 * the kubelet's Summary and Prometheus text, the gateway's aggregation into metrics.k8s.io objects
 * (cpu as a rate between scrapes), jkctl top's lines, and the autoscaling/v1 conversion.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStat } from '../../services/kubelet/stats/proc.js';
import { parseSyntheticUsage } from '../../services/kubelet/stats/synthetic.js';
import { buildSummary, resourceMetricsText } from '../../services/kubelet/stats/summary.js';
import { dockerContainerStats } from '../../services/kubelet/runtime/docker.js';
import { FakeRuntime } from '../../services/kubelet/runtime/fake.js';
import { LABELS, type RuntimeContainer } from '../../services/kubelet/runtime/types.js';
import { aggregate, cpuQuantity, goDuration, memoryQuantity, nodeMetricsObject, podMetricsObject, pointsOf, rate, type SummaryLike } from '../../shared/metrics/aggregate.js';
import { nodeLines, podLines } from '../../services/jkctl/top.js';
import { hpaResponseToV1, hpaV1ToV2, hpaV2ToV1, CONDITIONS_ANNOTATION } from '../../shared/resources/hpa-v1.js';
import type { Node } from '../../shared/resources/types.js';

describe('/proc/<pid>/stat', () => {
  it('reads pgrp, cpu ticks (utime+stime+cutime+cstime) and rss; a command with spaces and parentheses', () => {
    const line = '4242 (my (weird) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 70 30 5 5 20 0 1 0 71006 3133440 415 18446744073709551615 0 0 0';
    assert.deepEqual(parseProcStat(line), { pid: 4242, pgrp: 4242, cpuTicks: 110, rssPages: 415 });
  });
  it('not a stat line', () => assert.equal(parseProcStat('garbage'), undefined));
});

describe('docker stats', () => {
  it('working set = usage − inactive_file (cgroup v2), rss from anon', () => {
    assert.deepEqual(dockerContainerStats({ read: '2024-01-01T00:00:01.5Z', cpu_stats: { cpu_usage: { total_usage: 2e9 } }, memory_stats: { usage: 100 << 20, stats: { inactive_file: 30 << 20, anon: 60 << 20 } } }, 0), {
      cpuUsageCoreNanoSeconds: 2e9,
      memoryWorkingSetBytes: 70 << 20,
      memoryRssBytes: 60 << 20,
      timestampMs: Date.parse('2024-01-01T00:00:01.5Z'),
    });
  });
  it('cgroup v1 names; a stopped container (no numbers) gives nothing', () => {
    assert.equal(dockerContainerStats({ cpu_stats: { cpu_usage: { total_usage: 5 } }, memory_stats: { usage: 10, stats: { total_inactive_file: 4, rss: 3 } } }, 7)?.memoryWorkingSetBytes, 6);
    assert.equal(dockerContainerStats({ cpu_stats: {}, memory_stats: {} }, 7), undefined);
  });
});

describe('the fake runtime\'s synthetic load', () => {
  const cases: [string, unknown][] = [
    ['cpu=250m,memory=64Mi', { cpuMillis: 250, memoryBytes: 64 * 2 ** 20 }],
    ['cpu=1', { cpuMillis: 1000, memoryBytes: 0 }],
    [' memory=1Gi ', { cpuMillis: 0, memoryBytes: 2 ** 30 }],
    ['cpu=lots', { error: 'annotation jetkube.io/synthetic-usage: "cpu=lots" is not resource=quantity (e.g. cpu=250m,memory=64Mi)' }],
    ['gpu=1', { error: 'annotation jetkube.io/synthetic-usage: unknown resource "gpu" (cpu and memory are measured)' }],
  ];
  for (const [v, want] of cases) it(JSON.stringify(v), () => assert.deepEqual(parseSyntheticUsage(v), want));

  it('cpu time grows at the declared rate; memory is constant; no annotation, no usage', async () => {
    const rt = new FakeRuntime();
    const base = { image: 'x', command: [], args: [], env: {}, labels: {}, ports: [] };
    const busy = await rt.start({ ...base, syntheticUsage: { cpuMillis: 500, memoryBytes: 1000 } });
    const idle = await rt.start(base);
    await new Promise((r) => setTimeout(r, 50));
    const s = await rt.stats([busy, idle, 'gone']);
    assert.equal(s.size, 2);
    const b = s.get(busy)!;
    assert.ok(b.cpuUsageCoreNanoSeconds >= 500 * 50 * 1000 * 0.9, String(b.cpuUsageCoreNanoSeconds)); // 0.5 core × ≥50 ms
    assert.equal(b.memoryWorkingSetBytes, 1000);
    assert.deepEqual([s.get(idle)!.cpuUsageCoreNanoSeconds, s.get(idle)!.memoryWorkingSetBytes], [0, 0]);
  });
});

const T0 = Date.parse('2024-01-01T00:00:00Z');
function container(id: string, pod: string, name: string): RuntimeContainer {
  return {
    id,
    image: 'x',
    state: 'running',
    createdAt: '2024-01-01T00:00:00Z',
    startedAt: '2024-01-01T00:00:00Z',
    labels: { [LABELS.podUid]: `uid-${pod}`, [LABELS.podName]: pod, [LABELS.podNamespace]: 'ns', [LABELS.container]: name },
  };
}

describe('the kubelet Summary and /metrics/resource', () => {
  const containers = [container('a', 'p1', 'app'), container('b', 'p1', 'side'), container('c', 'p2', 'app')];
  const stats = (t: number, cpu: number) =>
    new Map(['a', 'b', 'c'].map((id, i) => [id, { cpuUsageCoreNanoSeconds: cpu * (i + 1), memoryWorkingSetBytes: 1024 * (i + 1), timestampMs: t }]));
  it('per container, summed per pod and per node; usageNanoCores once there is a previous measurement', () => {
    const first = buildSummary({ nodeName: 'n1', nodeStartTime: '2024-01-01T00:00:00Z', containers, stats: stats(T0 + 10_000, 1e9), previous: new Map(), now: new Date(T0 + 10_000) });
    assert.equal(first.summary.pods.length, 2);
    assert.equal(first.summary.pods[0]!.cpu.usageNanoCores, undefined);
    assert.equal(first.summary.node.cpu.usageCoreNanoSeconds, 6e9);
    assert.equal(first.summary.node.memory.workingSetBytes, 6 * 1024);
    const second = buildSummary({ nodeName: 'n1', nodeStartTime: '2024-01-01T00:00:00Z', containers, stats: stats(T0 + 20_000, 2e9), previous: first.remember, now: new Date(T0 + 20_000) });
    const p1 = second.summary.pods.find((p) => p.podRef.name === 'p1')!;
    assert.deepEqual(p1.containers.map((c) => [c.name, c.cpu.usageNanoCores]), [['app', 1e8], ['side', 2e8]]); // 1 s and 2 s of cpu over 10 s
    assert.equal(p1.cpu.usageNanoCores, 3e8);
    assert.equal(second.summary.node.cpu.usageNanoCores, 6e8);
    const text = resourceMetricsText(second.summary);
    assert.match(text, /^container_cpu_usage_seconds_total\{container="side",namespace="ns",pod="p1"\} 4 1704067220000$/m);
    assert.match(text, /^container_memory_working_set_bytes\{container="app",namespace="ns",pod="p2"\} 3072 1704067220000$/m);
    assert.match(text, /^node_cpu_usage_seconds_total 12 1704067220000$/m);
    assert.match(text, /^pod_memory_working_set_bytes\{namespace="ns",pod="p1"\} 3072 /m);
    assert.match(text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
    assert.match(text, /^scrape_error 0$/m);
  });
});

function summary(t: number, cpu: Record<string, number>, start = '2024-01-01T00:00:00Z'): SummaryLike {
  const at = new Date(t).toISOString();
  return {
    node: { nodeName: 'n1' },
    pods: Object.entries(cpu).map(([pod, ns]) => ({
      podRef: { name: pod, namespace: 'ns', uid: `uid-${pod}` },
      containers: [{ name: 'app', startTime: start, cpu: { time: at, usageCoreNanoSeconds: ns }, memory: { time: at, workingSetBytes: 64 * 2 ** 20 } }],
    })),
  };
}

describe('metrics.k8s.io aggregation (metrics-server\'s arithmetic)', () => {
  it('cpu is the rate between two scrapes of the same container, over their window', () => {
    const prev = pointsOf([summary(T0, { p1: 1e9, p2: 0 })]);
    const { pods, nodes } = aggregate([summary(T0 + 15_000, { p1: 4e9, p2: 1.5e9 })], prev, 15_000);
    assert.deepEqual(pods.map((p) => [p.name, p.containers[0]!.nanoCores, p.windowMs]), [['p1', 2e8, 15_000], ['p2', 1e8, 15_000]]);
    assert.deepEqual(nodes, [{ name: 'n1', atMs: T0 + 15_000, windowMs: 15_000, nanoCores: 3e8, memoryBytes: 2 * 64 * 2 ** 20 }]);
  });
  it('no rate: first sight, a restarted container, a counter that went back; its node counts its cpu from the next scrape', () => {
    const prev = pointsOf([summary(T0, { p1: 5e9 })]);
    assert.deepEqual(aggregate([summary(T0 + 1000, { p1: 6e9, fresh: 1e9 })], prev).pods.map((p) => p.name), ['p1']);
    assert.deepEqual(aggregate([summary(T0 + 1000, { p1: 6e9, fresh: 1e9 })], prev).nodes, [{ name: 'n1', atMs: T0 + 1000, windowMs: 1000, nanoCores: 1e9, memoryBytes: 2 * 64 * 2 ** 20 }]);
    assert.equal(rate({ startTime: 'a', cpuNs: 5, memoryBytes: 0, atMs: 0 }, { startTime: 'b', cpuNs: 9, memoryBytes: 0, atMs: 10 }), undefined);
    assert.equal(rate({ startTime: 'a', cpuNs: 9, memoryBytes: 0, atMs: 0 }, { startTime: 'a', cpuNs: 5, memoryBytes: 0, atMs: 10 }), undefined);
    assert.equal(rate({ startTime: 'a', cpuNs: 5, memoryBytes: 0, atMs: 10 }, { startTime: 'a', cpuNs: 9, memoryBytes: 0, atMs: 10 }), undefined);
  });
  it('a node without pods has a zero usage over the scrape window', () => {
    assert.deepEqual(aggregate([{ node: { nodeName: 'empty' }, pods: [] }], new Map(), 2000).nodes, [{ name: 'empty', atMs: 0, windowMs: 2000, nanoCores: 0, memoryBytes: 0 }]);
  });
  it('quantities and windows as metrics-server prints them', () => {
    assert.deepEqual([2e8, 1234567, 0, 1e9].map(cpuQuantity), ['200m', '1234567n', '0', '1']);
    assert.deepEqual([64 * 2 ** 20, 1000, 0, 3 * 1024].map(memoryQuantity), ['64Mi', '1Ki', '0', '3Ki']);
    assert.deepEqual([15_000, 1500, 61_500, 250, 0].map(goDuration), ['15s', '1.5s', '1m1.5s', '250ms', '0s']);
  });
  it('PodMetrics and NodeMetrics objects', () => {
    const now = new Date(T0 + 20_000);
    const pm = podMetricsObject({ namespace: 'ns', name: 'p1', uid: 'u', node: 'n1', atMs: T0 + 15_000, windowMs: 15_000, containers: [{ name: 'app', nanoCores: 2e8, memoryBytes: 64 * 2 ** 20 }] }, { labels: { app: 'web' } }, now);
    assert.deepEqual(pm, {
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'p1', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:20Z', labels: { app: 'web' } },
      timestamp: '2024-01-01T00:00:15Z',
      window: '15s',
      containers: [{ name: 'app', usage: { cpu: '200m', memory: '64Mi' } }],
    });
    const nm = nodeMetricsObject({ name: 'n1', atMs: T0, windowMs: 1000, nanoCores: 1e9, memoryBytes: 2 ** 30 }, {}, now);
    assert.deepEqual([nm.kind, nm.usage, nm.window], ['NodeMetrics', { cpu: '1', memory: '1Gi' }, '1s']);
  });
});

describe('jkctl top lines', () => {
  const pm = (name: string, cs: [string, string, string][]) => ({ kind: 'PodMetrics' as const, apiVersion: 'metrics.k8s.io/v1beta1' as const, metadata: { name, namespace: 'ns' }, timestamp: '', window: '15s', containers: cs.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })) });
  it('pods: summed over containers; --containers; -A', () => {
    const items = [pm('p1', [['app', '150m', '10Mi'], ['side', '1234567n', '5000Ki']])];
    assert.deepEqual(podLines(items, {}), [['NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['p1', '151m', '14Mi']]);
    assert.deepEqual(podLines(items, { containers: true, allNamespaces: true })[2], ['ns', 'p1', 'side', '1m', '4Mi']);
  });
  it('nodes: share of allocatable', () => {
    const node = { metadata: { name: 'n1' }, status: { allocatable: { cpu: '2', memory: '4Gi' } } } as unknown as Node;
    const lines = nodeLines([{ kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: 'n1' }, timestamp: '', window: '1s', usage: { cpu: '500m', memory: '1Gi' } }], new Map([['n1', node]]));
    assert.deepEqual(lines[1], ['n1', '500m', '25%', '1024Mi', '25%']);
  });
});

describe('autoscaling/v1 HorizontalPodAutoscaler conversion', () => {
  const v2 = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'w', namespace: 'ns' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'w' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
    status: {
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '80Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '70m' } } },
      ],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }],
    },
  };
  it('v2 → v1: the cpu utilization target and current value; the rest in annotations', () => {
    const v1 = hpaV2ToV1(v2) as any;
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.deepEqual(v1.spec, { scaleTargetRef: v2.spec.scaleTargetRef, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    assert.deepEqual(v1.status, { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70 });
    assert.deepEqual(JSON.parse(v1.metadata.annotations[CONDITIONS_ANNOTATION]), v2.status.conditions);
  });
  it('v1 → v2 folds the annotations back: a v1 read-modify-write keeps every v2 field', () => {
    const back = hpaV1ToV2(hpaV2ToV1(v2)) as any;
    assert.deepEqual(back.spec.metrics.map((m: any) => m.resource.name).sort(), ['cpu', 'memory']);
    assert.deepEqual(back.status.conditions, v2.status.conditions);
    assert.equal(back.metadata.annotations, undefined);
  });
  it('what kubectl autoscale sends', () => {
    const body = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'w' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'w' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 0, desiredReplicas: 0 } };
    const v = hpaV1ToV2(body) as any;
    assert.deepEqual(v.spec, { scaleTargetRef: body.spec.scaleTargetRef, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
    assert.equal(v.apiVersion, 'autoscaling/v2');
  });
  it('lists convert item by item; other bodies pass', () => {
    const list = hpaResponseToV1({ kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v2', items: [v2] }) as any;
    assert.equal(list.items[0].apiVersion, 'autoscaling/v1');
    assert.deepEqual(hpaResponseToV1({ kind: 'Status', code: 404 }), { kind: 'Status', code: 404 });
  });
});
