/**
 * The history API's reads (I/O only). Metadata comes from the events mirror (one row per event:
 * sequence, time, type, kind, API group, namespace, name, uid, generation, labels, owner uids); bodies come
 * from the mirror's `object` column, or by direct get from the log for events mirrored before it
 * had one. Nothing is replayed. A body the log no longer holds (compacted by the per-object history
 * limit) is 410 Gone wherever the answer needs it.
 */
import { isDecryptError, openSecret } from '../../../shared/encryption/index.js';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { EventLog } from '../../../shared/eventlog/index.js';
import { ApiError } from '../../../shared/errors.js';
import type { Database } from '../../../shared/db/index.js';
import { reachableDb } from '../../../shared/db/errors.js';
import { labelCondition } from '../../../shared/db/selectors-sql.js';
import type { EventType, KObject } from '../../../shared/resources/meta.js';
import type { Requirement } from '../../../shared/resources/selector-types.js';
import { authorOf, type Author } from './author.js';
import type { EventsTable } from '../../../shared/db/schema.js';
import type { MirrorRow, authorColumns } from '../../../shared/db/plan.js';

/**
 * One event as the mirror records it (its row in the `events` table), the author columns gathered
 * into `author` (revisions() only).
 */
export type RevisionRow = Omit<MirrorRow, 'labels' | 'owner_uids' | 'object' | keyof ReturnType<typeof authorColumns>> & { readonly author?: Author };

/** One object's identity in the mirror: two groups' kinds of the same name are different objects. */
export type ObjectKey = Pick<RevisionRow, 'kind' | 'api_group' | 'namespace' | 'name'>;

/** A revision's body, from the events mirror or the log. */
export interface RevisionBody {
  readonly object: KObject;
  readonly author?: Author;
}

export interface RevisionFilter {
  readonly namespace?: string;
  readonly kind?: string;
  /** The kind's API group (with kind). */
  readonly group?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly ownerUid?: string;
  readonly labels?: readonly Requirement[];
  readonly type?: EventType;
  /** Only sequences above this. */
  readonly after?: number;
  /** Only sequences at or below this. */
  readonly upTo?: number;
  readonly limit?: number;
}

/** An object touched between two sequences, with its state before and after. */
export interface ChangeRow {
  readonly kind: string;
  readonly api_group: string;
  readonly namespace: string;
  readonly name: string;
  readonly revisions: number;
  /** The type of the oldest event in the window. */
  readonly firstType: EventType;
  /** The newest event in the window. */
  readonly last: RevisionRow;
  /** The newest event at or before the window's start, if any. */
  readonly before: RevisionRow | null;
}

export interface ChangeFilter {
  readonly namespace?: string;
  readonly kind?: string;
  /** The kind's API group (with kind). */
  readonly group?: string;
  readonly from: number;
  readonly to: number;
  /** Start after this object key (kind, group, namespace, name). */
  readonly afterKey?: readonly [string, string, string, string];
  readonly limit?: number;
}

const TIME = sql<string>`to_char(time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/**
 * Direct gets in flight at once. nats-server 2.9 has no batched direct get; 128 in flight instead of
 * 32 measured 0.90× the time for 1,000 scattered bodies and 0.62× for one object's 61 revisions
 * (bench/history-reads.bench.ts, README "History").
 */
const READ_CONCURRENCY = 128;

export class HistoryStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: EventLog,
  ) {}

  async revisions(f: RevisionFilter): Promise<RevisionRow[]> {
    const conds: RawBuilder<unknown>[] = [];
    if (f.namespace !== undefined) conds.push(sql`namespace = ${f.namespace}`);
    if (f.kind) conds.push(sql`kind = ${f.kind}`);
    if (f.kind && f.group !== undefined) conds.push(sql`api_group = ${f.group}`);
    if (f.name) conds.push(sql`name = ${f.name}`);
    if (f.uid) conds.push(sql`uid = ${f.uid}`);
    if (f.ownerUid) conds.push(sql`owner_uids @> array[${f.ownerUid}]::text[]`);
    if (f.type) conds.push(sql`type = ${f.type}`);
    if (f.after !== undefined) conds.push(sql`sequence > ${f.after}`);
    if (f.upTo !== undefined) conds.push(sql`sequence <= ${f.upTo}`);
    for (const r of f.labels ?? []) conds.push(labelCondition(r));
    const where = conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``;
    const limit = f.limit !== undefined ? sql`limit ${f.limit}` : sql``;
    const r = await reachableDb(
      sql<RawRow & AuthorRaw>`select sequence, ${TIME} as time, type, kind, api_group, namespace, name, uid, generation, ${AUTHOR_COLUMNS} from events ${where} order by sequence ${limit}`.execute(this.db),
    );
    return r.rows.map((x) => {
      const author = authorFromRow(x);
      return { ...toRow(x), ...(author ? { author } : {}) };
    });
  }

  /** The object's newest event at or before `seq` (null if it had none). */
  async revisionAt(k: ObjectKey, seq: number): Promise<RevisionRow | null> {
    const r = await reachableDb(
      sql<RawRow>`select sequence, ${TIME} as time, type, kind, api_group, namespace, name, uid, generation from events
        where kind = ${k.kind} and api_group = ${k.api_group} and namespace = ${k.namespace} and name = ${k.name} and sequence <= ${seq}
        order by sequence desc limit 1`.execute(this.db),
    );
    return r.rows[0] ? toRow(r.rows[0]) : null;
  }

  /**
   * The object's oldest mirrored event. When it is not an ADDED, the mirror started after the
   * object's history did (the projector first read the log after compaction): its state before that
   * event is unknown.
   */
  async firstRevision(k: ObjectKey): Promise<RevisionRow | null> {
    const r = await reachableDb(
      sql<RawRow>`select sequence, ${TIME} as time, type, kind, api_group, namespace, name, uid, generation from events
        where kind = ${k.kind} and api_group = ${k.api_group} and namespace = ${k.namespace} and name = ${k.name} order by sequence limit 1`.execute(this.db),
    );
    return r.rows[0] ? toRow(r.rows[0]) : null;
  }

  /** The revision just before `seq` of the same object (null if none). */
  async revisionBefore(row: RevisionRow): Promise<RevisionRow | null> {
    return row.sequence > 1 ? this.revisionAt(row, row.sequence - 1) : null;
  }

  /** For each row, the same object's revision just before it (one statement for them all). */
  async previousOf(rows: readonly RevisionRow[]): Promise<Map<number, RevisionRow | null>> {
    const out = new Map<number, RevisionRow | null>();
    if (rows.length === 0) return out;
    const r = await reachableDb(
      sql<RawRow & { of: string }>`select k.seq as of, e.sequence, ${sql.raw(`to_char(e.time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)} as time, e.type, e.kind, e.api_group, e.namespace, e.name, e.uid, e.generation
        from unnest(${rows.map((x) => x.kind)}::text[], ${rows.map((x) => x.api_group)}::text[], ${rows.map((x) => x.namespace)}::text[], ${rows.map((x) => x.name)}::text[], ${rows.map((x) => x.sequence)}::bigint[])
          as k(kind, api_group, namespace, name, seq)
        left join lateral (
          select * from events e where e.kind = k.kind and e.api_group = k.api_group and e.namespace = k.namespace and e.name = k.name and e.sequence < k.seq
          order by e.sequence desc limit 1) e on true`.execute(this.db),
    );
    for (const x of r.rows) out.set(Number(x.of), x.sequence === null ? null : toRow(x));
    return out;
  }

  /** The newest mirrored event at or before `seq`: its sequence and time (null if none). */
  async eventAtOrBefore(seq: number): Promise<{ sequence: number; time: string } | null> {
    const r = await reachableDb(sql<{ sequence: string; time: string }>`select sequence, ${TIME} as time from events where sequence <= ${seq} order by sequence desc limit 1`.execute(this.db));
    return r.rows[0] ? { sequence: Number(r.rows[0].sequence), time: r.rows[0].time } : null;
  }

  /** The oldest mirrored event at or after `seq` (null if none). */
  async eventAtOrAfter(seq: number): Promise<{ sequence: number; time: string } | null> {
    const r = await reachableDb(sql<{ sequence: string; time: string }>`select sequence, ${TIME} as time from events where sequence >= ${seq} order by sequence limit 1`.execute(this.db));
    return r.rows[0] ? { sequence: Number(r.rows[0].sequence), time: r.rows[0].time } : null;
  }

  /** The last sequence the mirror holds at or before `t` (0 if none). */
  async seqAtTime(t: Date): Promise<number> {
    // Stream timestamps rise with the sequence: the newest by time (an index scan) is the one.
    const r = await reachableDb(sql<{ s: string }>`select sequence as s from events where time <= ${t} order by time desc, sequence desc limit 1`.execute(this.db));
    return Number(r.rows[0]?.s ?? 0);
  }

  /** The objects touched in (from, to], ordered by (kind, group, namespace, name), bytewise. */
  async changes(f: ChangeFilter): Promise<ChangeRow[]> {
    const conds: RawBuilder<unknown>[] = [sql`sequence > ${f.from}`, sql`sequence <= ${f.to}`];
    if (f.namespace !== undefined) conds.push(sql`namespace = ${f.namespace}`);
    if (f.kind) conds.push(sql`kind = ${f.kind}`);
    if (f.kind && f.group !== undefined) conds.push(sql`api_group = ${f.group}`);
    // Keys compare bytewise (COLLATE "C"): cheaper than the database's collation, and the same order
    // for the continue key's comparison as for the sort.
    const after = f.afterKey
      ? sql`where (t.kind collate "C", t.api_group collate "C", t.namespace collate "C", t.name collate "C") > (${f.afterKey[0]}, ${f.afterKey[1]}, ${f.afterKey[2]}, ${f.afterKey[3]})`
      : sql``;
    const limit = f.limit !== undefined ? sql`limit ${f.limit}` : sql``;
    // One pass over the window's events (aggregates pick the first and last event of each object;
    // stream time rises with the sequence), the page cut, then one index probe per object of the
    // page (not of the whole window) for its state at `from`.
    const r = await reachableDb(
      sql<RawChangeRow>`with t as (
          select kind, api_group, namespace, name, count(*) as revisions,
            max(sequence) as l_sequence, max(time) as l_time,
            (array_agg(type order by sequence desc))[1] as l_type,
            (array_agg(uid order by sequence desc))[1] as l_uid,
            (array_agg(generation order by sequence desc))[1] as l_generation,
            (array_agg(type order by sequence))[1] as f_type
          from events where ${sql.join(conds, sql` and `)} group by kind, api_group, namespace, name)
        , p as (select * from t ${after} order by t.kind collate "C", t.api_group collate "C", t.namespace collate "C", t.name collate "C" ${limit})
        select p.kind, p.api_group, p.namespace, p.name, p.revisions, p.f_type,
          p.l_sequence, to_char(p.l_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as l_time, p.l_type, p.l_uid, p.l_generation,
          b.sequence as b_sequence, b.time as b_time, b.type as b_type, b.uid as b_uid, b.generation as b_generation
        from p left join lateral (
          select e.sequence, to_char(e.time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as time, e.type, e.uid, e.generation from events e
          where e.kind = p.kind and e.api_group = p.api_group and e.namespace = p.namespace and e.name = p.name and e.sequence <= ${f.from}
          order by e.sequence desc limit 1) b on true
        order by p.kind collate "C", p.api_group collate "C", p.namespace collate "C", p.name collate "C"`.execute(this.db),
    );
    return r.rows.map((x) => {
      const key = { kind: x.kind, api_group: x.api_group, namespace: x.namespace, name: x.name };
      return {
        ...key,
        revisions: Number(x.revisions),
        firstType: x.f_type as EventType,
        last: { ...key, sequence: Number(x.l_sequence), time: x.l_time, type: x.l_type as EventType, uid: x.l_uid, generation: num(x.l_generation) },
        before:
          x.b_sequence === null
            ? null
            : { ...key, sequence: Number(x.b_sequence), time: x.b_time!, type: x.b_type as EventType, uid: x.b_uid, generation: num(x.b_generation) },
      };
    });
  }

  /** The body of one revision, or null if the log no longer holds it. */
  async body(seq: number): Promise<RevisionBody | null> {
    const m = await this.log.getRawBySeq(seq);
    if (!m) return null;
    const ev = this.log.decode(m);
    const author = authorOf(m.header);
    return { object: ev.object, ...(author ? { author } : {}) };
  }

  /** The body of a revision the answer cannot do without: 410 Gone if the log no longer holds it. */
  async requiredBody(seq: number): Promise<RevisionBody> {
    const b = await this.body(seq);
    if (!b) throw new ApiError('Gone', `too old resource version: ${seq} (that revision has been compacted)`);
    return b;
  }

  /**
   * Bodies of many sequences: from the events mirror where it holds them (one statement), the rest
   * (events mirrored before it kept objects) from the log, READ_CONCURRENCY direct gets in flight;
   * null where compacted.
   */
  async bodies(seqs: readonly number[]): Promise<Map<number, RevisionBody | null>> {
    const todo = [...new Set(seqs)];
    const out = todo.length ? await this.mirroredBodies(todo) : new Map<number, RevisionBody | null>();
    const fromLog = todo.filter((s) => !out.has(s));
    let next = 0;
    const worker = async () => {
      while (next < fromLog.length) {
        const s = fromLog[next++]!;
        out.set(s, await this.body(s));
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, fromLog.length) }, worker));
    return out;
  }

  /**
   * The bodies the events mirror holds for these sequences, each as the log would answer it: null
   * where the log has compacted it. The log keeps the newest `historyPerObject` messages of each
   * subject, and the mirror has a row for each message of an object's subject that the projector
   * read, so a revision is compacted when the mirror has that many newer ones of the same object (a
   * poison message is not mirrored but counts on the log: then a body the log has just dropped may
   * still be served, never one it holds withheld). Sequences the mirror has no object for are left
   * out (read them from the log).
   */
  private async mirroredBodies(seqs: readonly number[]): Promise<Map<number, RevisionBody | null>> {
    const keep = this.log.historyPerObject;
    const newer =
      keep > 0
        ? sql`(select count(*) from (select 1 from events x where x.kind = e.kind and x.api_group = e.api_group and x.namespace = e.namespace and x.name = e.name and x.sequence > e.sequence limit ${keep}) n)`
        : sql`0`;
    const r = await reachableDb(
      sql<{ sequence: string; object: KObject; newer: string } & AuthorRaw>`select e.sequence, e.object, ${newer} as newer, ${AUTHOR_COLUMNS}
        from events e where e.sequence = any(${seqs}::bigint[]) and e.object is not null`.execute(this.db),
    );
    const out = new Map<number, RevisionBody | null>();
    for (const x of r.rows) {
      const seq = Number(x.sequence);
      if (keep > 0 && Number(x.newer) >= keep) {
        out.set(seq, null);
        continue;
      }
      // A Secret is stored sealed (encryption at rest): opened as the log's reader opens it; one no
      // configured key opens is left to the log's path (which answers for it as for any read).
      let stored = x.object;
      if (stored.kind === 'Secret' && stored.apiVersion === 'v1') {
        try {
          stored = openSecret(this.log.encryption, stored);
        } catch (e) {
          if (isDecryptError(e)) continue;
          throw e;
        }
      }
      const author = authorFromRow(x);
      const object = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(seq) } };
      out.set(seq, { object, ...(author ? { author } : {}) });
    }
    return out;
  }
}

interface RawRow {
  sequence: string;
  time: string;
  type: string;
  kind: string;
  api_group: string;
  namespace: string;
  name: string;
  uid: string | null;
  generation: string | null;
}

interface RawChangeRow {
  kind: string;
  api_group: string;
  namespace: string;
  name: string;
  revisions: string;
  f_type: string;
  l_sequence: string;
  l_time: string;
  l_type: string;
  l_uid: string | null;
  l_generation: string | null;
  b_sequence: string | null;
  b_time: string | null;
  b_type: string | null;
  b_uid: string | null;
  b_generation: string | null;
}

const num = (v: string | number | null) => (v === null ? null : Number(v));

/** The events mirror's author columns (migration 2026_12_06_0014). */
const AUTHOR_COLUMNS = sql.raw('user_name, user_groups, user_uid, impersonated_user, impersonated_groups, field_manager, user_agent, request_id');

/** Those columns as the events table (shared/db/schema.ts) types them. */
type AuthorRaw = Pick<EventsTable, 'user_name' | 'user_groups' | 'user_uid' | 'impersonated_user' | 'impersonated_groups' | 'field_manager' | 'user_agent' | 'request_id'>;

function authorFromRow(r: AuthorRaw): Author | undefined {
  const a: Author = {
    ...(r.user_name ? { user: r.user_name } : {}),
    ...(r.user_groups?.length ? { groups: r.user_groups } : {}),
    ...(r.user_uid ? { uid: r.user_uid } : {}),
    ...(r.impersonated_user ? { impersonatedUser: r.impersonated_user } : {}),
    ...(r.impersonated_groups?.length ? { impersonatedGroups: r.impersonated_groups } : {}),
    ...(r.field_manager ? { fieldManager: r.field_manager } : {}),
    ...(r.user_agent ? { userAgent: r.user_agent } : {}),
    ...(r.request_id ? { requestId: r.request_id } : {}),
  };
  return Object.keys(a).length ? a : undefined;
}

function toRow(r: RawRow): RevisionRow {
  return {
    sequence: Number(r.sequence),
    time: r.time,
    type: r.type as EventType,
    kind: r.kind,
    api_group: r.api_group,
    namespace: r.namespace,
    name: r.name,
    uid: r.uid,
    generation: num(r.generation),
  };
}
