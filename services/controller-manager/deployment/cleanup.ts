/**
 * Old revision cleanup (sync.go cleanupDeployment): keep at most spec.revisionHistoryLimit old
 * ReplicaSets; delete the lowest revisions beyond it, but only those fully scaled down and
 * observed so, and not already being deleted.
 */
import type { Deployment, ReplicaSet } from '../../../shared/resources/types.js';
import { specReplicas } from './replica-sets.js';
import { compareByRevision } from './revision.js';

/** math.MaxInt32: Kubernetes' "unlimited" revisionHistoryLimit. */
export const UNLIMITED = 2147483647;

/** HasRevisionHistoryLimit */
export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const l = d.spec.revisionHistoryLimit;
  return l !== undefined && l !== UNLIMITED;
}

/** The names of the old ReplicaSets to delete now, lowest revision (then oldest) first. */
export function cleanupPlan(d: Deployment, oldRSs: readonly ReplicaSet[]): string[] {
  if (!hasRevisionHistoryLimit(d)) return [];
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - (d.spec.revisionHistoryLimit ?? 0);
  if (diff <= 0) return [];
  return [...cleanable]
    .sort(compareByRevision)
    .slice(0, diff)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        specReplicas(rs) === 0 &&
        (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    )
    .map((rs) => rs.metadata.name ?? '');
}
