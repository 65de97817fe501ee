/**
 * The DaemonSet controller's I/O layer (Kubernetes' pkg/controller/daemon): handlers that only
 * enqueue DaemonSet keys — the DaemonSet itself, the controller of a pod or ControllerRevision
 * that changed, every DaemonSet when a node comes, goes or changes what decides eligibility — and
 * a reconcile that claims the namespace's pods and ControllerRevisions (adopting matching orphans,
 * releasing what no longer matches, as ClaimPods does), feeds planDaemonSet from the caches and
 * executes its actions in order, each
 * with the precondition it observed, stopping at the first error (409: the cache was stale, the
 * key is requeued and planned again).
 *
 * Idempotent by construction: pods have deterministic names (AlreadyExists = already done),
 * deletes carry the uid they saw (NotFound = already done), and a converged DaemonSet plans
 * nothing, so a redelivered event or a restart mid-work writes no duplicate.
 */
import type { Node, Pod } from '../../../shared/resources/types.js';
import type { ControllerRevision, DaemonSet } from '../../../shared/resources/daemonset-types.js';
import type { KObject } from '../../../shared/resources/meta.js';
import type { Informer, Reconcile, ReconcileResult } from '../../../shared/informer/index.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import { WorkQueue, objectKey, startController } from '../../../shared/informer/index.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { isAlreadyExists, isNotFound } from '../../../shared/errors.js';
import { deepEqual } from '../../../shared/resources/json.js';
import type { ControllerFactory } from '../manager.js';
import { dependentsHandler } from '../owner-enqueue.js';
import { claimObjects } from '../claim-objects.js';
import { writeRevision } from '../revision-writes.js';
import { planDaemonSet, type DaemonSetAction } from './plan.js';
import { FailedPodBackoff } from './backoff.js';

export const DAEMONSET_CONTROLLER = 'daemonset-controller';

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface DaemonSetReconcilerDeps {
  readonly daemonSets: Informer<DaemonSet>;
  readonly nodes: Informer<Node>;
  readonly pods: Informer<Pod>;
  readonly revisions: Informer<ControllerRevision>;
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
  /** The failed-pods back-off (a fresh one by default). */
  readonly backoff?: FailedPodBackoff;
}

/** What in a node decides where daemon pods go: labels, taints, unschedulable, readiness. */
function eligibilityChanged(a: Node, b: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return !deepEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {}) || !deepEqual(a.spec ?? {}, b.spec ?? {}) || ready(a) !== ready(b);
}

export const daemonSetController: ControllerFactory = (ctx, opts) => {
  const log = ctx.log.child({ controller: 'daemonset' });
  const dsInf = ctx.informers.informer<DaemonSet>('daemonsets');
  const nodeInf = ctx.informers.informer<Node>('nodes');
  const podInf = ctx.informers.informer<Pod>('pods');
  const crInf = ctx.informers.informer<ControllerRevision>('controllerrevisions');
  const recorder = new EventRecorder(ctx.client, { component: DAEMONSET_CONTROLLER, now: opts.now, log });
  const queue = new WorkQueue();
  const reconcile = daemonSetReconciler({
    daemonSets: dsInf,
    nodes: nodeInf,
    pods: podInf,
    revisions: crInf,
    writer: gatewayWriter(ctx.client),
    clock: { now: opts.now },
    recorder,
    log,
  });

  const enqueue = (ds: KObject) => queue.add(objectKey(ds));
  const enqueueAll = () => {
    for (const ds of dsInf.list()) enqueue(ds);
  };
  const dependents = dependentsHandler(dsInf, 'DaemonSet', enqueue);

  const handlers = [
    dsInf.addEventHandler({ onAdd: enqueue, onUpdate: (_o, ds) => enqueue(ds), onDelete: enqueue }),
    nodeInf.addEventHandler({
      onAdd: () => enqueueAll(),
      onUpdate: (old, node) => {
        if (eligibilityChanged(old, node)) enqueueAll();
      },
      onDelete: () => enqueueAll(),
    }),
    podInf.addEventHandler(dependents),
    crInf.addEventHandler(dependents),
  ];

  return startController({
    name: 'daemonset',
    informers: [dsInf, nodeInf, podInf, crInf],
    queue,
    reconcile,
    workers: opts.workers,
    recorder,
    handlers,
    log,
  });
};

/** reconcile(key) for DaemonSets (see the top of this file). */
export function daemonSetReconciler(deps: DaemonSetReconcilerDeps): Reconcile {
  const { daemonSets: dsInf, nodes: nodeInf, pods: podInf, revisions: crInf, recorder, log } = deps;
  const dsClient = deps.writer.resource<DaemonSet>('daemonsets');
  const podClient = deps.writer.resource<Pod>('pods');
  const crClient = deps.writer.resource<ControllerRevision>('controllerrevisions');
  const backoff = deps.backoff ?? new FailedPodBackoff();

  return async function reconcile(key: string): Promise<ReconcileResult | void> {
    const ds = dsInf.get(key);
    if (!ds) return;
    const uid = ds.metadata.uid ?? '';
    const ns = ds.metadata.namespace ?? '';
    const pods = await claimObjects({ owner: ds, apiVersion: 'apps/v1', kind: 'DaemonSet', owners: dsClient, objects: podInf.listByNamespace(ns), client: podClient, log });
    const revisions = await claimObjects({ owner: ds, apiVersion: 'apps/v1', kind: 'DaemonSet', owners: dsClient, objects: crInf.listByNamespace(ns), client: crClient, log });
    const plan = planDaemonSet({
      ds,
      nodes: nodeInf.list(),
      pods,
      revisions,
      now: deps.clock.now(),
      failedPodBackoff: (node) => backoff.remaining(uid, node, deps.clock.now().getTime()),
    });
    for (const node of plan.failedPodNodes ?? []) backoff.next(uid, node, deps.clock.now().getTime());
    for (const ev of plan.events) recorder.record(ds, ev.type, ev.reason, ev.message);
    if (plan.actions.length) log.debug({ key, actions: plan.actions.map((a) => a.type) }, 'daemonset plan');
    for (const action of plan.actions) await execute(ds, action);
    if (plan.requeueAfterMs !== undefined) return { requeueAfter: Math.max(1000, plan.requeueAfterMs) };
  };


  async function execute(ds: DaemonSet, action: DaemonSetAction): Promise<void> {
    const ns = ds.metadata.namespace;
    switch (action.type) {
      case 'createRevision':
      case 'updateRevision':
      case 'deleteRevision':
        return writeRevision(crClient, ns, action);
      case 'createPod': {
        const name = action.pod.metadata.name ?? '';
        try {
          await podClient.create(ns, action.pod);
        } catch (e) {
          if (isAlreadyExists(e)) return; // the same pod, made before (names are deterministic)
          recorder.record(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
          throw e;
        }
        log.info({ ds: objectKey(ds), pod: name, node: action.nodeName }, 'created daemon pod');
        recorder.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`);
        return;
      }
      case 'deletePod':
        try {
          await podClient.delete(ns, action.name, {
            ...(action.uid ? { preconditions: { uid: action.uid } } : {}),
            ...(action.force ? { gracePeriodSeconds: 0 } : {}),
          });
        } catch (e) {
          if (isNotFound(e)) return;
          recorder.record(ds, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
          throw e;
        }
        log.info({ ds: objectKey(ds), pod: action.name, node: action.nodeName, reason: action.reason }, 'deleted daemon pod');
        recorder.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${action.name}`);
        return;
      case 'updateStatus':
        await dsClient.updateStatus({ ...ds, status: action.status });
        return;
      default: {
        const never: never = action;
        throw new Error(`unknown daemonset action ${JSON.stringify(never)}`);
      }
    }
  }
}
