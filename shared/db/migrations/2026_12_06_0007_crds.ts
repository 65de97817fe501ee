/** The CustomResourceDefinition kind's projection: group, plural, kind, scope and whether it is established. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'customresourcedefinitions', [
    ['api_group', 'text'],
    ['plural', 'text'],
    ['kind', 'text'],
    ['scope', 'text'],
    ['established', 'boolean', 'false'],
  ]);
  await compressObjectsWithLz4(db, 'customresourcedefinitions');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('customresourcedefinitions').ifExists().execute();
}
