/**
 * The projection schema as kysely sees it. Table names come from the resource registry
 * (`ResourceInfo.table`). Every object table shares the columns of `ObjectColumns`; per-kind
 * columns, what people filter and sort on, are declared by each kind's strategy (`projection`).
 *
 * Conventions: int8 columns are read as JS numbers (createDb installs the parser; sequences stay far
 * below 2^53), timestamptz as Date, jsonb as parsed JSON.
 */
import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { KObject } from '../resources/meta.js';

/** timestamptz: read as Date, written as Date or an RFC 3339 string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: read parsed, written as a JSON string (pg turns JS arrays into SQL arrays, so stringify). */
export type Jsonb<T> = ColumnType<T, string, string>;
export type Labels = Readonly<Record<string, string>>;

/** Columns every object table has. Primary key (namespace, name). */
export interface ObjectColumns {
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  uid: string | null;
  /** The stream sequence of the event that wrote this row. */
  resource_version: number;
  labels: Jsonb<Labels>;
  annotations: Jsonb<Labels> | null;
  /** The controller ownerReference (`controller: true`), if any. */
  owner_kind: string | null;
  owner_name: string | null;
  owner_uid: string | null;
  creation_timestamp: Timestamp | null;
  deletion_timestamp: Timestamp | null;
  /** The whole object, metadata.resourceVersion included. */
  object: Jsonb<KObject>;
}

/** One row per event on a resource subject, mirroring the log (reservations are not mirrored). */
export interface EventsTable {
  /** Stream sequence = the object's resourceVersion after the event. */
  sequence: number;
  time: Timestamp;
  type: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string | null;
  /** metadata.generation after the event (null for events mirrored before the history migration). */
  generation: number | null;
  /** metadata.labels after the event. */
  labels: Jsonb<Record<string, string>> | null;
  /** The uids of metadata.ownerReferences after the event. */
  owner_uids: string[] | null;
  /** The author, from the message headers (shared/eventlog/author.ts); null when it names none. */
  user_name: string | null;
  user_groups: string[] | null;
  user_uid: string | null;
  impersonated_user: string | null;
  impersonated_groups: string[] | null;
  field_manager: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** The object after the event as the log holds it, type json (null for events mirrored before migration 0015). */
  object: Jsonb<KObject> | null;
  /** The object's API group ('' for core; migration 2026_12_06_0016). */
  api_group: ColumnType<string, string | undefined, string>;
}

/** Exactly one row (id = 1): the last stream sequence applied. */
export interface CheckpointTable {
  id: ColumnType<number, number | undefined, never>;
  last_seq: number;
  updated_at: Timestamp;
}

/** A stream message that could not be projected (poison), recorded and skipped. */
export interface DeadLettersTable {
  sequence: number;
  /** The message's stream time. */
  time: Timestamp;
  subject: string;
  reason: string;
}

/**
 * The tables kysely queries by name. Object tables are reached through raw SQL built from
 * columns.ts (their columns are the kinds'), so they are not listed.
 */
export interface Database {
  events: EventsTable;
  checkpoint: CheckpointTable;
  dead_letters: DeadLettersTable;
}

export type TableName = keyof Database;

export type LogEvent = Selectable<EventsTable>;
export type NewLogEvent = Insertable<EventsTable>;
export type Checkpoint = Selectable<CheckpointTable>;
export type DeadLetter = Selectable<DeadLettersTable>;
