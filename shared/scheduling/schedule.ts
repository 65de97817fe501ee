/**
 * schedulePod: one scheduling cycle of kube-scheduler's default profile over a SchedulerCache.
 *
 * Filter: walk the nodes from the cache's rotating start index, stopping once
 * numFeasibleNodesToFind nodes fit (percentageOfNodesToScore, adaptive by default). Score the
 * feasible nodes, combine plugin scores with weights, and take the highest (ties: first in walk
 * order, or reservoir-sampled with `random`). Nothing is read from the clock or the environment;
 * the only state touched is `cache.nextStartNodeIndex`. The caller assumes the pod onto the node.
 */
import type { Pod } from '../resources/types.js';
import type { Requirement } from '../resources/selector-types.js';
import type { SchedulerCache } from './cache.js';
import type { NodeInfo } from './node-info.js';
import { preparePod, type PreparedPod } from './pod-info.js';
import { filterNodeResourcesFit, firstFailingFilter, matchesNodeAffinity } from './filters.js';
import { affinityFilter, affinityPreFilter, affinityPreScore, affinityScore, DEFAULT_HARD_POD_AFFINITY_WEIGHT, normalizeAffinityScores } from './pod-affinity.js';
import { normalizeSpreadScores, spreadFilter, spreadPreFilter, spreadPreScore, spreadScore, systemDefaultSpread, type SpreadPod } from './topology-spread.js';
import {
  balancedAllocationApplies,
  balancedAllocationScore,
  defaultNormalizeScore,
  intolerablePreferNoScheduleTaints,
  leastAllocatedScore,
  nodeAffinityPreferredWeight,
  normalizeSpreadScore,
  ownerSpreadCount,
} from './scores.js';

export interface ScoreWeights {
  /** NodeResourcesFit, LeastAllocated strategy. */
  readonly leastAllocated: number;
  readonly balancedAllocation: number;
  /** Fewer pods of the same controller on the node scores higher. */
  readonly ownerSpread: number;
  /** Preferred node affinity. */
  readonly nodeAffinity: number;
  /** PreferNoSchedule taints. */
  readonly taintToleration: number;
  /** PodTopologySpread (the pod's ScheduleAnyway constraints). */
  readonly podTopologySpread: number;
  /** InterPodAffinity (preferred terms of both sides, existing pods' required affinity). */
  readonly interPodAffinity: number;
}

export const DEFAULT_WEIGHTS: ScoreWeights = {
  leastAllocated: 1,
  balancedAllocation: 1,
  ownerSpread: 1,
  nodeAffinity: 1,
  taintToleration: 1,
  podTopologySpread: 1,
  interPodAffinity: 1,
};

/**
 * kube-scheduler's default profile weights. Owner spreading stands in for PodTopologySpread's
 * cluster default constraints (weight 2) on pods that set no constraints of their own.
 */
export const KUBE_DEFAULT_WEIGHTS: ScoreWeights = {
  leastAllocated: 1,
  balancedAllocation: 1,
  ownerSpread: 2,
  nodeAffinity: 2,
  taintToleration: 3,
  podTopologySpread: 2,
  interPodAffinity: 2,
};

export interface ScheduleOptions {
  /** 1..100; 0 or absent is adaptive (50 - nodes/125, at least 5). */
  readonly percentageOfNodesToScore?: number;
  readonly weights?: Partial<ScoreWeights>;
  /** [0, 1) source for tie-breaking among equal top scores; absent: the first in walk order wins. */
  readonly random?: () => number;
  /** One more filter after the built-in ones (the VolumeBinding plugin's): a failing reason, or undefined. */
  readonly extraFilter?: (nodeName: string, labels: ReadonlyMap<string, string>) => string | undefined;
  /** InterPodAffinityArgs.hardPodAffinityWeight (default 1). */
  readonly hardPodAffinityWeight?: number;
  /**
   * The pod's default spread selector (its Services' and controller's selectors), for the system
   * default topology spread constraints when it sets none. Absent: the scheduler has no such
   * view, and pods are spread by their controller owner instead.
   */
  readonly defaultSpreadSelector?: readonly Requirement[];
}

export type ScheduleResult = ScheduledResult | UnschedulableResult;

export interface ScheduledResult {
  readonly scheduled: true;
  readonly nodeName: string;
  /** Nodes that passed the filters (at most numFeasibleNodesToFind). */
  readonly feasible: number;
  /** Nodes the filters looked at. */
  readonly evaluated: number;
  /** The winning combined score; undefined when only one node was feasible (no scoring). */
  readonly score: number | undefined;
}

export interface UnschedulableResult {
  readonly scheduled: false;
  readonly unschedulable: {
    /** Filter reason → how many nodes failed with it. */
    readonly reasons: ReadonlyMap<string, number>;
    /** `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.` */
    readonly message: string;
  };
  readonly evaluated: number;
}

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const NO_NODES_AVAILABLE_MESSAGE = 'no nodes available to schedule pods';

/** numFeasibleNodesToFind: how many feasible nodes are enough before scoring. */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = Math.trunc(percentageOfNodesToScore);
  if (percentage <= 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  if (percentage > 100) percentage = 100;
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** FitError.Error(): `0/N nodes are available: <count reason>, ... .` with the entries sorted as strings. */
export function formatUnschedulableMessage(numAllNodes: number, reasons: ReadonlyMap<string, number>): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE_MESSAGE;
  const parts: string[] = [];
  for (const [reason, count] of reasons) parts.push(`${count} ${reason}`);
  parts.sort();
  return parts.length ? `0/${numAllNodes} nodes are available: ${parts.join(', ')}.` : `0/${numAllNodes} nodes are available.`;
}

// Scratch space reused across calls (schedulePod is synchronous, so there is no reentrancy).
let feasibleNodes: NodeInfo[] = [];
let totals = new Float64Array(0);
let raw = new Float64Array(0);

function ensureScratch(n: number): void {
  if (totals.length >= n) return;
  const size = Math.max(n, totals.length * 2, 16);
  totals = new Float64Array(size);
  raw = new Float64Array(size);
  feasibleNodes = new Array<NodeInfo>(size);
}

function count(reasons: Map<string, number>, r: string): void {
  reasons.set(r, (reasons.get(r) ?? 0) + 1);
}

/** Schedule a pod (or a pod prepared once with preparePod) onto one of the cache's nodes. */
export function schedulePod(pod: Pod | PreparedPod, cache: SchedulerCache, opts: ScheduleOptions = {}): ScheduleResult {
  const pp = 'requests' in pod && 'pod' in pod ? (pod as PreparedPod) : preparePod(pod as Pod);
  const nodes = cache.nodeInfos();
  const n = nodes.length;
  if (n === 0) {
    return { scheduled: false, unschedulable: { reasons: new Map(), message: NO_NODES_AVAILABLE_MESSAGE }, evaluated: 0 };
  }
  const numToFind = numFeasibleNodesToFind(n, opts.percentageOfNodesToScore);
  ensureScratch(numToFind);
  const feasible = feasibleNodes;

  // ---- PreFilter: per-cycle state, only for pods (or clusters) that need it.
  const spreadInfo = pp.spread ?? (opts.defaultSpreadSelector !== undefined ? systemDefaultSpread(opts.defaultSpreadSelector) : undefined);
  const spreadPod: SpreadPod | undefined = spreadInfo
    ? { namespace: pp.namespace, labels: pp.labels, tolerations: pp.tolerations, matchesNodeAffinity: (ni) => matchesNodeAffinity(pp, ni) }
    : undefined;
  const spreadState = spreadPod ? spreadPreFilter(spreadPod, pp.spread, nodes, cache.podsInNamespace(pp.namespace)) : undefined;
  const affinityState =
    pp.affinity !== undefined || cache.podsWithRequiredAntiAffinity > 0
      ? affinityPreFilter(pp, nodes, cache.podsWithRequiredAntiAffinity, cache.namespaceLabels)
      : undefined;

  // ---- Filter
  const start = cache.nextStartNodeIndex % n;
  let found = 0;
  let processed = 0;
  let reasons: Map<string, number> | undefined;
  for (; processed < n && found < numToFind; processed++) {
    let idx = start + processed;
    if (idx >= n) idx -= n;
    const ni = nodes[idx]!;
    const r = firstFailingFilter(pp, ni);
    if (r !== undefined) {
      count((reasons ??= new Map()), r);
      continue;
    }
    const fit = filterNodeResourcesFit(pp, ni);
    if (fit !== undefined) {
      reasons ??= new Map();
      for (let k = 0; k < fit.length; k++) count(reasons, fit[k]!);
      continue;
    }
    const extra = opts.extraFilter?.(ni.name, ni.labels);
    if (extra !== undefined) {
      count((reasons ??= new Map()), extra);
      continue;
    }
    if (spreadState !== undefined) {
      const r2 = spreadFilter(spreadState, ni);
      if (r2 !== undefined) {
        count((reasons ??= new Map()), r2);
        continue;
      }
    }
    if (affinityState !== undefined) {
      const r3 = affinityFilter(affinityState, ni);
      if (r3 !== undefined) {
        count((reasons ??= new Map()), r3);
        continue;
      }
    }
    feasible[found++] = ni;
  }
  cache.nextStartNodeIndex = (start + processed) % n;

  if (found === 0) {
    const rs = reasons ?? new Map<string, number>();
    return { scheduled: false, unschedulable: { reasons: rs, message: formatUnschedulableMessage(n, rs) }, evaluated: processed };
  }
  if (found === 1) {
    const only = feasible[0]!;
    feasible[0] = undefined as unknown as NodeInfo;
    return { scheduled: true, nodeName: only.name, feasible: 1, evaluated: processed, score: undefined };
  }

  // ---- Score
  const w = opts.weights ? { ...DEFAULT_WEIGHTS, ...opts.weights } : DEFAULT_WEIGHTS;
  const total = totals;
  const wLA = w.leastAllocated;
  const wBA = balancedAllocationApplies(pp) ? w.balancedAllocation : 0;
  for (let j = 0; j < found; j++) {
    const ni = feasible[j]!;
    let s = 0;
    if (wLA !== 0) s += wLA * leastAllocatedScore(pp, ni);
    if (wBA !== 0) s += wBA * balancedAllocationScore(pp, ni);
    total[j] = s;
  }
  if (w.ownerSpread !== 0 && pp.ownerKey !== undefined && pp.spread === undefined && opts.defaultSpreadSelector === undefined) {
    for (let j = 0; j < found; j++) raw[j] = ownerSpreadCount(pp, feasible[j]!);
    normalizeSpreadScore(raw, found);
    for (let j = 0; j < found; j++) total[j] += w.ownerSpread * raw[j]!;
  }
  if (w.nodeAffinity !== 0 && pp.preferredTerms.length > 0) {
    for (let j = 0; j < found; j++) raw[j] = nodeAffinityPreferredWeight(pp, feasible[j]!);
    defaultNormalizeScore(raw, found, false);
    for (let j = 0; j < found; j++) total[j] += w.nodeAffinity * raw[j]!;
  }
  if (w.taintToleration !== 0) {
    for (let j = 0; j < found; j++) raw[j] = intolerablePreferNoScheduleTaints(pp, feasible[j]!);
    defaultNormalizeScore(raw, found, true);
    for (let j = 0; j < found; j++) total[j] += w.taintToleration * raw[j]!;
  }

  if (w.podTopologySpread !== 0 && spreadPod !== undefined) {
    const st = spreadPreScore(spreadPod, spreadInfo, feasible, found, nodes, cache.podsInNamespace(pp.namespace));
    if (st !== undefined) {
      for (let j = 0; j < found; j++) raw[j] = spreadScore(st, feasible[j]!);
      normalizeSpreadScores(raw, found);
      for (let j = 0; j < found; j++) total[j] += w.podTopologySpread * raw[j]!;
    }
  }
  if (w.interPodAffinity !== 0 && (pp.affinity !== undefined || cache.podsWithAffinity > 0)) {
    const st = affinityPreScore(pp, nodes, cache.podsWithAffinity, cache.namespaceLabels, opts.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT);
    if (st !== undefined) {
      for (let j = 0; j < found; j++) raw[j] = affinityScore(st, feasible[j]!);
      normalizeAffinityScores(raw, found);
      for (let j = 0; j < found; j++) total[j] += w.interPodAffinity * raw[j]!;
    }
  }

  // ---- Select
  const random = opts.random;
  let best = 0;
  let bestScore = total[0]!;
  let ties = 1;
  for (let j = 1; j < found; j++) {
    const s = total[j]!;
    if (s > bestScore) {
      bestScore = s;
      best = j;
      ties = 1;
    } else if (s === bestScore && random) {
      ties++;
      if (Math.floor(random() * ties) === 0) best = j;
    }
  }
  const chosen = feasible[best]!;
  // Drop references so removed nodes can be collected.
  for (let j = 0; j < found; j++) feasible[j] = undefined as unknown as NodeInfo;
  return { scheduled: true, nodeName: chosen.name, feasible: found, evaluated: processed, score: bestScore };
}
