/**
 * The Deployment controller's I/O layer (Kubernetes' pkg/controller/deployment): handlers that
 * only enqueue Deployment keys, and a reconcile that feeds planDeployment from the caches and
 * executes its actions in order through the gateway, each with the resourceVersion it observed as
 * precondition, stopping at the first error (a 409 means the cache was stale: the key is requeued
 * and planned again). A converged Deployment plans no actions, so a redelivered event or a
 * restart writes nothing.
 *
 * One rule is added to the plan's execution: a ReplicaSet is not scaled up while another
 * ReplicaSet of the same Deployment still has more pods than its spec asks for (the ReplicaSet
 * controller has not yet deleted the pods of a scale-down). Without it the new pods of a rolling
 * update could be created before the old ones are deleted, and the cluster would briefly run more
 * than replicas + maxSurge pods. The key is reconciled again when that ReplicaSet's status moves.
 */
import type { ServiceContext } from '../../../shared/service/context.js';
import type { Deployment, Pod, ReplicaSet } from '../../../shared/resources/types.js';
import type { KObject } from '../../../shared/resources/meta.js';
import type { Informer, Reconcile, ReconcileResult } from '../../../shared/informer/index.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import { Indexes, WorkQueue, controllerUidIndex, objectKey, splitKey, startController } from '../../../shared/informer/index.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { ApiError, isAlreadyExists, isNotFound } from '../../../shared/errors.js';
import type { Controller, ControllerOptions } from '../manager.js';
import { getControllerOf } from '../replicaset/index.js';
import { planDeployment, type DeploymentAction } from './index.js';

export const DEPLOYMENT_CONTROLLER = 'deployment-controller';

/** The merge patch that turns annotations `from` into `to` (removed keys become null). */
export function annotationsMergePatch(
  from: Readonly<Record<string, string>> | undefined,
  to: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(to)) if (from?.[k] !== v) patch[k] = v;
  for (const k of Object.keys(from ?? {})) if (!(k in to)) patch[k] = null;
  return patch;
}

/** A scale-up of `name` while another of `owned` has more pods than spec.replicas. */
export function scaleUpMustWait(action: DeploymentAction, owned: readonly ReplicaSet[]): boolean {
  if (action.type !== 'scaleReplicaSet' || action.to <= action.from) return false;
  return owned.some((rs) => rs.metadata.name !== action.name && (rs.status?.replicas ?? 0) > (rs.spec.replicas ?? 1));
}

/** What a Deployment reconcile works with: its caches, the writer port and the clock. */
export interface DeploymentReconcilerDeps {
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
}

export function startDeploymentController(ctx: ServiceContext, opts: ControllerOptions): Controller {
  const log = ctx.log.child({ controller: 'deployment' });
  const dInf = ctx.informers.informer<Deployment>('deployments');
  const rsInf = ctx.informers.informer<ReplicaSet>('replicasets');
  const podInf = ctx.informers.informer<Pod>('pods');
  const recorder = new EventRecorder(ctx.client, { component: DEPLOYMENT_CONTROLLER, now: opts.now, log });
  const queue = new WorkQueue();
  const reconcile = deploymentReconciler({
    deployments: dInf,
    replicaSets: rsInf,
    pods: podInf,
    writer: gatewayWriter(ctx.client),
    clock: { now: opts.now },
    recorder,
    log,
  });

  // ------------------------------------------------------------------ handlers: keys only

  /** The cached Deployment controlling obj (matched by name and uid). */
  function owningDeployment(obj: KObject): Deployment | undefined {
    const ref = getControllerOf(obj);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = dInf.getByName(obj.metadata.namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  function enqueueOwner(rs: KObject): void {
    const d = owningDeployment(rs);
    if (d) queue.add(objectKey(d));
  }

  /** Recreate waits for old pods to go: their changes matter to it (and only to it). */
  function enqueueForPod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = rsInf.getByName(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = owningDeployment(rs);
    if (d && d.spec.strategy?.type === 'Recreate') queue.add(objectKey(d));
  }

  const handlers = [
    dInf.addEventHandler({
      onAdd: (d) => queue.add(objectKey(d)),
      onUpdate: (_old, d) => queue.add(objectKey(d)),
      onDelete: (d) => queue.add(objectKey(d)),
    }),
    rsInf.addEventHandler({
      onAdd: (rs) => enqueueOwner(rs),
      onUpdate: (old, rs) => {
        if (getControllerOf(old)?.uid !== getControllerOf(rs)?.uid) enqueueOwner(old);
        enqueueOwner(rs);
      },
      onDelete: (rs) => enqueueOwner(rs),
    }),
    podInf.addEventHandler({
      onUpdate: (old, pod) => {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        if (old.status?.phase !== pod.status?.phase || (!old.metadata.deletionTimestamp && pod.metadata.deletionTimestamp)) enqueueForPod(pod);
      },
      onDelete: (pod) => enqueueForPod(pod),
    }),
  ];

  return startController({ name: 'deployment', informers: [dInf, rsInf, podInf], queue, reconcile, workers: opts.workers, recorder, handlers, log });
}

/**
 * reconcile(key) for Deployments (see the top of this file). Adds the controllerUid index to the
 * ReplicaSet and pod informers if they lack it.
 */
export function deploymentReconciler(deps: DeploymentReconcilerDeps): Reconcile {
  const { deployments: dInf, replicaSets: rsInf, pods: podInf, recorder, log } = deps;
  rsInf.ensureIndexer(Indexes.controllerUid, controllerUidIndex);
  podInf.ensureIndexer(Indexes.controllerUid, controllerUidIndex);
  const dClient = deps.writer.resource<Deployment>('deployments');
  const rsClient = deps.writer.resource<ReplicaSet>('replicasets');

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const d = dInf.get(key);
    if (!d) return;
    const { namespace } = splitKey(key);
    const rsList = rsInf.listByNamespace(namespace);
    const owned = d.metadata.uid ? rsInf.byIndex(Indexes.controllerUid, d.metadata.uid) : [];
    const pods = owned.flatMap((rs) => (rs.metadata.uid ? podInf.byIndex(Indexes.controllerUid, rs.metadata.uid) : []));
    const plan = planDeployment(d, rsList, { pods }, deps.clock.now());

    let current = d;
    let done = 0;
    try {
      for (const action of plan.actions) {
        if (scaleUpMustWait(action, owned)) {
          log.debug({ key, rs: action.type === 'scaleReplicaSet' ? action.name : undefined }, 'scale-up waits for old pods to go');
          break;
        }
        current = await execute(current, action);
        done++;
      }
    } finally {
      // Events describe the plan's writes: record them once some of those writes happened.
      if (done > 0) for (const ev of plan.events) recorder.record(d, ev.type, ev.reason, ev.message);
    }
    if (done < plan.actions.length) return; // waiting: a ReplicaSet status change requeues
    if (plan.requeueAfterSeconds !== undefined) return { requeueAfter: Math.max(1000, plan.requeueAfterSeconds * 1000) };
  }

  /** One action; answers the Deployment as it is after it (its resourceVersion moves on our own writes). */
  async function execute(d: Deployment, action: DeploymentAction): Promise<Deployment> {
    const ns = d.metadata.namespace;
    const name = d.metadata.name ?? '';
    switch (action.type) {
      case 'createReplicaSet':
        try {
          await rsClient.create(ns, action.replicaSet);
        } catch (e) {
          // The cache has not seen it yet (or a collision): plan again from a newer cache.
          if (isAlreadyExists(e)) throw new ApiError('Conflict', `replica set ${action.replicaSet.metadata.name ?? ''} already exists; requeueing`, undefined, { cause: e });
          throw e;
        }
        return d;
      case 'scaleReplicaSet':
      case 'updateReplicaSet':
        await rsClient.update(action.replicaSet);
        return d;
      case 'deleteReplicaSet':
        try {
          await rsClient.delete(ns, action.name, {
            preconditions: {
              ...(action.uid ? { uid: action.uid } : {}),
              ...(action.resourceVersion ? { resourceVersion: action.resourceVersion } : {}),
            },
          });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        return d;
      case 'updateDeployment':
        return keepRv(
          d,
          await dClient.update({
            ...d,
            metadata: { ...d.metadata, annotations: action.annotations },
            spec: { ...d.spec, template: action.template },
          }),
        );
      case 'updateDeploymentAnnotations': {
        const patch = {
          metadata: {
            ...(d.metadata.resourceVersion ? { resourceVersion: d.metadata.resourceVersion } : {}),
            annotations: annotationsMergePatch(d.metadata.annotations, action.annotations),
          },
        };
        return keepRv(d, await dClient.patch(ns, name, patch, 'merge'));
      }
      case 'updateDeploymentStatus':
        return keepRv(d, await dClient.updateStatus({ ...d, status: action.status }));
      default: {
        const never: never = action;
        throw new Error(`unknown deployment action ${JSON.stringify(never)}`);
      }
    }
  }

  return reconcile;
}

/** The written object, with the previous resourceVersion if the answer lacks one (a no-op write). */
function keepRv(before: Deployment, after: Deployment): Deployment {
  return after.metadata.resourceVersion ? after : { ...after, metadata: { ...after.metadata, resourceVersion: before.metadata.resourceVersion } };
}
