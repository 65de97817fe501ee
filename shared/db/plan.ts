/**
 * Planning a batch of events (pure): every event becomes a mirror row; per object only the event
 * with the highest sequence counts, as an upsert of its row or a delete for DELETED.
 */
import type { EventType, KObject } from '../resources/meta.js';
import type { ResourceInfo } from '../resources/registry.js';
import { isObjectTable, scopeOf } from './columns.js';
import { rowKey, toRow, type ObjectRow } from './rows.js';
import type { Author } from '../eventlog/author.js';

/** One decoded resource event. */
export interface ProjectedEvent {
  readonly seq: number;
  /** Stream timestamp, RFC 3339 with microseconds. */
  readonly time: string;
  readonly type: EventType;
  readonly info: ResourceInfo;
  readonly object: KObject;
  /** The message's subject (its identity), for a dead letter should the database refuse the event. */
  readonly subject?: string;
  /** Who made the change, from the message's headers. */
  readonly author?: Author;
}

/** Row key and uid of an event's object, by the same rules as toRow. */
export function eventKey(e: ProjectedEvent): { readonly namespace: string; readonly name: string; readonly uid: string | null } {
  const m = (e.object.metadata ?? {}) as { readonly [k: string]: unknown };
  return {
    namespace: e.info.namespaced && typeof m.namespace === 'string' ? m.namespace : '',
    name: typeof m.name === 'string' ? m.name : '',
    uid: typeof m.uid === 'string' ? m.uid : null,
  };
}

export interface DeleteKey {
  readonly namespace: string;
  readonly name: string;
  /** Sequence of the DELETED event: only rows older than it go. */
  readonly seq: number;
  /** In a table several kinds share (custom_objects), the kind's scope columns (columns.ts scopeOf). */
  readonly [scopeColumn: string]: string | number;
}

export interface MirrorRow {
  readonly sequence: number;
  readonly time: string;
  readonly type: EventType;
  readonly kind: string;
  /** The kind's API group ('' for core). */
  readonly api_group: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | null;
  readonly generation: number | null;
  readonly labels: Readonly<Record<string, string>> | null;
  readonly owner_uids: readonly string[] | null;
  readonly user_name: string | null;
  readonly user_groups: readonly string[] | null;
  readonly user_uid: string | null;
  readonly impersonated_user: string | null;
  readonly impersonated_groups: readonly string[] | null;
  readonly field_manager: string | null;
  readonly user_agent: string | null;
  readonly request_id: string | null;
  /** The object after the event, as the message holds it (no resourceVersion). */
  readonly object: KObject | null;
}

/** A message recorded instead of projected (poison). */
export interface DeadLetterRow {
  readonly sequence: number;
  /** Stream timestamp, RFC 3339 with microseconds. */
  readonly time: string;
  readonly subject: string;
  readonly reason: string;
}

export interface BatchPlan {
  readonly upserts: ReadonlyMap<string, readonly ObjectRow[]>;
  readonly deletes: ReadonlyMap<string, readonly DeleteKey[]>;
  readonly mirror: readonly MirrorRow[];
  readonly deadLetters: readonly DeadLetterRow[];
  /** Events of kinds without a projection table. */
  readonly skipped: number;
}

/**
 * Plan a batch: every event becomes a mirror row; per object only the event with the highest
 * sequence counts (an upsert, or a delete for DELETED). Events may arrive in any order and repeat.
 */
export function planBatch(events: readonly ProjectedEvent[], deadLetters: readonly DeadLetterRow[] = []): BatchPlan {
  const newest = new Map<string, Map<string, ProjectedEvent>>();
  const mirror: MirrorRow[] = [];
  const seen = new Set<number>();
  let skipped = 0;
  for (const e of events) {
    if (seen.has(e.seq)) continue;
    seen.add(e.seq);
    const table = e.info.table;
    if (!isObjectTable(table)) {
      skipped++;
      continue;
    }
    const { namespace, name, uid } = eventKey(e);
    mirror.push({ sequence: e.seq, time: e.time, type: e.type, kind: e.info.kind, api_group: e.info.group, namespace, name, uid, ...historyColumns(e.object), ...authorColumns(e.author), object: e.object });
    let perTable = newest.get(table);
    if (!perTable) newest.set(table, (perTable = new Map()));
    // The kind is part of the key: several kinds may share a table (custom_objects).
    const key = `${e.info.group}/${e.info.kind}\u0000${rowKey(namespace, name)}`;
    const prev = perTable.get(key);
    if (!prev || prev.seq < e.seq) perTable.set(key, e);
  }
  const upserts = new Map<string, ObjectRow[]>();
  const deletes = new Map<string, DeleteKey[]>();
  for (const [table, perTable] of newest) {
    for (const e of perTable.values()) {
      if (e.type === 'DELETED') {
        const { namespace, name } = eventKey(e);
        push(deletes, table, { ...scopeOf(e.info), namespace, name, seq: e.seq });
      } else push(upserts, table, toRow(e.info, e.object, e.seq));
    }
  }
  mirror.sort((a, b) => a.sequence - b.sequence);
  return { upserts, deletes, mirror, deadLetters, skipped };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** The history columns of a mirror row (migration 2026_12_06_0010): generation, labels, owner uids. */
export function historyColumns(o: KObject): Pick<MirrorRow, 'generation' | 'labels' | 'owner_uids'> {
  const m = (o.metadata ?? {}) as { readonly [k: string]: unknown };
  const generation = typeof m.generation === 'number' && Number.isSafeInteger(m.generation) ? m.generation : null;
  const labels = m.labels && typeof m.labels === 'object' && !Array.isArray(m.labels) ? (m.labels as Record<string, string>) : null;
  const owners = Array.isArray(m.ownerReferences)
    ? m.ownerReferences.map((r) => (r && typeof r === 'object' ? (r as { uid?: unknown }).uid : undefined)).filter((u): u is string => typeof u === 'string')
    : [];
  return { generation, labels, owner_uids: owners.length ? owners : null };
}

/** The author columns of a mirror row (migration 2026_12_06_0014), from the message's headers. */
export function authorColumns(a: Author | undefined): Pick<MirrorRow, 'user_name' | 'user_groups' | 'user_uid' | 'impersonated_user' | 'impersonated_groups' | 'field_manager' | 'user_agent' | 'request_id'> {
  return {
    user_name: a?.user ?? null,
    user_groups: a?.groups ?? null,
    user_uid: a?.uid ?? null,
    impersonated_user: a?.impersonatedUser ?? null,
    impersonated_groups: a?.impersonatedGroups ?? null,
    field_manager: a?.fieldManager ?? null,
    user_agent: a?.userAgent ?? null,
    request_id: a?.requestId ?? null,
  };
}
