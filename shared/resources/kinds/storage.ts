/**
 * PersistentVolume (v1, cluster-scoped), PersistentVolumeClaim (v1) and StorageClass
 * (storage.k8s.io/v1, cluster-scoped). Defaults are SetDefaults_PersistentVolume(Claim) and
 * SetDefaults_StorageClass; a new volume or claim starts Pending with its protection finalizer
 * (the StorageObjectInUseProtection admission plugin's work); `kubectl get pv,pvc,sc` columns are
 * printers.go's printPersistentVolume(Claim) and printStorageClass.
 */
import type { KindStrategy } from '../strategy.js';
import type { KObject } from '../meta.js';
import {
  PVC_PROTECTION_FINALIZER,
  PV_PROTECTION_FINALIZER,
  accessModesString,
  claimClass,
  isDefaultClass,
  volumeClass,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../storage-types.js';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from '../storage-validation.js';
import { get, str } from '../projection.js';
import { isPlainObject } from '../json.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

type Obj = Record<string, unknown>;

const specOf = (o: Obj): Obj => (isPlainObject(o.spec) ? o.spec : (o.spec = {})) as Obj;

/** SetDefaults_PersistentVolume: Retain, Filesystem. */
export function defaultPersistentVolume(o: Obj): void {
  const spec = specOf(o);
  spec.persistentVolumeReclaimPolicy ??= 'Retain';
  spec.volumeMode ??= 'Filesystem';
}

/** SetDefaults_PersistentVolumeClaim: Filesystem. */
export function defaultPersistentVolumeClaim(o: Obj): void {
  specOf(o).volumeMode ??= 'Filesystem';
}

/** SetDefaults_StorageClass: Delete, Immediate. */
export function defaultStorageClass(o: Obj): void {
  o.reclaimPolicy ??= 'Delete';
  o.volumeBindingMode ??= 'Immediate';
}

function withFinalizer(o: KObject, f: string): void {
  const list = o.metadata.finalizers ?? [];
  if (!list.includes(f)) o.metadata.finalizers = [...list, f];
}

const capacityOf = (m: Readonly<Record<string, string>> | undefined): string => (m?.storage === undefined ? '' : String(m.storage));

const pvPrinter: TablePrinter<PersistentVolume> = {
  columns: [
    NAME_COLUMN,
    column('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    column('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    column('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE_COLUMN,
    column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { wide: true }),
  ],
  row(pv, now) {
    const ref = pv.spec?.claimRef;
    return [
      pv.metadata.name ?? '',
      capacityOf(pv.spec?.capacity),
      accessModesString(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''),
      ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
      volumeClass(pv),
      pv.spec?.volumeAttributesClassName ?? '<unset>',
      pv.status?.reason ?? '',
      age(pv.metadata.creationTimestamp, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
};

const pvcPrinter: TablePrinter<PersistentVolumeClaim> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    AGE_COLUMN,
    column('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { wide: true }),
  ],
  row(pvc, now) {
    const bound = !!pvc.spec?.volumeName;
    return [
      pvc.metadata.name ?? '',
      pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
      pvc.spec?.volumeName ?? '',
      bound ? capacityOf(pvc.status?.capacity) : '',
      bound ? accessModesString(pvc.status?.accessModes) : '',
      claimClass(pvc),
      pvc.spec?.volumeAttributesClassName ?? '<unset>',
      age(pvc.metadata.creationTimestamp, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
};

const scPrinter: TablePrinter<StorageClass> = {
  columns: [
    NAME_COLUMN,
    column('Provisioner', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    column('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    column('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.', { type: 'boolean' }),
    AGE_COLUMN,
  ],
  row(sc, now) {
    return [
      isDefaultClass(sc) ? `${sc.metadata.name ?? ''} (default)` : (sc.metadata.name ?? ''),
      sc.provisioner ?? '',
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      sc.allowVolumeExpansion ?? false,
      age(sc.metadata.creationTimestamp, now),
    ];
  },
};

const claimRefText = (o: unknown): string | null => {
  const ns = str(get(o, 'spec', 'claimRef', 'namespace'));
  const name = str(get(o, 'spec', 'claimRef', 'name'));
  return name ? `${ns ?? ''}/${name}` : null;
};

export const persistentVolumeStrategy: KindStrategy = {
  kind: 'PersistentVolume',
  statusSubresource: true,
  generation: false,
  defaults: defaultPersistentVolume,
  prepareForCreate(o) {
    (o as { status?: unknown }).status = { phase: 'Pending' };
    withFinalizer(o, PV_PROTECTION_FINALIZER);
  },
  validate: (obj, old) => (old ? validatePersistentVolumeUpdate(obj as PersistentVolume, old as PersistentVolume) : validatePersistentVolume(obj as PersistentVolume)),
  printer: pvPrinter,
  projection: {
    columns: { phase: 'text', capacity: 'text', storage_class: 'text', reclaim_policy: 'text', claim_ref: 'text', claim_uid: 'text', access_modes: 'text[]' },
    row: (o) => ({
      phase: str(get(o, 'status', 'phase')),
      capacity: str(get(o, 'spec', 'capacity', 'storage')),
      storage_class: str(get(o, 'spec', 'storageClassName')),
      reclaim_policy: str(get(o, 'spec', 'persistentVolumeReclaimPolicy')),
      claim_ref: claimRefText(o),
      claim_uid: str(get(o, 'spec', 'claimRef', 'uid')),
      access_modes: ((get(o, 'spec', 'accessModes') as unknown[] | undefined) ?? []).filter((m): m is string => typeof m === 'string'),
    }),
  },
};

export const persistentVolumeClaimStrategy: KindStrategy = {
  kind: 'PersistentVolumeClaim',
  statusSubresource: true,
  generation: false,
  defaults: defaultPersistentVolumeClaim,
  prepareForCreate(o) {
    (o as { status?: unknown }).status = { phase: 'Pending' };
    withFinalizer(o, PVC_PROTECTION_FINALIZER);
  },
  validate: (obj, old) =>
    old ? validatePersistentVolumeClaimUpdate(obj as PersistentVolumeClaim, old as PersistentVolumeClaim) : validatePersistentVolumeClaim(obj as PersistentVolumeClaim),
  printer: pvcPrinter,
  projection: {
    columns: { phase: 'text', volume_name: 'text', storage_class: 'text', requested: 'text', capacity: 'text', selected_node: 'text' },
    row: (o) => ({
      phase: str(get(o, 'status', 'phase')),
      volume_name: str(get(o, 'spec', 'volumeName')),
      storage_class: str(get(o, 'spec', 'storageClassName')),
      requested: str(get(o, 'spec', 'resources', 'requests', 'storage')),
      capacity: str(get(o, 'status', 'capacity', 'storage')),
      selected_node: str(get(o, 'metadata', 'annotations', 'volume.kubernetes.io/selected-node')),
    }),
  },
};

export const storageClassStrategy: KindStrategy = {
  kind: 'StorageClass',
  statusSubresource: false,
  generation: false,
  defaults: defaultStorageClass,
  validate: (obj, old) => (old ? validateStorageClassUpdate(obj as StorageClass, old as StorageClass) : validateStorageClass(obj as StorageClass)),
  printer: scPrinter,
  projection: {
    columns: { provisioner: 'text', reclaim_policy: 'text', volume_binding_mode: 'text', is_default: 'boolean' },
    row: (o) => ({
      provisioner: str(get(o, 'provisioner')),
      reclaim_policy: str(get(o, 'reclaimPolicy')),
      volume_binding_mode: str(get(o, 'volumeBindingMode')),
      is_default: isDefaultClass(o as unknown as StorageClass),
    }),
  },
};
