import { reachableDb } from './errors.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The last stream sequence applied to this schema (0: nothing yet). */
export async function readCheckpoint(db: Kysely<Database>): Promise<number> {
  const row = await reachableDb(db.selectFrom('checkpoint').select('last_seq').where('id', '=', 1).executeTakeFirst());
  return row?.last_seq ?? 0;
}

/** Set the checkpoint; call inside the transaction that applied the events up to `seq`. */
export async function writeCheckpoint(db: Kysely<Database>, seq: number): Promise<void> {
  await db
    .updateTable('checkpoint')
    .set({ last_seq: seq, updated_at: sql`now()` })
    .where('id', '=', 1)
    .execute();
}
