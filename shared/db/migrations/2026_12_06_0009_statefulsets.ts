/** The StatefulSet kind's projection: desired and status counts, revisions, service and pod management policy, images. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'statefulsets', [
    ['replicas', 'integer', '0'],
    ['ready_replicas', 'integer', '0'],
    ['current_replicas', 'integer', '0'],
    ['updated_replicas', 'integer', '0'],
    ['available_replicas', 'integer', '0'],
    ['current_revision', 'text'],
    ['update_revision', 'text'],
    ['service_name', 'text'],
    ['pod_management_policy', 'text'],
    ['observed_generation', 'bigint', '0'],
    ['images', 'text[]', "'{}'"],
  ]);
  await compressObjectsWithLz4(db, 'statefulsets');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('statefulsets').ifExists().execute();
}
