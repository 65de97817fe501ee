/** The HorizontalPodAutoscaler kind's projection: its target, replica bounds and status counts. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'horizontalpodautoscalers', [
    ['target_kind', 'text'],
    ['target_name', 'text'],
    ['min_replicas', 'integer', '0'],
    ['max_replicas', 'integer', '0'],
    ['current_replicas', 'integer', '0'],
    ['desired_replicas', 'integer', '0'],
    ['last_scale_time', 'timestamptz'],
  ]);
  await compressObjectsWithLz4(db, 'horizontalpodautoscalers');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('horizontalpodautoscalers').ifExists().execute();
}
