/**
 * The built-in local-path provisioner's naming (like k3s' local-path-provisioner): the provisioner
 * name, the default StorageClass, the volume a claim gets and where a node keeps its directory.
 *
 * A provisioned volume is a hostPath PersistentVolume at `/var/lib/jetkube/storage/pvc-<claim
 * uid>_<namespace>_<claim>` with node affinity on the node the scheduler chose. That path names the
 * volume; each kubelet keeps the directory under its own root (`<root>/storage/<basename>`), so
 * several kubelets on one host never share one.
 */
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../resources/storage-types.js';
import { ANN } from '../resources/storage-types.js';

export const LOCAL_PATH_PROVISIONER = 'jetkube.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
/** Where provisioned volumes are said to live; the kubelet maps the basename under its root. */
export const LOCAL_PATH_ROOT = '/var/lib/jetkube/storage';
/** The kubelet's subdirectory (under its root) holding provisioned volumes. */
export const KUBELET_STORAGE_DIR = 'storage';

/** The default StorageClass every cluster gets (created idempotently at gateway start). */
export function defaultStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN.isDefaultClass]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The name of the volume provisioned for a claim: `pvc-<claim uid>` (as external provisioners name them). */
export const provisionedVolumeName = (claim: PersistentVolumeClaim): string => `pvc-${claim.metadata.uid ?? ''}`;

/** The PersistentVolume the provisioner creates for `claim` on `node` (pure). */
export function provisionedVolume(claim: PersistentVolumeClaim, sc: StorageClass, node: string): PersistentVolume {
  const ns = claim.metadata.namespace ?? '';
  const name = claim.metadata.name ?? '';
  const pvName = provisionedVolumeName(claim);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvName, annotations: { [ANN.provisionedBy]: sc.provisioner ?? LOCAL_PATH_PROVISIONER } },
    spec: {
      capacity: { storage: String(claim.spec?.resources?.requests?.storage ?? '') },
      accessModes: [...(claim.spec?.accessModes ?? ['ReadWriteOnce'])],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name ?? '',
      volumeMode: 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name, uid: claim.metadata.uid ?? '' },
      hostPath: { path: `${LOCAL_PATH_ROOT}/${pvName}_${ns}_${name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  };
}

/** True for a volume this provisioner made (its directory is under the kubelet's storage dir). */
export const isLocalPathVolume = (pv: PersistentVolume): boolean => pv.metadata.annotations?.[ANN.provisionedBy] === LOCAL_PATH_PROVISIONER;

/** The directory's name on the node: the basename of the volume's path. */
export function localPathDirName(pv: PersistentVolume): string | undefined {
  const p = pv.spec?.hostPath?.path;
  if (!p) return undefined;
  const base = p.split('/').filter(Boolean).pop();
  return base && base !== '..' && base !== '.' ? base : undefined;
}
