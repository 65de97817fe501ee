/**
 * core/v1 PersistentVolume and PersistentVolumeClaim, storage.k8s.io/v1 StorageClass: the fields
 * jetkube reads (k8s.io/api names and meanings); the rest stay loose and are kept as given.
 */
import type { KObject } from './meta.js';
import type { LabelSelector, Loose, NodeSelectorTerm, ObjectReference } from './types.js';

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export type ReclaimPolicy = 'Retain' | 'Delete' | 'Recycle';
export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';
export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
export type ClaimPhase = 'Pending' | 'Bound' | 'Lost';

export interface VolumeNodeAffinity {
  readonly required?: { readonly nodeSelectorTerms?: readonly NodeSelectorTerm[] };
}

export interface PersistentVolumeSpec extends Loose {
  readonly capacity?: Readonly<Record<string, string>>;
  readonly accessModes?: readonly string[];
  readonly claimRef?: ObjectReference;
  readonly persistentVolumeReclaimPolicy?: string;
  readonly storageClassName?: string;
  readonly volumeMode?: string;
  readonly nodeAffinity?: VolumeNodeAffinity;
  readonly hostPath?: { readonly path?: string; readonly type?: string };
  readonly local?: { readonly path?: string; readonly fsType?: string };
  readonly volumeAttributesClassName?: string;
}

export interface PersistentVolume extends KObject {
  readonly spec?: PersistentVolumeSpec;
  readonly status?: { readonly phase?: string; readonly message?: string; readonly reason?: string; readonly lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaimSpec extends Loose {
  readonly accessModes?: readonly string[];
  readonly selector?: LabelSelector;
  readonly resources?: { readonly requests?: Readonly<Record<string, string>>; readonly limits?: Readonly<Record<string, string>> };
  readonly volumeName?: string;
  readonly storageClassName?: string | null;
  readonly volumeMode?: string;
  readonly volumeAttributesClassName?: string;
}

export interface PersistentVolumeClaim extends KObject {
  readonly spec?: PersistentVolumeClaimSpec;
  readonly status?: {
    readonly phase?: string;
    readonly accessModes?: readonly string[];
    readonly capacity?: Readonly<Record<string, string>>;
    readonly conditions?: readonly Loose[];
  };
}

export interface StorageClass extends KObject {
  readonly provisioner?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly reclaimPolicy?: string;
  readonly mountOptions?: readonly string[];
  readonly allowVolumeExpansion?: boolean;
  readonly volumeBindingMode?: string;
  readonly allowedTopologies?: readonly Loose[];
}

/** Annotations and finalizers the PV controller, the scheduler and the admission rules share (Kubernetes' names). */
export const ANN = {
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  selectedNode: 'volume.kubernetes.io/selected-node',
  isDefaultClass: 'storageclass.kubernetes.io/is-default-class',
  betaIsDefaultClass: 'storageclass.beta.kubernetes.io/is-default-class',
  betaStorageClass: 'volume.beta.kubernetes.io/storage-class',
} as const;

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** The claim's class: spec.storageClassName, else the beta annotation, else '' (GetPersistentVolumeClaimClass). */
export function claimClass(c: PersistentVolumeClaim): string {
  const a = c.metadata.annotations?.[ANN.betaStorageClass];
  if (a !== undefined) return a;
  return c.spec?.storageClassName ?? '';
}

/** The volume's class (GetPersistentVolumeClass). */
export function volumeClass(v: PersistentVolume): string {
  const a = v.metadata.annotations?.[ANN.betaStorageClass];
  if (a !== undefined) return a;
  return v.spec?.storageClassName ?? '';
}

/** IsDefaultAnnotation: the GA or beta annotation is "true". */
export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[ANN.isDefaultClass] === 'true' || a[ANN.betaIsDefaultClass] === 'true';
}

/** GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, each once. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const m = new Set(modes ?? []);
  const out: string[] = [];
  if (m.has('ReadWriteOnce')) out.push('RWO');
  if (m.has('ReadOnlyMany')) out.push('ROX');
  if (m.has('ReadWriteMany')) out.push('RWX');
  if (m.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}
