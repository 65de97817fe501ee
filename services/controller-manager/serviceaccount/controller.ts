/**
 * The ServiceAccounts controller's I/O layer: key = namespace name. A namespace added, or one of
 * its service accounts deleted, puts the namespace on the queue; reconcile creates what
 * missingServiceAccounts names. Creating one that already exists is a no-op (409 AlreadyExists),
 * so a replayed or redelivered event writes nothing.
 */
import type { Namespace, ServiceAccount } from '../../../shared/resources/types.js';
import { isAlreadyExists, isApiError } from '../../../shared/errors.js';
import { runController, WorkQueue } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { missingServiceAccounts } from './plan.js';

export const SERVICE_ACCOUNT_CONTROLLER_NAME = 'serviceaccount';

export const serviceAccountController: ControllerFactory = (ctx, { workers }) => {
  const namespaces = ctx.informers.informer<Namespace>('namespaces');
  const accounts = ctx.informers.informer<ServiceAccount>('serviceaccounts');
  const queue = new WorkQueue();
  const syncedP = Promise.all([namespaces.waitForSync(), accounts.waitForSync()]);
  syncedP.catch(() => undefined);

  const unregister = [
    namespaces.addEventHandler({
      onAdd: (ns) => queue.add(ns.metadata.name ?? ''),
      onUpdate: (_old, ns) => queue.add(ns.metadata.name ?? ''),
    }),
    accounts.addEventHandler({ onDelete: (sa) => queue.add(sa.metadata.namespace ?? '') }),
  ];

  async function reconcile(name: string): Promise<void> {
    await syncedP;
    const existing = new Set(accounts.listByNamespace(name).map((sa) => sa.metadata.name ?? ''));
    for (const sa of missingServiceAccounts(namespaces.getByName(undefined, name), existing)) {
      try {
        await ctx.client.serviceAccounts.create(name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: name } });
      } catch (e) {
        // Exists already (our cache was behind), or the namespace began terminating meanwhile.
        if (isAlreadyExists(e) || (isApiError(e) && e.reason === 'Forbidden')) continue;
        throw e;
      }
    }
  }

  const handle = runController({ name: SERVICE_ACCOUNT_CONTROLLER_NAME, queue, workers, reconcile, log: ctx.log });
  return {
    name: SERVICE_ACCOUNT_CONTROLLER_NAME,
    async stop() {
      for (const u of unregister) u();
      await handle.stop();
    },
  };
};
