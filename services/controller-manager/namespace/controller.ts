/**
 * The namespace controller's I/O layer (Kubernetes' pkg/controller/namespace): key = namespace
 * name. For a namespace with a deletionTimestamp and `kubernetes` still in spec.finalizers it lists
 * what is left in it from the informers of every namespaced kind, runs planNamespaceDeletion,
 * deletes what the plan says (Background, uid precondition), writes status.conditions when they
 * change, and once nothing is left PUTs /finalize so the gateway removes the namespace.
 *
 * Before finalizing, the emptiness the caches report is confirmed with consistent lists through
 * the gateway: an object created just before the namespace began terminating may not have reached
 * its informer yet, and a namespace must never be removed over live content.
 */
import type { KObject } from '../../../shared/resources/meta.js';
import type { Namespace } from '../../../shared/resources/types.js';
import { RESOURCES, allResources, apiVersionOf, resourceByPlural, resourceKey, resourceOf } from '../../../shared/resources/registry.js';
import { CUSTOM_OBJECTS } from '../../../shared/db/custom-objects.js';
import { serveCrd, unserveCrd } from '../../../shared/resources/crd-serving.js';
import type { Crd } from '../../../shared/resources/crd.js';
import { isNotFound } from '../../../shared/errors.js';
import { EventRecorder, gatewayWriter, objectPath, type ObjectWriter } from '../../../shared/client/index.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import { startController, WorkQueue, type Informer, type Reconcile, type ReconcileResult } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { deleteRef, forEachLimited } from '../writes.js';
import { isNamespaceTerminating, needsNamespaceFinalization, planNamespaceDeletion, type NamespacePlan } from './deletion.js';

export const NAMESPACE_CONTROLLER_NAME = 'namespace';

/** Writes in flight at once while emptying one namespace. */
const WRITE_CONCURRENCY = 8;
/** Content deletions within this window are handled by one reconcile (fewer status rewrites). */
const CONTENT_BATCH_MS = 200;

export const namespaceController: ControllerFactory = (ctx, { workers, now }) => {
  const log = ctx.log.child({ controller: NAMESPACE_CONTROLLER_NAME });
  const client = ctx.client;
  const recorder = new EventRecorder(client, { component: 'namespace-controller', now, log });
  const namespaces = ctx.informers.informer<Namespace>('namespaces');
  const content: Informer<KObject>[] = RESOURCES.filter((r) => r.namespaced).map((r) => ctx.informers.informer<KObject>(r.plural));
  // CRDs: their kinds are served in this process too, so a namespace's custom resources are listed
  // (through the gateway) and deleted with it.
  const crds = ctx.informers.informer<KObject>('customresourcedefinitions');
  const queue = new WorkQueue();
  /** The last failure message reported per namespace, so a persisting failure is reported once. */
  const reported = new Map<string, string>();
  const reconcile = namespaceReconciler({
    namespaces,
    content,
    writer: gatewayWriter(client),
    finalize: (name, body) => client.request('PUT', objectPath(client.namespaces.info, undefined, name, 'finalize'), body),
    clock: { now },
    recorder,
    reported,
    log,
  });

  const terminating = (name: string | undefined): boolean => {
    if (!name) return false;
    const ns = namespaces.getByName(undefined, name);
    return ns !== undefined && isNamespaceTerminating(ns);
  };

  const serve = (crd: KObject) => {
    if (crd.metadata.deletionTimestamp) return;
    try {
      serveCrd(crd as Crd);
    } catch (e) {
      log.debug({ err: e, crd: crd.metadata.name }, 'CRD not served here');
    }
  };
  const unregister = [
    crds.addEventHandler({
      onAdd: serve,
      onUpdate: (_old, crd) => serve(crd),
      onDelete: (crd) => unserveCrd(crd.metadata.name ?? ''),
    }),
    namespaces.addEventHandler({
      onAdd: (ns) => {
        if (isNamespaceTerminating(ns)) queue.add(ns.metadata.name ?? '');
      },
      onUpdate: (_old, ns) => {
        if (isNamespaceTerminating(ns)) queue.add(ns.metadata.name ?? '');
      },
      onDelete: (ns) => {
        reported.delete(ns.metadata.name ?? '');
      },
    }),
    ...content.map((inf) =>
      inf.addEventHandler({
        // Something arrived late in a terminating namespace, or something in it went: look again.
        onAdd: (obj) => {
          if (terminating(obj.metadata.namespace)) queue.addAfter(obj.metadata.namespace!, CONTENT_BATCH_MS);
        },
        onDelete: (obj) => {
          if (terminating(obj.metadata.namespace)) queue.addAfter(obj.metadata.namespace!, CONTENT_BATCH_MS);
        },
      }),
    ),
  ];

  return startController({
    name: NAMESPACE_CONTROLLER_NAME,
    informers: [namespaces, crds, ...content],
    queue,
    reconcile,
    workers,
    recorder,
    handlers: unregister,
    log: ctx.log,
  });
};

/** What a namespace reconcile works with: the namespace informer, one informer per namespaced kind, the writer port and a clock. */
export interface NamespaceReconcilerDeps {
  readonly namespaces: Informer<Namespace>;
  readonly content: readonly Informer<KObject>[];
  readonly writer: ObjectWriter;
  /** PUT /api/v1/namespaces/<name>/finalize with this body (not part of the writer port: only this controller calls it). */
  readonly finalize: (name: string, body: object) => Promise<unknown>;
  readonly clock: Clock;
  readonly recorder: Pick<EventRecorder, 'record'>;
  /** The last failure message reported per namespace, so a persisting failure is reported once. */
  readonly reported: Map<string, string>;
  readonly log: Logger;
}

/** reconcile(namespace name) (see the top of this file). */
export function namespaceReconciler(deps: NamespaceReconcilerDeps): Reconcile {
  const { namespaces, content, writer, recorder, reported, log } = deps;
  const contentKinds = content.map((i) => {
    const info = resourceByPlural(i.plural);
    if (!info) throw new Error(`unknown resource ${i.plural}`);
    return info;
  });

  /** Everything in the namespace, by consistent lists through the gateway (what the projections hold at the log's head); CRDs' kinds included. */
  async function liveContent(name: string): Promise<KObject[]> {
    const custom = allResources().filter((r) => r.namespaced && r.table === CUSTOM_OBJECTS && !contentKinds.includes(r));
    const lists = await Promise.all(
      [...contentKinds, ...custom].map(async (info) => {
        const items = await writer.resource(resourceKey(info)).listAll(name);
        return items.map((o) => ({ ...o, apiVersion: o.apiVersion || apiVersionOf(info), kind: o.kind || info.kind }));
      }),
    );
    return lists.flat();
  }

  async function reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = namespaces.getByName(undefined, name);
    if (!ns || !isNamespaceTerminating(ns) || !needsNamespaceFinalization(ns)) return;
    let remaining = content.flatMap((i) => i.listByNamespace(name));
    let plan = planNamespaceDeletion(ns, remaining, deps.clock.now());
    if (plan.done) return;
    if (plan.finalize) {
      const live = await liveContent(name);
      if (live.length) {
        log.debug({ namespace: name, remaining: live.length }, 'caches behind: content remains');
        remaining = live;
        plan = planNamespaceDeletion(ns, remaining, deps.clock.now());
      }
    }

    const errors: string[] = [];
    await forEachLimited(plan.deletes, WRITE_CONCURRENCY, async (d) => {
      try {
        await deleteRef(writer, d.target, d.propagationPolicy);
      } catch (e) {
        errors.push(`${resourceOf(d.target.apiVersion, d.target.kind)?.plural ?? d.target.kind} "${d.target.name}": ${(e as Error).message}`);
      }
    });
    // The status reports this round's failures (NamespaceDeletionContentFailure).
    const status = errors.length ? planNamespaceDeletion(ns, remaining, deps.clock.now(), { deleteErrors: errors }).status : plan.status;

    let rv = ns.metadata.resourceVersion;
    if (status) {
      const updated = await writer.resource<Namespace>('namespaces').updateStatus({ ...ns, status } as Namespace);
      rv = updated.metadata.resourceVersion;
    }

    if (errors.length) {
      const message = `Failed to delete some content of namespace ${name}: ${errors.sort().join('; ')}`;
      if (reported.get(name) !== message) {
        reported.set(name, message);
        recorder.record(ns, 'Warning', 'NamespaceDeletionContentFailure', message);
      }
      throw new Error(message);
    }

    if (plan.finalize) {
      await finalize(ns, plan.finalize, rv);
      return;
    }
    return plan.requeueAfterSeconds ? { requeueAfter: plan.requeueAfterSeconds * 1000 } : undefined;
  }

  /** PUT /api/v1/namespaces/<name>/finalize: the gateway removes the namespace once spec.finalizers is empty. */
  async function finalize(ns: Namespace, f: NonNullable<NamespacePlan['finalize']>, rv: string | undefined): Promise<void> {
    const name = ns.metadata.name ?? '';
    const body = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, ...(ns.metadata.uid ? { uid: ns.metadata.uid } : {}), ...(rv ? { resourceVersion: rv } : {}) },
      spec: { finalizers: f.finalizers },
    };
    try {
      await deps.finalize(name, body);
      reported.delete(name);
      log.info({ namespace: name }, 'namespace finalized');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  return reconcile;
}
