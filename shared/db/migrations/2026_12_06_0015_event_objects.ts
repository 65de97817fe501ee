/**
 * The object after each event in the events mirror, as `json` (its text as the log holds it: key
 * order kept, unlike jsonb), so the history API reads a page's bodies in one statement instead of
 * one direct get each from the log. Null for events mirrored before this migration (those are read
 * from the log, as before). Compressed with lz4 like the object tables' (2026_12_03_0001) where the
 * server has it: a pod is past the TOAST threshold, and compressing is most of what writing it costs.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('object', 'json').execute();
  await sql`
DO $$
BEGIN
  ALTER TABLE events ALTER COLUMN object SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'compression lz4 is not available: events.object keeps the default';
END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('object').execute();
}
