/** One projection table for every kind defined at run time (shared/db/custom-objects.ts). */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'custom_objects', [], ['api_group', 'kind']);
  await compressObjectsWithLz4(db, 'custom_objects');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('custom_objects').ifExists().execute();
}
