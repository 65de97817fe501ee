/**
 * What each of a pod's volumes holds (pure; Kubernetes' volume plugins' SetUp, minus the I/O): given
 * the pod, the ConfigMaps and Secrets it references (or their absence) and a few node and pod facts,
 * every volume becomes either a set of files for the atomic writer (configMap, secret, downwardAPI,
 * projected: path, bytes, mode), an emptyDir, or a hostPath to check; or the pod cannot start and
 * the error says why, worded as the kubelet's FailedMount event
 * (`MountVolume.SetUp failed for volume "x" : configmap "y" not found`).
 *
 * A persistentVolumeClaim volume is the hostPath (or local) volume its claim is bound to; one the
 * local-path provisioner made lives under this node's storage directory (`facts.storageDir`), named
 * by its path's basename. An unbound claim, or a volume of another source, is a FailedMount.
 *
 * A serviceAccountToken projection is the token the kubelet's token manager fetched for the pod
 * (`sources.serviceAccountToken`, token-manager.ts); a failed fetch is `failed to fetch token: ...`.
 * Sources the kubelet cannot provide (nfs, csi, ephemeral, ...) are such errors too: the pod waits
 * in ContainerCreating with a FailedMount event, never runs without the volume.
 */
import type { ConfigMap, Container, Pod, Secret } from '../../../shared/resources/types.js';
import { parseQuantity, tryParseQuantity } from '../../../shared/resources/quantity.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/resources/storage-types.js';
import { isLocalPathVolume, localPathDirName } from '../../../shared/storage/local-path.js';
import { DEFAULT_PROJECTED_EXPIRATION_SECONDS, type TokenLookup, type TokenSource } from './token-manager.js';

export interface VolumeSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** PersistentVolumeClaims and PersistentVolumes (without them, claim volumes cannot be mounted). */
  claim?(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume?(name: string): PersistentVolume | undefined;
  /** The pod-bound token for a serviceAccountToken projection (undefined: none was fetched). */
  serviceAccountToken?(pod: Pod, src: TokenSource): TokenLookup | undefined;
}

export interface VolumeFacts {
  readonly podIp?: string;
  readonly hostIp?: string;
  /** The node's allocatable cpu and memory: a resourceFieldRef to an unset limit reports these. */
  readonly nodeCpu: string;
  readonly nodeMemory: string;
  /** Where local-path volumes live on this node (`<kubelet root>/storage`). */
  readonly storageDir?: string;
}

/** One file of an atomic-writer volume: a relative path, its bytes, its permission bits. */
export interface PayloadFile {
  readonly path: string;
  readonly data: Buffer;
  readonly mode: number;
}

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';
export const HOST_PATH_TYPES: readonly HostPathType[] = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

export type VolumeSetup =
  | { readonly name: string; readonly kind: 'payload'; readonly plugin: 'configmap' | 'secret' | 'downward-api' | 'projected'; readonly files: readonly PayloadFile[] }
  | { readonly name: string; readonly kind: 'emptyDir'; readonly medium: '' | 'Memory'; readonly sizeLimitBytes?: number; readonly sizeLimit?: string }
  | {
      readonly name: string;
      readonly kind: 'hostPath';
      readonly path: string;
      readonly type: HostPathType;
      /** A claim's volume mounted read-only (persistentVolumeClaim.readOnly). */
      readonly readOnly?: boolean;
      /** The claim (`namespace/name`) and volume it comes from, for a persistentVolumeClaim volume. */
      readonly claim?: string;
      readonly persistentVolume?: string;
    };

export type VolumePlan =
  | { readonly ok: true; readonly volumes: readonly VolumeSetup[] }
  /** `message` is the whole FailedMount event message. */
  | { readonly ok: false; readonly volume: string; readonly message: string };

/** Kubernetes' default file mode for configMap, secret, downwardAPI and projected volumes (0644). */
export const DEFAULT_MODE = 0o644;

/** Volume sources Kubernetes knows that need storage jetkube does not have. */
const STORAGE_SOURCES = [
  'persistentVolumeClaim',
  'ephemeral',
  'nfs',
  'csi',
  'iscsi',
  'rbd',
  'cephfs',
  'glusterfs',
  'fc',
  'flexVolume',
  'flocker',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'azureDisk',
  'azureFile',
  'cinder',
  'vsphereVolume',
  'quobyte',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'gitRepo',
  'image',
] as const;

class MountError extends Error {}

interface KeyToPath {
  readonly key?: string;
  readonly path?: string;
  readonly mode?: number;
}

interface DownwardItem {
  readonly path?: string;
  readonly fieldRef?: { readonly fieldPath?: string };
  readonly resourceFieldRef?: { readonly containerName?: string; readonly resource?: string; readonly divisor?: string | number };
  readonly mode?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A payload path as the atomic writer accepts it (AtomicWriter's validatePath): relative, no `..`
 * element, the first element not starting with `..` (those names are the writer's own).
 */
export function payloadPathError(p: string): string | undefined {
  if (p === '') return 'invalid path: must not be empty';
  if (p.startsWith('/')) return `invalid path: must be relative path: ${p}`;
  const parts = p.split('/');
  if (parts.includes('..')) return `invalid path: must not contain '..': ${p}`;
  if (parts[0]!.startsWith('..')) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

/** ConfigMap data and binaryData as bytes, by key. */
function configMapBytes(cm: ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

function secretBytes(s: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

/**
 * Keys as files (MakePayload of the configMap and secret plugins): every key at its own name, or
 * only the `items` (key → path, with an optional mode). An item naming a key the object lacks is an
 * error unless the source is optional.
 */
function keysPayload(
  values: ReadonlyMap<string, Buffer>,
  items: readonly KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  missingKey: (key: string) => string,
): PayloadFile[] {
  if (!items || items.length === 0) {
    return [...values.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, data]) => ({ path: key, data, mode: defaultMode }));
  }
  const out: PayloadFile[] = [];
  for (const it of items) {
    const key = it.key ?? '';
    const data = values.get(key);
    if (data === undefined) {
      if (optional) continue;
      throw new MountError(missingKey(key));
    }
    out.push({ path: it.path ?? key, data, mode: it.mode ?? defaultMode });
  }
  return out;
}

const goQuote = (s: string): string => JSON.stringify(s);

/** A labels or annotations map as the downward API writes it: `key="value"` lines, sorted. */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m![k]!)}`)
    .join('\n');
}

/** The fields a downwardAPI volume item may reference (the rest are env-only). */
export function downwardFieldValue(pod: Pod, path: string): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    default:
      return undefined;
  }
}

/** A container's resource (limits.cpu, requests.memory, ...) divided by the divisor, rounded up. */
export function resourceValue(pod: Pod, containerName: string, resource: string, divisor: string | number | undefined, facts: VolumeFacts): string {
  const all: readonly Container[] = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const c = all.find((x) => x.name === containerName);
  if (!c) throw new MountError(`container ${containerName} not found`);
  const [kind, name] = resource.split('.') as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new MountError(`unsupported container resource : ${resource}`);
  let q: string | number | undefined = c.resources?.[kind]?.[name];
  // An unset limit reports the node's allocatable (Kubernetes' MergeContainerResourceLimits).
  if (q === undefined && kind === 'limits') q = name === 'cpu' ? facts.nodeCpu : name === 'memory' ? facts.nodeMemory : undefined;
  if (q === undefined) return '0';
  const d = divisor === undefined || divisor === '' ? 1 : tryParseQuantity(divisor);
  if (!d) throw new MountError(`invalid divisor ${String(divisor)}`);
  return String(Math.ceil(parseQuantity(q) / d - 1e-9));
}

function downwardPayload(pod: Pod, items: readonly DownwardItem[], defaultMode: number, facts: VolumeFacts): PayloadFile[] {
  return items.map((it) => {
    const path = it.path ?? '';
    let value: string;
    if (it.fieldRef) {
      const fp = it.fieldRef.fieldPath ?? '';
      const v = downwardFieldValue(pod, fp);
      if (v === undefined) throw new MountError(`unsupported fieldPath in a downwardAPI volume: ${fp}`);
      value = v;
    } else if (it.resourceFieldRef) {
      const r = it.resourceFieldRef;
      value = resourceValue(pod, r.containerName ?? '', r.resource ?? '', r.divisor, facts);
    } else throw new MountError(`downwardAPI item ${path} has neither fieldRef nor resourceFieldRef`);
    return { path, data: Buffer.from(value, 'utf8'), mode: it.mode ?? defaultMode };
  });
}

const mode = (v: unknown): number => (typeof v === 'number' ? v : DEFAULT_MODE);
const items = <T>(v: unknown): readonly T[] | undefined => (Array.isArray(v) ? (v as T[]) : undefined);

function configMapVolume(ns: string, src: Obj, defaultMode: number, sources: VolumeSources, projected: boolean): PayloadFile[] {
  const name = String(src.name ?? '');
  const optional = src.optional === true;
  const cm = sources.configMap(ns, name);
  if (!cm) {
    if (optional) return [];
    throw new MountError(projected ? `configmaps "${name}" not found` : `configmap "${name}" not found`);
  }
  return keysPayload(configMapBytes(cm), items<KeyToPath>(src.items), defaultMode, optional, (k) => `configmap references non-existent config key: ${k}`);
}

function secretVolume(ns: string, src: Obj, name: string, defaultMode: number, sources: VolumeSources, projected: boolean): PayloadFile[] {
  const optional = src.optional === true;
  const s = sources.secret(ns, name);
  if (!s) {
    if (optional) return [];
    throw new MountError(projected ? `secrets "${name}" not found` : `secret "${name}" not found`);
  }
  return keysPayload(secretBytes(s), items<KeyToPath>(src.items), defaultMode, optional, (k) => `references non-existent secret key: ${k}`);
}

/** The files of a projected volume: each source's in order; two sources writing one path is an error. */
function projectedVolume(pod: Pod, src: Obj, sources: VolumeSources, facts: VolumeFacts): PayloadFile[] {
  const ns = pod.metadata.namespace ?? 'default';
  const defaultMode = mode(src.defaultMode);
  const out: PayloadFile[] = [];
  for (const s of items<Obj>(src.sources) ?? []) {
    if (isObj(s.configMap)) out.push(...configMapVolume(ns, s.configMap, defaultMode, sources, true));
    else if (isObj(s.secret)) out.push(...secretVolume(ns, s.secret, String(s.secret.name ?? ''), defaultMode, sources, true));
    else if (isObj(s.downwardAPI)) out.push(...downwardPayload(pod, items<DownwardItem>(s.downwardAPI.items) ?? [], defaultMode, facts));
    else if (isObj(s.serviceAccountToken)) {
      const t = s.serviceAccountToken;
      const src: TokenSource = {
        audience: typeof t.audience === 'string' ? t.audience : '',
        expirationSeconds: typeof t.expirationSeconds === 'number' ? t.expirationSeconds : DEFAULT_PROJECTED_EXPIRATION_SECONDS,
      };
      const got = sources.serviceAccountToken?.(pod, src);
      if (!got) throw new MountError('failed to fetch token: the kubelet has no token for this pod yet');
      if (!got.ok) throw new MountError(`failed to fetch token: ${got.message}`);
      out.push({ path: String(t.path ?? ''), data: Buffer.from(got.token, 'utf8'), mode: defaultMode });
    } else if (isObj(s.clusterTrustBundle)) {
      throw new MountError('clusterTrustBundle projections are not supported by this kubelet');
    } else throw new MountError(`projected source ${Object.keys(s).join(',') || '{}'} is not supported by this kubelet`);
  }
  return out;
}

/** The payload must be writable as given: valid paths, no path twice, no file under another file. */
function checkPayload(files: readonly PayloadFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    const err = payloadPathError(f.path);
    if (err) throw new MountError(err);
    if (seen.has(f.path)) throw new MountError(`conflicting projected path: ${f.path}`);
    seen.add(f.path);
    if (f.mode < 0 || f.mode > 0o777 || !Number.isInteger(f.mode)) throw new MountError(`invalid mode ${f.mode} for ${f.path}: must be between 0 and 0777`);
  }
  for (const p of seen) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (seen.has(dir)) throw new MountError(`conflicting paths: ${dir} is a file and a directory`);
    }
  }
}

/**
 * A persistentVolumeClaim volume: the bound volume's directory (Kubernetes' messages for a claim
 * that is missing or not bound, for a volume that is missing).
 */
function claimVolume(ns: string, name: string, src: Obj, sources: VolumeSources, facts: VolumeFacts): VolumeSetup {
  const claimName = String(src.claimName ?? '');
  const claim = sources.claim?.(ns, claimName);
  if (!claim) throw new MountError(`error processing PVC ${ns}/${claimName}: failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
  const volumeName = claim.spec?.volumeName;
  if (!volumeName || claim.status?.phase !== 'Bound') throw new MountError(`error processing PVC ${ns}/${claimName}: PVC is not bound`);
  const pv = sources.volume?.(volumeName);
  if (!pv) throw new MountError(`error processing PVC ${ns}/${claimName}: failed to fetch PV ${volumeName} from API server: persistentvolumes "${volumeName}" not found`);
  if (pv.spec?.claimRef?.uid !== claim.metadata.uid) throw new MountError(`error processing PVC ${ns}/${claimName}: PV ${volumeName} is not bound to this claim`);
  if (Array.isArray(pv.spec?.mountOptions) && pv.spec.mountOptions.length) throw new MountError(`persistent volume ${volumeName}: mountOptions are not supported by this kubelet`);
  if (pv.spec?.volumeMode === 'Block') throw new MountError(`persistent volume ${volumeName}: raw block volumes (volumeMode Block) are not supported by this kubelet`);
  const readOnly = src.readOnly === true;
  const from = { claim: `${ns}/${claimName}`, persistentVolume: volumeName, ...(readOnly ? { readOnly } : {}) };
  if (isLocalPathVolume(pv)) {
    const dir = localPathDirName(pv);
    if (!dir || !facts.storageDir) throw new MountError(`local-path volume ${volumeName} has no usable path on this node`);
    return { name, kind: 'hostPath', path: `${facts.storageDir}/${dir}`, type: 'DirectoryOrCreate', ...from };
  }
  if (pv.spec?.hostPath?.path) {
    const type = String(pv.spec.hostPath.type ?? '') as HostPathType;
    if (!HOST_PATH_TYPES.includes(type)) throw new MountError(`hostPath type "${type}" is not supported`);
    return { name, kind: 'hostPath', path: pv.spec.hostPath.path, type, ...from };
  }
  if (pv.spec?.local?.path) return { name, kind: 'hostPath', path: pv.spec.local.path, type: 'Directory', ...from };
  const kind = Object.keys(pv.spec ?? {}).find((k) => (STORAGE_SOURCES as readonly string[]).includes(k)) ?? 'unknown';
  throw new MountError(`persistent volume ${volumeName}: ${kind} volumes are not supported by this kubelet (only hostPath and local)`);
}

/** Plan one volume (throws MountError). */
function planVolume(pod: Pod, v: Obj & { name: string }, sources: VolumeSources, facts: VolumeFacts): VolumeSetup {
  const ns = pod.metadata.namespace ?? 'default';
  const name = v.name;
  const payload = (plugin: 'configmap' | 'secret' | 'downward-api' | 'projected', files: PayloadFile[]): VolumeSetup => {
    checkPayload(files);
    return { name, kind: 'payload', plugin, files };
  };
  if (isObj(v.configMap)) return payload('configmap', configMapVolume(ns, v.configMap, mode(v.configMap.defaultMode), sources, false));
  if (isObj(v.secret)) {
    return payload('secret', secretVolume(ns, v.secret, String(v.secret.secretName ?? ''), mode(v.secret.defaultMode), sources, false));
  }
  if (isObj(v.downwardAPI)) {
    return payload('downward-api', downwardPayload(pod, items<DownwardItem>(v.downwardAPI.items) ?? [], mode(v.downwardAPI.defaultMode), facts));
  }
  if (isObj(v.projected)) return payload('projected', projectedVolume(pod, v.projected, sources, facts));
  if (isObj(v.emptyDir)) {
    const medium = String(v.emptyDir.medium ?? '');
    if (medium !== '' && medium !== 'Memory') throw new MountError(`emptyDir medium "${medium}" is not supported (only "" and "Memory")`);
    const raw = v.emptyDir.sizeLimit as string | number | undefined;
    const size = raw === undefined ? undefined : tryParseQuantity(raw);
    if (raw !== undefined && size === undefined) throw new MountError(`invalid emptyDir sizeLimit "${String(raw)}"`);
    return { name, kind: 'emptyDir', medium: medium as '' | 'Memory', ...(size !== undefined ? { sizeLimitBytes: size, sizeLimit: String(raw) } : {}) };
  }
  if (isObj(v.hostPath)) {
    const path = String(v.hostPath.path ?? '');
    const type = String(v.hostPath.type ?? '') as HostPathType;
    if (!path.startsWith('/')) throw new MountError(`hostPath "${path}" must be an absolute path`);
    if (!HOST_PATH_TYPES.includes(type)) throw new MountError(`hostPath type "${type}" is not supported`);
    return { name, kind: 'hostPath', path, type };
  }
  if (isObj(v.persistentVolumeClaim)) return claimVolume(ns, name, v.persistentVolumeClaim, sources, facts);
  const kind = Object.keys(v).find((k) => k !== 'name');
  if (kind && (STORAGE_SOURCES as readonly string[]).includes(kind)) {
    throw new MountError(`${kind} volumes are not supported by this kubelet: the cluster has no storage for them yet`);
  }
  throw new MountError(kind ? `volume source "${kind}" is not supported by this kubelet` : 'the volume has no source');
}

/** Plan every volume of the pod; the first that cannot be set up fails the plan. */
export function planVolumes(pod: Pod, sources: VolumeSources, facts: VolumeFacts): VolumePlan {
  const volumes: VolumeSetup[] = [];
  for (const raw of pod.spec.volumes ?? []) {
    const v = raw as Obj & { name: string };
    try {
      volumes.push(planVolume(pod, v, sources, facts));
    } catch (e) {
      if (!(e instanceof MountError)) throw e;
      return { ok: false, volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${e.message}` };
    }
  }
  return { ok: true, volumes };
}

/** Whether the pod's volumes read ConfigMaps or Secrets (only those pods are re-synced on their updates). */
export function referencesApiData(pod: Pod): boolean {
  return (pod.spec.volumes ?? []).some((v) => isObj(v.configMap) || isObj(v.secret) || isObj(v.projected));
}

/** Whether the pod reads ConfigMap / Secret `name` (shared/resources/pod-references.ts; the kubelet re-syncs those pods when it changes). */
export { podReferences } from '../../../shared/resources/pod-references.js';

/**
 * The kubelet's eviction of a pod whose emptyDir outgrew its sizeLimit (eviction manager's local
 * storage check): given each measured volume's usage in bytes, the first over its limit and the
 * message Kubernetes gives the Failed pod (reason Evicted) and its Event.
 */
export function emptyDirEviction(volumes: readonly VolumeSetup[], usage: ReadonlyMap<string, number>): { readonly volume: string; readonly message: string } | undefined {
  for (const v of volumes) {
    if (v.kind !== 'emptyDir' || v.sizeLimitBytes === undefined) continue;
    const used = usage.get(v.name);
    if (used !== undefined && used > v.sizeLimitBytes) {
      return { volume: v.name, message: `Usage of EmptyDir volume "${v.name}" exceeds the limit "${v.sizeLimit ?? v.sizeLimitBytes}".` };
    }
  }
  return undefined;
}
