/** The RBAC kinds' projections: Role and ClusterRole (common columns only), bindings with their roleRef. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

const BINDING_COLUMNS = [
  ['role_kind', 'text'],
  ['role_name', 'text'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const t of ['roles', 'clusterroles']) {
    await createObjectTable(db, t, []);
    await compressObjectsWithLz4(db, t);
  }
  for (const t of ['rolebindings', 'clusterrolebindings']) {
    await createObjectTable(db, t, BINDING_COLUMNS);
    await compressObjectsWithLz4(db, t);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']) await db.schema.dropTable(t).ifExists().execute();
}
