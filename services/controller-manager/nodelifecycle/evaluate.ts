/**
 * The node lifecycle controller's decisions (Kubernetes' pkg/controller/nodelifecycle, its
 * NoExecuteTaintManager, and the orphan rule of pkg/controller/podgc), as pure functions of the
 * objects and a clock passed in.
 *
 * Health. A node's newest sign of life is the later of its Lease's spec.renewTime
 * (kube-node-lease/<node>) and its Ready condition's lastHeartbeatTime; a node with neither
 * counts from its creationTimestamp. Once that is older than the grace period the node is stale:
 * every condition not already Unknown becomes Unknown (reason NodeStatusUnknown), and a node that
 * never posted a Ready condition gets Ready=Unknown (NodeStatusNeverUpdated), as Kubernetes does.
 *
 * Which nodes are monitored. Every node, except a *static* one: no Lease, and a Ready condition
 * written without a lastHeartbeatTime. That is a Node object written by hand (examples/nodes.yaml,
 * test fixtures): nothing will ever renew it, so its conditions are taken at face value and never
 * aged. A kubelet always writes lastHeartbeatTime and keeps a Lease, so every kubelet-backed node
 * is monitored; a node with no Ready condition at all (registered, never reported) is monitored
 * from its creation, like Kubernetes' NodeStatusNeverUpdated.
 *
 * Taints follow the Ready condition of every node (monitored or not): Unknown →
 * node.kubernetes.io/unreachable, False → node.kubernetes.io/not-ready, each NoSchedule +
 * NoExecute (NoExecute with timeAdded); True removes both; no Ready condition changes nothing.
 * Other taints are never touched.
 *
 * Eviction. A pod bound to a node with a NoExecute taint none of its tolerations tolerates is
 * evicted at once; one tolerated with tolerationSeconds is evicted at timeAdded + seconds; a pod
 * with no toleration for not-ready/unreachable gets the DefaultTolerationSeconds admission's ones.
 * Terminating and finished pods are left alone. A pod bound to a node that does not exist is an
 * orphan: force-deleted (PodGC), whatever its state.
 */
import type { Node, NodeCondition, NodeStatus, Pod, Lease, Taint, Toleration } from '../../../shared/resources/types.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, toleratesTaint } from '../../../shared/scheduling/taints.js';
import { formatTimestamp, toMillis, type Instant } from '../replicaset/time.js';

export { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE };

/** Where kubelets keep their heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** kube-controller-manager's --node-monitor-grace-period default: 50 s since Kubernetes 1.32 (40 s before). */
export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS = 50_000;
/** The DefaultTolerationSeconds admission plugin's default. */
export const DEFAULT_TOLERATION_SECONDS = 300;

export const NODE_STATUS_UNKNOWN_REASON = 'NodeStatusUnknown';
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
export const NODE_STATUS_NEVER_UPDATED_REASON = 'NodeStatusNeverUpdated';
export const NODE_STATUS_NEVER_UPDATED_MESSAGE = 'Kubelet never posted node status.';

/** Epoch ms of an RFC 3339 timestamp (any fractional precision), undefined when absent or unparsable. */
export function parseTime(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  // metav1.MicroTime has six fractional digits; keep three so every runtime parses it the same way.
  const ms = Date.parse(ts.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

// ------------------------------------------------------------------------------------ health

export type ProbeSource = 'lease' | 'heartbeat' | 'creation';

export interface NodeHealth {
  /** False for a static node (see the file comment): never aged. */
  readonly monitored: boolean;
  /** The newest sign of life (epoch ms), when there is one. */
  readonly probeTime?: number;
  readonly source?: ProbeSource;
  /** Monitored and no sign of life within the grace period. */
  readonly stale: boolean;
  /** When a monitored, fresh node becomes stale unless it renews (probeTime + grace). */
  readonly expiresAt?: number;
}

export function nodeHealth(node: Node, lease: Lease | undefined, now: Instant, graceMs: number): NodeHealth {
  const ready = readyCondition(node);
  const heartbeat = parseTime(ready?.lastHeartbeatTime);
  const renew = lease ? parseTime(lease.spec?.renewTime) : undefined;
  if (!lease && ready && heartbeat === undefined) return { monitored: false, stale: false };

  let probeTime: number | undefined;
  let source: ProbeSource | undefined;
  if (renew !== undefined && (heartbeat === undefined || renew >= heartbeat)) [probeTime, source] = [renew, 'lease'];
  else if (heartbeat !== undefined) [probeTime, source] = [heartbeat, 'heartbeat'];
  else {
    const created = parseTime(node.metadata.creationTimestamp);
    if (created !== undefined) [probeTime, source] = [created, 'creation'];
  }
  // No time to count from at all (not something the gateway produces): nothing to age.
  if (probeTime === undefined || source === undefined) return { monitored: true, stale: false };
  const expiresAt = probeTime + graceMs;
  const stale = toMillis(now) > expiresAt;
  return { monitored: true, probeTime, source, stale, ...(stale ? {} : { expiresAt }) };
}

/**
 * The status of a stale node: every condition not already Unknown becomes Unknown
 * (NodeStatusUnknown, lastHeartbeatTime kept, lastTransitionTime = now); no Ready condition at all
 * adds Ready=Unknown (NodeStatusNeverUpdated, heartbeat = creationTimestamp). Undefined when
 * nothing changes.
 */
export function markNodeStatusUnknown(node: Node, now: Instant): NodeStatus | undefined {
  const at = formatTimestamp(now);
  const conditions = [...(node.status?.conditions ?? [])];
  let changed = false;
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i]!;
    if (c.status === 'Unknown') continue;
    conditions[i] = { ...c, status: 'Unknown', reason: NODE_STATUS_UNKNOWN_REASON, message: NODE_STATUS_UNKNOWN_MESSAGE, lastTransitionTime: at };
    changed = true;
  }
  if (!conditions.some((c) => c.type === 'Ready')) {
    conditions.push({
      type: 'Ready',
      status: 'Unknown',
      reason: NODE_STATUS_NEVER_UPDATED_REASON,
      message: NODE_STATUS_NEVER_UPDATED_MESSAGE,
      ...(node.metadata.creationTimestamp ? { lastHeartbeatTime: node.metadata.creationTimestamp } : {}),
      lastTransitionTime: at,
    });
    changed = true;
  }
  return changed ? { ...(node.status ?? {}), conditions } : undefined;
}

// ------------------------------------------------------------------------------------ taints

const MANAGED_EFFECTS = ['NoExecute', 'NoSchedule'] as const;

function isManaged(t: Taint): boolean {
  return (t.key === TAINT_NODE_UNREACHABLE || t.key === TAINT_NODE_NOT_READY) && (t.effect === 'NoExecute' || t.effect === 'NoSchedule');
}

/** The lifecycle taint key the Ready status calls for: undefined for True (none), null for "no Ready condition: leave as is". */
function wantedKey(node: Node): string | undefined | null {
  const ready = readyCondition(node);
  if (!ready) return null;
  if (ready.status === 'True') return undefined;
  return ready.status === 'False' ? TAINT_NODE_NOT_READY : TAINT_NODE_UNREACHABLE;
}

/**
 * The node's spec.taints as the lifecycle controller wants them, or undefined when they are right
 * already. Kept taints keep their timeAdded; new NoExecute ones get timeAdded = now; taints with
 * other keys or effects keep their place.
 */
export function desiredTaints(node: Node, now: Instant): Taint[] | undefined {
  const key = wantedKey(node);
  if (key === null) return undefined;
  const current = node.spec?.taints ?? [];
  const out: Taint[] = [];
  let changed = false;
  for (const t of current) {
    if (isManaged(t) && t.key !== key) {
      changed = true;
      continue;
    }
    out.push(t);
  }
  if (key) {
    for (const effect of MANAGED_EFFECTS) {
      if (out.some((t) => t.key === key && t.effect === effect)) continue;
      out.push(effect === 'NoExecute' ? { key, effect, timeAdded: formatTimestamp(now) } : { key, effect });
      changed = true;
    }
  }
  return changed ? out : undefined;
}

// ------------------------------------------------------------------------------------ eviction

/**
 * The pod's tolerations plus the DefaultTolerationSeconds admission's: `not-ready` and
 * `unreachable` NoExecute for `seconds`, each unless a toleration already covers that key (or all
 * keys) with effect NoExecute (or any effect).
 */
export function effectiveTolerations(pod: Pod, seconds: number): Toleration[] {
  const tols = [...(pod.spec.tolerations ?? [])];
  const covers = (key: string) => tols.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));
  const defaults: Toleration[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!covers(key)) defaults.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  return [...tols, ...defaults];
}

export interface Eviction {
  /** Epoch ms when the pod must go; 0 for "at once" (a taint it does not tolerate). */
  readonly at: number;
  /** The taint that decides it. */
  readonly taint: Taint;
  readonly tolerated: boolean;
}

/**
 * When the NoExecute taints evict the pod, or undefined when they never do (none, or tolerated
 * without tolerationSeconds). Per taint, the first toleration that tolerates it decides
 * (Kubernetes' GetMatchingTolerations): none → at once; tolerationSeconds ≤ 0 → at timeAdded;
 * N → timeAdded + N s; unset → never. The earliest taint wins. `missingTimeAdded` stands in for a
 * NoExecute taint without timeAdded (the caller passes when it first saw it).
 */
export function evictionTime(
  pod: Pod,
  taints: readonly Taint[],
  defaultTolerationSeconds: number,
  missingTimeAdded: (t: Taint) => number = () => 0,
): Eviction | undefined {
  const tols = effectiveTolerations(pod, defaultTolerationSeconds);
  let best: Eviction | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const tol = tols.find((t) => toleratesTaint(t, taint.key, taint.value ?? '', taint.effect));
    let candidate: Eviction;
    if (!tol) {
      candidate = { at: 0, taint, tolerated: false };
    } else {
      if (tol.tolerationSeconds == null) continue;
      const added = parseTime(taint.timeAdded) ?? missingTimeAdded(taint);
      candidate = { at: added + Math.max(0, tol.tolerationSeconds) * 1000, taint, tolerated: true };
    }
    if (!best || candidate.at < best.at) best = candidate;
  }
  return best;
}

/** Terminating or finished pods are not evicted (their deletion is under way or moot). */
export function isEvictable(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

export type PodAction =
  | { readonly action: 'none' }
  /** The pod's node does not exist (to be confirmed with the gateway first): delete with grace 0. */
  | { readonly action: 'forceDelete' }
  | { readonly action: 'evict'; readonly eviction: Eviction }
  /** Evict at `at` unless something changes first. */
  | { readonly action: 'wait'; readonly at: number; readonly eviction: Eviction };

/**
 * What to do about one pod, given the node it is bound to as the (synced) cache has it.
 * `node` undefined means no such Node.
 */
export function podAction(
  pod: Pod,
  node: Node | undefined,
  now: Instant,
  defaultTolerationSeconds: number,
  missingTimeAdded?: (t: Taint) => number,
): PodAction {
  if (!pod.spec.nodeName) return { action: 'none' };
  if (!node) return { action: 'forceDelete' };
  if (!isEvictable(pod)) return { action: 'none' };
  const eviction = evictionTime(pod, node.spec?.taints ?? [], defaultTolerationSeconds, missingTimeAdded);
  if (!eviction) return { action: 'none' };
  if (eviction.at <= toMillis(now)) return { action: 'evict', eviction };
  return { action: 'wait', at: eviction.at, eviction };
}
