/**
 * Validation of a PodSpec's scheduling constraints beyond node affinity (Kubernetes 1.32
 * pkg/apis/core/validation): pod affinity / anti-affinity terms, topologySpreadConstraints and
 * schedulingGates, with Kubernetes' field paths and messages. Pure.
 */
import type { StatusCause } from '../errors.js';
import type { LabelSelector, PodAffinity, PodAffinityTerm, PodSchedulingGate, PodSpec, TopologySpreadConstraint } from './types.js';
import { child, duplicate, forbidden, index, invalidValue, notSupported, required } from './field-errors.js';
import { dns1123LabelErrors, qualifiedNameErrors } from './names.js';
import { validateLabelSelector } from './selectors.js';

const NOT_POSITIVE = 'must be greater than zero';
const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'] as const;
const NODE_INCLUSION_POLICIES = ['Honor', 'Ignore'] as const;

/** ValidateLabelName: a qualified name. */
function labelNameErrors(k: string, path: string): StatusCause[] {
  return qualifiedNameErrors(k).map((m) => invalidValue(path, k, m));
}

function validateLabelKeys(path: string, keys: readonly string[] | undefined, sel: LabelSelector | undefined): StatusCause[] {
  if (!keys?.length) return [];
  if (!sel) return [forbidden(path, 'must not be specified when labelSelector is not set')];
  return keys.flatMap((k, i) => labelNameErrors(k, index(path, i)));
}

export function validatePodAffinityTerm(t: PodAffinityTerm, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  causes.push(...validateLabelSelector(t.labelSelector, child(path, 'labelSelector')));
  causes.push(...validateLabelSelector(t.namespaceSelector, child(path, 'namespaceSelector')));
  for (const ns of t.namespaces ?? []) for (const m of dns1123LabelErrors(ns)) causes.push(invalidValue(child(path, 'namespace'), ns, m));
  causes.push(...validateLabelKeys(child(path, 'matchLabelKeys'), t.matchLabelKeys, t.labelSelector));
  causes.push(...validateLabelKeys(child(path, 'mismatchLabelKeys'), t.mismatchLabelKeys, t.labelSelector));
  const mismatch = new Set(t.mismatchLabelKeys ?? []);
  (t.matchLabelKeys ?? []).forEach((k, i) => {
    if (mismatch.has(k)) causes.push(invalidValue(index(child(path, 'matchLabelKeys'), i), k, 'exists in both matchLabelKeys and mismatchLabelKeys'));
  });
  const tk = t.topologyKey ?? '';
  if (tk === '') causes.push(required(child(path, 'topologyKey'), 'can not be empty'));
  causes.push(...labelNameErrors(tk, child(path, 'topologyKey')));
  return causes;
}

function validatePodAffinity(a: PodAffinity, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (a.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) =>
    causes.push(...validatePodAffinityTerm(t ?? ({} as PodAffinityTerm), index(child(path, 'requiredDuringSchedulingIgnoredDuringExecution'), i))),
  );
  (a.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((w, i) => {
    const p = index(child(path, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
    const weight = w?.weight ?? 0;
    if (weight <= 0 || weight > 100) causes.push(invalidValue(child(p, 'weight'), weight, 'must be in the range 1-100'));
    causes.push(...validatePodAffinityTerm(w?.podAffinityTerm ?? ({} as PodAffinityTerm), child(p, 'podAffinityTerm')));
  });
  return causes;
}

export function validateTopologySpreadConstraints(cs: readonly TopologySpreadConstraint[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  cs.forEach((c, i) => {
    const p = index(path, i);
    if (!((c.maxSkew ?? 0) > 0)) causes.push(invalidValue(child(p, 'maxSkew'), c.maxSkew ?? 0, NOT_POSITIVE));
    const tk = c.topologyKey ?? '';
    if (tk === '') causes.push(required(child(p, 'topologyKey'), 'can not be empty'));
    else causes.push(...labelNameErrors(tk, child(p, 'topologyKey')));
    const wu = c.whenUnsatisfiable ?? '';
    if (!(WHEN_UNSATISFIABLE as readonly string[]).includes(wu)) causes.push(notSupported(child(p, 'whenUnsatisfiable'), wu, WHEN_UNSATISFIABLE));
    if (cs.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable)) {
      causes.push(duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), `{${tk}, ${wu}}`));
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (c.minDomains <= 0) causes.push(invalidValue(child(p, 'minDomains'), c.minDomains, NOT_POSITIVE));
      if (wu !== 'DoNotSchedule') causes.push(invalidValue(child(p, 'minDomains'), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${wu}`));
    }
    for (const f of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c[f];
      if (v !== undefined && v !== null && !(NODE_INCLUSION_POLICIES as readonly string[]).includes(v)) causes.push(notSupported(child(p, f), v, NODE_INCLUSION_POLICIES));
    }
    const keys = c.matchLabelKeys ?? [];
    if (keys.length > 0) {
      const mlk = child(p, 'matchLabelKeys');
      const sel = c.labelSelector;
      const selKeys = new Set([...Object.keys(sel?.matchLabels ?? {}), ...(sel?.matchExpressions ?? []).map((e) => e.key)]);
      if (!sel) causes.push(forbidden(mlk, 'must not be specified when labelSelector is not set'));
      keys.forEach((k, j) => {
        causes.push(...labelNameErrors(k, index(mlk, j)));
        if (selKeys.has(k)) causes.push(invalidValue(index(mlk, j), k, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
    causes.push(...validateLabelSelector(c.labelSelector, child(p, 'labelSelector')));
  });
  return causes;
}

export function validateSchedulingGates(gates: readonly PodSchedulingGate[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  gates.forEach((g, i) => {
    const name = g?.name ?? '';
    causes.push(...labelNameErrors(name, index(path, i)));
    if (seen.has(name)) causes.push(duplicate(index(path, i), name));
    seen.add(name);
  });
  return causes;
}

/** The scheduling constraints of a PodSpec at `path` (`spec`, `spec.template.spec`). */
export function validatePodSchedulingConstraints(spec: PodSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const aff = spec.affinity;
  if (aff?.podAffinity) causes.push(...validatePodAffinity(aff.podAffinity, child(child(path, 'affinity'), 'podAffinity')));
  if (aff?.podAntiAffinity) causes.push(...validatePodAffinity(aff.podAntiAffinity, child(child(path, 'affinity'), 'podAntiAffinity')));
  causes.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints ?? [], child(path, 'topologySpreadConstraints')));
  causes.push(...validateSchedulingGates(spec.schedulingGates ?? [], child(path, 'schedulingGates')));
  return causes;
}

/** ValidatePodCreate: a pod can't name a node while it still has scheduling gates. */
export function validatePodCreateGates(spec: PodSpec): StatusCause[] {
  return spec.nodeName && (spec.schedulingGates?.length ?? 0) > 0
    ? [forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared')]
    : [];
}

/** validateOnlyDeletedSchedulingGates: an update may remove gates, never add one. */
export function validateOnlyDeletedSchedulingGates(gates: readonly PodSchedulingGate[], old: readonly PodSchedulingGate[]): StatusCause[] {
  const had = new Set(old.map((g) => g.name));
  const causes: StatusCause[] = [];
  gates.forEach((g, i) => {
    if (!had.has(g.name)) causes.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g.name}'`));
  });
  return causes;
}

/**
 * PrepareForCreate's applyMatchLabelKeysAndMismatchLabelKeys: each pod (anti-)affinity term with a
 * labelSelector gets `key In (v)` for its matchLabelKeys and `key NotIn (v)` for its
 * mismatchLabelKeys, v being the pod's own label value (keys the pod lacks are skipped). In place.
 */
export function mergeAffinityLabelKeys(pod: { metadata: { labels?: Readonly<Record<string, string>> }; spec: PodSpec }): void {
  const labels = pod.metadata.labels ?? {};
  const merge = (t: PodAffinityTerm | undefined): void => {
    if (!t || !t.labelSelector || (!t.matchLabelKeys?.length && !t.mismatchLabelKeys?.length)) return;
    const extra: { key: string; operator: 'In' | 'NotIn'; values: string[] }[] = [];
    for (const k of t.matchLabelKeys ?? []) if (k in labels) extra.push({ key: k, operator: 'In', values: [labels[k]!] });
    for (const k of t.mismatchLabelKeys ?? []) if (k in labels) extra.push({ key: k, operator: 'NotIn', values: [labels[k]!] });
    if (extra.length === 0) return;
    const sel = t.labelSelector as { matchExpressions?: unknown[] };
    sel.matchExpressions = [...(sel.matchExpressions ?? []), ...extra];
  };
  for (const a of [pod.spec.affinity?.podAffinity, pod.spec.affinity?.podAntiAffinity]) {
    for (const t of a?.requiredDuringSchedulingIgnoredDuringExecution ?? []) merge(t);
    for (const w of a?.preferredDuringSchedulingIgnoredDuringExecution ?? []) merge(w?.podAffinityTerm);
  }
}
