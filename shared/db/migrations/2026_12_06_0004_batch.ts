/**
 * The batch/v1 kinds' projections: Jobs with their counts, parallelism, suspension, STATUS word
 * and times; CronJobs with their schedule, zone, suspension, active count and last schedules.
 */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'jobs', [
    ['generation', 'bigint', '0'],
    ['completions', 'integer'],
    ['parallelism', 'integer'],
    ['suspend', 'boolean', 'false'],
    ['succeeded', 'integer', '0'],
    ['failed', 'integer', '0'],
    ['active', 'integer', '0'],
    ['ready', 'integer', '0'],
    ['status', 'text'],
    ['start_time', 'timestamptz'],
    ['completion_time', 'timestamptz'],
    ['images', 'text[]', "'{}'"],
  ]);
  await compressObjectsWithLz4(db, 'jobs');
  await createObjectTable(db, 'cronjobs', [
    ['generation', 'bigint', '0'],
    ['schedule', 'text'],
    ['time_zone', 'text'],
    ['suspend', 'boolean', 'false'],
    ['active', 'integer', '0'],
    ['last_schedule_time', 'timestamptz'],
    ['last_successful_time', 'timestamptz'],
    ['images', 'text[]', "'{}'"],
  ]);
  await compressObjectsWithLz4(db, 'cronjobs');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cronjobs').ifExists().execute();
  await db.schema.dropTable('jobs').ifExists().execute();
}
