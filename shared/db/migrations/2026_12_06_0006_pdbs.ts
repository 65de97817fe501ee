/** The PodDisruptionBudget kind's projection: the budget (int or percent, as text) and its status counts. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'poddisruptionbudgets', [
    ['min_available', 'text'],
    ['max_unavailable', 'text'],
    ['current_healthy', 'integer', '0'],
    ['desired_healthy', 'integer', '0'],
    ['disruptions_allowed', 'integer', '0'],
    ['expected_pods', 'integer', '0'],
    ['observed_generation', 'bigint', '0'],
  ]);
  await compressObjectsWithLz4(db, 'poddisruptionbudgets');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('poddisruptionbudgets').ifExists().execute();
}
