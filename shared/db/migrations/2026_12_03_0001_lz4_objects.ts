/**
 * The full objects (`object jsonb`, a few KB per pod) are compressed with lz4 instead of pglz:
 * compressing is most of what an upsert costs for objects past the TOAST threshold (measured here:
 * 7,300 → 10,200 rows/s for 2 KB pods, 500 per statement), and the projector and replay write
 * little else. A server built without lz4 keeps the default and says so; rows written before keep
 * their compression until rewritten.
 */
import { sql, type Kysely } from 'kysely';

const setCompression = (method: 'lz4' | 'pglz') => sql`
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT table_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND column_name = 'object' AND data_type = 'jsonb' LOOP
    BEGIN
      EXECUTE format('ALTER TABLE %I ALTER COLUMN object SET COMPRESSION ${sql.raw(method)}', t);
    EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
      RAISE NOTICE 'compression ${sql.raw(method)} is not available: % keeps the default', t;
    END;
  END LOOP;
END $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await setCompression('lz4').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setCompression('pglz').execute(db);
}
