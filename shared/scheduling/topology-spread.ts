/**
 * PodTopologySpread (kube-scheduler 1.32): `topologySpreadConstraints` as a filter
 * (whenUnsatisfiable: DoNotSchedule) and a score (ScheduleAnyway). Constraints are compiled once
 * per pod; the counts per topology domain are built once per scheduling cycle (PreFilter /
 * PreScore) and only for pods that have constraints.
 *
 * - Only nodes carrying every constraint's topology key take part; per constraint, a node also
 *   needs to pass the pod's nodeSelector / required node affinity (nodeAffinityPolicy Honor, the
 *   default) and, with nodeTaintsPolicy Honor (default Ignore), to have no untolerated
 *   NoSchedule/NoExecute taint.
 * - Counted pods: same namespace as the incoming pod, not terminating, labels matching the
 *   selector (labelSelector plus `key in (v)` for each of matchLabelKeys the pod has).
 * - Filter: count(domain) + (1 if the pod matches its own selector) - min over domains <= maxSkew,
 *   where the minimum is 0 while there are fewer domains than minDomains (default 1).
 * - Score: per constraint count * log(domains + 2) + (maxSkew - 1), rounded; nodes missing a key
 *   are ignored; normalised so fewer matching pods score higher.
 * - System defaults (a pod without constraints): ScheduleAnyway, maxSkew 3 on
 *   kubernetes.io/hostname and 5 on topology.kubernetes.io/zone, with the selector of the Services,
 *   ReplicaSet/ReplicationController/StatefulSet that select the pod (systemDefaultSpread); then
 *   nodes missing a key are not ignored (they just score nothing for that key).
 * Pure.
 */
import type { Pod, TopologySpreadConstraint } from '../resources/types.js';
import type { Requirement } from '../resources/selector-types.js';
import { matchesLabels, tryFromLabelSelector } from '../resources/selectors.js';
import type { NodeInfo, PodEntry } from './node-info.js';
import { findUntoleratedTaint } from './taints.js';
import { MAX_NODE_SCORE } from './scores.js';

export const REASON_SPREAD = "node(s) didn't match pod topology spread constraints";
export const REASON_SPREAD_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';

export interface CompiledSpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly doNotSchedule: boolean;
  /** Undefined when there is no labelSelector (matches no pod) or it is invalid. */
  readonly selector: readonly Requirement[] | undefined;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorTaints: boolean;
}

export interface PodSpreadInfo {
  readonly filter: readonly CompiledSpreadConstraint[];
  readonly score: readonly CompiledSpreadConstraint[];
  /** The score constraints are the system defaults (nodes missing a key are not ignored). */
  readonly systemDefaulted?: boolean;
}

export const LABEL_ZONE = 'topology.kubernetes.io/zone';

/**
 * kube-scheduler's system default constraints for a pod without its own, given the default
 * selector (undefined or empty: no constraints, as Kubernetes skips them).
 */
export function systemDefaultSpread(selector: readonly Requirement[] | undefined): PodSpreadInfo | undefined {
  if (!selector || selector.length === 0) return undefined;
  const c = (topologyKey: string, maxSkew: number): CompiledSpreadConstraint => ({
    maxSkew,
    topologyKey,
    doNotSchedule: false,
    selector,
    minDomains: 1,
    honorNodeAffinity: true,
    honorTaints: false,
  });
  return { filter: [], score: [c(LABEL_HOSTNAME, 3), c(LABEL_ZONE, 5)], systemDefaulted: true };
}

export function compileSpreadConstraint(c: TopologySpreadConstraint, podLabels: Readonly<Record<string, string>>): CompiledSpreadConstraint {
  let selector: readonly Requirement[] | undefined;
  if (c.labelSelector) {
    const extra = (c.matchLabelKeys ?? []).filter((k) => k in podLabels).map((k) => ({ key: k, operator: 'In' as const, values: [podLabels[k]!] }));
    const ls = extra.length ? { ...c.labelSelector, matchExpressions: [...(c.labelSelector.matchExpressions ?? []), ...extra] } : c.labelSelector;
    selector = tryFromLabelSelector(ls);
  }
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    doNotSchedule: c.whenUnsatisfiable === 'DoNotSchedule',
    selector,
    minDomains: c.minDomains ?? 1,
    honorNodeAffinity: c.nodeAffinityPolicy !== 'Ignore',
    honorTaints: c.nodeTaintsPolicy === 'Honor',
  };
}

/** A pod's compiled constraints; undefined when it has none. */
export function compilePodSpread(pod: Pod): PodSpreadInfo | undefined {
  const cs = pod.spec.topologySpreadConstraints;
  if (!cs || cs.length === 0) return undefined;
  const labels = pod.metadata.labels ?? {};
  const all = cs.map((c) => compileSpreadConstraint(c, labels));
  return { filter: all.filter((c) => c.doNotSchedule), score: all.filter((c) => !c.doNotSchedule) };
}

/** What the spread plugin needs of the pod being scheduled. */
export interface SpreadPod {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly tolerations: Parameters<typeof findUntoleratedTaint>[1];
  /** Whether the node passes the pod's nodeSelector and required node affinity. */
  readonly matchesNodeAffinity: (ni: NodeInfo) => boolean;
}

function hasAllKeys(ni: NodeInfo, cs: readonly CompiledSpreadConstraint[]): boolean {
  for (const c of cs) if (!ni.labels.has(c.topologyKey)) return false;
  return true;
}

function included(c: CompiledSpreadConstraint, pod: SpreadPod, ni: NodeInfo): boolean {
  if (c.honorNodeAffinity && !pod.matchesNodeAffinity(ni)) return false;
  if (c.honorTaints && ni.taints.length > 0 && findUntoleratedTaint(ni.taints, pod.tolerations) !== undefined) return false;
  return true;
}

/** Pods on the node in `namespace`, not terminating, matching the selector. */
export function countMatching(pods: ReadonlyMap<string, PodEntry>, selector: readonly Requirement[] | undefined, namespace: string): number {
  if (selector === undefined || pods.size === 0) return 0;
  let n = 0;
  for (const e of pods.values()) if (e.namespace === namespace && !e.terminating && matchesLabels(selector, e.labels)) n++;
  return n;
}

export interface SpreadFilterState {
  readonly constraints: readonly CompiledSpreadConstraint[];
  /** Per constraint: domain value → matching pods. */
  readonly counts: readonly Map<string, number>[];
  /** Per constraint: the smallest count over its domains (Infinity with none). */
  readonly min: readonly number[];
  readonly selfMatch: readonly boolean[];
}

/**
 * The counted pods of one namespace, each with the NodeInfo it is on (SchedulerCache's index);
 * given, the matching pods are counted from it instead of walking every node's pods, with the
 * same result.
 */
export type NamespacePods = ReadonlyMap<string, NodeInfo>;

/**
 * Add, per constraint, the pods of `pod`'s namespace that match its selector to the count of
 * their node's domain, for nodes `eligible` says take part and domains already in `counts`.
 */
function addMatchingCounts(
  cs: readonly CompiledSpreadConstraint[],
  counts: readonly Map<string, number>[],
  pod: SpreadPod,
  eligible: (c: CompiledSpreadConstraint, ni: NodeInfo) => boolean,
  nodes: readonly NodeInfo[],
  inNamespace: NamespacePods | undefined,
  skip: (c: CompiledSpreadConstraint) => boolean,
): void {
  if (inNamespace === undefined) {
    for (const ni of nodes) {
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i]!;
        if (skip(c) || !eligible(c, ni)) continue;
        const m = counts[i]!;
        const v = ni.labels.get(c.topologyKey) ?? '';
        const cur = m.get(v);
        if (cur !== undefined) m.set(v, cur + countMatching(ni.pods, c.selector, pod.namespace));
      }
    }
    return;
  }
  // Whether a node takes part for constraint i, decided once per node.
  const memo = cs.map(() => new Map<NodeInfo, boolean>());
  for (const [key, ni] of inNamespace) {
    const e = ni.pods.get(key);
    if (!e || e.terminating) continue;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (skip(c) || c.selector === undefined) continue;
      let ok = memo[i]!.get(ni);
      if (ok === undefined) memo[i]!.set(ni, (ok = eligible(c, ni)));
      if (!ok || !matchesLabels(c.selector, e.labels)) continue;
      const m = counts[i]!;
      const v = ni.labels.get(c.topologyKey) ?? '';
      const cur = m.get(v);
      if (cur !== undefined) m.set(v, cur + 1);
    }
  }
}

/** PreFilter: undefined when the pod has no DoNotSchedule constraint. */
export function spreadPreFilter(pod: SpreadPod, info: PodSpreadInfo | undefined, nodes: readonly NodeInfo[], inNamespace?: NamespacePods): SpreadFilterState | undefined {
  const cs = info?.filter;
  if (!cs || cs.length === 0) return undefined;
  const counts = cs.map(() => new Map<string, number>());
  const eligible = (c: CompiledSpreadConstraint, ni: NodeInfo) => ni.node !== undefined && hasAllKeys(ni, cs) && included(c, pod, ni);
  // Every eligible node's domain is a domain, with or without matching pods (the minimum counts them).
  for (const ni of nodes) {
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (!eligible(c, ni)) continue;
      const v = ni.labels.get(c.topologyKey)!;
      if (!counts[i]!.has(v)) counts[i]!.set(v, 0);
    }
  }
  addMatchingCounts(cs, counts, pod, eligible, nodes, inNamespace, () => false);
  const min = counts.map((m, i) => {
    if (m.size < cs[i]!.minDomains) return 0;
    let lo = Infinity;
    for (const n of m.values()) if (n < lo) lo = n;
    return lo;
  });
  const selfMatch = cs.map((c) => c.selector !== undefined && matchesLabels(c.selector, pod.labels));
  return { constraints: cs, counts, min, selfMatch };
}

export function spreadFilter(st: SpreadFilterState, ni: NodeInfo): string | undefined {
  const cs = st.constraints;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    const v = ni.labels.get(c.topologyKey);
    if (v === undefined) return REASON_SPREAD_MISSING_LABEL;
    const skew = (st.counts[i]!.get(v) ?? 0) + (st.selfMatch[i] ? 1 : 0) - st.min[i]!;
    if (skew > c.maxSkew) return REASON_SPREAD;
  }
  return undefined;
}

export interface SpreadScoreState {
  readonly pod: SpreadPod;
  readonly constraints: readonly CompiledSpreadConstraint[];
  readonly ignored: ReadonlySet<string>;
  /** Per constraint (not hostname): domain value → matching pods. */
  readonly counts: readonly Map<string, number>[];
  readonly weights: readonly number[];
}

/** PreScore over the feasible nodes (domains) and all nodes (counts); undefined without ScheduleAnyway constraints. */
export function spreadPreScore(
  pod: SpreadPod,
  info: PodSpreadInfo | undefined,
  feasible: readonly NodeInfo[],
  n: number,
  nodes: readonly NodeInfo[],
  inNamespace?: NamespacePods,
): SpreadScoreState | undefined {
  const cs = info?.score;
  if (!cs || cs.length === 0) return undefined;
  const requireAll = !info.systemDefaulted;
  const ignored = new Set<string>();
  const counts = cs.map(() => new Map<string, number>());
  for (let j = 0; j < n; j++) {
    const ni = feasible[j]!;
    if (requireAll && !hasAllKeys(ni, cs)) {
      ignored.add(ni.name);
      continue;
    }
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (c.topologyKey === LABEL_HOSTNAME) continue;
      const v = ni.labels.get(c.topologyKey) ?? '';
      if (!counts[i]!.has(v)) counts[i]!.set(v, 0);
    }
  }
  const weights = cs.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? n - ignored.size : counts[i]!.size) + 2));
  // Per-node counts for the hostname key are made in Score; the other keys' domains are counted here.
  const eligible = (c: CompiledSpreadConstraint, ni: NodeInfo) => ni.node !== undefined && !(requireAll && !hasAllKeys(ni, cs)) && included(c, pod, ni);
  if (cs.some((c) => c.topologyKey !== LABEL_HOSTNAME)) addMatchingCounts(cs, counts, pod, eligible, nodes, inNamespace, (c) => c.topologyKey === LABEL_HOSTNAME);
  return { pod, constraints: cs, ignored, counts, weights };
}

/** Raw score (higher = more matching pods = worse); -1 for ignored nodes. */
export function spreadScore(st: SpreadScoreState, ni: NodeInfo): number {
  if (st.ignored.has(ni.name)) return -1;
  let s = 0;
  const cs = st.constraints;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    const v = ni.labels.get(c.topologyKey);
    if (v === undefined) continue;
    const cnt = c.topologyKey === LABEL_HOSTNAME ? countMatching(ni.pods, c.selector, st.pod.namespace) : (st.counts[i]!.get(v) ?? 0);
    s += cnt * st.weights[i]! + (c.maxSkew - 1);
  }
  return Math.round(s);
}

/** NormalizeScore: ignored nodes (-1) get 0; else 100 * (max + min - s) / max (all 100 when max is 0). */
export function normalizeSpreadScores(scores: Float64Array | number[], n: number): void {
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s < 0) continue;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s < 0) scores[i] = 0;
    else if (max === 0) scores[i] = MAX_NODE_SCORE;
    else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - s)) / max);
  }
}
