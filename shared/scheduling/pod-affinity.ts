/**
 * InterPodAffinity (kube-scheduler 1.32): required podAffinity / podAntiAffinity terms of the
 * incoming pod, required anti-affinity of the pods already placed (symmetry), and preferred terms
 * of both sides as a score. Terms are compiled once per pod; the per-cycle state (counts per
 * topology pair) is built once per scheduling cycle, as PreFilter/PreScore do, and only for pods or
 * clusters that have such terms.
 *
 * Semantics (kube-scheduler's):
 * - a term selects pods in `namespaces`, or in namespaces matched by `namespaceSelector` (`{}` is
 *   every namespace); with neither, the namespace of the pod that owns the term;
 * - `matchLabelKeys` / `mismatchLabelKeys` are merged into the labelSelector by the gateway when the
 *   pod is created (`key in (v)` / `key notin (v)` with the pod's label value then), as the 1.32
 *   API server does; the scheduler reads the labelSelector only, so later relabelling changes nothing;
 * - a pod counts for the incoming pod's affinity only when it matches all the affinity terms;
 *   a node passes when, for every term, its topology domain has such a pod; if no pod anywhere
 *   matches and the incoming pod matches its own terms, it may go anywhere that has the keys;
 * - anti-affinity: no pod matching a term in the node's domain; symmetry: the node's domain holds no
 *   pod whose required anti-affinity term matches the incoming pod. Checked in that order
 *   (affinity, anti-affinity, existing pods' anti-affinity), the first failure being the reason.
 * Pure.
 */
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../resources/types.js';
import type { Requirement } from '../resources/selector-types.js';
import { matchesLabels, tryFromLabelSelector } from '../resources/selectors.js';
import type { NodeInfo, PodEntry } from './node-info.js';
import { MAX_NODE_SCORE } from './scores.js';

export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_AFFINITY = "node(s) didn't match pod affinity rules";

/** Kubernetes' default hardPodAffinityWeight (InterPodAffinityArgs). */
export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

type Labels = Readonly<Record<string, string>>;
const NO_LABELS: Labels = {};

export interface CompiledAffinityTerm {
  /** Undefined when the selector is invalid or absent: matches no pod. */
  readonly selector: readonly Requirement[] | undefined;
  readonly namespaces: ReadonlySet<string>;
  /** Undefined: no namespace selector (matches no namespace by labels); [] is every namespace. */
  readonly nsSelector: readonly Requirement[] | undefined;
  readonly topologyKey: string;
  readonly weight: number;
}

/** The compiled pod (anti-)affinity of one pod; undefined fields are empty. */
export interface PodAffinityInfo {
  readonly requiredAffinity: readonly CompiledAffinityTerm[];
  readonly requiredAntiAffinity: readonly CompiledAffinityTerm[];
  readonly preferredAffinity: readonly CompiledAffinityTerm[];
  readonly preferredAntiAffinity: readonly CompiledAffinityTerm[];
}

export function compileAffinityTerm(t: PodAffinityTerm, ownerNamespace: string, weight = 1): CompiledAffinityTerm {
  // A nil labelSelector selects nothing.
  const selector = t.labelSelector ? tryFromLabelSelector(t.labelSelector) : undefined;
  const nsSelector = t.namespaceSelector ? (tryFromLabelSelector(t.namespaceSelector) ?? undefined) : undefined;
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && t.namespaceSelector === undefined) namespaces.add(ownerNamespace);
  return { selector, namespaces, nsSelector, topologyKey: t.topologyKey, weight };
}

function compileWeighted(ts: readonly WeightedPodAffinityTerm[] | undefined, ns: string): CompiledAffinityTerm[] {
  return (ts ?? []).filter((w) => w?.podAffinityTerm).map((w) => compileAffinityTerm(w.podAffinityTerm, ns, w.weight));
}

/** A pod's compiled pod (anti-)affinity; undefined when it has none (the common case costs one check). */
export function compilePodAffinity(pod: Pod): PodAffinityInfo | undefined {
  const a = pod.spec.affinity;
  const pa = a?.podAffinity;
  const paa = a?.podAntiAffinity;
  if (!pa && !paa) return undefined;
  const ns = pod.metadata.namespace ?? '';
  const info: PodAffinityInfo = {
    requiredAffinity: (pa?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileAffinityTerm(t, ns)),
    requiredAntiAffinity: (paa?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileAffinityTerm(t, ns)),
    preferredAffinity: compileWeighted(pa?.preferredDuringSchedulingIgnoredDuringExecution, ns),
    preferredAntiAffinity: compileWeighted(paa?.preferredDuringSchedulingIgnoredDuringExecution, ns),
  };
  const n = info.requiredAffinity.length + info.requiredAntiAffinity.length + info.preferredAffinity.length + info.preferredAntiAffinity.length;
  return n === 0 ? undefined : info;
}

/** AffinityTerm.Matches: the pod's namespace is selected and its labels match the selector. */
export function termMatches(t: CompiledAffinityTerm, namespace: string, labels: Labels, nsLabels: Labels | undefined): boolean {
  if (t.selector === undefined) return false;
  if (!t.namespaces.has(namespace) && !(t.nsSelector !== undefined && matchesLabels(t.nsSelector, nsLabels ?? NO_LABELS))) return false;
  return matchesLabels(t.selector, labels);
}

function matchesAll(terms: readonly CompiledAffinityTerm[], namespace: string, labels: Labels, nsLabels: Labels | undefined): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, namespace, labels, nsLabels)) return false;
  return true;
}

/** What the affinity plugins need to know about the pod being scheduled. */
export interface AffinityPod {
  readonly namespace: string;
  readonly labels: Labels;
  readonly affinity: PodAffinityInfo | undefined;
}

/** Namespace name → labels (for namespaceSelector). */
export type NamespaceLabels = (namespace: string) => Labels | undefined;

/** Topology key → value → count. */
type PairCounts = Map<string, Map<string, number>>;
function bump(m: PairCounts, k: string, v: string, by: number): void {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  inner.set(v, (inner.get(v) ?? 0) + by);
}
function countOf(m: PairCounts, k: string, v: string): number {
  return m.get(k)?.get(v) ?? 0;
}

/** PreFilter state: counts per topology pair. */
export interface AffinityFilterState {
  readonly pod: AffinityPod;
  /** Existing pods' required anti-affinity terms matching the incoming pod. */
  readonly existingAnti: PairCounts;
  /** Pods matching all the incoming pod's required affinity terms. */
  readonly affinity: PairCounts;
  /** Pods matching each of the incoming pod's required anti-affinity terms. */
  readonly anti: PairCounts;
}

/**
 * PreFilter: undefined when there is nothing to check (the pod has no required terms and no placed
 * pod has required anti-affinity), so such pods pay nothing per node.
 */
export function affinityPreFilter(pod: AffinityPod, nodes: readonly NodeInfo[], podsWithRequiredAnti: number, nsLabels: NamespaceLabels): AffinityFilterState | undefined {
  const info = pod.affinity;
  const req = info?.requiredAffinity ?? [];
  const anti = info?.requiredAntiAffinity ?? [];
  if (req.length === 0 && anti.length === 0 && podsWithRequiredAnti === 0) return undefined;
  const st: AffinityFilterState = { pod, existingAnti: new Map(), affinity: new Map(), anti: new Map() };
  const ownNsLabels = nsLabels(pod.namespace);
  const own = req.length > 0 || anti.length > 0;
  for (let i = 0; i < nodes.length; i++) {
    const ni = nodes[i]!;
    if (ni.pods.size === 0 || !ni.node) continue;
    const labels = ni.labels;
    if (ni.podsWithRequiredAntiAffinity > 0) {
      for (const e of ni.pods.values()) {
        const terms = e.affinity?.requiredAntiAffinity;
        if (!terms) continue;
        for (const t of terms) {
          const v = labels.get(t.topologyKey);
          if (v !== undefined && termMatches(t, pod.namespace, pod.labels, ownNsLabels)) bump(st.existingAnti, t.topologyKey, v, 1);
        }
      }
    }
    if (!own) continue;
    for (const e of ni.pods.values()) {
      const eNs = nsLabels(e.namespace);
      if (req.length > 0 && matchesAll(req, e.namespace, e.labels, eNs)) {
        for (const t of req) {
          const v = labels.get(t.topologyKey);
          if (v !== undefined) bump(st.affinity, t.topologyKey, v, 1);
        }
      }
      for (const t of anti) {
        const v = labels.get(t.topologyKey);
        if (v !== undefined && termMatches(t, e.namespace, e.labels, eNs)) bump(st.anti, t.topologyKey, v, 1);
      }
    }
  }
  return st;
}

/** Filter, in Kubernetes' order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity. */
export function affinityFilter(st: AffinityFilterState, ni: NodeInfo): string | undefined {
  const labels = ni.labels;
  const info = st.pod.affinity;
  if (info && !satisfiesAffinity(st, info, labels)) return REASON_AFFINITY;
  if (info) {
    for (const t of info.requiredAntiAffinity) {
      const v = labels.get(t.topologyKey);
      if (v !== undefined && countOf(st.anti, t.topologyKey, v) > 0) return REASON_ANTI_AFFINITY;
    }
  }
  if (st.existingAnti.size > 0) {
    for (const [k, byValue] of st.existingAnti) {
      const v = labels.get(k);
      if (v !== undefined && (byValue.get(v) ?? 0) > 0) return REASON_EXISTING_ANTI_AFFINITY;
    }
  }
  return undefined;
}

function satisfiesAffinity(st: AffinityFilterState, info: PodAffinityInfo, labels: ReadonlyMap<string, string>): boolean {
  if (info.requiredAffinity.length === 0) return true;
  let podsExist = true;
  for (const t of info.requiredAffinity) {
    const v = labels.get(t.topologyKey);
    if (v === undefined) return false; // every topology key must be on the node
    if (countOf(st.affinity, t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself may go anywhere that has the keys.
  const self = st.pod;
  return st.affinity.size === 0 && matchesAll(info.requiredAffinity, self.namespace, self.labels, undefined);
}

/** PreScore state: topology key → value → score. */
export type AffinityScoreState = PairCounts;

/**
 * PreScore over every node: the incoming pod's preferred terms against placed pods, and placed
 * pods' required affinity (hardPodAffinityWeight) and preferred terms against the incoming pod.
 * Undefined when nothing scores (the plugin is skipped).
 */
export function affinityPreScore(
  pod: AffinityPod,
  nodes: readonly NodeInfo[],
  podsWithAffinity: number,
  nsLabels: NamespaceLabels,
  hardPodAffinityWeight = DEFAULT_HARD_POD_AFFINITY_WEIGHT,
): AffinityScoreState | undefined {
  const info = pod.affinity;
  const prefA = info?.preferredAffinity ?? [];
  const prefAA = info?.preferredAntiAffinity ?? [];
  const hasConstraints = prefA.length > 0 || prefAA.length > 0;
  if (!hasConstraints && podsWithAffinity === 0) return undefined;
  const ownNs = nsLabels(pod.namespace);
  const m: AffinityScoreState = new Map();
  let labels: ReadonlyMap<string, string> = new Map();
  const term = (t: CompiledAffinityTerm, weight: number, ns: string, l: Labels, nl: Labels | undefined): void => {
    const v = labels.get(t.topologyKey);
    if (v !== undefined && termMatches(t, ns, l, nl)) bump(m, t.topologyKey, v, weight);
  };
  for (let i = 0; i < nodes.length; i++) {
    const ni = nodes[i]!;
    if (ni.pods.size === 0 || !ni.node || ni.labels.size === 0) continue;
    if (!hasConstraints && ni.podsWithAffinity === 0) continue;
    labels = ni.labels;
    for (const e of ni.pods.values()) {
      if (hasConstraints) {
        const eNs = nsLabels(e.namespace);
        for (const t of prefA) term(t, t.weight, e.namespace, e.labels, eNs);
        for (const t of prefAA) term(t, -t.weight, e.namespace, e.labels, eNs);
      }
      const ea = e.affinity;
      if (!ea) continue;
      if (hardPodAffinityWeight > 0) for (const t of ea.requiredAffinity) term(t, hardPodAffinityWeight, pod.namespace, pod.labels, ownNs);
      for (const t of ea.preferredAffinity) term(t, t.weight, pod.namespace, pod.labels, ownNs);
      for (const t of ea.preferredAntiAffinity) term(t, -t.weight, pod.namespace, pod.labels, ownNs);
    }
  }
  return m.size === 0 ? undefined : m;
}

/** Score: the sum, over topology keys, of the score of the node's domain. */
export function affinityScore(st: AffinityScoreState, ni: NodeInfo): number {
  let s = 0;
  for (const [k, byValue] of st) {
    const v = ni.labels.get(k);
    if (v !== undefined) s += byValue.get(v) ?? 0;
  }
  return s;
}

/** NormalizeScore: min-max scaled to 0..100 (all equal: 0). */
export function normalizeAffinityScores(scores: Float64Array | number[], n: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s > max) max = s;
    if (s < min) min = s;
  }
  const diff = max - min;
  for (let i = 0; i < n; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
}

/** What a placed pod contributes (kept on its PodEntry). */
export function entryHasAffinity(e: Pick<PodEntry, 'affinity'>): boolean {
  return e.affinity !== undefined;
}
