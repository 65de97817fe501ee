/**
 * The StatefulSet controller's I/O layer (Kubernetes' pkg/controller/statefulset): handlers that
 * only enqueue StatefulSet keys — the set itself, the controller of a pod or ControllerRevision
 * that changed (an orphan: every set of its namespace whose selector matches it) — and a reconcile
 * that claims the set's pods and ControllerRevisions (adopting matching orphans named
 * `<set>-<ordinal>`, releasing what no longer matches, as getPodsForStatefulSet and
 * ClaimControllerRevisions do), feeds planStatefulSet from the caches and executes its actions in
 * order, each with the precondition it observed, stopping at the first error (a 409 means the
 * cache was stale: the key is requeued and planned again).
 *
 * Idempotent by construction: pods and revisions have deterministic names (AlreadyExists = done
 * before), deletes carry the uid they saw (NotFound = done before), the status write carries the
 * set's resourceVersion, and a converged set plans nothing: a redelivered event or a restart
 * mid-work writes no duplicate.
 *
 * Events are Kubernetes' (stateful_pod_control.go recordPodEvent): `SuccessfulCreate` "create Pod
 * web-0 in StatefulSet web successful", `SuccessfulDelete`, `SuccessfulUpdate`, and on an error
 * `FailedCreate` "create Pod web-0 in StatefulSet web failed error: ...".
 */
import type { Pod } from '../../../shared/resources/types.js';
import type { KObject } from '../../../shared/resources/meta.js';
import type { Informer, Reconcile, ReconcileResult } from '../../../shared/informer/index.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import { Indexes, WorkQueue, controllerUidIndex, objectKey, startController } from '../../../shared/informer/index.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { ApiError, isAlreadyExists, isNotFound } from '../../../shared/errors.js';
import type { ControllerFactory } from '../manager.js';
import { getControllerOf } from '../replicaset/controller-ref.js';
import { dependentsHandler } from '../owner-enqueue.js';
import { claimObjects } from '../claim-objects.js';
import { writeRevision } from '../revision-writes.js';
import { defaultStatefulSet } from '../../../shared/resources/statefulset-defaults.js';
import type { ControllerRevision, PersistentVolumeClaim, StatefulSet } from '../../../shared/resources/statefulset-types.js';
import { isMemberOf } from './identity.js';
import { planStatefulSet, type StatefulSetAction } from './plan.js';

export const STATEFULSET_CONTROLLER = 'statefulset-controller';

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface StatefulSetReconcilerDeps {
  readonly statefulSets: Informer<StatefulSet>;
  readonly pods: Informer<Pod>;
  readonly revisions: Informer<ControllerRevision>;
  /** The namespace's claims (volumeClaimTemplates); without it a set with templates is not planned. */
  readonly claims?: Informer<PersistentVolumeClaim>;
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
}

/** recordPodEvent's message: `create Pod web-0 in StatefulSet web successful`. */
export function podEventMessage(verb: 'create' | 'update' | 'delete', pod: string, set: string, err?: unknown): string {
  return err === undefined ? `${verb} Pod ${pod} in StatefulSet ${set} successful` : `${verb} Pod ${pod} in StatefulSet ${set} failed error: ${errorMessage(err)}`;
}

const REASON = { create: 'Create', update: 'Update', delete: 'Delete' } as const;

export const statefulSetController: ControllerFactory = (ctx, opts) => {
  const log = ctx.log.child({ controller: 'statefulset' });
  const setInf = ctx.informers.informer<StatefulSet>('statefulsets');
  const podInf = ctx.informers.informer<Pod>('pods');
  const crInf = ctx.informers.informer<ControllerRevision>('controllerrevisions');
  const claimInf = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
  const recorder = new EventRecorder(ctx.client, { component: STATEFULSET_CONTROLLER, now: opts.now, log });
  const queue = new WorkQueue();
  const reconcile = statefulSetReconciler({
    statefulSets: setInf,
    pods: podInf,
    revisions: crInf,
    claims: claimInf,
    writer: gatewayWriter(ctx.client),
    clock: { now: opts.now },
    recorder,
    log,
  });

  const enqueue = (s: KObject) => queue.add(objectKey(s));
  const dependents = dependentsHandler(setInf, 'StatefulSet', enqueue);

  const handlers = [
    setInf.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: enqueue }),
    podInf.addEventHandler(dependents),
    crInf.addEventHandler(dependents),
    // A claim that goes (or changes owners) may unblock a pod of a set with claim templates.
    claimInf.addEventHandler({
      onUpdate: (_o, c) => enqueueClaimSets(c),
      onDelete: (c) => enqueueClaimSets(c),
    }),
  ];

  function enqueueClaimSets(c: PersistentVolumeClaim): void {
    for (const s of setInf.listByNamespace(c.metadata.namespace ?? '')) if (s.spec?.volumeClaimTemplates?.length) enqueue(s);
  }

  return startController({
    name: 'statefulset',
    informers: [setInf, podInf, crInf, claimInf],
    queue,
    reconcile,
    workers: opts.workers,
    recorder,
    handlers,
    log,
  });
};

/** reconcile(key) for StatefulSets (see the top of this file). Adds the controllerUid index to the pod and revision informers. */
export function statefulSetReconciler(deps: StatefulSetReconcilerDeps): Reconcile {
  const { statefulSets: setInf, pods: podInf, revisions: crInf, recorder, log } = deps;
  podInf.ensureIndexer(Indexes.controllerUid, controllerUidIndex);
  crInf.ensureIndexer(Indexes.controllerUid, controllerUidIndex);
  const setClient = deps.writer.resource<StatefulSet>('statefulsets');
  const podClient = deps.writer.resource<Pod>('pods');
  const crClient = deps.writer.resource<ControllerRevision>('controllerrevisions');
  const claimClient = deps.writer.resource<PersistentVolumeClaim>('persistentvolumeclaims');

  return async function reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = setInf.get(key);
    if (!cached) return;
    const set = defaultStatefulSet(cached);
    const uid = set.metadata.uid ?? '';
    const ns = set.metadata.namespace ?? '';
    // What the set controls (by the controllerUid index) and the namespace's orphans it may adopt.
    const candidates = <T extends KObject>(inf: Informer<T>): T[] => [
      ...(uid ? inf.byIndex(Indexes.controllerUid, uid) : []),
      ...inf.listByNamespace(ns).filter((o) => !getControllerOf(o)),
    ];
    const pods = await claimObjects({ owner: set, apiVersion: 'apps/v1', kind: 'StatefulSet', owners: setClient, objects: candidates(podInf), client: podClient, adoptable: (p) => isMemberOf(set, p as unknown as Pod), log });
    const revisions = await claimObjects({ owner: set, apiVersion: 'apps/v1', kind: 'StatefulSet', owners: setClient, objects: candidates(crInf), client: crClient, log });
    // The namespace's other revisions matter too: a name taken by one of them is a hash collision.
    const claimed = new Set(revisions.map((r) => r.metadata.name));
    const others = crInf.listByNamespace(ns).filter((r) => !claimed.has(r.metadata.name) && getControllerOf(r)?.uid !== uid);
    const claims = deps.claims ? deps.claims.listByNamespace(ns) : [];
    if (set.spec.volumeClaimTemplates?.length && !deps.claims) throw new ApiError('Invalid', `statefulset ${key}: volumeClaimTemplates need a PersistentVolumeClaim informer`);
    const plan = planStatefulSet(set, { pods, revisions: [...revisions, ...others], claims }, deps.clock.now());
    if (plan.actions.length || plan.blockedOn) log.debug({ key, actions: plan.actions.map((a) => a.type), blockedOn: plan.blockedOn }, 'statefulset plan');
    for (const action of plan.actions) await execute(set, action);
    if (plan.requeueAfterSeconds !== undefined) return { requeueAfter: Math.max(1000, plan.requeueAfterSeconds * 1000) };
  };


  function podEvent(set: StatefulSet, verb: 'create' | 'update' | 'delete', pod: string, err?: unknown): void {
    if (err === undefined) recorder.record(set, 'Normal', `Successful${REASON[verb]}`, podEventMessage(verb, pod, set.metadata.name ?? ''));
    else recorder.record(set, 'Warning', `Failed${REASON[verb]}`, podEventMessage(verb, pod, set.metadata.name ?? '', err));
  }

  async function execute(set: StatefulSet, action: StatefulSetAction): Promise<void> {
    const ns = set.metadata.namespace;
    const setKey = objectKey(set);
    switch (action.type) {
      case 'createRevision':
      case 'updateRevision':
      case 'deleteRevision':
        return writeRevision(crClient, ns, action);
      case 'createClaim': {
        const name = action.claim.metadata.name ?? '';
        try {
          await claimClient.create(ns, action.claim);
        } catch (e) {
          if (isAlreadyExists(e)) return; // made before (names are deterministic)
          recorder.record(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${action.pod} in StatefulSet ${set.metadata.name ?? ''} failed error: ${errorMessage(e)}`);
          throw e;
        }
        log.info({ sts: setKey, claim: name, pod: action.pod }, 'created stateful claim');
        recorder.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${action.pod} in StatefulSet ${set.metadata.name ?? ''} success`);
        return;
      }
      case 'updateClaim':
        try {
          await claimClient.update(action.claim);
        } catch (e) {
          if (isNotFound(e)) return;
          throw e;
        }
        log.info({ sts: setKey, claim: action.name }, 'updated stateful claim owner references (retention policy)');
        return;
      case 'createPod': {
        const name = action.pod.metadata.name ?? '';
        try {
          await podClient.create(ns, action.pod);
        } catch (e) {
          if (isAlreadyExists(e)) return; // the same pod, made before (names are deterministic)
          podEvent(set, 'create', name, e);
          throw e;
        }
        log.info({ sts: setKey, pod: name }, 'created stateful pod');
        podEvent(set, 'create', name);
        return;
      }
      case 'updatePod': {
        try {
          await podClient.update(action.pod);
        } catch (e) {
          if (isNotFound(e)) return;
          podEvent(set, 'update', action.name, e);
          throw e;
        }
        log.info({ sts: setKey, pod: action.name }, 'repaired stateful pod identity');
        podEvent(set, 'update', action.name);
        return;
      }
      case 'deletePod':
        try {
          await podClient.delete(ns, action.name, action.uid ? { preconditions: { uid: action.uid } } : undefined);
        } catch (e) {
          if (isNotFound(e)) return;
          podEvent(set, 'delete', action.name, e);
          throw e;
        }
        log.info({ sts: setKey, pod: action.name, reason: action.reason }, 'deleted stateful pod');
        podEvent(set, 'delete', action.name);
        return;
      case 'updateStatus':
        await setClient.updateStatus({ ...set, metadata: { ...set.metadata }, status: action.status } as StatefulSet);
        return;
      default: {
        const never: never = action;
        throw new Error(`unknown statefulset action ${JSON.stringify(never)}`);
      }
    }
  }
}
