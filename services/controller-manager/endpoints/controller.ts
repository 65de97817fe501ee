/**
 * The Endpoints controller's I/O layer (Kubernetes' pkg/controller/endpoint): key = the service's
 * `namespace/name`, which is also its Endpoints' key. Handlers only enqueue: a service on any of
 * its events; every service of the pod's namespace that selects the pod's old or new labels when
 * a pod comes, goes, or changes in a way that can move an address (podEndpointsChanged); and the
 * Endpoints' own key on any Endpoints event, so a hand edit is put back.
 *
 * reconcile(key), level-based over the caches:
 *   1. service deleted (or, at start, absent) → delete the same-named Endpoints, as Kubernetes does, once the gateway
 *      confirms the service is really gone (its ADDED event may not have reached this cache yet,
 *      and a selector-less service's hand-written Endpoints must not be lost to that race);
 *      preconditions uid and resourceVersion, a 404 is success;
 *   2. service without a selector → leave its Endpoints alone;
 *   3. otherwise compute the subsets (plan.ts) and write only when subsets or labels differ from
 *      what is stored: create, or PUT with the observed resourceVersion (409 → requeue, never
 *      force). A create that finds the object exists means the cache is behind: look again later.
 *
 * Nothing is written when nothing changed, so a redelivered, replayed or resynced event (or a
 * restart, which replays everything) writes nothing.
 */
import type { Endpoints, Pod, Service } from '../../../shared/resources/types.js';
import type { KObject } from '../../../shared/resources/meta.js';
import { isAlreadyExists, isApiError, isNotFound } from '../../../shared/errors.js';
import { gatewayWriter } from '../../../shared/client/index.js';
import { WorkQueue, objectKey, startController, terminal, type ReconcileResult } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { desiredSubsets, endpointsFor, endpointsNeedWrite, isManagedService, isOrphanDeletable, podEndpointsChanged, selectsPod } from './index.js';

export const ENDPOINTS_CONTROLLER_NAME = 'endpoints';

/** How soon to look again when a create finds the Endpoints already there (its event is on the way). */
const CACHE_LAG_REQUEUE_MS = 500;

export const endpointsController: ControllerFactory = (ctx, { workers }) => {
  const log = ctx.log.child({ controller: ENDPOINTS_CONTROLLER_NAME });
  const services = ctx.informers.informer<Service>('services');
  const pods = ctx.informers.informer<Pod>('pods');
  const endpoints = ctx.informers.informer<Endpoints>('endpoints');
  const writer = gatewayWriter(ctx.client);
  const endpointsClient = writer.resource<Endpoints>('endpoints');
  const queue = new WorkQueue();

  // ------------------------------------------------------------------ handlers: keys only

  const enqueue = (obj: KObject): void => queue.add(objectKey(obj));
  /**
   * Services seen deleted (and, at start, Endpoints found without a service, Kubernetes'
   * checkLeftoverEndpoints): only these keys' Endpoints are deleted as orphans. An Endpoints
   * written before its selector-less Service (one `apply` of both) is the user's, not an orphan.
   */
  const gone = new Set<string>();

  /** Every service of the pod's namespace that selects it with any of the given label sets. */
  function enqueueServicesOf(pod: Pod, ...labelSets: (Record<string, string> | undefined)[]): void {
    for (const svc of services.listByNamespace(pod.metadata.namespace ?? '')) {
      if (labelSets.some((labels) => selectsPod(svc, pod, labels))) enqueue(svc);
    }
  }

  const unregister = [
    services.addEventHandler({
      onAdd: (svc) => {
        gone.delete(objectKey(svc));
        enqueue(svc);
      },
      onUpdate: (_old, svc) => enqueue(svc),
      onDelete: (svc) => {
        gone.add(objectKey(svc));
        enqueue(svc);
      },
    }),
    pods.addEventHandler({
      onAdd: (pod) => enqueueServicesOf(pod, pod.metadata.labels),
      onUpdate: (old, pod) => {
        // A resync (same version) or a change no address depends on: nothing to do.
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion || !podEndpointsChanged(old, pod)) return;
        enqueueServicesOf(pod, old.metadata.labels, pod.metadata.labels);
      },
      onDelete: (pod) => enqueueServicesOf(pod, pod.metadata.labels),
    }),
    endpoints.addEventHandler({ onAdd: enqueue, onUpdate: (_old, ep) => enqueue(ep), onDelete: enqueue }),
  ];

  // ------------------------------------------------------------------ reconcile

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const svc = services.get(key);
    const current = endpoints.get(key);
    if (!svc) {
      if (current && gone.has(key)) await deleteOrphan(current);
      if (!current) gone.delete(key);
      return;
    }
    if (!isManagedService(svc)) return;
    const subsets = desiredSubsets(svc, pods.listByNamespace(svc.metadata.namespace ?? ''));
    if (!endpointsNeedWrite(current, svc, subsets)) return;
    const desired = endpointsFor(svc, subsets, current);
    if (current) {
      await endpointsClient.update(desired);
      log.debug({ key, subsets: subsets.length }, 'endpoints updated');
      return;
    }
    return await create(key, desired);
  }

  async function create(key: string, desired: Endpoints): Promise<ReconcileResult | void> {
    try {
      await endpointsClient.create(desired.metadata.namespace, desired);
      log.debug({ key }, 'endpoints created');
    } catch (e) {
      if (isAlreadyExists(e)) {
        log.debug({ key }, 'endpoints exist but are not cached yet; looking again');
        return { requeueAfter: CACHE_LAG_REQUEUE_MS };
      }
      // The namespace is being terminated: creates keep failing until the service itself goes.
      if (isApiError(e) && e.reason === 'Forbidden') throw terminal(e);
      throw e;
    }
  }

  /** The service is gone from the cache: delete its Endpoints if the gateway agrees it is gone. */
  async function deleteOrphan(ep: Endpoints): Promise<void> {
    if (!isOrphanDeletable(ep) || ep.metadata.deletionTimestamp) return;
    const { namespace, name, uid, resourceVersion } = ep.metadata;
    if (await serviceExists(namespace, name ?? '')) return; // its ADDED event will bring the key back
    try {
      await endpointsClient.delete(namespace, name ?? '', { preconditions: { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) } });
      log.debug({ key: objectKey(ep) }, 'endpoints of a deleted service deleted');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async function serviceExists(namespace: string | undefined, name: string): Promise<boolean> {
    try {
      await writer.resource<Service>('services').get(namespace, name);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Endpoints left without their service while we were not running (checkLeftoverEndpoints). */
  function leftovers(): void {
    for (const ep of endpoints.list()) {
      const key = objectKey(ep);
      if (!services.get(key)) {
        gone.add(key);
        queue.add(key);
      }
    }
  }

  return startController({
    name: ENDPOINTS_CONTROLLER_NAME,
    informers: [services, pods, endpoints],
    queue,
    reconcile,
    workers,
    handlers: unregister,
    onSynced: leftovers,
    log,
  });
};
