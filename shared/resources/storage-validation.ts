/**
 * Validation of PersistentVolume, PersistentVolumeClaim and StorageClass, after Kubernetes'
 * ValidatePersistentVolume(Update), ValidatePersistentVolumeClaim(Update) and
 * ValidateStorageClass(Update): the same field paths, reasons and messages.
 *
 * PersistentVolume sources: every Kubernetes source counts towards "one volume type"; only
 * hostPath and local can be mounted by jetkube's kubelet (any other is accepted like Kubernetes
 * accepts it, and the kubelet refuses to mount it with a FailedMount event).
 */
import type { StatusCause } from '../errors.js';
import type { NodeSelectorTerm } from './types.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from './storage-types.js';
import { child, forbidden, immutable, index, invalidEach, invalidValue, key, notSupported, required } from './field-errors.js';
import { dns1123SubdomainErrors, qualifiedNameErrors } from './names.js';
import { QUANTITY_FORMAT_MESSAGE, tryParseQuantity } from './quantity.js';
import { validateLabelSelector } from './selectors.js';
import { validateNodeSelectorTerm } from './pod-validation.js';
import { deepEqual, isPlainObject } from './json.js';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
export const VOLUME_MODES = ['Block', 'Filesystem'] as const;
export const PV_RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'] as const;
export const SC_RECLAIM_POLICIES = ['Delete', 'Retain'] as const;
export const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'] as const;

/** The PersistentVolumeSource members (k8s.io/api core/v1), in Kubernetes' checking order. */
const PV_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi',
  'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO',
  'local', 'storageos', 'csi',
] as const;

const has = (o: unknown, k: string): boolean => isPlainObject(o) && o[k] !== undefined && o[k] !== null;

function validateAccessModes(modes: readonly string[] | undefined, path: string, emptyDetail?: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const list = Array.isArray(modes) ? modes : [];
  if (list.length === 0) causes.push(required(path, emptyDetail));
  let rwop = false;
  let other = false;
  for (const m of list) {
    if (!(ACCESS_MODES as readonly string[]).includes(m)) causes.push(notSupported(path, m, ACCESS_MODES));
    else if (m === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) causes.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return causes;
}

/** ValidatePositiveQuantityValue plus the quantity's syntax. */
function positiveQuantity(v: unknown, path: string): StatusCause[] {
  const n = typeof v === 'string' || typeof v === 'number' ? tryParseQuantity(v) : undefined;
  if (n === undefined) return [invalidValue(path, v, QUANTITY_FORMAT_MESSAGE)];
  if (n <= 0) return [invalidValue(path, v, 'must be greater than zero')];
  return [];
}

function className(v: string | undefined | null, path: string): StatusCause[] {
  return v ? invalidEach(path, v, dns1123SubdomainErrors(v)) : [];
}

/** validateVolumeNodeAffinity: `required` with at least one term; each term as a pod's node affinity term. */
function validateVolumeNodeAffinity(na: unknown, path: string): StatusCause[] {
  if (!isPlainObject(na) || na.required === undefined || na.required === null) return [required(child(path, 'required'), 'must specify required node constraints')];
  const terms = (isPlainObject(na.required) ? na.required.nodeSelectorTerms : undefined) as NodeSelectorTerm[] | undefined;
  const p = child(child(path, 'required'), 'nodeSelectorTerms');
  if (!Array.isArray(terms) || terms.length === 0) return [required(p, 'must have at least one node selector term')];
  return terms.flatMap((t, i) => validateNodeSelectorTerm(t, index(p, i)));
}

export function validatePersistentVolume(pv: PersistentVolume): StatusCause[] {
  const spec = isPlainObject(pv.spec) ? pv.spec : {};
  const causes: StatusCause[] = [...validateAccessModes(spec.accessModes, 'spec.accessModes')];
  const cap = isPlainObject(spec.capacity) ? spec.capacity : {};
  const capKeys = Object.keys(cap);
  if (capKeys.length === 0) causes.push(required('spec.capacity'));
  if (!('storage' in cap) || capKeys.length > 1) causes.push(notSupported('spec.capacity', cap, ['storage']));
  for (const k of capKeys) causes.push(...positiveQuantity(cap[k], key('spec.capacity', k)));
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy && !(PV_RECLAIM_POLICIES as readonly string[]).includes(policy)) causes.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, PV_RECLAIM_POLICIES));
  const affinity = spec.nodeAffinity !== undefined && spec.nodeAffinity !== null;
  if (affinity) causes.push(...validateVolumeNodeAffinity(spec.nodeAffinity, 'spec.nodeAffinity'));
  let sources = 0;
  for (const s of PV_SOURCES) {
    if (!has(spec, s)) continue;
    if (sources > 0 && s !== 'flexVolume') {
      causes.push(forbidden(child('spec', s), 'may not specify more than 1 volume type'));
      continue;
    }
    sources++;
    if (s === 'hostPath' && !spec.hostPath?.path) causes.push(required('spec.hostPath.path'));
    if (s === 'local') {
      if (!spec.local?.path) causes.push(required('spec.local.path'));
      if (!affinity) causes.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
    }
  }
  if (sources === 0) causes.push(required('spec', 'must specify a volume type'));
  if (spec.storageClassName) causes.push(...className(spec.storageClassName, 'spec.storageClassName'));
  if (spec.volumeMode !== undefined && !(VOLUME_MODES as readonly string[]).includes(spec.volumeMode)) causes.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  return causes;
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): StatusCause[] {
  const causes = validatePersistentVolume(pv);
  const source = (v: PersistentVolume) => Object.fromEntries(PV_SOURCES.filter((s) => has(v.spec, s)).map((s) => [s, (v.spec as Record<string, unknown>)[s]]));
  if (!deepEqual(source(pv), source(old))) causes.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (pv.spec?.volumeMode !== old.spec?.volumeMode) causes.push(immutable('volumeMode', pv.spec?.volumeMode));
  if (old.spec?.nodeAffinity && !deepEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) causes.push(immutable('nodeAffinity', pv.spec?.nodeAffinity));
  return causes;
}

export function validatePersistentVolumeClaimSpec(spec: PersistentVolumeClaim['spec'], path: string): StatusCause[] {
  const s = isPlainObject(spec) ? spec : {};
  const causes: StatusCause[] = [...validateAccessModes(s.accessModes, child(path, 'accessModes'), 'at least 1 access mode is required')];
  if (s.selector !== undefined) causes.push(...validateLabelSelector(s.selector, child(path, 'selector')));
  const requests = isPlainObject(s.resources) && isPlainObject(s.resources.requests) ? s.resources.requests : {};
  const storagePath = key(child(path, 'resources'), 'storage');
  if (requests.storage === undefined) causes.push(required(storagePath));
  else causes.push(...positiveQuantity(requests.storage, storagePath));
  if (s.storageClassName) causes.push(...className(s.storageClassName, child(path, 'storageClassName')));
  if (s.volumeMode !== undefined && !(VOLUME_MODES as readonly string[]).includes(s.volumeMode)) causes.push(notSupported(child(path, 'volumeMode'), s.volumeMode, VOLUME_MODES));
  return causes;
}

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): StatusCause[] {
  return validatePersistentVolumeClaimSpec(pvc.spec, 'spec');
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is immutable, except volumeName set once (the PV
 * controller binds), storageClassName set once from nil (the retroactive default class) and a
 * bound claim's storage request. jetkube cannot grow a local-path volume, so a changed request is
 * refused (allowVolumeExpansion is never honoured: the default class does not set it).
 */
export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): StatusCause[] {
  const causes = validatePersistentVolumeClaim(pvc);
  const next = { ...(pvc.spec ?? {}) } as Record<string, unknown>;
  const prev = { ...(old.spec ?? {}) } as Record<string, unknown>;
  if (!prev.volumeName) prev.volumeName = next.volumeName;
  if ((prev.storageClassName === undefined || prev.storageClassName === null) && next.storageClassName !== undefined && next.storageClassName !== null) {
    const beta = old.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
    if (beta === undefined || beta === next.storageClassName) prev.storageClassName = next.storageClassName;
  }
  for (const k of Object.keys(prev)) if (prev[k] === undefined) delete prev[k];
  for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
  const oldReq = (old.spec?.resources?.requests ?? {}).storage;
  const newReq = (pvc.spec?.resources?.requests ?? {}).storage;
  if (!deepEqual(next, prev)) {
    const onlyRequest = deepEqual({ ...next, resources: undefined }, { ...prev, resources: undefined });
    if (onlyRequest && pvc.status?.phase === 'Bound' && deepEqual({ ...(next.resources as object), requests: undefined }, { ...(prev.resources as object), requests: undefined })) {
      causes.push(forbidden('spec.resources.requests.storage', 'volume expansion is not supported by jetkube: the claim keeps its requested size'));
    } else {
      causes.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
    }
  } else if (oldReq !== undefined && newReq !== undefined && (tryParseQuantity(newReq) ?? 0) < (tryParseQuantity(oldReq) ?? 0)) {
    causes.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return causes;
}

function validateProvisioner(p: string | undefined, path: string): StatusCause[] {
  if (!p) return [required(path)];
  return invalidEach(path, p, qualifiedNameErrors(p.toLowerCase()));
}

export function validateStorageClass(sc: StorageClass): StatusCause[] {
  const causes = validateProvisioner(sc.provisioner, 'provisioner');
  if (sc.parameters !== undefined) {
    if (!isPlainObject(sc.parameters)) causes.push(invalidValue('parameters', sc.parameters, 'must be a map of strings'));
    else {
      let size = 0;
      for (const [k, v] of Object.entries(sc.parameters)) {
        if (k.length === 0) causes.push(required('parameters', 'parameter keys must have at least one character'));
        size += k.length + String(v).length;
      }
      if (size > 256 * 1024) causes.push({ reason: 'FieldValueTooLong', field: 'parameters', message: `Too long: may not be more than ${256 * 1024} bytes` });
    }
  }
  if (sc.reclaimPolicy !== undefined && !(SC_RECLAIM_POLICIES as readonly string[]).includes(sc.reclaimPolicy)) causes.push(notSupported('reclaimPolicy', sc.reclaimPolicy, SC_RECLAIM_POLICIES));
  if (sc.volumeBindingMode === undefined) causes.push(required('volumeBindingMode'));
  else if (!(BINDING_MODES as readonly string[]).includes(sc.volumeBindingMode)) causes.push(notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  return causes;
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): StatusCause[] {
  const causes = validateStorageClass(sc);
  if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) causes.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) causes.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) causes.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) causes.push(immutable('volumeBindingMode', sc.volumeBindingMode));
  return causes;
}
