/**
 * The ServiceAccounts controller's I/O layer: key = namespace name. A namespace added, or one of
 * its service accounts deleted, puts the namespace on the queue; reconcile creates what
 * missingServiceAccounts names. Creating one that already exists is a no-op (409 AlreadyExists),
 * so a replayed or redelivered event writes nothing.
 */
import type { Namespace, ServiceAccount } from '../../../shared/resources/types.js';
import { isAlreadyExists, isApiError } from '../../../shared/errors.js';
import { gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { startController, WorkQueue, type Informer, type Reconcile } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { missingServiceAccounts } from './plan.js';

export const SERVICE_ACCOUNT_CONTROLLER_NAME = 'serviceaccount';

/** What a ServiceAccounts reconcile works with. */
export interface ServiceAccountReconcilerDeps {
  readonly namespaces: Informer<Namespace>;
  readonly accounts: Informer<ServiceAccount>;
  readonly writer: ObjectWriter;
}

export const serviceAccountController: ControllerFactory = (ctx, { workers }) => {
  const namespaces = ctx.informers.informer<Namespace>('namespaces');
  const accounts = ctx.informers.informer<ServiceAccount>('serviceaccounts');
  const queue = new WorkQueue();

  const handlers = [
    namespaces.addEventHandler({
      onAdd: (ns) => queue.add(ns.metadata.name ?? ''),
      onUpdate: (_old, ns) => queue.add(ns.metadata.name ?? ''),
    }),
    accounts.addEventHandler({ onDelete: (sa) => queue.add(sa.metadata.namespace ?? '') }),
  ];

  return startController({
    name: SERVICE_ACCOUNT_CONTROLLER_NAME,
    informers: [namespaces, accounts],
    queue,
    reconcile: serviceAccountReconciler({ namespaces, accounts, writer: gatewayWriter(ctx.client) }),
    workers,
    handlers,
    log: ctx.log,
  });
};

/** reconcile(namespace name): create the service accounts the namespace lacks. */
export function serviceAccountReconciler({ namespaces, accounts, writer }: ServiceAccountReconcilerDeps): Reconcile {
  const client = writer.resource<ServiceAccount>('serviceaccounts');
  return async (name) => {
    const existing = new Set(accounts.listByNamespace(name).map((sa) => sa.metadata.name ?? ''));
    for (const sa of missingServiceAccounts(namespaces.getByName(undefined, name), existing)) {
      try {
        await client.create(name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: name } });
      } catch (e) {
        // Exists already (our cache was behind), or the namespace began terminating meanwhile.
        if (isAlreadyExists(e) || (isApiError(e) && e.reason === 'Forbidden')) continue;
        throw e;
      }
    }
  };
}
