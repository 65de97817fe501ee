/**
 * Compare two projection schemas row for row (every column of every table, the events mirror, the
 * dead letters and the checkpoint). Used by tests and by `replay` callers that want to verify a rebuild.
 */
import { sql, type Kysely } from 'kysely';
import { OBJECT_TABLES } from './columns.js';

export interface TableDiff {
  readonly table: string;
  /** Rows in `a` with no identical row in `b`, and the reverse. */
  readonly onlyInA: number;
  readonly onlyInB: number;
}

/** Tables whose contents differ (empty: identical). `db` may use any search_path. */
export async function diffSchemas<DB>(db: Kysely<DB>, a: string, b: string): Promise<TableDiff[]> {
  const out: TableDiff[] = [];
  for (const table of [...OBJECT_TABLES, 'events', 'dead_letters']) {
    const [onlyInA, onlyInB] = await Promise.all([exceptCount(db, a, b, table), exceptCount(db, b, a, table)]);
    if (onlyInA || onlyInB) out.push({ table, onlyInA, onlyInB });
  }
  const cp = await sql<{ a: number; b: number }>`
    select (select last_seq from ${sql.table(`${a}.checkpoint`)}) as a, (select last_seq from ${sql.table(`${b}.checkpoint`)}) as b`.execute(db);
  const row = cp.rows[0];
  if (!row || Number(row.a) !== Number(row.b)) out.push({ table: 'checkpoint', onlyInA: 1, onlyInB: 1 });
  return out;
}

/** Rows compared as their text (a json column, such as the events' objects, has no equality operator). */
async function exceptCount<DB>(db: Kysely<DB>, x: string, y: string, table: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*) as n from (select t::text from ${sql.table(`${x}.${table}`)} t except all select t::text from ${sql.table(`${y}.${table}`)} t) d`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
