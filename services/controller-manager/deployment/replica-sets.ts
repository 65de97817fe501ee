/**
 * Small helpers over a Deployment's ReplicaSets: sizes, counts, ordering and ownership.
 * Mirrors the helpers in kubernetes pkg/controller/controller_utils.go and deployment_util.go.
 */
import type { Deployment, ReplicaSet } from '../../../shared/resources/types.js';
import type { OwnerReference } from '../../../shared/resources/meta.js';

/** One change of a ReplicaSet's size (`from === to` means only its replicas annotations change). */
export interface ScaleStep {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** `spec.replicas` of a Deployment (defaulted to 1, as the API server does). */
export function desiredReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

/** `spec.replicas` of a ReplicaSet (defaulted to 1). */
export function specReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

export function availableReplicas(rs: ReplicaSet): number {
  return rs.status?.availableReplicas ?? 0;
}

/** GetReplicaCountForReplicaSets: the sum of `spec.replicas`. */
export function replicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return list.reduce((n, rs) => n + (rs ? specReplicas(rs) : 0), 0);
}

/** GetActualReplicaCountForReplicaSets: the sum of `status.replicas`. */
export function actualReplicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return list.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

/** GetReadyReplicaCountForReplicaSets */
export function readyReplicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return list.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

/** GetAvailableReplicaCountForReplicaSets */
export function availableReplicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return list.reduce((n, rs) => n + (rs ? availableReplicas(rs) : 0), 0);
}

/** FilterActiveReplicaSets: those with `spec.replicas > 0`. */
export function activeReplicaSets(list: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return list.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

function createdAt(rs: ReplicaSet): number {
  const t = rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function compareByCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = createdAt(a);
  const tb = createdAt(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: largest first; equal sizes oldest first (scale down older first). */
export function compareBySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : compareByCreation(a, b);
}

/** ReplicaSetsBySizeNewer: largest first; equal sizes newest first (scale up newer first). */
export function compareBySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : compareByCreation(b, a);
}

export function sortedByCreation(list: readonly ReplicaSet[]): ReplicaSet[] {
  return [...list].sort(compareByCreation);
}

/** A copy of `rs` with `spec.replicas = n`. */
export function withReplicas(rs: ReplicaSet, n: number): ReplicaSet {
  return { ...rs, spec: { ...rs.spec, replicas: n } };
}

/** The controller owner reference of an object, if any (metav1.GetControllerOf). */
export function controllerOf(o: { readonly metadata: { readonly ownerReferences?: readonly OwnerReference[] } }): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** Whether `rs` is controlled by `d` (by uid when both have one, else by kind and name). */
export function isControlledBy(rs: ReplicaSet, d: Deployment): boolean {
  const ref = controllerOf(rs);
  if (!ref || ref.kind !== 'Deployment') return false;
  if (ref.uid && d.metadata.uid) return ref.uid === d.metadata.uid;
  return ref.name === d.metadata.name;
}

/** The ReplicaSets `d` controls, in the same namespace. (Orphan adoption is not done here.) */
export function ownedReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet[] {
  return rsList.filter((rs) => (rs.metadata.namespace ?? '') === (d.metadata.namespace ?? '') && isControlledBy(rs, d));
}

/**
 * The size changes between two versions of the same ReplicaSets (matched by name), in the order
 * of `after`. Unchanged sets are left out.
 */
export function scaleSteps(before: readonly ReplicaSet[], after: readonly ReplicaSet[]): ScaleStep[] {
  const was = new Map(before.map((rs) => [rs.metadata.name ?? '', specReplicas(rs)]));
  const steps: ScaleStep[] = [];
  for (const rs of after) {
    const name = rs.metadata.name ?? '';
    const from = was.get(name);
    if (from !== undefined && from !== specReplicas(rs)) steps.push({ name, from, to: specReplicas(rs) });
  }
  return steps;
}
