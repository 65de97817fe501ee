/**
 * Which nodes a DaemonSet's pod belongs on (Kubernetes' pkg/controller/daemon NodeShouldRunDaemonPod),
 * the tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations) and the node-name
 * affinity a daemon pod is created with (ReplaceDaemonSetPodNodeNameNodeAffinity). Pure.
 */
import type { Affinity, Node, Pod, PodSpec, Taint, Toleration } from '../../../shared/resources/types.js';
import type { DaemonSet } from '../../../shared/resources/daemonset-types.js';
import { compileTaint, compileTerms, findUntoleratedTaint, matchesAnyTerm, readinessTaint, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE } from '../../../shared/scheduling/index.js';

export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The tolerations added to every daemon pod, in Kubernetes' order (network-unavailable only with hostNetwork). */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: 'NoExecute' | 'NoSchedule'): Toleration => ({ key, operator: 'Exists', effect });
  const out = [
    t(TAINT_NODE_NOT_READY, 'NoExecute'),
    t(TAINT_NODE_UNREACHABLE, 'NoExecute'),
    t(TAINT_NODE_DISK_PRESSURE, 'NoSchedule'),
    t(TAINT_NODE_MEMORY_PRESSURE, 'NoSchedule'),
    t(TAINT_NODE_PID_PRESSURE, 'NoSchedule'),
    t(TAINT_NODE_UNSCHEDULABLE, 'NoSchedule'),
  ];
  if (hostNetwork) out.push(t(TAINT_NODE_NETWORK_UNAVAILABLE, 'NoSchedule'));
  return out;
}

/** Same key, operator, value and effect (Toleration.MatchToleration; tolerationSeconds is not compared). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/** The spec's tolerations with the daemon pod's added (AddOrUpdateTolerationInPodSpec: a matching one is replaced). */
export function withDaemonTolerations(spec: PodSpec): Toleration[] {
  const out = [...(spec.tolerations ?? [])];
  for (const tol of daemonPodTolerations(spec.hostNetwork === true)) {
    const i = out.findIndex((x) => sameToleration(x, tol));
    if (i >= 0) out[i] = tol;
    else out.push(tol);
  }
  return out;
}

export interface ShouldRun {
  /** A new daemon pod belongs on the node. */
  readonly shouldRun: boolean;
  /** A daemon pod already there may stay (it tolerates the node's NoExecute taints). */
  readonly shouldContinueRunning: boolean;
}

function matchesNodeSelectorAndAffinity(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return matchesAnyTerm(compileTerms(required.nodeSelectorTerms ?? []), node.metadata.name ?? '', new Map(Object.entries(labels)));
}

/**
 * NodeShouldRunDaemonPod: the template's nodeName (if any) must be the node; nodeSelector and
 * required node affinity must match; a NoSchedule/NoExecute taint the pod (with the daemon
 * tolerations) does not tolerate means no new pod, and an untolerated NoExecute one means the
 * existing pod goes too.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): ShouldRun {
  const spec = ds.spec.template.spec;
  const name = node.metadata.name ?? '';
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeSelectorAndAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  // A node that is not Ready carries the not-ready/unreachable NoSchedule taint in Kubernetes (the
  // node lifecycle controller puts it there); the scheduler here assumes it too.
  const readiness = readinessTaint(node);
  const taints = [...(node.spec?.taints ?? []), ...(readiness ? [readiness] : [])].map((t: Taint) => compileTaint(t));
  if (!findUntoleratedTaint(taints, tolerations)) return { shouldRun: true, shouldContinueRunning: true };
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(noExecute, tolerations) };
}

/** Required node affinity `metadata.name In [node]`, replacing any required terms (ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function replaceNodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/**
 * The node a daemon pod is on or meant for (util.GetTargetNodeName): spec.nodeName, else the one
 * node its required affinity names through `metadata.name In [x]`.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
