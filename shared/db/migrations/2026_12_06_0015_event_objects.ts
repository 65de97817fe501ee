/**
 * The object after each event in the events mirror, as `json` (its text as the log holds it: key
 * order kept, unlike jsonb), so the history API reads a page's bodies in one statement instead of
 * one direct get each from the log. Null for events mirrored before this migration (those are read
 * from the log, as before).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('object', 'json').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('object').execute();
}
