/** Schema-level SQL used by replay: existence checks, history copy, the atomic swap, as-of naming. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../shared/db/index.js';
import type { Gap } from './stream-reader.js';

export async function schemaExists(db: Kysely<Database>, schema: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`select exists (select 1 from pg_namespace where nspname = ${schema}) as ok`.execute(db);
  return r.rows[0]?.ok === true;
}

/** The live schema's checkpoint, or null when it has no checkpoint table (never migrated). */
export async function checkpointOf(db: Kysely<Database>, schema: string): Promise<number | null> {
  const exists = await sql<{ t: string | null }>`select to_regclass(${`"${schema}".checkpoint`})::text as t`.execute(db);
  if (!exists.rows[0]?.t) return null;
  const r = await sql<{ last_seq: number }>`select last_seq from ${sql.table(`${schema}.checkpoint`)} where id = 1`.execute(db);
  return r.rows[0] ? Number(r.rows[0].last_seq) : null;
}

/**
 * Copy mirror rows and dead letters for sequences the log no longer holds (compacted history) from
 * `from`'s tables into those of `db`'s own schema. Returns the mirror rows copied.
 */
export async function copyHistory(db: Kysely<Database>, from: string, gaps: readonly Gap[]): Promise<number> {
  if (gaps.length === 0) return 0;
  let copied = 0;
  for (const table of ['events', 'dead_letters'] as const) {
    const exists = await sql<{ t: string | null }>`select to_regclass(${`"${from}".${table}`})::text as t`.execute(db);
    if (!exists.rows[0]?.t) continue;
    const r = await sql`insert into ${sql.table(table)}
      select l.* from ${sql.table(`${from}.${table}`)} l
      join unnest(${gaps.map((g) => g.after)}::bigint[], ${gaps.map((g) => g.before)}::bigint[]) as g(after_seq, before_seq)
        on l.sequence > g.after_seq and l.sequence < g.before_seq
      on conflict (sequence) do nothing`.execute(db);
    if (table === 'events') copied = Number(r.numAffectedRows ?? 0);
  }
  return copied;
}

/** Inside the caller's transaction: the built schema becomes `live`, the old one is dropped. */
export async function swapSchemas(trx: Kysely<Database>, built: string, live: string, retired: string): Promise<void> {
  if (await schemaExists(trx, live)) {
    await sql`alter schema ${sql.id(live)} rename to ${sql.id(retired)}`.execute(trx);
    await sql`alter schema ${sql.id(built)} rename to ${sql.id(live)}`.execute(trx);
    await sql`drop schema ${sql.id(retired)} cascade`.execute(trx);
  } else {
    await sql`alter schema ${sql.id(built)} rename to ${sql.id(live)}`.execute(trx);
  }
}

/** Give the built schema its final name, replacing an older schema of that name. */
export async function renameReplacing(db: Kysely<Database>, built: string, target: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(target)} cascade`.execute(db);
  await sql`alter schema ${sql.id(built)} rename to ${sql.id(target)}`.execute(db);
}

export async function dropSchema(db: Kysely<Database>, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}
