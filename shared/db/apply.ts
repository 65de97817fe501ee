/**
 * Writing a planned batch: ONE statement (data-modifying CTEs, no parameters) that skips whatever is
 * at or below the checkpoint, upserts rows guarded by resource_version, deletes guarded the same way,
 * inserts mirror rows (ignoring sequences already there) and advances the checkpoint. Row data travels
 * as one JSON document per table that Postgres unpacks, so a batch costs one round trip and one parse
 * per table. Without parameters the text can also be sent inside a multi-statement transaction
 * (`begin; lock; <this>; commit`) in a single round trip.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { columnsOf, keyOf, type PgType } from './columns.js';
import type { BatchPlan } from './plan.js';
import type { Database } from './schema.js';
import { asContentRejected, CHECKPOINT_WENT_BACK } from './errors.js';

export interface ApplyOptions {
  /** Also advance the checkpoint to this sequence (never lowers it). */
  readonly checkpoint?: number;
  /**
   * Fail (and so roll back the caller's transaction) if the checkpoint is below this: the database
   * went back in time (a restore) and the events in between must be applied first.
   */
  readonly expectAtLeast?: number;
}

export interface ApplyResult {
  /** The checkpoint the statement saw before it wrote. */
  readonly previous: number;
}

export { CHECKPOINT_WENT_BACK };

/** The statement for a plan; its one result row has `previous` (the checkpoint it saw). */
export function applySql(plan: BatchPlan, opts: ApplyOptions = {}): string {
  const ctes = ['cp as (select last_seq from checkpoint where id = 1)'];
  let n = 0;
  for (const [table, rows] of plan.upserts) {
    if (rows.length) ctes.push(`w${n++} as (${upsertHead(table)}${jsonLiteral(rows)}${upsertTail(table)})`);
  }
  for (const [table, keys] of plan.deletes) {
    if (keys.length === 0) continue;
    const [head, tail] = deleteParts(table);
    ctes.push(`w${n++} as (${head}${jsonLiteral(keys)}${tail})`);
  }
  if (plan.mirror.length) {
    ctes.push(
      `m as (insert into events (sequence, time, type, kind, namespace, name, uid, generation, labels, owner_uids, ` +
        `user_name, user_groups, user_uid, impersonated_user, impersonated_groups, field_manager, user_agent, request_id, object, api_group) ` +
        `select * from json_to_recordset(${jsonLiteral(plan.mirror)}::json) ` +
        `as r(sequence bigint, time timestamptz, type text, kind text, namespace text, name text, uid text, generation bigint, labels jsonb, owner_uids text[], ` +
        `user_name text, user_groups text[], user_uid text, impersonated_user text, impersonated_groups text[], field_manager text, user_agent text, request_id text, object json, api_group text) ` +
        `where r.sequence > (select last_seq from cp) on conflict (sequence) do nothing)`,
    );
  }
  if (plan.deadLetters.length) {
    ctes.push(
      `x as (insert into dead_letters (sequence, time, subject, reason) ` +
        `select * from json_to_recordset(${jsonLiteral(plan.deadLetters)}::json) ` +
        `as r(sequence bigint, time timestamptz, subject text, reason text) ` +
        `where r.sequence > (select last_seq from cp) on conflict (sequence) do nothing)`,
    );
  }
  if (opts.checkpoint !== undefined) {
    ctes.push(`c as (update checkpoint set last_seq = greatest(last_seq, ${int(opts.checkpoint)}), updated_at = now() where id = 1)`);
  }
  const guard =
    opts.expectAtLeast !== undefined
      ? `, (select case when last_seq < ${int(opts.expectAtLeast)} then ` +
        `(last_seq::text || ' < ${int(opts.expectAtLeast)}: ${CHECKPOINT_WENT_BACK}')::int end from cp) as guard`
      : '';
  return `with ${ctes.join(',\n')}\nselect (select last_seq from cp) as previous${guard}`;
}

/** Execute a plan on `db` (normally inside the caller's transaction). */
export async function applyPlan(db: Kysely<Database>, plan: BatchPlan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  try {
    const r = await sql<{ previous: number }>`${sql.raw(applySql(plan, opts))}`.execute(db);
    return { previous: Number(r.rows[0]?.previous ?? 0) };
  } catch (e) {
    throw asContentRejected(e);
  }
}

function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

/**
 * A JSON document as a dollar-quoted literal. jsonb cannot hold U+0000, so an escaped NUL in any
 * string becomes U+FFFD (the only way an object's content is altered on its way into a table).
 */
export function jsonLiteral(value: unknown): string {
  let json = JSON.stringify(value);
  if (json.includes('\\u0000')) json = json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
  let tag = 'jk';
  while (json.includes(`$${tag}$`)) tag = `jk${randomBytes(4).toString('hex')}`;
  return `$${tag}$${json}$${tag}$`;
}

// ---- statement text, built once per table -----------------------------------------------------------

const heads = new Map<string, string>();
const tails = new Map<string, string>();

function upsertHead(table: string): string {
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

function upsertTail(table: string): string {
  let t = tails.get(table);
  if (!t) {
    const key = keyOf(table);
    const set = columnsOf(table)
      .filter((c) => !key.includes(c.name))
      .map((c) => `"${c.name}" = excluded."${c.name}"`)
      .join(', ');
    t =
      `::jsonb) as r where (r->>'resource_version')::bigint > (select last_seq from cp) ` +
      `on conflict (${key.join(', ')}) do update set ${set} ` +
      `where "${table}".resource_version < excluded.resource_version`;
    tails.set(table, t);
  }
  return t;
}

/** Deletes by key (a shared table's scope columns too), guarded by resource_version like the upserts: the text around the keys' JSON. */
function deleteParts(table: string): readonly [string, string] {
  let parts = deleteTexts.get(table);
  if (!parts) {
    const key = keyOf(table);
    const cols = [...key.map((c) => `${c} text`), 'seq bigint'].join(', ');
    const match = key.map((c) => `t.${c} = d.${c}`).join(' and ');
    parts = [
      `delete from "${table}" t using json_to_recordset(`,
      `::json) as d(${cols}) where ${match} and t.resource_version < d.seq and d.seq > (select last_seq from cp)`,
    ];
    deleteTexts.set(table, parts);
  }
  return parts;
}
const deleteTexts = new Map<string, readonly [string, string]>();

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
