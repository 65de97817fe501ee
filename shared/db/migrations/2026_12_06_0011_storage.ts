/** PersistentVolume, PersistentVolumeClaim and StorageClass projections: phase, capacity, class, binding. */
import type { Kysely } from 'kysely';
import { compressObjectsWithLz4, createObjectTable } from './object-table.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createObjectTable(db, 'persistentvolumes', [
    ['phase', 'text'],
    ['capacity', 'text'],
    ['storage_class', 'text'],
    ['reclaim_policy', 'text'],
    ['claim_ref', 'text'],
    ['claim_uid', 'text'],
    ['access_modes', 'text[]', "'{}'"],
  ]);
  await createObjectTable(db, 'persistentvolumeclaims', [
    ['phase', 'text'],
    ['volume_name', 'text'],
    ['storage_class', 'text'],
    ['requested', 'text'],
    ['capacity', 'text'],
    ['selected_node', 'text'],
  ]);
  await createObjectTable(db, 'storageclasses', [
    ['provisioner', 'text'],
    ['reclaim_policy', 'text'],
    ['volume_binding_mode', 'text'],
    ['is_default', 'boolean', 'false'],
  ]);
  for (const t of ['persistentvolumes', 'persistentvolumeclaims', 'storageclasses']) await compressObjectsWithLz4(db, t);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['storageclasses', 'persistentvolumeclaims', 'persistentvolumes']) await db.schema.dropTable(t).ifExists().execute();
}
