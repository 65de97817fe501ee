/**
 * Score plugins (0..MAX_NODE_SCORE) and their normalisation, with Kubernetes' integer
 * arithmetic so results match kube-scheduler's. Raw scores are per node; the normalisers work in
 * place on a typed array of the scored nodes. Pure.
 */
import type { NodeInfo } from './node-info.js';
import type { PreparedPod } from './pod-info.js';
import { countIntolerablePreferNoSchedule } from './taints.js';
import { matchesTerm } from './node-selector.js';

export const MAX_NODE_SCORE = 100;

/** leastRequestedScore: (capacity - requested) * 100 / capacity, 0 when over capacity. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * NodeResourcesFit with the LeastAllocated strategy (cpu and memory, weight 1 each): requests
 * counted with the non-zero defaults (100m / 200Mi per container that sets none); resources the
 * node does not offer are left out.
 */
export function leastAllocatedScore(pp: PreparedPod, ni: NodeInfo): number {
  let sum = 0;
  let weights = 0;
  if (ni.allocMilliCPU !== 0) {
    sum += leastRequestedScore(ni.nonZeroRequestedMilliCPU + pp.requests.nonZeroMilliCPU, ni.allocMilliCPU);
    weights++;
  }
  if (ni.allocMemory !== 0) {
    sum += leastRequestedScore(ni.nonZeroRequestedMemory + pp.requests.nonZeroMemory, ni.allocMemory);
    weights++;
  }
  return weights === 0 ? 0 : Math.floor(sum / weights);
}

/** balancedResourceScorer over cpu and memory fractions (capped at 1): (1 - std) * 100, truncated. */
export function balancedScore(cpuFraction: number | undefined, memFraction: number | undefined): number {
  let std = 0;
  if (cpuFraction !== undefined && memFraction !== undefined) {
    std = Math.abs((Math.min(cpuFraction, 1) - Math.min(memFraction, 1)) / 2);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** Best-effort pods (no cpu or memory request) skip BalancedAllocation, as in Kubernetes 1.32+. */
export function balancedAllocationApplies(pp: PreparedPod): boolean {
  return pp.requests.milliCPU !== 0 || pp.requests.memory !== 0;
}

/** NodeResourcesBalancedAllocation: how evenly cpu and memory would be used (actual requests, no defaults). */
export function balancedAllocationScore(pp: PreparedPod, ni: NodeInfo): number {
  const cpu = ni.allocMilliCPU === 0 ? undefined : (ni.requestedMilliCPU + pp.requests.milliCPU) / ni.allocMilliCPU;
  const mem = ni.allocMemory === 0 ? undefined : (ni.requestedMemory + pp.requests.memory) / ni.allocMemory;
  return balancedScore(cpu, mem);
}

/** Raw owner spread: how many pods of the pod's controller already run on the node (0 without an owner). */
export function ownerSpreadCount(pp: PreparedPod, ni: NodeInfo): number {
  return pp.ownerKey === undefined ? 0 : (ni.ownerCounts.get(pp.ownerKey) ?? 0);
}

/** Raw preferred node affinity: the sum of the weights of the preferred terms the node matches. */
export function nodeAffinityPreferredWeight(pp: PreparedPod, ni: NodeInfo): number {
  const terms = pp.preferredTerms;
  let sum = 0;
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (matchesTerm(t.term, ni.name, ni.labels)) sum += t.weight;
  }
  return sum;
}

/** Raw TaintToleration score: PreferNoSchedule taints the pod does not tolerate. */
export function intolerablePreferNoScheduleTaints(pp: PreparedPod, ni: NodeInfo): number {
  if (!ni.hasPreferNoScheduleTaints) return 0;
  return countIntolerablePreferNoSchedule(ni.taints, pp.preferNoScheduleTolerations);
}

/**
 * helper.DefaultNormalizeScore on scores[0..n): scaled so the highest is 100 (integer division);
 * reversed (100 - s) when `reverse`; all zero stays zero, or becomes 100 when reversed.
 */
export function defaultNormalizeScore(scores: Float64Array | number[], n: number, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < n; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) for (let i = 0; i < n; i++) scores[i] = MAX_NODE_SCORE;
    return;
  }
  for (let i = 0; i < n; i++) {
    const s = Math.floor((MAX_NODE_SCORE * scores[i]!) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}

/** SelectorSpread's normalisation without zones: 100 * (max - count) / max, truncated; all 100 when max is 0. */
export function normalizeSpreadScore(counts: Float64Array | number[], n: number): void {
  let max = 0;
  for (let i = 0; i < n; i++) if (counts[i]! > max) max = counts[i]!;
  for (let i = 0; i < n; i++) {
    counts[i] = max > 0 ? Math.trunc(MAX_NODE_SCORE * ((max - counts[i]!) / max)) : MAX_NODE_SCORE;
  }
}
