/**
 * Writing events into the projection tables, shared by the projector (one batch per transaction) and
 * replay. `planBatch` is pure: it mirrors every event and keeps only the newest event per object;
 * `applyPlan` turns a plan into a handful of multi-row statements (one JSON document per statement,
 * unpacked by Postgres, so the cost is one parse per batch rather than one bind per value).
 */
import { sql, type Kysely } from 'kysely';
import type { EventType, KObject } from '../resources/meta.js';
import type { ResourceInfo } from '../resources/registry.js';
import { columnsOf, isObjectTable, type PgType } from './columns.js';
import { rowKey, toRow, type ObjectRow } from './rows.js';
import type { Database, ObjectTableName } from './schema.js';

/** One decoded resource event. */
export interface ProjectedEvent {
  readonly seq: number;
  /** Stream timestamp, RFC 3339 with microseconds. */
  readonly time: string;
  readonly type: EventType;
  readonly info: ResourceInfo;
  readonly object: KObject;
}

export interface DeleteKey {
  readonly namespace: string;
  readonly name: string;
  /** Sequence of the DELETED event: only rows older than it go. */
  readonly seq: number;
}

export interface MirrorRow {
  readonly sequence: number;
  readonly time: string;
  readonly type: EventType;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | null;
}

export interface BatchPlan {
  readonly upserts: ReadonlyMap<ObjectTableName, readonly ObjectRow[]>;
  readonly deletes: ReadonlyMap<ObjectTableName, readonly DeleteKey[]>;
  readonly mirror: readonly MirrorRow[];
  /** Events of kinds without a projection table. */
  readonly skipped: number;
}

/**
 * Plan a batch: every event becomes a mirror row; per object only the event with the highest
 * sequence counts (an upsert, or a delete for DELETED). Events may arrive in any order and repeat.
 */
export function planBatch(events: readonly ProjectedEvent[]): BatchPlan {
  const newest = new Map<ObjectTableName, Map<string, ProjectedEvent>>();
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
    const meta = e.object.metadata ?? {};
    const namespace = e.info.namespaced && typeof meta.namespace === 'string' ? meta.namespace : '';
    const name = typeof meta.name === 'string' ? meta.name : '';
    mirror.push({
      sequence: e.seq,
      time: e.time,
      type: e.type,
      kind: e.info.kind,
      namespace,
      name,
      uid: typeof meta.uid === 'string' ? meta.uid : null,
    });
    let perTable = newest.get(table);
    if (!perTable) newest.set(table, (perTable = new Map()));
    const key = rowKey(namespace, name);
    const prev = perTable.get(key);
    if (!prev || prev.seq < e.seq) perTable.set(key, e);
  }
  const upserts = new Map<ObjectTableName, ObjectRow[]>();
  const deletes = new Map<ObjectTableName, DeleteKey[]>();
  for (const [table, perTable] of newest) {
    for (const e of perTable.values()) {
      if (e.type === 'DELETED') {
        const row = toRow(e.info, e.object, e.seq);
        push(deletes, table, { namespace: row.namespace, name: row.name, seq: e.seq });
      } else {
        push(upserts, table, toRow(e.info, e.object, e.seq));
      }
    }
  }
  mirror.sort((a, b) => a.sequence - b.sequence);
  return { upserts, deletes, mirror, skipped };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export interface ApplyOptions {
  /** Rows per upsert statement (default 1000). */
  readonly chunk?: number;
  /** Mirror rows per insert statement (default 5000). */
  readonly mirrorChunk?: number;
}

/**
 * Execute a plan on `db` (normally a transaction). Upserts and deletes are guarded by
 * resource_version, mirror inserts ignore sequences already present: applying a plan twice, or an
 * older plan after a newer one, changes nothing.
 */
export async function applyPlan(db: Kysely<Database>, plan: BatchPlan, opts: ApplyOptions = {}): Promise<void> {
  const chunk = opts.chunk ?? 1000;
  for (const [table, rows] of plan.upserts) {
    for (let i = 0; i < rows.length; i += chunk) {
      const json = JSON.stringify(rows.length <= chunk ? rows : rows.slice(i, i + chunk));
      await sql`${sql.raw(upsertHead(table))}${json}${sql.raw(upsertTail(table))}`.execute(db);
    }
  }
  for (const [table, keys] of plan.deletes) {
    await sql`delete from ${sql.id(table)} t
      using unnest(${keys.map((k) => k.namespace)}::text[], ${keys.map((k) => k.name)}::text[], ${keys.map((k) => k.seq)}::bigint[])
        as d(namespace, name, seq)
      where t.namespace = d.namespace and t.name = d.name and t.resource_version < d.seq`.execute(db);
  }
  await insertMirror(db, plan.mirror, opts.mirrorChunk ?? 5000);
}

export async function insertMirror(db: Kysely<Database>, rows: readonly MirrorRow[], chunk = 5000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.length <= chunk ? rows : rows.slice(i, i + chunk);
    await sql`insert into events (sequence, time, type, kind, namespace, name, uid)
      select * from unnest(
        ${part.map((r) => r.sequence)}::bigint[], ${part.map((r) => r.time)}::timestamptz[],
        ${part.map((r) => r.type)}::text[], ${part.map((r) => r.kind)}::text[],
        ${part.map((r) => r.namespace)}::text[], ${part.map((r) => r.name)}::text[], ${part.map((r) => r.uid)}::text[])
      on conflict (sequence) do nothing`.execute(db);
  }
}

// ---- statement text, built once per table -----------------------------------------------------------

const heads = new Map<ObjectTableName, string>();
const tails = new Map<ObjectTableName, string>();

function upsertHead(table: ObjectTableName): string {
  let h = heads.get(table);
  if (!h) {
    const cols = columnsOf(table);
    h =
      `insert into "${table}" (${cols.map((c) => `"${c.name}"`).join(', ')}) ` +
      `select ${cols.map((c) => extract(c.name, c.type)).join(', ')} from jsonb_array_elements(`;
    heads.set(table, h);
  }
  return h;
}

function upsertTail(table: ObjectTableName): string {
  let t = tails.get(table);
  if (!t) {
    const set = columnsOf(table)
      .filter((c) => c.name !== 'namespace' && c.name !== 'name')
      .map((c) => `"${c.name}" = excluded."${c.name}"`)
      .join(', ');
    t =
      `::jsonb) as r on conflict (namespace, name) do update set ${set} ` +
      `where "${table}".resource_version < excluded.resource_version`;
    tails.set(table, t);
  }
  return t;
}

/** SQL reading one column out of a row document `r`. JSON null becomes SQL NULL. */
function extract(name: string, type: PgType): string {
  switch (type) {
    case 'text':
      return `r->>'${name}'`;
    case 'jsonb':
      return `nullif(r->'${name}', 'null'::jsonb)`;
    case 'text[]':
      return `array(select jsonb_array_elements_text(r->'${name}'))`;
    case 'bigint':
    case 'integer':
    case 'boolean':
    case 'timestamptz':
      return `(r->>'${name}')::${type}`;
  }
}
