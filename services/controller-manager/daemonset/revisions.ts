/**
 * A DaemonSet's ControllerRevisions (Kubernetes' pkg/controller/daemon/update.go constructHistory,
 * snapshot, cleanupHistory): one revision per distinct pod template, named `<ds>-<hash>`, whose
 * data is the patch that puts that template back (what `kubectl rollout undo` applies), numbered
 * one past the highest old revision; old revisions beyond revisionHistoryLimit go, oldest first,
 * unless a pod still carries their hash. Pure.
 */
import type { KObject } from '../../../shared/resources/meta.js';
import type { PodTemplateSpec, Pod } from '../../../shared/resources/types.js';
import type { ControllerRevision, DaemonSet } from '../../../shared/resources/daemonset-types.js';
import { isPlainObject } from '../../../shared/resources/json.js';
import { canonicalTemplateJson, podTemplateHash } from '../deployment/hash.js';
import { newControllerRef } from '../replicaset/controller-ref.js';

/** apps.DefaultDaemonSetUniqueLabelKey (= ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** extensions.DaemonSetTemplateGenerationKey: the label daemon pods carry the template generation in. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** ComputeHash of the template and the status' collision count. */
export function daemonSetHash(ds: DaemonSet): string {
  return podTemplateHash(ds.spec.template, ds.status?.collisionCount);
}

/** ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function revisionName(dsName: string, hash: string): string {
  return `${dsName.length > 223 ? dsName.slice(0, 223) : dsName}-${hash}`;
}

/** getPatch: the patch replacing spec.template with the DaemonSet's. */
export function revisionData(ds: DaemonSet): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(structuredClone(ds.spec.template) as unknown as Record<string, unknown>), $patch: 'replace' } } };
}

/** The template a revision's data holds, if it holds one. */
export function templateOfRevision(cr: ControllerRevision): PodTemplateSpec | undefined {
  const data = cr.data;
  if (!isPlainObject(data) || !isPlainObject(data.spec) || !isPlainObject(data.spec.template)) return undefined;
  const { $patch: _, ...template } = data.spec.template;
  return template as unknown as PodTemplateSpec;
}

/** Match: the revision holds the DaemonSet's template. */
export function revisionMatches(ds: DaemonSet, cr: ControllerRevision): boolean {
  const t = templateOfRevision(cr);
  return t !== undefined && canonicalTemplateJson(t) === canonicalTemplateJson(ds.spec.template);
}

export function maxRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
}

/** A new revision of the DaemonSet's template (snapshot). */
export function newRevision(ds: DaemonSet, hash: string, revision: number): ControllerRevision {
  const labels = { ...(ds.spec.template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash };
  const metadata: KObject['metadata'] = {
    name: revisionName(ds.metadata.name ?? '', hash),
    namespace: ds.metadata.namespace,
    labels,
    ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
  };
  if (ds.metadata.annotations && Object.keys(ds.metadata.annotations).length) metadata.annotations = { ...ds.metadata.annotations };
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata, data: revisionData(ds), revision };
}

export type HistoryStep =
  /** Nothing to write: `current` is the DaemonSet's revision. */
  | { readonly op: 'current'; readonly current: ControllerRevision; readonly old: readonly ControllerRevision[] }
  | { readonly op: 'create'; readonly revision: ControllerRevision; readonly old: readonly ControllerRevision[] }
  /** The matching revision moves to the top number (a rollback to it). */
  | { readonly op: 'renumber'; readonly revision: ControllerRevision; readonly old: readonly ControllerRevision[] }
  /** Duplicates of the current revision: all but the one kept go (dedupCurHistories). */
  | { readonly op: 'dedup'; readonly keep: ControllerRevision; readonly remove: readonly ControllerRevision[] }
  /** The name `<ds>-<hash>` is taken by a revision of another template: bump status.collisionCount. */
  | { readonly op: 'collision' };

/**
 * constructHistory over the DaemonSet's own revisions: which one is current (create or renumber
 * it if needed) and which are old.
 */
export function planHistory(ds: DaemonSet, revisions: readonly ControllerRevision[]): HistoryStep {
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (const r of revisions) (revisionMatches(ds, r) ? current : old).push(r);
  const next = maxRevision(old) + 1;
  if (current.length === 0) {
    const hash = daemonSetHash(ds);
    const name = revisionName(ds.metadata.name ?? '', hash);
    if (old.some((r) => r.metadata.name === name)) return { op: 'collision' };
    return { op: 'create', revision: newRevision(ds, hash, next), old };
  }
  if (current.length > 1) {
    // Keep the highest revision; the others are duplicates.
    const sorted = [...current].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    return { op: 'dedup', keep: sorted[0]!, remove: sorted.slice(1) };
  }
  const cur = current[0]!;
  if ((cur.revision ?? 0) < next) return { op: 'renumber', revision: { ...cur, revision: next }, old };
  return { op: 'current', current: cur, old };
}

/** The hash pods of a revision carry: its label, or its name (histories made before the label). */
export function revisionHash(cr: ControllerRevision): string {
  return cr.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? cr.metadata.name ?? '';
}

/** cleanupHistory: old revisions past the limit, oldest first, skipping those a pod still carries the hash of. */
export function revisionsToDelete(old: readonly ControllerRevision[], limit: number, pods: readonly Pod[]): ControllerRevision[] {
  let toKill = old.length - Math.max(0, limit);
  if (toKill <= 0) return [];
  const live = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter((h): h is string => !!h));
  const out: ControllerRevision[] = [];
  for (const r of [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))) {
    if (toKill <= 0) break;
    if (live.has(revisionHash(r))) continue;
    out.push(r);
    toKill--;
  }
  return out;
}
