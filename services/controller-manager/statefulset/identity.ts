/**
 * A StatefulSet pod's stable identity (pure): its name `<set>-<ordinal>`, its identity labels, its
 * hostname and subdomain, and the PersistentVolumeClaims `<claim>-<set>-<ordinal>` its volumes
 * point at. After Kubernetes' pkg/controller/statefulset/stateful_set_utils.go (facts, own code).
 */
import type { OwnerReference } from '../../../shared/resources/meta.js';
import type { Pod, PodTemplateSpec, Volume } from '../../../shared/resources/types.js';
import { cloneJson } from '../../../shared/resources/json.js';
import type { PersistentVolumeClaim, StatefulSet } from './types.js';

/** apps.StatefulSetPodNameLabel */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel (PodIndexLabel gate, on by default since 1.28) */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** apps.StatefulSetRevisionLabel / apps.ControllerRevisionHashLabelKey: the pod's revision name. */
export const REVISION_LABEL = 'controller-revision-hash';

/** `(.*)-([0-9]+)$`: the parent name and ordinal in a pod name; ordinal -1 when there is none. */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = /^(.*)-([0-9]+)$/.exec(podName);
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  // Kubernetes parses an int32: larger ordinals do not parse.
  return { parent: m[1]!, ordinal: Number.isSafeInteger(n) && n <= 2 ** 31 - 1 ? n : -1 };
}

export const ordinalOf = (pod: Pod): number => parentAndOrdinal(pod.metadata.name ?? '').ordinal;

/** Whether the pod's name says it belongs to the set (isMemberOf). */
export const isMemberOf = (set: StatefulSet, pod: Pod): boolean => parentAndOrdinal(pod.metadata.name ?? '').parent === set.metadata.name;

export const replicasOf = (set: StatefulSet): number => set.spec.replicas ?? 1;
/** spec.ordinals.start, 0 when unset. */
export const startOrdinal = (set: StatefulSet): number => set.spec.ordinals?.start ?? 0;
/** The last ordinal of the set's range (inclusive); start - 1 when it has no replicas. */
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + replicasOf(set) - 1;

export function inOrdinalRange(set: StatefulSet, ordinal: number): boolean {
  return ordinal >= startOrdinal(set) && ordinal <= endOrdinal(set);
}

export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name ?? ''}-${ordinal}`;

/** `<claim template name>-<set name>-<ordinal>`, i.e. `<claim>-<pod name>`. */
export const claimName = (set: StatefulSet, template: string, ordinal: number): string => `${template}-${podName(set, ordinal)}`;

export function podRevision(pod: Pod): string {
  return pod.metadata.labels?.[REVISION_LABEL] ?? '';
}

/** identityMatches: the name, namespace and pod-name label (and pod-index label) fit the set. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata.name ?? '');
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    (pod.metadata.namespace ?? '') === (set.metadata.namespace ?? '') &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name &&
    pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** The volume a claim template becomes in the pod of `ordinal`. */
function claimVolume(set: StatefulSet, template: string, ordinal: number): Volume {
  return { name: template, persistentVolumeClaim: { claimName: claimName(set, template, ordinal) } };
}

/** storageMatches: every claim template is a volume of that name pointing at the pod's claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec.volumeClaimTemplates ?? []).every((t) => {
    const name = t.metadata?.name ?? '';
    const pvc = volumes.get(name)?.persistentVolumeClaim as { claimName?: string } | undefined;
    return pvc?.claimName === claimName(set, name, ordinal);
  });
}

/** updateIdentity: the pod-name and pod-index labels (name and namespace are fixed once created). */
export function withIdentityLabels(pod: Pod): Pod {
  const ordinal = ordinalOf(pod);
  const labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name ?? '', [POD_INDEX_LABEL]: String(ordinal) };
  return { ...pod, metadata: { ...pod.metadata, labels } };
}

/** updateStorage: the claim volumes first (template order), then the pod's other volumes. */
export function withClaimVolumes(set: StatefulSet, pod: Pod): Pod {
  const ordinal = ordinalOf(pod);
  const templates = (set.spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '');
  const own = new Set(templates);
  const volumes = [...templates.map((t) => claimVolume(set, t, ordinal)), ...(pod.spec.volumes ?? []).filter((v) => !own.has(v.name))];
  const spec = { ...pod.spec };
  if (volumes.length > 0) (spec as { volumes?: readonly Volume[] }).volumes = volumes;
  return { ...pod, spec };
}

/** metav1.NewControllerRef(set, apps/v1 StatefulSet). */
export function controllerRefOf(set: StatefulSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name ?? '', uid: set.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * newStatefulSetPod + setPodRevision: the pod of `ordinal` built from `template` (the template of
 * the revision it is created at), named `<set>-<ordinal>`, hostname = its name, subdomain =
 * spec.serviceName, the identity labels and the revision label, its claim volumes, and the set as
 * its controller.
 */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const name = podName(set, ordinal);
  const tm = template.metadata ?? {};
  const metadata: Pod['metadata'] = { name };
  if (set.metadata.namespace !== undefined) metadata.namespace = set.metadata.namespace;
  metadata.labels = { ...(tm.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers?.length) metadata.finalizers = [...tm.finalizers];
  metadata.ownerReferences = [controllerRefOf(set)];
  const spec = { ...cloneJson(template.spec), hostname: name, ...(set.spec.serviceName ? { subdomain: set.spec.serviceName } : {}) };
  if (!set.spec.serviceName) delete (spec as { subdomain?: string }).subdomain;
  return withClaimVolumes(set, { apiVersion: 'v1', kind: 'Pod', metadata, spec });
}

/**
 * getPersistentVolumeClaims: the claims the pod of `ordinal` needs, one per template, named
 * `<claim>-<pod>`, in the set's namespace, labelled with the template's labels plus the set's
 * selector.matchLabels. No owner references (the retention policy decides those, retention.ts).
 */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec.volumeClaimTemplates ?? []).map((t) => {
    const tm = t.metadata ?? {};
    const metadata: PersistentVolumeClaim['metadata'] = { name: claimName(set, tm.name ?? '', ordinal) };
    if (set.metadata.namespace !== undefined) metadata.namespace = set.metadata.namespace;
    const labels = { ...(tm.labels ?? {}), ...(set.spec.selector.matchLabels ?? {}) };
    if (Object.keys(labels).length > 0) metadata.labels = labels;
    if (tm.annotations) metadata.annotations = { ...tm.annotations };
    return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, ...(t.spec ? { spec: cloneJson(t.spec) } : {}) };
  });
}
