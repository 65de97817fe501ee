/** The Ingress and IngressClass kinds' projections: an Ingress's class and hosts, an IngressClass's controller. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'ingresses', [
    ['ingress_class', 'text'],
    ['hosts', 'text[]', `'{}'`],
  ]);
  await compressObjectsWithLz4(db, 'ingresses');
  await createObjectTable(db, 'ingressclasses', [['controller', 'text']]);
  await compressObjectsWithLz4(db, 'ingressclasses');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ingresses').ifExists().execute();
  await db.schema.dropTable('ingressclasses').ifExists().execute();
}
