/** Create the bootstrap RBAC policy (shared/auth/rbac/bootstrap.ts) where it is missing. Idempotent; existing objects are left as they are. */
import { isAlreadyExists } from '../../../shared/errors.js';
import { resourceByKind } from '../../../shared/resources/registry.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../../../shared/auth/rbac/index.js';
import type { ObjectStore } from '../store.js';

export async function ensureBootstrapPolicy(store: ObjectStore): Promise<number> {
  let created = 0;
  for (const obj of [...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()]) {
    const info = resourceByKind(obj.kind)!;
    if (await store.getLive(info, '', obj.metadata.name!)) continue;
    try {
      await store.create(info, '', obj, { manager: 'jetkube-bootstrap' });
      created++;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  return created;
}
