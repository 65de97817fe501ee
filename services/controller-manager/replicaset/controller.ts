/**
 * The ReplicaSet controller's I/O layer (Kubernetes' pkg/controller/replicaset/replica_set.go):
 * informer handlers that only enqueue `namespace/name` keys and keep the expectations current, and
 * a level-based reconcile over the caches. The decisions (claims, diffs, deletion order, status)
 * are the pure functions of this folder's index.ts; this file only reads caches and writes through
 * the gateway.
 *
 * reconcile(key):
 *   1. read the ReplicaSet from the cache; gone → forget its expectations, done;
 *   2. classify the namespace's active pods: adopt matching orphans, release non-matching pods;
 *   3. if the expectations are satisfied (every create/delete we made has been seen in the pod
 *      cache) and the ReplicaSet is not being deleted: create (slow-start batches, expectations
 *      recorded before the first call) or delete (Kubernetes' order) the difference;
 *   4. compute the status and write /status only when it changed (CAS on the observed
 *      resourceVersion; a 409 requeues);
 *   5. requeue when a ready pod will become available (minReadySeconds).
 */
import type { ServiceContext } from '../../../shared/service/context.js';
import type { Pod, ReplicaSet } from '../../../shared/resources/types.js';
import type { KObject } from '../../../shared/resources/meta.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import type { Informer, Reconcile, ReconcileResult } from '../../../shared/informer/index.js';
import { Indexes, WorkQueue, controllerUidIndex, keyOf, objectKey, splitKey, startController } from '../../../shared/informer/index.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { isNotFound } from '../../../shared/errors.js';
import { matchesLabels } from '../../../shared/resources/selectors.js';
import { deepEqual } from '../../../shared/resources/json.js';
import type { Controller, ControllerOptions } from '../manager.js';
import {
  Expectations,
  SLOW_START_INITIAL_BATCH_SIZE,
  adoptPatch,
  calculateReplicaSetStatus,
  classifyPods,
  filterActivePods,
  getControllerOf,
  msUntilNextAvailable,
  newControllerRef,
  podFromTemplate,
  podsToDelete,
  releasePatch,
  replicaDiff,
  replicaSetSelector,
  slowStartBatch,
  statusEqual,
} from './index.js';

export const REPLICASET_CONTROLLER = 'replicaset-controller';

function labelsChanged(a: KObject, b: KObject): boolean {
  return !deepEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {});
}

/** What a ReplicaSet reconcile works with: its caches, the writer port, the clock and the controller's own memory. */
export interface ReplicaSetReconcilerDeps {
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  readonly expectations: Expectations;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
}

export function startReplicaSetController(ctx: ServiceContext, opts: ControllerOptions): Controller {
  const log = ctx.log.child({ controller: 'replicaset' });
  const rsInf = ctx.informers.informer<ReplicaSet>('replicasets');
  const podInf = ctx.informers.informer<Pod>('pods');
  const recorder = new EventRecorder(ctx.client, { component: REPLICASET_CONTROLLER, now: opts.now, log });
  const expectations = new Expectations();
  const queue = new WorkQueue();
  const reconcile = replicaSetReconciler({
    replicaSets: rsInf,
    pods: podInf,
    writer: gatewayWriter(ctx.client),
    clock: { now: opts.now },
    expectations,
    recorder,
    log,
  });

  // ------------------------------------------------------------------ handlers: keys only

  /** The key of the ReplicaSet controlling pod, if that ReplicaSet is in the cache with the referenced uid. */
  function controllerKey(pod: Pod): string | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = rsInf.getByName(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    return objectKey(rs);
  }

  /** ReplicaSets whose selector matches an orphan pod (candidates to adopt it). */
  function matchingKeys(pod: Pod): string[] {
    const out: string[] = [];
    for (const rs of rsInf.listByNamespace(pod.metadata.namespace ?? '')) {
      const sel = replicaSetSelector(rs);
      if (sel && matchesLabels(sel, pod.metadata.labels)) out.push(objectKey(rs));
    }
    return out;
  }

  function podDeleted(pod: Pod): void {
    const key = controllerKey(pod);
    if (!key) return;
    if (pod.metadata.uid) expectations.deletionObserved(key, pod.metadata.uid);
    queue.add(key);
  }

  const handlers = [
    rsInf.addEventHandler({
      onAdd: (rs) => queue.add(objectKey(rs)),
      onUpdate: (_old, rs) => queue.add(objectKey(rs)),
      onDelete: (rs) => {
        expectations.delete(objectKey(rs));
        queue.add(objectKey(rs));
      },
    }),
    podInf.addEventHandler({
      onAdd: (pod) => {
        if (pod.metadata.deletionTimestamp) return podDeleted(pod);
        const key = controllerKey(pod);
        if (key) {
          expectations.creationObserved(key);
          queue.add(key);
        } else if (!getControllerOf(pod)) {
          for (const k of matchingKeys(pod)) queue.add(k);
        }
      },
      onUpdate: (old, pod) => {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) {
          // Periodic resync: nothing changed; let the owner look again.
          const key = controllerKey(pod);
          if (key) queue.add(key);
          return;
        }
        const relabeled = labelsChanged(old, pod);
        if (pod.metadata.deletionTimestamp) {
          podDeleted(pod);
          if (relabeled) podDeleted(old);
          return;
        }
        const oldRef = getControllerOf(old);
        const ref = getControllerOf(pod);
        const refChanged = oldRef?.uid !== ref?.uid;
        if (refChanged && oldRef) {
          const k = controllerKey(old);
          if (k) queue.add(k);
        }
        const key = controllerKey(pod);
        if (key) queue.add(key);
        else if (!ref && (relabeled || refChanged)) for (const k of matchingKeys(pod)) queue.add(k);
      },
      onDelete: (pod) => podDeleted(pod),
    }),
  ];

  return startController({
    name: 'replicaset',
    informers: [rsInf, podInf],
    queue,
    reconcile,
    workers: opts.workers,
    recorder,
    handlers,
    log,
  });
}

/**
 * reconcile(key) for ReplicaSets (see the top of this file). Adds the controllerUid index to
 * both informers if they lack it.
 */
export function replicaSetReconciler(deps: ReplicaSetReconcilerDeps): Reconcile {
  const { replicaSets: rsInf, pods: podInf, expectations, recorder, log } = deps;
  podInf.ensureIndexer(Indexes.controllerUid, controllerUidIndex);
  rsInf.ensureIndexer(Indexes.controllerUid, controllerUidIndex);
  const rsClient = deps.writer.resource<ReplicaSet>('replicasets');
  const podClient = deps.writer.resource<Pod>('pods');

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const rs = rsInf.get(key);
    if (!rs) {
      expectations.delete(key);
      return;
    }
    const now = deps.clock.now();
    const needsSync = expectations.satisfied(key, now) && !rs.metadata.deletionTimestamp;
    const { namespace } = splitKey(key);
    const claims = classifyPods(rs, filterActivePods(podInf.listByNamespace(namespace)));
    if (claims.invalidSelector) {
      log.warn({ key }, 'ReplicaSet has an empty or invalid selector; nothing to do');
      return;
    }
    const managed = [...claims.owned, ...(await adopt(rs, claims.adopt))];
    await release(rs, claims.release);

    let manageError: Error | undefined;
    if (needsSync) manageError = await manageReplicas(key, rs, managed, now);

    const status = calculateReplicaSetStatus(rs, managed, now, manageError);
    if (!statusEqual(rs.status, status)) {
      await rsClient.updateStatus({ ...rs, status });
    }
    if (manageError) throw manageError;
    const wait = msUntilNextAvailable(rs, managed, now);
    return wait !== undefined ? { requeueAfter: wait } : undefined;
  }

  /** Adopt orphans (after checking with the gateway that rs still exists and is not being deleted). */
  async function adopt(rs: ReplicaSet, orphans: readonly Pod[]): Promise<Pod[]> {
    if (orphans.length === 0) return [];
    const fresh = await rsClient.get(rs.metadata.namespace, rs.metadata.name ?? '').catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (!fresh || fresh.metadata.uid !== rs.metadata.uid || fresh.metadata.deletionTimestamp) return [];
    const ref = newControllerRef(rs);
    const adopted: Pod[] = [];
    for (const pod of orphans) {
      try {
        adopted.push(await podClient.patch(pod.metadata.namespace, pod.metadata.name ?? '', adoptPatch(pod, ref), 'strategic'));
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e;
      }
    }
    if (adopted.length) log.debug({ rs: objectKey(rs), pods: adopted.map((p) => p.metadata.name) }, 'adopted pods');
    return adopted;
  }

  async function release(rs: ReplicaSet, pods: readonly Pod[]): Promise<void> {
    for (const pod of pods) {
      try {
        await podClient.patch(pod.metadata.namespace, pod.metadata.name ?? '', releasePatch(pod, rs.metadata.uid ?? ''), 'strategic');
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e;
      }
    }
  }

  /** Create or delete the difference; the error to report (it is also put in status), if any. */
  async function manageReplicas(key: string, rs: ReplicaSet, pods: readonly Pod[], now: Date): Promise<Error | undefined> {
    const diff = replicaDiff(rs, pods);
    if (diff > 0) {
      expectations.expectCreations(key, diff, now);
      const ref = newControllerRef(rs);
      const result = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          const pod = await podClient.create(rs.metadata.namespace, podFromTemplate(rs, rs.spec.template, ref));
          recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
        } catch (e) {
          recorder.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          throw e;
        }
      });
      const unseen = diff - result.successes;
      if (unseen > 0) expectations.creationObserved(key, unseen);
      return result.error === undefined ? undefined : asError(result.error);
    }
    if (diff < 0) {
      const victims = podsToDelete(pods, -diff, relatedPods(rs, pods));
      expectations.expectDeletions(key, victims.map(podId), now);
      const errors: Error[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await podClient.delete(pod.metadata.namespace, pod.metadata.name ?? '', pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {});
            recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
          } catch (e) {
            // The informer will not see this deletion: stop waiting for it.
            expectations.deletionObserved(key, podId(pod));
            if (!isNotFound(e)) {
              recorder.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
              errors.push(asError(e));
            }
          }
        }),
      );
      return errors[0];
    }
    return undefined;
  }

  /** Active pods of every ReplicaSet with the same controller (a Deployment's old and new sets). */
  function relatedPods(rs: ReplicaSet, own: readonly Pod[]): Pod[] {
    const owner = getControllerOf(rs);
    if (!owner) return [...own];
    const out: Pod[] = [];
    for (const sibling of rsInf.byIndex(Indexes.controllerUid, owner.uid)) {
      if (!sibling.metadata.uid) continue;
      out.push(...filterActivePods(podInf.byIndex(Indexes.controllerUid, sibling.metadata.uid)));
    }
    return out;
  }

  return reconcile;
}

function podId(pod: Pod): string {
  return pod.metadata.uid ?? keyOf(pod.metadata.namespace, pod.metadata.name ?? '');
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
