/**
 * The bootstrap RBAC policy (shared/auth/rbac/bootstrap.ts) at every start: created where missing,
 * and where present reconciled (shared/auth/rbac/reconcile.ts: what it lacks is added, nothing is
 * removed, `autoupdate: "false"` leaves it alone), each write with the resourceVersion it read.
 * Idempotent: a second start writes nothing.
 */
import { isAlreadyExists, isConflict } from '../../../shared/errors.js';
import { resourceByKind } from '../../../shared/resources/registry.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, reconcileBootstrap } from '../../../shared/auth/rbac/index.js';
import type { ClusterRole, ClusterRoleBinding } from '../../../shared/resources/rbac.js';
import type { ObjectStore } from '../store.js';

const MANAGER = 'jetkube-bootstrap';

/** How many objects were created and updated. */
export async function ensureBootstrapPolicy(store: ObjectStore): Promise<{ created: number; updated: number }> {
  let created = 0;
  let updated = 0;
  for (const wanted of [...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()] as (ClusterRole | ClusterRoleBinding)[]) {
    const info = resourceByKind(wanted.kind)!;
    const name = wanted.metadata.name!;
    for (let attempt = 0; attempt < 3; attempt++) {
      const live = await store.getLive(info, '', name);
      try {
        if (!live) {
          await store.create(info, '', wanted, { manager: MANAGER });
          created++;
        } else {
          const next = reconcileBootstrap({ ...live.object, metadata: { ...live.object.metadata, resourceVersion: String(live.seq) } } as typeof wanted, wanted);
          if (next) {
            await store.update(info, '', name, next, { manager: MANAGER });
            updated++;
          }
        }
        break;
      } catch (e) {
        if (!isAlreadyExists(e) && !isConflict(e)) throw e; // another gateway wrote it meanwhile: read again
      }
    }
  }
  return { created, updated };
}
