/**
 * The scale a budget's percentages are taken of (Kubernetes' getExpectedScale): the pods' controllers
 * and their desired replicas, each controller counted once. A finder knows one kind of controller;
 * a later kind (StatefulSet, ...) adds its own to SCALE_FINDERS. Pure: objects come from `lookup`.
 */
import type { KObject, OwnerReference } from '../../../shared/resources/meta.js';

/** An object of `kind` in the namespace by name, from a cache; undefined when not there. */
export type ObjectLookup = (kind: string, namespace: string, name: string) => KObject | undefined;

export interface ControllerScale {
  readonly uid: string;
  readonly scale: number;
}

/** The controller `ref` points at and its scale, if this finder knows that kind of controller. */
export type ScaleFinder = (ref: OwnerReference, namespace: string, lookup: ObjectLookup) => ControllerScale | undefined;

const controllerOf = (o: KObject): OwnerReference | undefined => o.metadata.ownerReferences?.find((r) => r.controller === true);
const replicasOf = (o: KObject): number => {
  const r = (o as { spec?: { replicas?: unknown } }).spec?.replicas;
  return typeof r === 'number' ? r : 1;
};

/** The ReplicaSet `ref` names, when it has that uid. */
function replicaSetOf(ref: OwnerReference, namespace: string, lookup: ObjectLookup): KObject | undefined {
  if (ref.kind !== 'ReplicaSet') return undefined;
  const rs = lookup('ReplicaSet', namespace, ref.name);
  return rs && rs.metadata.uid === ref.uid ? rs : undefined;
}

/** A ReplicaSet of its own: not one a Deployment controls (that one's scale is the Deployment's). */
export const replicaSetFinder: ScaleFinder = (ref, namespace, lookup) => {
  const rs = replicaSetOf(ref, namespace, lookup);
  if (!rs || controllerOf(rs)?.kind === 'Deployment') return undefined;
  return { uid: rs.metadata.uid!, scale: replicasOf(rs) };
};

/** The Deployment controlling the pod's ReplicaSet. */
export const deploymentFinder: ScaleFinder = (ref, namespace, lookup) => {
  const rs = replicaSetOf(ref, namespace, lookup);
  const dref = rs && controllerOf(rs);
  if (!dref || dref.kind !== 'Deployment') return undefined;
  const d = lookup('Deployment', namespace, dref.name);
  if (!d || d.metadata.uid !== dref.uid) return undefined;
  return { uid: d.metadata.uid!, scale: replicasOf(d) };
};

export const SCALE_FINDERS: readonly ScaleFinder[] = [replicaSetFinder, deploymentFinder];

export type ExpectedScale =
  | { readonly ok: true; readonly expected: number; readonly unmanaged: readonly string[] }
  | { readonly ok: false; readonly error: string };

/**
 * The sum of the scales of the pods' controllers. Pods without a controller are unmanaged (left
 * out, and named); a pod whose controller no finder knows makes the whole count fail.
 */
export function expectedScale(pods: readonly KObject[], lookup: ObjectLookup, finders: readonly ScaleFinder[] = SCALE_FINDERS): ExpectedScale {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    let found: ControllerScale | undefined;
    for (const f of finders) if ((found = f(ref, pod.metadata.namespace ?? '', lookup))) break;
    if (!found) return { ok: false, error: `found no controllers for pod "${pod.metadata.name ?? ''}"` };
    // Keyed by both: the pod's direct controller (skip its siblings) and the one that has the scale.
    scales.set(found.uid, found.scale);
    if (ref.uid !== found.uid) scales.set(ref.uid, -1);
  }
  let expected = 0;
  for (const s of scales.values()) if (s > 0) expected += s;
  return { ok: true, expected, unmanaged };
}
