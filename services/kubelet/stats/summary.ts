/**
 * The kubelet's resource measurements as it serves them (pure): the Summary API's JSON
 * (`/stats/summary`, stats/v1alpha1: node, pods, containers, each with cpu and memory) and the
 * Prometheus resource metrics (`/metrics/resource`: container_cpu_usage_seconds_total,
 * container_memory_working_set_bytes, pod_*, node_*, container_start_time_seconds, scrape_error).
 *
 * A jetkube node's usage is the sum of its pods' containers: several nodes share one host, so the
 * host's own numbers would be counted once per node. usageNanoCores is the rate since the previous
 * measurement of the same container (absent on the first).
 */
import { LABELS, type ContainerStats, type RuntimeContainer } from '../runtime/types.js';
import { microTime, rfc3339 } from '../../../shared/resources/time.js';

export interface CpuStats {
  readonly time: string;
  readonly usageNanoCores?: number;
  readonly usageCoreNanoSeconds: number;
}
export interface MemoryStats {
  readonly time: string;
  readonly workingSetBytes: number;
  readonly usageBytes: number;
  readonly rssBytes?: number;
}
export interface ContainerSummary {
  readonly name: string;
  readonly startTime: string;
  readonly cpu: CpuStats;
  readonly memory: MemoryStats;
}
export interface PodSummary {
  readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string };
  readonly startTime: string;
  readonly containers: readonly ContainerSummary[];
  readonly cpu: CpuStats;
  readonly memory: MemoryStats;
}
export interface Summary {
  readonly node: { readonly nodeName: string; readonly startTime: string; readonly cpu: CpuStats; readonly memory: MemoryStats };
  readonly pods: readonly PodSummary[];
}

/** What the kubelet remembers per container id between measurements (for usageNanoCores). */
export type PreviousStats = ReadonlyMap<string, ContainerStats>;

export interface SummaryInput {
  readonly nodeName: string;
  readonly nodeStartTime: string;
  /** The node's running app containers. */
  readonly containers: readonly RuntimeContainer[];
  readonly stats: ReadonlyMap<string, ContainerStats>;
  readonly previous: PreviousStats;
  readonly now: Date;
}

function cpu(s: ContainerStats, prev: ContainerStats | undefined): CpuStats {
  const dt = prev ? s.timestampMs - prev.timestampMs : 0;
  const rate = prev && dt > 0 && s.cpuUsageCoreNanoSeconds >= prev.cpuUsageCoreNanoSeconds ? Math.round(((s.cpuUsageCoreNanoSeconds - prev.cpuUsageCoreNanoSeconds) * 1000) / dt) : undefined;
  return { time: microTime(new Date(s.timestampMs)), ...(rate !== undefined ? { usageNanoCores: rate } : {}), usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds };
}
function memory(s: ContainerStats): MemoryStats {
  return { time: microTime(new Date(s.timestampMs)), workingSetBytes: s.memoryWorkingSetBytes, usageBytes: s.memoryWorkingSetBytes, ...(s.memoryRssBytes !== undefined ? { rssBytes: s.memoryRssBytes } : {}) };
}
function sum(parts: readonly { cpu: CpuStats; memory: MemoryStats }[], at: string): { cpu: CpuStats; memory: MemoryStats } {
  const rates = parts.map((p) => p.cpu.usageNanoCores);
  return {
    cpu: {
      time: at,
      ...(rates.every((r) => r !== undefined) ? { usageNanoCores: rates.reduce((a, r) => a + r!, 0) } : {}),
      usageCoreNanoSeconds: parts.reduce((a, p) => a + p.cpu.usageCoreNanoSeconds, 0),
    },
    memory: { time: at, workingSetBytes: parts.reduce((a, p) => a + p.memory.workingSetBytes, 0), usageBytes: parts.reduce((a, p) => a + p.memory.usageBytes, 0) },
  };
}

/** The Summary, and the measurements to remember for the next one. */
export function buildSummary(input: SummaryInput): { summary: Summary; remember: Map<string, ContainerStats> } {
  const at = rfc3339(input.now);
  const byPod = new Map<string, { ref: PodSummary['podRef']; start: string; containers: ContainerSummary[] }>();
  const remember = new Map<string, ContainerStats>();
  for (const c of input.containers) {
    const s = input.stats.get(c.id);
    if (!s) continue;
    remember.set(c.id, s);
    const l = c.labels;
    const uid = l[LABELS.podUid] ?? '';
    let p = byPod.get(uid);
    if (!p) byPod.set(uid, (p = { ref: { name: l[LABELS.podName] ?? '', namespace: l[LABELS.podNamespace] ?? '', uid }, start: c.startedAt ?? c.createdAt, containers: [] }));
    const start = c.startedAt ?? c.createdAt;
    if (start < p.start) p.start = start;
    p.containers.push({ name: l[LABELS.container] ?? '', startTime: start, cpu: cpu(s, input.previous.get(c.id)), memory: memory(s) });
  }
  const pods: PodSummary[] = [...byPod.values()]
    .sort((a, b) => `${a.ref.namespace}/${a.ref.name}`.localeCompare(`${b.ref.namespace}/${b.ref.name}`))
    .map((p) => ({ podRef: p.ref, startTime: p.start, containers: p.containers.sort((a, b) => a.name.localeCompare(b.name)), ...sum(p.containers, at) }));
  return { summary: { node: { nodeName: input.nodeName, startTime: input.nodeStartTime, ...sum(pods, at) }, pods }, remember };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15))));

/** The Summary as Kubernetes' `/metrics/resource` Prometheus text (samples carry their timestamps in ms). */
export function resourceMetricsText(s: Summary): string {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: readonly [Record<string, string>, number, string][]) => {
    out.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v, time] of samples) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${num(v)} ${Date.parse(time)}`);
    }
  };
  const containers = s.pods.flatMap((p) => p.containers.map((c) => [{ container: c.name, namespace: p.podRef.namespace, pod: p.podRef.name }, c] as const));
  family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the container in core-seconds', containers.map(([l, c]) => [l, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time]));
  family('container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes', containers.map(([l, c]) => [l, c.memory.workingSetBytes, c.memory.time]));
  family('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds', containers.map(([l, c]) => [l, Date.parse(c.startTime) / 1000, c.cpu.time]));
  family('node_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the node in core-seconds', [[{}, s.node.cpu.usageCoreNanoSeconds / 1e9, s.node.cpu.time]]);
  family('node_memory_working_set_bytes', 'gauge', 'Current working set of the node in bytes', [[{}, s.node.memory.workingSetBytes, s.node.memory.time]]);
  const pods = s.pods.map((p) => [{ namespace: p.podRef.namespace, pod: p.podRef.name }, p] as const);
  family('pod_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the pod in core-seconds', pods.map(([l, p]) => [l, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time]));
  family('pod_memory_working_set_bytes', 'gauge', 'Current working set of the pod in bytes', pods.map(([l, p]) => [l, p.memory.workingSetBytes, p.memory.time]));
  out.push('# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise', '# TYPE scrape_error gauge', 'scrape_error 0');
  return `${out.join('\n')}\n`;
}
