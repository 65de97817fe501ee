/**
 * Pure mapping from an object (as of stream sequence `seq`) to its projection row. No I/O.
 *
 * Rows are JSON-ready (timestamps as RFC 3339 strings, jsonb as plain values) because the projector
 * ships them to Postgres as one JSON document per statement. Every value is sanitised here so that
 * no object, however odd, can make a batch fail on a cast in SQL: a bad timestamp becomes null, a
 * non-integer count becomes 0, a non-string label value is dropped.
 */
import type { ColumnType } from 'kysely';
import type { KObject } from '../resources/meta.js';
import type { ResourceInfo } from '../resources/registry.js';
import type { ObjectColumns, ObjectTableName, ObjectTables } from './schema.js';

type RowField<T> = T extends ColumnType<infer S, infer _I, infer _U> ? (S extends Date ? string : S) : T;
/** A table's row as toRow builds it. */
export type RowOf<T> = { readonly [K in keyof T]: RowField<T[K]> };
export type RowsByTable = { readonly [T in ObjectTableName]: RowOf<ObjectTables[T]> };
export type ObjectRow = RowsByTable[ObjectTableName];

export type NamespaceRow = RowsByTable['namespaces'];
export type NodeRowValues = RowsByTable['nodes'];
export type PodRow = RowsByTable['pods'];
export type ServiceRow = RowsByTable['services'];
export type EndpointsRow = RowsByTable['endpoints'];
export type ConfigMapRow = RowsByTable['configmaps'];
export type SecretRow = RowsByTable['secrets'];
export type ServiceAccountRow = RowsByTable['serviceaccounts'];
export type KubeEventRow = RowsByTable['kube_events'];
export type ReplicaSetRow = RowsByTable['replicasets'];
export type DeploymentRow = RowsByTable['deployments'];
export type LeaseRow = RowsByTable['leases'];

type Base = RowOf<ObjectColumns>;

export class UnknownTableError extends Error {
  constructor(readonly table: string) {
    super(`no projection table "${table}"`);
    this.name = 'UnknownTableError';
  }
}

/** The row for `object` at resourceVersion `seq`. Throws UnknownTableError for a kind without a table. */
export function toRow(info: ResourceInfo, object: KObject, seq: number): ObjectRow {
  const base = baseRow(info, object, seq);
  const o = object as Loose;
  const table = info.table as ObjectTableName;
  switch (table) {
    case 'namespaces':
      return withBase<NamespaceRow>(base, { phase: str(get(o, 'status', 'phase')) });
    case 'nodes':
      return withBase<NodeRowValues>(base, {
        ready: conditionTrue(get(o, 'status', 'conditions'), 'Ready'),
        unschedulable: get(o, 'spec', 'unschedulable') === true,
        internal_ip: str(get(arr(get(o, 'status', 'addresses')).find((a) => get(a, 'type') === 'InternalIP'), 'address')),
      });
    case 'pods':
      return withBase<PodRow>(base, {
        phase: str(get(o, 'status', 'phase')),
        node_name: str(get(o, 'spec', 'nodeName')),
        pod_ip: str(get(o, 'status', 'podIP')),
        host_ip: str(get(o, 'status', 'hostIP')),
        ready: conditionTrue(get(o, 'status', 'conditions'), 'Ready'),
        restarts: clampInt(arr(get(o, 'status', 'containerStatuses')).reduce<number>((n, c) => n + count(get(c, 'restartCount')), 0)),
        images: images(get(o, 'spec', 'containers')),
      });
    case 'services':
      return withBase<ServiceRow>(base, {
        type: str(get(o, 'spec', 'type')) ?? 'ClusterIP',
        cluster_ip: str(get(o, 'spec', 'clusterIP')),
      });
    case 'endpoints': {
      const subsets = arr(get(o, 'subsets'));
      return withBase<EndpointsRow>(base, {
        ready_addresses: clampInt(subsets.reduce<number>((n, s) => n + arr(get(s, 'addresses')).length, 0)),
        not_ready_addresses: clampInt(subsets.reduce<number>((n, s) => n + arr(get(s, 'notReadyAddresses')).length, 0)),
      });
    }
    case 'configmaps':
      return withBase<ConfigMapRow>(base, { keys: keyCount(get(o, 'data')) + keyCount(get(o, 'binaryData')) });
    case 'secrets':
      return withBase<SecretRow>(base, {
        type: str(get(o, 'type')),
        keys: keyCount(get(o, 'data')) + keyCount(get(o, 'stringData')),
      });
    case 'serviceaccounts':
      return withBase<ServiceAccountRow>(base, { secrets: clampInt(arr(get(o, 'secrets')).length) });
    case 'kube_events':
      return withBase<KubeEventRow>(base, {
        reason: str(get(o, 'reason')),
        type: str(get(o, 'type')),
        message: str(get(o, 'message')),
        involved_kind: str(get(o, 'involvedObject', 'kind')),
        involved_namespace: str(get(o, 'involvedObject', 'namespace')),
        involved_name: str(get(o, 'involvedObject', 'name')),
        involved_uid: str(get(o, 'involvedObject', 'uid')),
        count: count(get(o, 'count')),
        last_timestamp: timestamp(get(o, 'lastTimestamp')) ?? timestamp(get(o, 'eventTime')),
      });
    case 'replicasets':
      return withBase<ReplicaSetRow>(base, workload(o));
    case 'deployments':
      return withBase<DeploymentRow>(base, { ...workload(o), updated_replicas: count(get(o, 'status', 'updatedReplicas')) });
    case 'leases':
      return withBase<LeaseRow>(base, {
        holder: str(get(o, 'spec', 'holderIdentity')),
        renew_time: timestamp(get(o, 'spec', 'renewTime')),
        lease_duration_seconds: optInt(get(o, 'spec', 'leaseDurationSeconds')),
      });
    default:
      return unknownTable(table, info.table);
  }
}

/**
 * The common columns followed by the kind's. Written as one literal with the spread last: V8 builds
 * `{ ...base, x }` in slow (dictionary) mode, which made rows ten times slower to build and encode.
 */
function withBase<R extends Base>(b: Base, extra: Omit<R, keyof Base>): R {
  return {
    namespace: b.namespace,
    name: b.name,
    uid: b.uid,
    resource_version: b.resource_version,
    labels: b.labels,
    annotations: b.annotations,
    owner_kind: b.owner_kind,
    owner_name: b.owner_name,
    owner_uid: b.owner_uid,
    creation_timestamp: b.creation_timestamp,
    deletion_timestamp: b.deletion_timestamp,
    object: b.object,
    ...extra,
  } as R;
}

function unknownTable(_t: never, name: string): never {
  throw new UnknownTableError(name);
}

function baseRow(info: ResourceInfo, object: KObject, seq: number): Base {
  const m = (object.metadata ?? {}) as Loose;
  const owner = arr(m.ownerReferences).find((r) => get(r, 'controller') === true);
  return {
    namespace: info.namespaced ? (str(m.namespace) ?? '') : '',
    name: str(m.name) ?? '',
    uid: str(m.uid),
    resource_version: seq,
    labels: stringMap(m.labels) ?? {},
    annotations: stringMap(m.annotations),
    owner_kind: str(get(owner, 'kind')),
    owner_name: str(get(owner, 'name')),
    owner_uid: str(get(owner, 'uid')),
    creation_timestamp: timestamp(m.creationTimestamp),
    deletion_timestamp: timestamp(m.deletionTimestamp),
    object: withResourceVersion(object, seq),
  };
}

/** The object as stored and served: metadata.resourceVersion is the sequence, as a string. */
export function withResourceVersion(object: KObject, seq: number): KObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(seq) } };
}

function workload(o: Loose): Omit<ReplicaSetRow, keyof Base> {
  return {
    generation: count(get(o, 'metadata', 'generation')),
    observed_generation: count(get(o, 'status', 'observedGeneration')),
    replicas: optInt(get(o, 'spec', 'replicas')),
    status_replicas: count(get(o, 'status', 'replicas')),
    ready_replicas: count(get(o, 'status', 'readyReplicas')),
    available_replicas: count(get(o, 'status', 'availableReplicas')),
    images: images(get(o, 'spec', 'template', 'spec', 'containers')),
  };
}

// ---- sanitising helpers ---------------------------------------------------------------------------

type Loose = { readonly [k: string]: unknown };

function get(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Loose)[p];
  }
  return cur;
}

function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

const INT4_MAX = 2_147_483_647;

function clampInt(n: number): number {
  return Math.min(Math.max(n, -INT4_MAX), INT4_MAX);
}

/** An int4 value or null when absent/invalid. */
function optInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) ? clampInt(v) : null;
}

/** A non-negative count; absent or invalid is 0 (Kubernetes omits zero values). */
function count(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? Math.min(v, INT4_MAX) : 0;
}

function keyCount(v: unknown): number {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).length : 0;
}

/** A normalised RFC 3339 timestamp (microseconds kept when given), or null when absent/invalid. */
export function timestamp(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  const frac = /\.(\d{4,6})\d*(?:Z|[+-]\d\d:?\d\d)$/i.exec(v);
  // Keep sub-millisecond digits from the source so the column matches the object's own text.
  return frac ? `${iso.slice(0, 19)}.${frac[1]!.padEnd(6, '0')}Z` : iso;
}

function stringMap(v: unknown): Record<string, string> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function conditionTrue(conditions: unknown, type: string): boolean {
  return arr(conditions).some((c) => get(c, 'type') === type && get(c, 'status') === 'True');
}

function images(containers: unknown): string[] {
  return arr(containers)
    .map((c) => get(c, 'image'))
    .filter((i): i is string => typeof i === 'string');
}

/** Key of an object's row within its table, for de-duplicating a batch. */
export function rowKey(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}
