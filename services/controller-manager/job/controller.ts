/**
 * The Job controller's I/O layer (Kubernetes' pkg/controller/job/job_controller.go, with the
 * ttl-after-finished controller folded in): informer handlers that only enqueue keys and keep the
 * expectations current, and a reconcile that runs planJob (plan.ts) over the caches and executes
 * its actions in order through the writer port, stopping at the first error (the queue retries;
 * a 409 requeues at once).
 *
 * reconcile(`namespace/name`):
 *   1. the Job from the cache; gone → forget its expectations and backoff record;
 *   2. its pods from the pod cache (indexed by controller uid);
 *   3. planJob(job, pods, now, { backoff, expectationsSatisfied });
 *   4. execute: pod creations and deletions are announced to the expectations first; status
 *      writes carry the observed resourceVersion (then the one the previous write returned), so a
 *      stale cache can never count a pod twice; finalizer removals carry the pod's uid and
 *      resourceVersion; NotFound on a pod is success;
 *   5. requeue after plan.requeueAfterMs (backoff, activeDeadlineSeconds, TTL).
 *
 * With `manualSelector`, step 2 first adopts (with the tracking finalizer) the namespace's orphan
 * pods the selector matches and releases owned pods it no longer matches (claimObjects, as
 * Kubernetes' PodControllerRefManager). A generated selector names the Job's own uid, so only its
 * own pods can match it and the index is enough.
 *
 * reconcile(`pod:namespace/name`): a pod that still holds the job-tracking finalizer while its Job
 * is gone, or it has no controller any more (its Job was deleted with propagation Orphan)
 * (syncOrphanPod): the finalizer is removed so the pod can go.
 */
import type { ServiceContext } from '../../../shared/service/context.js';
import type { Pod } from '../../../shared/resources/types.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import type { Informer, Reconcile, ReconcileResult } from '../../../shared/informer/index.js';
import { Indexes, WorkQueue, controllerUidIndex, keyOf, objectKey, splitKey, startController } from '../../../shared/informer/index.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { isNotFound } from '../../../shared/errors.js';
import type { Job } from '../../../shared/resources/batch/types.js';
import { JOB_TRACKING_FINALIZER } from '../../../shared/resources/batch/types.js';
import type { Controller, ControllerOptions } from '../manager.js';
import { Expectations } from '../replicaset/expectations.js';
import type { BackoffRecord } from './backoff.js';
import { type JobAction, isJobFinished, planJob } from './plan.js';
import { claimObjects } from '../claim-objects.js';
import { matchesLabels, tryFromLabelSelector } from '../../../shared/resources/selectors.js';

export const JOB_CONTROLLER = 'job-controller';
const ORPHAN_PREFIX = 'pod:';
/** Look again at least this often: a long TTL or deadline must not overflow a timer (2^31-1 ms). */
export const MAX_REQUEUE_MS = 12 * 60 * 60 * 1000;

/** What a Job reconcile works with: caches, the writer port, the clock and the controller's own memory. */
export interface JobReconcilerDeps {
  readonly jobs: Informer<Job>;
  readonly pods: Informer<Pod>;
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  readonly expectations: Expectations;
  /** Per-Job backoff records (job_controller.go podBackoffStore), lost on restart as in Kubernetes. */
  readonly backoff: Map<string, BackoffRecord>;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
}

/** The Job's selector matches the pod's labels (an invalid selector matches nothing). */
function selects(job: Job, pod: Pod): boolean {
  const sel = job.spec.selector && tryFromLabelSelector(job.spec.selector);
  return !!sel && matchesLabels(sel, pod.metadata.labels);
}

const podId = (p: Pod): string => p.metadata.uid ?? keyOf(p.metadata.namespace, p.metadata.name ?? '');
const hasTrackingFinalizer = (p: Pod): boolean => !!p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER);
const jobRef = (p: Pod) => p.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === 'Job' && r.apiVersion.startsWith('batch/'));

export function startJobController(ctx: ServiceContext, opts: ControllerOptions): Controller {
  const log = ctx.log.child({ controller: 'job' });
  const jobInf = ctx.informers.informer<Job>('jobs');
  const podInf = ctx.informers.informer<Pod>('pods');
  const recorder = new EventRecorder(ctx.client, { component: JOB_CONTROLLER, now: opts.now, log });
  const expectations = new Expectations();
  const backoff = new Map<string, BackoffRecord>();
  const queue = new WorkQueue();
  const reconcile = jobReconciler({ jobs: jobInf, pods: podInf, writer: gatewayWriter(ctx.client), clock: { now: opts.now }, expectations, backoff, recorder, log });

  /** The key of the Job controlling pod if it is in the cache with the referenced uid; else, for a pod holding our finalizer, its orphan key. */
  function keyFor(pod: Pod): { job?: string; orphan?: string } {
    const ref = jobRef(pod);
    // Orphaned (its Job deleted with propagation Orphan) while still holding our finalizer: release it.
    if (!ref) return hasTrackingFinalizer(pod) && !pod.metadata.ownerReferences?.some((r) => r.controller === true) ? { orphan: ORPHAN_PREFIX + objectKey(pod) } : {};
    const job = jobInf.getByName(pod.metadata.namespace, ref.name);
    if (job && job.metadata.uid === ref.uid) return { job: objectKey(job) };
    return hasTrackingFinalizer(pod) ? { orphan: ORPHAN_PREFIX + objectKey(pod) } : {};
  }

  /** An orphan pod: the manualSelector Jobs of its namespace whose selector matches it may adopt it. */
  function adopters(pod: Pod): string[] {
    if (pod.metadata.ownerReferences?.some((r) => r.controller === true) || pod.metadata.deletionTimestamp) return [];
    return jobInf
      .listByNamespace(pod.metadata.namespace ?? '')
      .filter((j) => j.spec.manualSelector === true && selects(j, pod))
      .map(objectKey);
  }

  function podChanged(pod: Pod, deleted: boolean): void {
    if (!deleted) for (const k of adopters(pod)) queue.add(k);
    const k = keyFor(pod);
    if (k.orphan) queue.add(k.orphan);
    if (!k.job) return;
    if (deleted || pod.metadata.deletionTimestamp) expectations.deletionObserved(k.job, podId(pod));
    queue.add(k.job);
  }

  const handlers = [
    jobInf.addEventHandler({
      onAdd: (job) => queue.add(objectKey(job)),
      onUpdate: (_old, job) => queue.add(objectKey(job)),
      onDelete: (job) => {
        queue.add(objectKey(job));
        // Its pods still holding the finalizer are released by their orphan keys.
        for (const p of podInf.byIndex(Indexes.controllerUid, job.metadata.uid ?? '')) if (hasTrackingFinalizer(p)) queue.add(ORPHAN_PREFIX + objectKey(p));
      },
    }),
    podInf.addEventHandler({
      onAdd: (pod) => {
        const k = keyFor(pod);
        if (k.job && !pod.metadata.deletionTimestamp) expectations.creationObserved(k.job);
        podChanged(pod, false);
      },
      onUpdate: (_old, pod) => podChanged(pod, false),
      onDelete: (pod) => podChanged(pod, true),
    }),
  ];

  return startController({ name: 'job', informers: [jobInf, podInf], queue, reconcile, workers: opts.workers, recorder, handlers, log });
}

/** reconcile(key) for Jobs (see the top of this file). Adds the controllerUid index to the pod informer if it lacks it. */
export function jobReconciler(deps: JobReconcilerDeps): Reconcile {
  const { jobs, pods, expectations, recorder, log } = deps;
  pods.ensureIndexer(Indexes.controllerUid, controllerUidIndex);
  const jobClient = deps.writer.resource<Job>('jobs');
  const podClient = deps.writer.resource<Pod>('pods');
  /**
   * The Job as our last status write returned it. The Job and pod informers move independently:
   * a pod event can arrive before the event of the status write that preceded it, and a plan on
   * that older Job would count (or replace) a released pod again. A cached Job older than this
   * one is not planned on.
   */
  const written = new Map<string, Job>();
  const rvOf = (j: Job): number => Number(j.metadata.resourceVersion ?? 0) || 0;

  async function removeFinalizer(namespace: string | undefined, name: string, uid: string | undefined): Promise<void> {
    let pod: Pod | undefined = pods.getByName(namespace, name);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!pod || (uid && pod.metadata.uid !== uid)) return;
      if (!hasTrackingFinalizer(pod)) return;
      const rest = (pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      try {
        await podClient.patch(namespace, name, { metadata: { uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion, finalizers: rest.length ? rest : null } }, 'merge');
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if ((e as { reason?: string }).reason !== 'Conflict') throw e;
        // The cache was behind: read the pod live and try again.
        pod = await podClient.get(namespace, name).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      }
    }
    throw new Error(`pod ${namespace ?? ''}/${name}: could not remove the ${JOB_TRACKING_FINALIZER} finalizer`);
  }

  /** syncOrphanPod: the pod's Job is gone (or another of that name): let the pod go. */
  async function releaseOrphan(key: string): Promise<void> {
    const pod = pods.get(key);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = jobRef(pod);
    const { namespace, name } = splitKey(key);
    if (!ref) {
      if (!pod.metadata.ownerReferences?.some((r) => r.controller === true)) await removeFinalizer(namespace, name, pod.metadata.uid);
      return;
    }
    const live = await jobClient.get(namespace, ref.name).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (live && live.metadata.uid === ref.uid) return; // our Job is there after all: its own reconcile handles the pod
    await removeFinalizer(namespace, name, pod.metadata.uid);
  }

  /** manualSelector: adopt matching orphans, release owned pods that stopped matching. */
  async function claim(job: Job): Promise<Pod[]> {
    const ns = job.metadata.namespace ?? '';
    const uid = job.metadata.uid ?? '';
    const candidates = pods.listByNamespace(ns).filter((p) => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller === true);
      return ref ? ref.uid === uid : true;
    });
    return claimObjects({ owner: job, apiVersion: 'batch/v1', kind: 'Job', owners: jobClient, objects: candidates, client: podClient, adoptFinalizers: [JOB_TRACKING_FINALIZER], log });
  }

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(ORPHAN_PREFIX)) return releaseOrphan(key.slice(ORPHAN_PREFIX.length));
    const cached = jobs.get(key);
    if (!cached) {
      expectations.delete(key);
      deps.backoff.delete(key);
      written.delete(key);
      return;
    }
    const mine = written.get(key);
    const job = mine && mine.metadata.uid === cached.metadata.uid && rvOf(mine) > rvOf(cached) ? mine : cached;
    if (job === cached) written.delete(key);
    const now = deps.clock.now();
    const own = job.spec.manualSelector === true && !isJobFinished(job) && !job.metadata.deletionTimestamp ? await claim(job) : pods.byIndex(Indexes.controllerUid, job.metadata.uid ?? '');
    const plan = planJob(job, own, now, { backoff: deps.backoff.get(key), expectationsSatisfied: expectations.satisfied(key, now) });
    await execute(key, job, plan.actions, () => deps.backoff.set(key, plan.backoff));
    deps.backoff.set(key, plan.backoff);
    if (plan.actions.length) log.debug({ job: key, actions: plan.actions.map((a) => a.type) }, 'job synced');
    return plan.requeueAfterMs !== undefined ? { requeueAfter: Math.min(plan.requeueAfterMs, MAX_REQUEUE_MS) } : undefined;
  }

  /** Apply the actions in order; `counted` runs after the first status write (the backoff record is kept from then on). */
  async function execute(key: string, job: Job, actions: readonly JobAction[], counted: () => void): Promise<void> {
    const namespace = job.metadata.namespace;
    const creates = actions.filter((a) => a.type === 'createPod').length;
    const deletes = actions.flatMap((a) => (a.type === 'deletePod' ? [a.uid ?? keyOf(namespace, a.name)] : []));
    const now = deps.clock.now();
    if (deletes.length) expectations.expectDeletions(key, deletes, now);
    if (creates) expectations.expectCreations(key, creates, now);
    let current: Job = job;
    let lastCreated = '';
    let statusWritten = false;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i]!;
      switch (a.type) {
        case 'createPod': {
          try {
            const pod = await podClient.create(namespace, a.pod);
            lastCreated = pod.metadata.name ?? '';
          } catch (e) {
            // Neither this creation nor the ones after it will be seen.
            expectations.creationObserved(key, actions.slice(i).filter((x) => x.type === 'createPod').length);
            recorder.record(job, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
            throw e;
          }
          break;
        }
        case 'deletePod': {
          const id = a.uid ?? keyOf(namespace, a.name);
          try {
            if (a.removeFinalizerFirst) await removeFinalizer(namespace, a.name, a.uid);
            await podClient.delete(namespace, a.name, a.uid ? { preconditions: { uid: a.uid } } : {});
          } catch (e) {
            expectations.deletionObserved(key, id);
            if (isNotFound(e)) break;
            recorder.record(job, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
            throw e;
          }
          break;
        }
        case 'removePodFinalizer':
          await removeFinalizer(namespace, a.name, a.uid);
          break;
        case 'updateJobStatus': {
          current = await jobClient.updateStatus({ ...current, status: a.status });
          written.set(key, current);
          if (!statusWritten) {
            statusWritten = true;
            counted();
          }
          break;
        }
        case 'deleteJob': {
          try {
            await jobClient.delete(namespace, a.name, {
              propagationPolicy: 'Foreground',
              preconditions: { ...(a.uid ? { uid: a.uid } : {}), ...(a.resourceVersion ? { resourceVersion: a.resourceVersion } : {}) },
            });
            log.info({ job: key }, 'deleted finished Job after ttlSecondsAfterFinished');
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
          break;
        }
        case 'recordEvent':
          recorder.record(job, a.eventType, a.reason, a.appendCreatedName ? a.message + lastCreated : a.message);
          break;
      }
    }
  }

  return reconcile;
}
