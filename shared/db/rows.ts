/**
 * Pure mapping from an object (as of stream sequence `seq`) to its projection row. No I/O.
 *
 * Rows are JSON-ready (timestamps as RFC 3339 strings, jsonb as plain values) because the projector
 * ships them to Postgres as one JSON document per statement. Every value is sanitised so that no
 * object, however odd, can make a batch fail on a cast in SQL (shared/resources/projection.ts): a
 * bad timestamp becomes null, a non-integer count becomes 0, a non-string label value is dropped.
 * The common columns are built here; the kind's own come from its projection (columns.ts).
 */
import type { ColumnType } from 'kysely';
import type { KObject } from '../resources/meta.js';
import type { ResourceInfo } from '../resources/registry.js';
import { arr, get, str, stringMap, timestamp, type ColumnValue, type Loose } from '../resources/projection.js';
import { isObjectTable, projectionOf } from './columns.js';
import type { ObjectColumns } from './schema.js';

export { timestamp } from '../resources/projection.js';

type RowField<T> = T extends ColumnType<infer S, infer _I, infer _U> ? (S extends Date ? string : S) : T;
/** A table's row as toRow builds it. */
export type RowOf<T> = { readonly [K in keyof T]: RowField<T[K]> };
/** The common columns, then the kind's own. */
export type ObjectRow = RowOf<ObjectColumns> & { readonly [column: string]: ColumnValue | KObject };

type Base = RowOf<ObjectColumns>;

export class UnknownTableError extends Error {
  constructor(readonly table: string) {
    super(`no projection table "${table}"`);
    this.name = 'UnknownTableError';
  }
}

/** The row for `object` at resourceVersion `seq`. Throws UnknownTableError for a kind without a table. */
export function toRow(info: ResourceInfo, object: KObject, seq: number): ObjectRow {
  if (!isObjectTable(info.table)) throw new UnknownTableError(info.table);
  return withBase(baseRow(info, object, seq), projectionOf(info.table).row(object as Loose, info));
}

/**
 * The common columns followed by the kind's. Written as one literal with the spread last: V8 builds
 * `{ ...base, x }` in slow (dictionary) mode, which made rows ten times slower to build and encode.
 */
function withBase(b: Base, extra: Record<string, ColumnValue>): ObjectRow {
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
  };
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

/** Key of an object's row within its table, for de-duplicating a batch. */
export function rowKey(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}
