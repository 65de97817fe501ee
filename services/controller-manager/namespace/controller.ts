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
import { RESOURCES, apiVersionOf, resourceByKind } from '../../../shared/resources/registry.js';
import { isNotFound } from '../../../shared/errors.js';
import { EventRecorder, gatewayWriter, objectPath } from '../../../shared/client/index.js';
import { startController, WorkQueue, type Informer, type ReconcileResult } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { deleteRef, forEachLimited } from '../gc/controller.js';
import { isNamespaceTerminating, needsNamespaceFinalization, planNamespaceDeletion, type NamespacePlan } from './deletion.js';

export const NAMESPACE_CONTROLLER_NAME = 'namespace';

/** Writes in flight at once while emptying one namespace. */
const WRITE_CONCURRENCY = 8;
/** Content deletions within this window are handled by one reconcile (fewer status rewrites). */
const CONTENT_BATCH_MS = 200;

export const namespaceController: ControllerFactory = (ctx, { workers, now }) => {
  const log = ctx.log.child({ controller: NAMESPACE_CONTROLLER_NAME });
  const client = ctx.client;
  const writer = gatewayWriter(client);
  const recorder = new EventRecorder(client, { component: 'namespace-controller', now, log });
  const namespaces = ctx.informers.informer<Namespace>('namespaces');
  const contentKinds = RESOURCES.filter((r) => r.namespaced);
  const content: Informer<KObject>[] = contentKinds.map((r) => ctx.informers.informer<KObject>(r.plural));
  const queue = new WorkQueue();
  /** The last failure message reported per namespace, so a persisting failure is reported once. */
  const reported = new Map<string, string>();

  const terminating = (name: string | undefined): boolean => {
    if (!name) return false;
    const ns = namespaces.getByName(undefined, name);
    return ns !== undefined && isNamespaceTerminating(ns);
  };

  const unregister = [
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

  /** Everything in the namespace, by consistent lists through the gateway (what the projections hold at the log's head). */
  async function liveContent(name: string): Promise<KObject[]> {
    const lists = await Promise.all(
      contentKinds.map(async (info) => {
        const items = await writer.resource(info.plural).listAll(name);
        return items.map((o) => ({ ...o, apiVersion: o.apiVersion || apiVersionOf(info), kind: o.kind || info.kind }));
      }),
    );
    return lists.flat();
  }

  async function reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = namespaces.getByName(undefined, name);
    if (!ns || !isNamespaceTerminating(ns) || !needsNamespaceFinalization(ns)) return;
    let remaining = content.flatMap((i) => i.listByNamespace(name));
    let plan = planNamespaceDeletion(ns, remaining, now());
    if (plan.done) return;
    if (plan.finalize) {
      const live = await liveContent(name);
      if (live.length) {
        log.debug({ namespace: name, remaining: live.length }, 'caches behind: content remains');
        remaining = live;
        plan = planNamespaceDeletion(ns, remaining, now());
      }
    }

    const errors: string[] = [];
    await forEachLimited(plan.deletes, WRITE_CONCURRENCY, async (d) => {
      try {
        await deleteRef(writer, d.target, d.propagationPolicy);
      } catch (e) {
        errors.push(`${resourceByKind(d.target.kind)?.plural ?? d.target.kind} "${d.target.name}": ${(e as Error).message}`);
      }
    });
    // The status reports this round's failures (NamespaceDeletionContentFailure).
    const status = errors.length ? planNamespaceDeletion(ns, remaining, now(), { deleteErrors: errors }).status : plan.status;

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
      await client.request('PUT', objectPath(client.namespaces.info, undefined, name, 'finalize'), body);
      reported.delete(name);
      log.info({ namespace: name }, 'namespace finalized');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  return startController({
    name: NAMESPACE_CONTROLLER_NAME,
    informers: [namespaces, ...content],
    queue,
    reconcile,
    workers,
    recorder,
    handlers: unregister,
    log: ctx.log,
  });
};
