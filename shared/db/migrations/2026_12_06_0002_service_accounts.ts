/** The ServiceAccount kind's projection: how many secrets each references. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'serviceaccounts', [['secrets', 'integer', '0']]);
  await compressObjectsWithLz4(db, 'serviceaccounts');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('serviceaccounts').ifExists().execute();
}
