/**
 * Validation of a PodSpec's volumes and volumeMounts (Kubernetes' validateVolumes and
 * ValidateVolumeMounts, the parts that decide what the kubelet is asked to do): one source per
 * volume, the configMap / secret / downwardAPI / projected items (relative paths without `..`,
 * modes within 0–0777), hostPath types, mount paths unique per container, subPath relative without
 * `..`, subPath and subPathExpr exclusive. Whether a node can provide a well-formed source is the
 * kubelet's to say (FailedMount), as in Kubernetes.
 */
import type { StatusCause } from '../errors.js';
import type { Container, Volume } from './types.js';
import { child, forbidden, index, invalidValue, notSupported, required } from './field-errors.js';
import { configMapKeyErrors, dns1123SubdomainErrors, qualifiedNameErrors } from './names.js';
import { isPlainObject } from './json.js';

type Obj = Record<string, unknown>;

/** Every volume source Kubernetes' v1 API knows (a volume has exactly one). */
const SOURCES = [
  'emptyDir', 'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
] as const;
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const MODE_MESSAGE = 'must be a number between 0 and 0777 (octal), both inclusive';

const has = (s: unknown): s is string => typeof s === 'string' && s !== '';
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function modeErrors(field: string, v: unknown): StatusCause[] {
  if (v === undefined || v === null) return [];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777 ? [] : [invalidValue(field, v, MODE_MESSAGE)];
}

/** A path inside a volume (items, subPath): relative, no `..` element. */
export function localPathErrors(field: string, p: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (p.startsWith('/')) out.push(invalidValue(field, p, 'must be a relative path'));
  if (p.split('/').includes('..')) out.push(invalidValue(field, p, "must not contain '..'"));
  return out;
}

/** An item path: also not starting with `..` (the atomic writer's own names). */
function itemPathErrors(field: string, p: unknown): StatusCause[] {
  if (!has(p)) return [required(field)];
  const out = localPathErrors(field, p);
  if (!p.split('/').includes('..') && p.startsWith('..')) out.push(invalidValue(field, p, "must not start with '..'"));
  return out;
}

function keyToPathErrors(field: string, items: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  arr(items).forEach((raw, i) => {
    const p = index(field, i);
    const it = (isPlainObject(raw) ? raw : {}) as Obj;
    if (!has(it.key)) out.push(required(child(p, 'key')));
    else for (const m of configMapKeyErrors(it.key)) out.push(invalidValue(child(p, 'key'), it.key, m));
    out.push(...itemPathErrors(child(p, 'path'), it.path));
    out.push(...modeErrors(child(p, 'mode'), it.mode));
  });
  return out;
}

function fieldPathSupported(p: string): boolean {
  if (VOLUME_FIELD_PATHS.includes(p)) return true;
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(p);
  return m !== null && qualifiedNameErrors(m[2]!.toLowerCase()).length === 0;
}

function downwardItemsErrors(field: string, items: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  arr(items).forEach((raw, i) => {
    const p = index(field, i);
    const it = (isPlainObject(raw) ? raw : {}) as Obj;
    out.push(...itemPathErrors(child(p, 'path'), it.path));
    out.push(...modeErrors(child(p, 'mode'), it.mode));
    const fr = it.fieldRef as Obj | undefined;
    const rr = it.resourceFieldRef as Obj | undefined;
    if (fr && rr) out.push(invalidValue(p, '', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    else if (fr) {
      const fp = child(child(p, 'fieldRef'), 'fieldPath');
      if (!has(fr.fieldPath)) out.push(required(fp));
      else if (!fieldPathSupported(fr.fieldPath)) out.push(notSupported(fp, fr.fieldPath, VOLUME_FIELD_PATHS));
    } else if (rr) {
      if (!has(rr.containerName)) out.push(required(child(child(p, 'resourceFieldRef'), 'containerName')));
      if (!has(rr.resource)) out.push(required(child(child(p, 'resourceFieldRef'), 'resource')));
    } else out.push(required(p, 'must specify one of: `fieldRef` or `resourceFieldRef`'));
  });
  return out;
}

function sourceErrors(kind: string, field: string, s: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  switch (kind) {
    case 'configMap':
      if (!has(s.name)) out.push(required(child(field, 'name')));
      out.push(...modeErrors(child(field, 'defaultMode'), s.defaultMode));
      out.push(...keyToPathErrors(child(field, 'items'), s.items));
      break;
    case 'secret':
      if (!has(s.secretName)) out.push(required(child(field, 'secretName')));
      else for (const m of dns1123SubdomainErrors(s.secretName)) out.push(invalidValue(child(field, 'secretName'), s.secretName, m));
      out.push(...modeErrors(child(field, 'defaultMode'), s.defaultMode));
      out.push(...keyToPathErrors(child(field, 'items'), s.items));
      break;
    case 'downwardAPI':
      out.push(...modeErrors(child(field, 'defaultMode'), s.defaultMode));
      out.push(...downwardItemsErrors(child(field, 'items'), s.items));
      break;
    case 'persistentVolumeClaim':
      // validatePersistentClaimVolumeSource
      if (!has(s.claimName)) out.push(required(child(field, 'claimName')));
      break;
    case 'hostPath':
      if (!has(s.path)) out.push(required(child(field, 'path')));
      else if (s.path.split('/').includes('..')) out.push(invalidValue(child(field, 'path'), s.path, "must not contain '..'"));
      if (s.type !== undefined && s.type !== null && !HOST_PATH_TYPES.includes(String(s.type))) out.push(notSupported(child(field, 'type'), s.type, HOST_PATH_TYPES));
      break;
    case 'projected': {
      out.push(...modeErrors(child(field, 'defaultMode'), s.defaultMode));
      arr(s.sources).forEach((raw, i) => {
        const p = index(child(field, 'sources'), i);
        const src = (isPlainObject(raw) ? raw : {}) as Obj;
        const kinds = ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => src[k] !== undefined);
        if (kinds.length === 0) out.push(required(p, 'must specify exactly 1 of: `secret`, `downwardAPI`, `configMap`, `serviceAccountToken`'));
        for (const k of kinds.slice(1)) out.push(forbidden(child(p, k), 'may not specify more than 1 volume type per source'));
        const one = src[kinds[0] ?? ''] as Obj | undefined;
        if (!one) return;
        const sp = child(p, kinds[0]!);
        if (kinds[0] === 'configMap' || kinds[0] === 'secret') {
          if (!has(one.name)) out.push(required(child(sp, 'name')));
          out.push(...keyToPathErrors(child(sp, 'items'), one.items));
        } else if (kinds[0] === 'downwardAPI') out.push(...downwardItemsErrors(child(sp, 'items'), one.items));
        else if (kinds[0] === 'serviceAccountToken') {
          out.push(...itemPathErrors(child(sp, 'path'), one.path));
          const exp = one.expirationSeconds;
          if (typeof exp === 'number' && exp < 600) out.push(invalidValue(child(sp, 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
        }
      });
      break;
    }
    default:
      break;
  }
  return out;
}

/** spec.volumes[i]: exactly one source, and that source well formed. */
export function validateVolumeSource(v: Volume, field: string): StatusCause[] {
  const kinds = SOURCES.filter((k) => (v as Obj)[k] !== undefined && (v as Obj)[k] !== null);
  if (kinds.length === 0) return [required(field, 'must specify a volume type')];
  const out: StatusCause[] = kinds.slice(1).map((k) => forbidden(child(field, k), 'may not specify more than 1 volume type'));
  const s = (v as Obj)[kinds[0]!];
  if (isPlainObject(s)) out.push(...sourceErrors(kinds[0]!, child(field, kinds[0]!), s as Obj));
  return out;
}

/** A container's volumeMounts beyond the name: unique mountPath, subPath / subPathExpr. */
export function validateVolumeMounts(c: Container, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  const paths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = index(field, i);
    if (has(m.mountPath)) {
      if (paths.has(m.mountPath)) out.push(invalidValue(child(p, 'mountPath'), m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    if (has(m.subPath)) out.push(...localPathErrors(child(p, 'subPath'), m.subPath));
    if (has(m.subPathExpr)) {
      if (has(m.subPath)) out.push(invalidValue(child(p, 'subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      out.push(...localPathErrors(child(p, 'subPathExpr'), m.subPathExpr));
    }
    const rro = m.recursiveReadOnly;
    if (rro !== undefined) {
      if (!['Disabled', 'IfPossible', 'Enabled'].includes(rro)) out.push(notSupported(child(p, 'recursiveReadOnly'), rro, ['Disabled', 'Enabled', 'IfPossible']));
      else if (rro !== 'Disabled' && m.readOnly !== true) out.push(forbidden(child(p, 'recursiveReadOnly'), 'may only be specified when readOnly is true'));
    }
    const prop = m.mountPropagation;
    if (prop !== undefined && !['None', 'HostToContainer', 'Bidirectional'].includes(prop)) {
      out.push(notSupported(child(p, 'mountPropagation'), prop, ['Bidirectional', 'HostToContainer', 'None']));
    }
  });
  return out;
}

/** volumeDevices (raw block devices) may only name persistentVolumeClaim volumes. */
export function validateVolumeDevices(c: Container, volumes: readonly Volume[], field: string): StatusCause[] {
  const out: StatusCause[] = [];
  const byName = new Map(volumes.map((v) => [v.name, v]));
  arr(c.volumeDevices).forEach((raw, i) => {
    const d = (isPlainObject(raw) ? raw : {}) as Obj;
    const p = index(field, i);
    if (!has(d.name)) return void out.push(required(child(p, 'name')));
    if (!has(d.devicePath)) out.push(required(child(p, 'devicePath')));
    // (A name that is no volume of the spec may be a StatefulSet's claim template.)
    const v = byName.get(d.name);
    if (v && (v as Obj).persistentVolumeClaim === undefined) {
      out.push(invalidValue(child(p, 'name'), d.name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
  });
  return out;
}
