/**
 * SchedulerCache: node name → NodeInfo, kept current from the node and pod streams, plus the
 * pods the scheduler has assumed onto nodes but not yet seen bound (kube-scheduler's cache). In a
 * single-threaded process the cache is also the snapshot schedulePod reads.
 *
 * - `assume(pod, node)` counts the pod at once, so a burst of decisions does not overcommit.
 * - `forget(pod)` undoes an assumption whose binding failed.
 * - `upsertPod(pod)` (alias `confirm`) takes a pod from the stream: a bound pod is counted once,
 *   keyed by uid, confirming an assumption (moving it if bound elsewhere); a terminal pod
 *   (Succeeded/Failed) stops counting.
 * - `removePod(pod)` when a pod is deleted.
 * - `upsertNode` / `removeNode` for node updates; pods are kept across node updates.
 */
import type { Node, Pod } from '../resources/types.js';
import { NodeInfo, type NodeInfoOptions, type PodEntry } from './node-info.js';
import { podEntry, podKey, preparePod, type PreparedPod } from './pod-info.js';

interface PodState {
  nodeName: string;
  assumed: boolean;
}

export type SchedulerCacheOptions = NodeInfoOptions;

const EMPTY_NS: ReadonlyMap<string, NodeInfo> = new Map();

export class SchedulerCache {
  private readonly infos = new Map<string, NodeInfo>();
  /** Schedulable nodes (those with a node object), in insertion order; schedulePod walks this. */
  private readonly list: NodeInfo[] = [];
  private readonly listIndex = new Map<string, number>();
  private readonly podStates = new Map<string, PodState>();
  private readonly opts: SchedulerCacheOptions;
  private readonly nsLabels = new Map<string, Readonly<Record<string, string>>>();
  /**
   * Namespace → counted pod key → the NodeInfo it is counted on: topology spread counts the
   * pods of one namespace, and walking every node's pods for that was most of a scheduling cycle
   * in a big cluster (O(all pods) per pod).
   */
  private readonly nsPods = new Map<string, Map<string, NodeInfo>>();
  /** Counted pods with any pod (anti-)affinity term, and with required anti-affinity (cluster-wide). */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** Where the next schedulePod starts its walk (Kubernetes' nextStartNodeIndex). */
  nextStartNodeIndex = 0;

  constructor(opts: SchedulerCacheOptions = {}) {
    this.opts = opts;
  }

  // -------------------------------------------------------------------------------------------
  // Nodes

  /** Add or update a node; its pods are kept. */
  upsertNode(node: Node): NodeInfo {
    const name = node.metadata.name ?? '';
    let ni = this.infos.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.infos.set(name, ni);
    }
    ni.setNode(node, this.opts);
    if (!this.listIndex.has(name)) {
      this.listIndex.set(name, this.list.length);
      this.list.push(ni);
    }
    return ni;
  }

  /** A node is gone. Its NodeInfo stays (without a node) while pods are still known on it. */
  removeNode(name: string): void {
    const ni = this.infos.get(name);
    if (!ni) return;
    const i = this.listIndex.get(name);
    if (i !== undefined) {
      this.list.splice(i, 1);
      this.listIndex.delete(name);
      for (let j = i; j < this.list.length; j++) this.listIndex.set(this.list[j]!.name, j);
    }
    ni.clearNode();
    if (ni.pods.size === 0) this.infos.delete(name);
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.infos.get(name);
  }

  /** The schedulable nodes, in walk order. Do not mutate. */
  nodeInfos(): readonly NodeInfo[] {
    return this.list;
  }

  get numNodes(): number {
    return this.list.length;
  }

  // -------------------------------------------------------------------------------------------
  // Pods

  /** Count a pod on a node before its binding is seen. Throws if the pod is already in the cache. */
  assume(pod: Pod | PreparedPod, nodeName: string): void {
    const pp = isPrepared(pod) ? pod : preparePod(pod);
    if (this.podStates.has(pp.key)) throw new Error(`pod ${pp.key} is in the cache, so can't be assumed`);
    this.place(pp, nodeName);
    this.podStates.set(pp.key, { nodeName, assumed: true });
  }

  /** Undo an assumption (binding failed). False when the pod is not assumed (already confirmed or unknown). */
  forget(pod: Pod | PreparedPod | string): boolean {
    const key = keyOf(pod);
    const st = this.podStates.get(key);
    if (!st || !st.assumed) return false;
    this.unplace(st.nodeName, key);
    this.dropEmptyGhost(st.nodeName);
    this.podStates.delete(key);
    return true;
  }

  /**
   * A pod from the stream (added or modified). Bound and not terminal: counted on its node once
   * (confirming an assumption). Terminal: removed. Not bound: ignored, except that an assumption
   * is kept until the binding shows up.
   */
  upsertPod(pod: Pod): void {
    const key = podKey(pod);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.removePod(key);
      return;
    }
    const nodeName = pod.spec.nodeName;
    const st = this.podStates.get(key);
    if (!nodeName) {
      if (st && !st.assumed) this.removePod(key);
      return;
    }
    if (st && st.nodeName !== nodeName) {
      this.unplace(st.nodeName, key);
      this.dropEmptyGhost(st.nodeName);
    }
    this.place(podEntry(pod), nodeName);
    this.podStates.set(key, { nodeName, assumed: false });
  }

  /** Same as upsertPod: the bound pod arrived from the stream. */
  confirm(pod: Pod): void {
    this.upsertPod(pod);
  }

  /** The pod was deleted (or is terminal): stop counting it. False when it was not counted. */
  removePod(pod: Pod | PreparedPod | string): boolean {
    const key = keyOf(pod);
    const st = this.podStates.get(key);
    if (!st) return false;
    this.unplace(st.nodeName, key);
    this.dropEmptyGhost(st.nodeName);
    this.podStates.delete(key);
    return true;
  }

  isAssumed(pod: Pod | PreparedPod | string): boolean {
    return this.podStates.get(keyOf(pod))?.assumed === true;
  }

  /** The node a pod is counted on (assumed or bound), if any. */
  podNodeName(pod: Pod | PreparedPod | string): string | undefined {
    return this.podStates.get(keyOf(pod))?.nodeName;
  }

  get numPods(): number {
    return this.podStates.size;
  }

  get numAssumedPods(): number {
    let n = 0;
    for (const st of this.podStates.values()) if (st.assumed) n++;
    return n;
  }

  private place(e: PodEntry, nodeName: string): void {
    let ni = this.infos.get(nodeName);
    if (!ni) {
      ni = new NodeInfo(nodeName);
      this.infos.set(nodeName, ni);
    }
    const a0 = ni.podsWithAffinity;
    const r0 = ni.podsWithRequiredAntiAffinity;
    ni.addPod(e);
    let inNs = this.nsPods.get(e.namespace);
    if (!inNs) this.nsPods.set(e.namespace, (inNs = new Map()));
    inNs.set(e.key, ni);
    this.podsWithAffinity += ni.podsWithAffinity - a0;
    this.podsWithRequiredAntiAffinity += ni.podsWithRequiredAntiAffinity - r0;
  }

  private unplace(nodeName: string, key: string): void {
    const ni = this.infos.get(nodeName);
    if (!ni) return;
    const a0 = ni.podsWithAffinity;
    const r0 = ni.podsWithRequiredAntiAffinity;
    const e = ni.pods.get(key);
    if (e) {
      const inNs = this.nsPods.get(e.namespace);
      if (inNs?.get(key) === ni) {
        inNs.delete(key);
        if (inNs.size === 0) this.nsPods.delete(e.namespace);
      }
    }
    ni.removePod(key);
    this.podsWithAffinity += ni.podsWithAffinity - a0;
    this.podsWithRequiredAntiAffinity += ni.podsWithRequiredAntiAffinity - r0;
  }

  /** The counted pods of a namespace (key → its NodeInfo; the entry is `nodeInfo.pods.get(key)`). Do not mutate. */
  podsInNamespace(namespace: string): ReadonlyMap<string, NodeInfo> {
    return this.nsPods.get(namespace) ?? EMPTY_NS;
  }

  // -------------------------------------------------------------------------------------------
  // Namespaces (for pod affinity's namespaceSelector)

  upsertNamespace(name: string, labels: Readonly<Record<string, string>> | undefined): void {
    this.nsLabels.set(name, labels ?? {});
  }

  removeNamespace(name: string): void {
    this.nsLabels.delete(name);
  }

  /** A namespace's labels, undefined when unknown. */
  readonly namespaceLabels = (name: string): Readonly<Record<string, string>> | undefined => this.nsLabels.get(name);

  private dropEmptyGhost(nodeName: string): void {
    const ni = this.infos.get(nodeName);
    if (ni && !ni.node && ni.pods.size === 0) this.infos.delete(nodeName);
  }
}

function isPrepared(p: Pod | PreparedPod): p is PreparedPod {
  return (p as PreparedPod).requests !== undefined && (p as PreparedPod).pod !== undefined;
}

function keyOf(p: Pod | PreparedPod | string): string {
  if (typeof p === 'string') return p;
  return isPrepared(p) ? p.key : podKey(p);
}
