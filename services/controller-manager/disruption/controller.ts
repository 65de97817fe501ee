/**
 * The disruption controller's I/O layer (Kubernetes' pkg/controller/disruption): key =
 * `namespace/name` of a PodDisruptionBudget. A budget's own changes, and any change of a pod it
 * selects (before or after the change), put it on the queue; a ReplicaSet's or Deployment's change
 * puts its namespace's budgets there (their scale may have moved). reconcile reads the caches,
 * asks planDisruption (plan.ts) and writes /status only when it differs, with the observed
 * resourceVersion as precondition: a budget the eviction subresource changed meanwhile answers 409
 * and the key is requeued. Level-based: a replayed event recomputes the same status and writes nothing.
 *
 * The same queue carries `pod:namespace/name` keys: pods marked DisruptionTarget=True by an eviction
 * but not deleted; two minutes on, the condition goes back to False (stale.ts).
 */
import type { Deployment, Pod, ReplicaSet } from '../../../shared/resources/types.js';
import type { PodDisruptionBudget } from '../../../shared/resources/pdb.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { isNotFound } from '../../../shared/errors.js';
import { pdbSelects } from '../../../shared/resources/pdb.js';
import { WorkQueue, objectKey, startController, type Informer, type Reconcile, type ReconcileResult } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { planDisruption } from './plan.js';
import { staleDisruptionCheck, withDisruptionTargetReset } from './stale.js';
import type { ObjectLookup } from './scale.js';

export const DISRUPTION_CONTROLLER = 'controllermanager';
/** Queue keys of pods to check for a stale DisruptionTarget condition. */
export const POD_KEY_PREFIX = 'pod:';

export interface DisruptionReconcilerDeps {
  readonly pdbs: Informer<PodDisruptionBudget>;
  readonly pods: Informer<Pod>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly deployments: Informer<Deployment>;
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
}

export const disruptionController: ControllerFactory = (ctx, opts) => {
  const log = ctx.log.child({ controller: 'disruption' });
  const pdbs = ctx.informers.informer<PodDisruptionBudget>('poddisruptionbudgets');
  const pods = ctx.informers.informer<Pod>('pods');
  const replicaSets = ctx.informers.informer<ReplicaSet>('replicasets');
  const deployments = ctx.informers.informer<Deployment>('deployments');
  const recorder = new EventRecorder(ctx.client, { component: DISRUPTION_CONTROLLER, now: opts.now, log });
  const queue = new WorkQueue();

  const forPod = (pod: Pod) => {
    if (staleDisruptionCheck(pod, opts.now()).stale) queue.add(POD_KEY_PREFIX + objectKey(pod));
    for (const pdb of pdbs.listByNamespace(pod.metadata.namespace ?? '')) if (pdbSelects(pdb, pod)) queue.add(objectKey(pdb));
  };
  const forNamespace = (o: { metadata: { namespace?: string } }) => {
    for (const pdb of pdbs.listByNamespace(o.metadata.namespace ?? '')) queue.add(objectKey(pdb));
  };

  const handlers = [
    pdbs.addEventHandler({
      onAdd: (p) => queue.add(objectKey(p)),
      onUpdate: (_old, p) => queue.add(objectKey(p)),
      onDelete: (p) => queue.add(objectKey(p)),
    }),
    pods.addEventHandler({
      onAdd: forPod,
      onUpdate: (old, pod) => {
        forPod(pod);
        if (old.metadata.resourceVersion !== pod.metadata.resourceVersion) forPod(old);
      },
      onDelete: forPod,
    }),
    replicaSets.addEventHandler({ onAdd: forNamespace, onUpdate: (_o, rs) => forNamespace(rs), onDelete: forNamespace }),
    deployments.addEventHandler({ onAdd: forNamespace, onUpdate: (_o, d) => forNamespace(d), onDelete: forNamespace }),
  ];

  return startController({
    name: 'disruption',
    informers: [pdbs, pods, replicaSets, deployments],
    queue,
    reconcile: disruptionReconciler({ pdbs, pods, replicaSets, deployments, writer: gatewayWriter(ctx.client), clock: { now: opts.now }, recorder, log }),
    workers: opts.workers,
    recorder,
    handlers,
    log,
  });
};

/** reconcile(`namespace/name`): bring one budget's status up to date. */
export function disruptionReconciler(deps: DisruptionReconcilerDeps): Reconcile {
  const client = deps.writer.resource<PodDisruptionBudget>('poddisruptionbudgets');
  const lookup: ObjectLookup = (kind, ns, name) =>
    kind === 'ReplicaSet' ? deps.replicaSets.getByName(ns, name) : kind === 'Deployment' ? deps.deployments.getByName(ns, name) : undefined;

  const podClient = deps.writer.resource<Pod>('pods');

  /** A pod's stale DisruptionTarget condition back to False, once it is stale. */
  async function syncStalePod(key: string): Promise<ReconcileResult | void> {
    const pod = deps.pods.get(key);
    if (!pod) return;
    const now = deps.clock.now();
    const check = staleDisruptionCheck(pod, now);
    if (!check.stale) return;
    if (check.afterMs > 0) return { requeueAfter: check.afterMs };
    try {
      await podClient.updateStatus(withDisruptionTargetReset(pod, now));
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    deps.log.info({ pod: key }, 'Reset stale DisruptionTarget condition to False');
  }

  return async (key): Promise<ReconcileResult | void> => {
    if (key.startsWith(POD_KEY_PREFIX)) return syncStalePod(key.slice(POD_KEY_PREFIX.length));
    const pdb = deps.pdbs.get(key);
    if (!pdb) return;
    const plan = planDisruption(pdb, deps.pods.listByNamespace(pdb.metadata.namespace ?? ''), lookup, deps.clock.now());
    if (plan.write) {
      try {
        await client.updateStatus({ ...pdb, status: plan.status });
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      for (const ev of plan.events) deps.recorder.record(ev.object, ev.type, ev.reason, ev.message);
      deps.log.debug({ key, status: plan.status }, 'PodDisruptionBudget status updated');
    }
    return plan.recheckAfterMs !== undefined ? { requeueAfter: plan.recheckAfterMs } : undefined;
  };
}
