/**
 * NodeInfo: the scheduler's per-node aggregate (framework.NodeInfo). Built once per node and
 * updated incrementally as pods are added and removed; what the per-node filter/score loop reads
 * is cached here as flat numbers and maps (parsed allocatable, labels, compiled taints), so the
 * loop parses nothing and allocates nothing. Mutable by design; owned by a SchedulerCache.
 */
import type { Node, Pod } from '../resources/types.js';
import { nodeAllocatable, type PodRequests } from './resources.js';
import { HostPortSet, type HostPort } from './host-ports.js';
import { compileTaint, readinessTaint, type CompiledTaint } from './taints.js';
import { podEntry } from './pod-info.js';
import type { PodAffinityInfo } from './pod-affinity.js';

/** What a NodeInfo remembers of each pod, so removal subtracts exactly what was added. */
export interface PodEntry {
  readonly key: string;
  readonly requests: PodRequests;
  readonly hostPorts: readonly HostPort[];
  readonly ownerKey: string | undefined;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** metadata.deletionTimestamp is set (not counted by topology spread). */
  readonly terminating: boolean;
  /** Compiled pod (anti-)affinity; undefined for the common pod without any. */
  readonly affinity: PodAffinityInfo | undefined;
}

export interface NodeInfoOptions {
  /**
   * Treat a node whose Ready condition is not True as tainted `node.kubernetes.io/not-ready`
   * (or `unreachable` when Unknown) with effect NoSchedule, as the node lifecycle controller
   * would. Default true.
   */
  readonly readinessTaints?: boolean;
}

const EMPTY_LABELS: ReadonlyMap<string, string> = new Map();

export class NodeInfo {
  readonly name: string;
  /** Undefined for a node we only know from pods bound to it (not schedulable). */
  node: Node | undefined = undefined;

  // Cached from the node object.
  allocMilliCPU = 0;
  allocMemory = 0;
  allocEphemeralStorage = 0;
  allocPods = 0;
  allocScalar: ReadonlyMap<string, number> = new Map();
  labels: ReadonlyMap<string, string> = EMPTY_LABELS;
  unschedulable = false;
  /** All taints (spec plus the readiness taint), compiled. */
  taints: readonly CompiledTaint[] = [];
  /** Whether any taint has effect PreferNoSchedule (else the TaintToleration score is 0 without a loop). */
  hasPreferNoScheduleTaints = false;

  // Aggregates of the pods on the node.
  requestedMilliCPU = 0;
  requestedMemory = 0;
  requestedEphemeralStorage = 0;
  readonly requestedScalar = new Map<string, number>();
  nonZeroRequestedMilliCPU = 0;
  nonZeroRequestedMemory = 0;
  readonly usedPorts = new HostPortSet();
  /** Controller owner key → pods of that owner on the node. */
  readonly ownerCounts = new Map<string, number>();
  readonly pods = new Map<string, PodEntry>();
  /** Pods with any pod (anti-)affinity term (HavePodsWithAffinity). */
  podsWithAffinity = 0;
  /** Pods with required anti-affinity terms (HavePodsWithRequiredAntiAffinity). */
  podsWithRequiredAntiAffinity = 0;

  constructor(name: string, node?: Node, opts?: NodeInfoOptions) {
    this.name = name;
    if (node) this.setNode(node, opts);
  }

  get podCount(): number {
    return this.pods.size;
  }

  /** Replace the node object, recomputing what is cached from it; pods are kept. */
  setNode(node: Node, opts?: NodeInfoOptions): void {
    this.node = node;
    const alloc = nodeAllocatable(node);
    this.allocMilliCPU = alloc.milliCPU;
    this.allocMemory = alloc.memory;
    this.allocEphemeralStorage = alloc.ephemeralStorage;
    this.allocPods = alloc.pods;
    this.allocScalar = alloc.scalar;
    const labels = node.metadata.labels;
    this.labels = labels && Object.keys(labels).length > 0 ? new Map(Object.entries(labels)) : EMPTY_LABELS;
    this.unschedulable = node.spec?.unschedulable === true;
    const taints = (node.spec?.taints ?? []).map(compileTaint);
    const rt = opts?.readinessTaints === false ? undefined : readinessTaint(node);
    if (rt) taints.unshift(compileTaint(rt));
    this.taints = taints;
    this.hasPreferNoScheduleTaints = taints.some((t) => t.effect === 'PreferNoSchedule');
  }

  /** Forget the node object (node deleted while pods are still known on it). */
  clearNode(): void {
    this.node = undefined;
  }

  hasPod(key: string): boolean {
    return this.pods.has(key);
  }

  /** Count a pod (a Pod is prepared first; a PreparedPod is used as-is). Replaces an entry with the same key. */
  addPod(pod: Pod | PodEntry): PodEntry {
    const e: PodEntry = isPodEntry(pod) ? pod : podEntry(pod);
    if (this.pods.has(e.key)) this.removePod(e.key);
    this.pods.set(e.key, e);
    const r = e.requests;
    this.requestedMilliCPU += r.milliCPU;
    this.requestedMemory += r.memory;
    this.requestedEphemeralStorage += r.ephemeralStorage;
    for (const [name, v] of r.scalar) this.requestedScalar.set(name, (this.requestedScalar.get(name) ?? 0) + v);
    this.nonZeroRequestedMilliCPU += r.nonZeroMilliCPU;
    this.nonZeroRequestedMemory += r.nonZeroMemory;
    for (const p of e.hostPorts) this.usedPorts.add(p);
    if (e.ownerKey !== undefined) this.ownerCounts.set(e.ownerKey, (this.ownerCounts.get(e.ownerKey) ?? 0) + 1);
    if (e.affinity) {
      this.podsWithAffinity++;
      if (e.affinity.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity++;
    }
    return e;
  }

  /** Stop counting a pod; false when it was not on this node. */
  removePod(key: string): boolean {
    const e = this.pods.get(key);
    if (!e) return false;
    this.pods.delete(key);
    const r = e.requests;
    this.requestedMilliCPU -= r.milliCPU;
    this.requestedMemory -= r.memory;
    this.requestedEphemeralStorage -= r.ephemeralStorage;
    for (const [name, v] of r.scalar) {
      const left = (this.requestedScalar.get(name) ?? 0) - v;
      if (left > 0) this.requestedScalar.set(name, left);
      else this.requestedScalar.delete(name);
    }
    this.nonZeroRequestedMilliCPU -= r.nonZeroMilliCPU;
    this.nonZeroRequestedMemory -= r.nonZeroMemory;
    for (const p of e.hostPorts) this.usedPorts.remove(p);
    if (e.ownerKey !== undefined) {
      const left = (this.ownerCounts.get(e.ownerKey) ?? 0) - 1;
      if (left > 0) this.ownerCounts.set(e.ownerKey, left);
      else this.ownerCounts.delete(e.ownerKey);
    }
    if (e.affinity) {
      this.podsWithAffinity--;
      if (e.affinity.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity--;
    }
    return true;
  }
}

function isPodEntry(p: Pod | PodEntry): p is PodEntry {
  return (p as PodEntry).requests !== undefined && typeof (p as PodEntry).key === 'string';
}
