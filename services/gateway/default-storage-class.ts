/**
 * The default StorageClass every cluster starts with (k3s ships its local-path class the same way):
 * `local-path`, the built-in provisioner, WaitForFirstConsumer, reclaim Delete, marked default.
 * Created at gateway start when missing; one an administrator changed is left as it is.
 */
import type { ObjectStore } from './store.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { isAlreadyExists } from '../../shared/errors.js';
import { defaultStorageClass } from '../../shared/storage/local-path.js';

export async function ensureDefaultStorageClass(store: ObjectStore): Promise<void> {
  const info = resourceByPlural('storageclasses')!;
  const sc = defaultStorageClass();
  if (await store.getLive(info, '', sc.metadata.name ?? '')) return;
  try {
    await store.create(info, '', sc);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}
