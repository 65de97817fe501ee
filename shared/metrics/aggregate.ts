/**
 * From kubelet Summaries to metrics.k8s.io objects, as metrics-server does it (pure): each scrape
 * gives every container's cumulative cpu time and its working set; cpu usage is the rate between
 * two scrapes of the same container (same start time), over the window between them. A container
 * seen once has no rate yet and its pod is left out; so is a pod with any such container. A node's
 * usage is the sum of its containers' (jetkube's nodes share a host: see the kubelet's
 * stats/summary.ts): memory of all of them, cpu of those with a rate (a new one counts from the
 * next scrape).
 */
import { formatQuantity } from '../resources/quantity.js';
import { rfc3339 } from '../resources/time.js';
import type { ObjectMeta } from '../resources/meta.js';
import { METRICS_API_VERSION, type NodeMetrics, type PodMetrics } from './types.js';

/** The parts of a kubelet Summary (stats/v1alpha1) read here. */
export interface SummaryLike {
  readonly node: { readonly nodeName: string };
  readonly pods: readonly {
    readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string };
    readonly containers: readonly {
      readonly name: string;
      readonly startTime: string;
      readonly cpu: { readonly time: string; readonly usageCoreNanoSeconds: number };
      readonly memory: { readonly time: string; readonly workingSetBytes: number };
    }[];
  }[];
}

/** One container at one scrape. */
export interface Point {
  readonly startTime: string;
  readonly cpuNs: number;
  readonly memoryBytes: number;
  readonly atMs: number;
}

/** Points by `namespace/pod/uid/container`. */
export type Points = ReadonlyMap<string, Point>;

export interface ContainerUsage {
  readonly name: string;
  readonly nanoCores: number;
  readonly memoryBytes: number;
}
export interface PodUsage {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly node: string;
  readonly atMs: number;
  readonly windowMs: number;
  readonly containers: readonly ContainerUsage[];
}
export interface NodeUsage {
  readonly name: string;
  readonly atMs: number;
  readonly windowMs: number;
  readonly nanoCores: number;
  readonly memoryBytes: number;
}

const key = (ns: string, pod: string, uid: string, c: string) => `${ns}/${pod}/${uid}/${c}`;

/** The points of one scrape (every node's Summary). */
export function pointsOf(summaries: readonly SummaryLike[]): Map<string, Point> {
  const out = new Map<string, Point>();
  for (const s of summaries) {
    for (const p of s.pods) {
      for (const c of p.containers) {
        out.set(key(p.podRef.namespace, p.podRef.name, p.podRef.uid, c.name), { startTime: c.startTime, cpuNs: c.cpu.usageCoreNanoSeconds, memoryBytes: c.memory.workingSetBytes, atMs: Date.parse(c.cpu.time) });
      }
    }
  }
  return out;
}

/** The cpu rate between two points of a container, or undefined (restarted, counter went back, no time between). */
export function rate(prev: Point | undefined, cur: Point): { nanoCores: number; windowMs: number } | undefined {
  if (!prev || prev.startTime !== cur.startTime) return undefined;
  const windowMs = cur.atMs - prev.atMs;
  if (!(windowMs > 0) || cur.cpuNs < prev.cpuNs) return undefined;
  return { nanoCores: Math.round(((cur.cpuNs - prev.cpuNs) * 1000) / windowMs), windowMs };
}

/** Usage per pod and per node from this scrape and the one before it. */
/** `scrapeWindowMs`: the time since the previous scrape, the window of a node that runs no pods. */
export function aggregate(summaries: readonly SummaryLike[], previous: Points, scrapeWindowMs = 0): { pods: PodUsage[]; nodes: NodeUsage[] } {
  const pods: PodUsage[] = [];
  const nodes: NodeUsage[] = [];
  for (const s of summaries) {
    let nodeCores = 0;
    let nodeMemory = 0;
    let nodeAt = 0;
    let nodeWindow = 0;
    for (const p of s.pods) {
      const containers: ContainerUsage[] = [];
      let at = 0;
      let window = 0;
      let ok = p.containers.length > 0;
      for (const c of p.containers) {
        const cur: Point = { startTime: c.startTime, cpuNs: c.cpu.usageCoreNanoSeconds, memoryBytes: c.memory.workingSetBytes, atMs: Date.parse(c.cpu.time) };
        nodeMemory += cur.memoryBytes;
        nodeAt = Math.max(nodeAt, cur.atMs);
        const r = rate(previous.get(key(p.podRef.namespace, p.podRef.name, p.podRef.uid, c.name)), cur);
        if (!r) {
          ok = false;
          continue;
        }
        nodeCores += r.nanoCores;
        nodeWindow = Math.max(nodeWindow, r.windowMs);
        containers.push({ name: c.name, nanoCores: r.nanoCores, memoryBytes: cur.memoryBytes });
        at = Math.max(at, cur.atMs);
        window = Math.max(window, r.windowMs);
      }
      if (ok) pods.push({ namespace: p.podRef.namespace, name: p.podRef.name, uid: p.podRef.uid, node: s.node.nodeName, atMs: at, windowMs: window, containers });
    }
    nodes.push({ name: s.node.nodeName, atMs: nodeAt, windowMs: nodeWindow || scrapeWindowMs, nanoCores: nodeCores, memoryBytes: nodeMemory });
  }
  return { pods, nodes };
}

/** A duration as Go prints it (`1.5s`, `15s`, `1m0.5s`). */
export function goDuration(ms: number): string {
  const trim = (n: number) => String(Number(n.toFixed(3)));
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${trim(ms)}ms`;
  const total = ms / 1000;
  if (total < 60) return `${trim(total)}s`;
  const m = Math.floor(total / 60);
  return `${m}m${trim(total - m * 60)}s`;
}

/** cpu in cores (canonical: `250m`, `1234567n`), memory in bytes (`64Mi`, `12345Ki`). */
export const cpuQuantity = (nanoCores: number): string => (nanoCores === 0 ? '0' : nanoCores % 1_000_000 === 0 ? formatQuantity(nanoCores / 1e9) : `${nanoCores}n`);
export const memoryQuantity = (bytes: number): string => (bytes === 0 ? '0' : bytes % 1024 === 0 ? formatQuantity(bytes, 'BinarySI') : `${Math.round(bytes / 1024)}Ki`);

export function podMetricsObject(u: PodUsage, meta: ObjectMeta, now: Date): PodMetrics {
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: u.name, namespace: u.namespace, creationTimestamp: rfc3339(now), ...(meta.labels ? { labels: meta.labels } : {}) },
    timestamp: rfc3339(new Date(u.atMs)),
    window: goDuration(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.nanoCores), memory: memoryQuantity(c.memoryBytes) } })),
  };
}

export function nodeMetricsObject(u: NodeUsage, meta: ObjectMeta, now: Date): NodeMetrics {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: u.name, creationTimestamp: rfc3339(now), ...(meta.labels ? { labels: meta.labels } : {}) },
    timestamp: rfc3339(new Date(u.atMs || now.getTime())),
    window: goDuration(u.windowMs),
    usage: { cpu: cpuQuantity(u.nanoCores), memory: memoryQuantity(u.memoryBytes) },
  };
}
