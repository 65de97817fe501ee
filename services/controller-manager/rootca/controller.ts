/**
 * The root CA publisher's I/O layer: key = namespace name. A namespace added or updated to Active,
 * or its `kube-root-ca.crt` updated or deleted, puts the namespace on the queue; reconcile writes
 * what planRootCA says. A create that finds it there already (409 AlreadyExists: our cache was
 * behind) or a namespace gone or terminating meanwhile (404, 403) is success; an update on a stale
 * resourceVersion (409 Conflict) is retried by the queue with a fresher cache.
 *
 * The CA comes in through ControllerOptions.clusterCA (the controller-manager reads it once at
 * start); without one the controller does not start and says why.
 */
import type { ConfigMap, Namespace } from '../../../shared/resources/types.js';
import { isAlreadyExists, isApiError, isNotFound } from '../../../shared/errors.js';
import { gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { startController, WorkQueue, type Informer, type Reconcile, type RunningController } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { planRootCA, ROOT_CA_CONFIGMAP } from './plan.js';

export const ROOT_CA_CONTROLLER_NAME = 'rootcacertpublisher';

export interface RootCAReconcilerDeps {
  readonly namespaces: Informer<Namespace>;
  readonly configMaps: Informer<ConfigMap>;
  readonly writer: ObjectWriter;
  /** The cluster CA certificate(s), PEM. */
  readonly caPem: string;
}

export const rootCACertPublisher: ControllerFactory = (ctx, { workers, clusterCA }) => {
  if (!clusterCA) {
    ctx.log.warn({ controller: ROOT_CA_CONTROLLER_NAME }, 'root CA publisher not started: no cluster CA configured (JETKUBE_DATA_DIR or CLUSTER_CA_FILE)');
    return idle();
  }
  const namespaces = ctx.informers.informer<Namespace>('namespaces');
  const configMaps = ctx.informers.informer<ConfigMap>('configmaps');
  const queue = new WorkQueue();
  const ours = (cm: ConfigMap) => cm.metadata.name === ROOT_CA_CONFIGMAP;

  const handlers = [
    namespaces.addEventHandler({
      onAdd: (ns) => queue.add(ns.metadata.name ?? ''),
      onUpdate: (_old, ns) => {
        if (ns.status?.phase === 'Active' || !ns.status?.phase) queue.add(ns.metadata.name ?? '');
      },
    }),
    configMaps.addEventHandler({
      onUpdate: (_old, cm) => ours(cm) && queue.add(cm.metadata.namespace ?? ''),
      onDelete: (cm) => ours(cm) && queue.add(cm.metadata.namespace ?? ''),
    }),
  ];

  return startController({
    name: ROOT_CA_CONTROLLER_NAME,
    informers: [namespaces, configMaps],
    queue,
    reconcile: rootCAReconciler({ namespaces, configMaps, writer: gatewayWriter(ctx.client), caPem: clusterCA }),
    workers,
    handlers,
    log: ctx.log,
  });
};

/** reconcile(namespace name): make its kube-root-ca.crt what planRootCA wants. */
export function rootCAReconciler({ namespaces, configMaps, writer, caPem }: RootCAReconcilerDeps): Reconcile {
  const client = writer.resource<ConfigMap>('configmaps');
  return async (name) => {
    const action = planRootCA(namespaces.getByName(undefined, name), configMaps.getByName(name, ROOT_CA_CONFIGMAP), caPem);
    try {
      if (action.kind === 'create') await client.create(name, action.configMap);
      else if (action.kind === 'update') await client.update(action.configMap);
    } catch (e) {
      if (action.kind === 'create' && (isAlreadyExists(e) || isNotFound(e) || (isApiError(e) && e.reason === 'Forbidden'))) return;
      if (action.kind === 'update' && isNotFound(e)) return; // deleted meanwhile: its delete event requeues
      throw e;
    }
  };
}

/** A controller that does nothing: what runs when there is no CA to publish. */
function idle(): RunningController {
  return { name: ROOT_CA_CONTROLLER_NAME, stop: async () => undefined };
}
