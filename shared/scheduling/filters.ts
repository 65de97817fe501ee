/**
 * Filter plugins, in kube-scheduler's default order: NodeUnschedulable, NodeName, TaintToleration,
 * NodeAffinity, NodePorts, NodeResourcesFit. Each returns undefined when the node passes, else
 * the reason(s) in Kubernetes' wording. Reasons are constants (taint reasons are prebuilt on the
 * node), so a failing node allocates nothing. Pure functions of a PreparedPod and a NodeInfo.
 */
import type { NodeInfo } from './node-info.js';
import type { PreparedPod } from './pod-info.js';
import { findUntoleratedTaint } from './taints.js';
import { matchesAnyTerm } from './node-selector.js';

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
export const REASON_INSUFFICIENT_EPHEMERAL_STORAGE = 'Insufficient ephemeral-storage';
export const REASON_TOO_MANY_PODS = 'Too many pods';

/** NodeUnschedulable: spec.unschedulable, unless the pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`. */
export function filterNodeUnschedulable(pp: PreparedPod, ni: NodeInfo): string | undefined {
  return ni.unschedulable && !pp.toleratesUnschedulable ? REASON_UNSCHEDULABLE : undefined;
}

/** NodeName: a pod that already names a node fits only that node. */
export function filterNodeName(pp: PreparedPod, ni: NodeInfo): string | undefined {
  return pp.nodeName !== undefined && pp.nodeName !== ni.name ? REASON_NODE_NAME : undefined;
}

/** TaintToleration: the first NoSchedule/NoExecute taint the pod does not tolerate. */
export function filterTaintToleration(pp: PreparedPod, ni: NodeInfo): string | undefined {
  if (ni.taints.length === 0) return undefined;
  return findUntoleratedTaint(ni.taints, pp.tolerations)?.reason;
}

/** Whether the node satisfies spec.nodeSelector and the required node affinity terms. */
export function matchesNodeAffinity(pp: PreparedPod, ni: NodeInfo): boolean {
  const sel = pp.nodeSelector;
  const labels = ni.labels;
  for (let i = 0; i < sel.length; i++) {
    const kv = sel[i]!;
    if (labels.get(kv[0]) !== kv[1]) return false;
  }
  const terms = pp.requiredTerms;
  return terms === undefined || matchesAnyTerm(terms, ni.name, labels);
}

/** NodeAffinity: spec.nodeSelector (ANDed) and requiredDuringScheduling nodeSelectorTerms (ORed). */
export function filterNodeAffinity(pp: PreparedPod, ni: NodeInfo): string | undefined {
  if (!pp.hasNodeAffinityFilter) return undefined;
  return matchesNodeAffinity(pp, ni) ? undefined : REASON_NODE_AFFINITY;
}

/** NodePorts: every host port the pod wants must be free on the node. */
export function filterNodePorts(pp: PreparedPod, ni: NodeInfo): string | undefined {
  if (pp.hostPorts.length === 0) return undefined;
  return ni.usedPorts.conflictsAny(pp.hostPorts) ? REASON_NODE_PORTS : undefined;
}

const FIT_PODS = 1;
const FIT_CPU = 2;
const FIT_MEMORY = 4;
const FIT_EPHEMERAL = 8;

/** Reason lists for each combination of the named resources, built once. */
const FIT_REASONS: readonly (readonly string[])[] = Array.from({ length: 16 }, (_, mask) => {
  const out: string[] = [];
  if (mask & FIT_PODS) out.push(REASON_TOO_MANY_PODS);
  if (mask & FIT_CPU) out.push(REASON_INSUFFICIENT_CPU);
  if (mask & FIT_MEMORY) out.push(REASON_INSUFFICIENT_MEMORY);
  if (mask & FIT_EPHEMERAL) out.push(REASON_INSUFFICIENT_EPHEMERAL_STORAGE);
  return out;
});

/**
 * NodeResourcesFit (fitsRequest): too many pods; then, unless the pod requests nothing, each
 * requested resource that exceeds allocatable minus what the node's pods request. All failing
 * resources are reported, as Kubernetes does.
 */
export function filterNodeResourcesFit(pp: PreparedPod, ni: NodeInfo): readonly string[] | undefined {
  let mask = 0;
  if (ni.pods.size + 1 > ni.allocPods) mask |= FIT_PODS;
  if (pp.zeroRequest) return mask ? FIT_REASONS[mask] : undefined;
  const r = pp.requests;
  if (r.milliCPU > 0 && r.milliCPU > ni.allocMilliCPU - ni.requestedMilliCPU) mask |= FIT_CPU;
  if (r.memory > 0 && r.memory > ni.allocMemory - ni.requestedMemory) mask |= FIT_MEMORY;
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > ni.allocEphemeralStorage - ni.requestedEphemeralStorage) mask |= FIT_EPHEMERAL;
  const scalar = r.scalar;
  if (scalar.length === 0) return mask ? FIT_REASONS[mask] : undefined;
  let extra: string[] | undefined;
  for (let i = 0; i < scalar.length; i++) {
    const [name, want] = scalar[i]!;
    if (want > (ni.allocScalar.get(name) ?? 0) - (ni.requestedScalar.get(name) ?? 0)) (extra ??= []).push(`Insufficient ${name}`);
  }
  if (!extra) return mask ? FIT_REASONS[mask] : undefined;
  return [...FIT_REASONS[mask]!, ...extra];
}

/** The first failing filter other than resource fit, in the framework's order (no allocation). */
export function firstFailingFilter(pp: PreparedPod, ni: NodeInfo): string | undefined {
  return (
    filterNodeUnschedulable(pp, ni) ??
    filterNodeName(pp, ni) ??
    filterTaintToleration(pp, ni) ??
    filterNodeAffinity(pp, ni) ??
    filterNodePorts(pp, ni)
  );
}

/** Every filter, in order, stopping at the first that fails (as the framework does); undefined when the node fits. */
export function runFilters(pp: PreparedPod, ni: NodeInfo): readonly string[] | undefined {
  const r = firstFailingFilter(pp, ni);
  if (r !== undefined) return [r];
  return filterNodeResourcesFit(pp, ni);
}
