/**
 * StatefulSet revisions as ControllerRevisions (pure), after Kubernetes' statefulset
 * getStatefulSetRevisions / newRevision / truncateHistory and pkg/controller/history:
 *
 *   - a revision's data is the patch `{"spec":{"template":{...,"$patch":"replace"}}}` that restores
 *     the set's pod template; its name is `<set>-<hash>`, the hash being FNV-1 32 of that data (and
 *     the collision count, when there is one) in the safe alphabet; pods carry the name in their
 *     `controller-revision-hash` label;
 *   - the update revision is the newest revision equal to the set's template; an equal but older
 *     one is rolled back to (its revision number raised), none creates a new one at max+1 (on a
 *     name taken by a different revision, collisionCount goes up until the name is free);
 *   - the current revision is the one status.currentRevision names, else the update revision;
 *   - revisions that no pod, status.currentRevision nor the update revision uses are history,
 *     and the oldest beyond revisionHistoryLimit are deleted.
 *
 * Kubernetes hashes Go's JSON encoding of the template; we hash a canonical JSON (keys sorted,
 * empty fields dropped: deployment/hash.ts canonicalize), so names differ from a real cluster's
 * but are stable and equal exactly when the templates are.
 */
import type { PodTemplateSpec } from '../../../shared/resources/types.js';
import { deepEqual, isPlainObject } from '../../../shared/resources/json.js';
import { canonicalize, safeEncodeString } from '../deployment/hash.js';
import { controllerRefOf, REVISION_LABEL } from './identity.js';
import type { ControllerRevision, StatefulSet } from './types.js';

/** The patch a revision stores, canonicalised. */
export function revisionData(set: StatefulSet): unknown {
  return canonicalize({ spec: { template: { ...set.spec.template, $patch: 'replace' } } });
}

/** The pod template a revision restores (ApplyRevision on the template only). */
export function revisionTemplate(rev: ControllerRevision): PodTemplateSpec | undefined {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = data?.spec?.template;
  if (!isPlainObject(t)) return undefined;
  const { $patch: _ignored, ...template } = t;
  void _ignored;
  return template as unknown as PodTemplateSpec;
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1 32 (hash/fnv New32: multiply, then xor). */
export function fnv1_32(bytes: Uint8Array, hash: number = FNV32_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h = Math.imul(h, FNV32_PRIME) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h >>> 0;
}

/** HashControllerRevision: FNV-1 32 of the data, then the decimal collision count when given. */
export function revisionHash(data: unknown, collisionCount?: number): string {
  const enc = new TextEncoder();
  let h = fnv1_32(enc.encode(JSON.stringify(canonicalize(data))));
  if (collisionCount !== undefined) h = fnv1_32(enc.encode(String(collisionCount)), h);
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: the prefix cut to 223 characters, `-`, the hash. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** newRevision: the ControllerRevision for the set's current template at `revision`. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const data = revisionData(set);
  const hash = revisionHash(data, collisionCount);
  const labels = { ...(set.spec.template.metadata?.labels ?? {}), [REVISION_LABEL]: hash };
  const annotations = { ...(set.metadata.annotations ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(set.metadata.name ?? '', hash),
      ...(set.metadata.namespace !== undefined ? { namespace: set.metadata.namespace } : {}),
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [controllerRefOf(set)],
    },
    data,
    revision,
  };
}

/** SortControllerRevisions: by revision, then creation time, then name. */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort(
    (a, b) =>
      a.revision - b.revision ||
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** EqualRevision: same data (the hash label is only a shortcut in Kubernetes). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return deepEqual(canonicalize(a.data), canonicalize(b.data));
}

export const nextRevision = (sorted: readonly ControllerRevision[]): number => (sorted.length === 0 ? 1 : sorted[sorted.length - 1]!.revision + 1);

/** What resolving the revisions needs written, and the result. */
export interface RevisionResolution {
  readonly current: ControllerRevision;
  readonly update: ControllerRevision;
  readonly collisionCount: number;
  /** Create this revision (the update revision, new). */
  readonly create?: ControllerRevision;
  /** Raise this existing revision's number (a rollback to an older equal template). */
  readonly bump?: { readonly name: string; readonly from: number; readonly to: number; readonly revision: ControllerRevision };
}

/**
 * getStatefulSetRevisions. `owned` are the revisions the set controls; `all` every revision in
 * its namespace (a name held by a revision that is not an equal one of ours is a collision).
 */
export function resolveRevisions(set: StatefulSet, owned: readonly ControllerRevision[], all: readonly ControllerRevision[]): RevisionResolution {
  const sorted = sortRevisions(owned);
  let collisionCount = set.status?.collisionCount ?? 0;
  const candidate = newRevision(set, nextRevision(sorted), collisionCount);
  const equal = sorted.filter((r) => equalRevision(r, candidate));
  const latest = sorted[sorted.length - 1];
  let update: ControllerRevision;
  let create: ControllerRevision | undefined;
  let bump: RevisionResolution['bump'];
  if (equal.length > 0 && latest && equalRevision(latest, equal[equal.length - 1]!)) {
    update = latest;
  } else if (equal.length > 0) {
    const old = equal[equal.length - 1]!;
    update = { ...old, revision: candidate.revision };
    bump = { name: old.metadata.name ?? '', from: old.revision, to: candidate.revision, revision: update };
  } else {
    // CreateControllerRevision: an existing object of that name that is ours and equal is the one.
    for (;;) {
      const attempt = newRevision(set, candidate.revision, collisionCount);
      const taken = all.find((r) => r.metadata.name === attempt.metadata.name && (r.metadata.namespace ?? '') === (set.metadata.namespace ?? ''));
      if (!taken) {
        update = attempt;
        create = attempt;
        break;
      }
      const ours = taken.metadata.ownerReferences?.some((o) => o.controller === true && o.uid === set.metadata.uid);
      if (ours && equalRevision(taken, attempt)) {
        update = taken;
        break;
      }
      collisionCount++;
    }
  }
  const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount, ...(create ? { create } : {}), ...(bump ? { bump } : {}) };
}

/**
 * truncateHistory: the revisions to delete, oldest first: those not live (not a pod's, not the
 * current nor the update revision) beyond revisionHistoryLimit.
 */
export function revisionsToDelete(
  set: StatefulSet,
  owned: readonly ControllerRevision[],
  live: ReadonlySet<string>,
): ControllerRevision[] {
  const history = sortRevisions(owned).filter((r) => !live.has(r.metadata.name ?? ''));
  const limit = set.spec.revisionHistoryLimit ?? 10;
  return history.length <= limit ? [] : history.slice(0, history.length - limit);
}
