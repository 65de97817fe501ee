/** The DaemonSet and ControllerRevision kinds' projections: a DaemonSet's status counts and node selector; a revision's number. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'daemonsets', [
    ['generation', 'bigint', '0'],
    ['observed_generation', 'bigint', '0'],
    ['desired', 'integer', '0'],
    ['current', 'integer', '0'],
    ['ready', 'integer', '0'],
    ['updated', 'integer', '0'],
    ['available', 'integer', '0'],
    ['misscheduled', 'integer', '0'],
    ['node_selector', 'text'],
    ['images', 'text[]', "'{}'"],
  ]);
  await compressObjectsWithLz4(db, 'daemonsets');
  await createObjectTable(db, 'controllerrevisions', [['revision', 'bigint', '0']]);
  await compressObjectsWithLz4(db, 'controllerrevisions');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('controllerrevisions').ifExists().execute();
  await db.schema.dropTable('daemonsets').ifExists().execute();
}
