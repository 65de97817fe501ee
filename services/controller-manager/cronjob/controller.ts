/**
 * The CronJob controller's I/O layer (Kubernetes' pkg/controller/cronjob/cronjob_controllerv2.go):
 * handlers that enqueue CronJob keys, and a reconcile that runs planCronJob (plan.ts) and executes
 * its actions in order through the writer port.
 *
 * Exactly one Job per scheduled time, across crashes and redeliveries: the Job's name is
 * `<cronjob>-<minutes since the epoch>`, so a create that already happened answers AlreadyExists,
 * which is success when the Job is ours (its uid then goes into status.active). The status write
 * carries the observed resourceVersion; a CronJob cache older than our own last write is not
 * planned on, and an active Job the Job cache does not show yet is looked up live before it is
 * taken for gone (as Kubernetes does).
 */
import type { ServiceContext } from '../../../shared/service/context.js';
import type { Logger } from '../../../shared/log.js';
import type { Clock } from '../../../shared/clock.js';
import type { Informer, Reconcile, ReconcileResult } from '../../../shared/informer/index.js';
import { WorkQueue, objectKey, splitKey, startController } from '../../../shared/informer/index.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { isAlreadyExists, isNotFound } from '../../../shared/errors.js';
import type { CronJob, CronJobStatus, Job } from '../../../shared/resources/batch/types.js';
import type { ObjectReference } from '../../../shared/resources/types.js';
import type { Controller, ControllerOptions } from '../manager.js';
import { type CronJobAction, planCronJob } from './plan.js';

export const CRONJOB_CONTROLLER = 'cronjob-controller';
/**
 * Look again at least this often: a timer cannot wait longer than 2^31-1 ms (Node fires an
 * overflowing one at once), and a monthly or yearly schedule is further away than that.
 */
export const MAX_REQUEUE_MS = 12 * 60 * 60 * 1000;

export interface CronJobReconcilerDeps {
  readonly cronJobs: Informer<CronJob>;
  readonly jobs: Informer<Job>;
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
  /** The zone of schedules without timeZone: Kubernetes uses the controller manager's local zone (TZ). UTC when unset. */
  readonly defaultTimeZone?: string;
}

const cronJobRef = (j: Job) => j.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === 'CronJob' && r.apiVersion.startsWith('batch/'));

/** This process' zone (TZ, else /etc/localtime), as Go's time.Local is the controller manager's. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function startCronJobController(ctx: ServiceContext, opts: ControllerOptions): Controller {
  const log = ctx.log.child({ controller: 'cronjob' });
  const cjInf = ctx.informers.informer<CronJob>('cronjobs');
  const jobInf = ctx.informers.informer<Job>('jobs');
  const recorder = new EventRecorder(ctx.client, { component: CRONJOB_CONTROLLER, now: opts.now, log });
  const queue = new WorkQueue();
  const reconcile = cronJobReconciler({ cronJobs: cjInf, jobs: jobInf, writer: gatewayWriter(ctx.client), clock: { now: opts.now }, recorder, log, defaultTimeZone: localTimeZone() });

  const jobChanged = (job: Job): void => {
    const ref = cronJobRef(job);
    if (!ref) return;
    const cj = cjInf.getByName(job.metadata.namespace, ref.name);
    if (cj && cj.metadata.uid === ref.uid) queue.add(objectKey(cj));
  };
  const handlers = [
    cjInf.addEventHandler({
      onAdd: (cj) => queue.add(objectKey(cj)),
      onUpdate: (_old, cj) => queue.add(objectKey(cj)),
      onDelete: (cj) => queue.add(objectKey(cj)),
    }),
    jobInf.addEventHandler({ onAdd: jobChanged, onUpdate: (_old, j) => jobChanged(j), onDelete: jobChanged }),
  ];
  return startController({ name: 'cronjob', informers: [cjInf, jobInf], queue, reconcile, workers: opts.workers, recorder, handlers, log });
}

export function cronJobReconciler(deps: CronJobReconcilerDeps): Reconcile {
  const { cronJobs, jobs, recorder, log } = deps;
  const cjClient = deps.writer.resource<CronJob>('cronjobs');
  const jobClient = deps.writer.resource<Job>('jobs');
  /** The CronJob as our last status write returned it (see the top of this file). */
  const written = new Map<string, CronJob>();
  const rvOf = (o: CronJob): number => Number(o.metadata.resourceVersion ?? 0) || 0;

  const liveJob = (namespace: string, name: string): Promise<Job | undefined> =>
    jobClient.get(namespace, name).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = cronJobs.get(key);
    if (!cached) {
      written.delete(key);
      return;
    }
    const mine = written.get(key);
    const cj = mine && mine.metadata.uid === cached.metadata.uid && rvOf(mine) > rvOf(cached) ? mine : cached;
    if (cj === cached) written.delete(key);
    const { namespace } = splitKey(key);
    const all = [...jobs.listByNamespace(namespace)];
    // Active Jobs the cache does not show (yet): ask the gateway before calling them gone.
    for (const ref of cj.status?.active ?? []) {
      if (!ref.name || all.some((j) => j.metadata.uid === ref.uid)) continue;
      const live = await liveJob(namespace, ref.name);
      if (live && live.metadata.uid === ref.uid) all.push(live);
    }
    const plan = planCronJob(cj, all, deps.clock.now(), deps.defaultTimeZone ? { defaultTimeZone: deps.defaultTimeZone } : {});
    await execute(key, cj, plan.actions);
    if (plan.error) {
      recorder.record(cj, 'Warning', 'FailedCreate', plan.error);
      throw new Error(plan.error);
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfter: Math.min(plan.requeueAfterMs, MAX_REQUEUE_MS) } : undefined;
  }

  async function execute(key: string, cj: CronJob, actions: readonly CronJobAction[]): Promise<void> {
    const namespace = cj.metadata.namespace ?? '';
    let current = cj;
    const created = new Map<string, Job>();
    for (const a of actions) {
      switch (a.type) {
        case 'createJob': {
          const name = a.job.metadata.name ?? '';
          try {
            created.set(name, await jobClient.create(namespace, a.job));
          } catch (e) {
            if (!isAlreadyExists(e)) {
              recorder.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
              throw e;
            }
            // Made before a crash or by a worker that raced us: ours is success, another's an error.
            const existing = await liveJob(namespace, name);
            if (!existing || cronJobRef(existing)?.uid !== cj.metadata.uid) throw e;
            created.set(name, existing);
            log.info({ cronjob: key, job: name }, 'job for this schedule exists already');
          }
          break;
        }
        case 'deleteJob':
          try {
            await jobClient.delete(namespace, a.name, { propagationPolicy: 'Background', ...(a.uid ? { preconditions: { uid: a.uid } } : {}) });
          } catch (e) {
            if (!isNotFound(e)) {
              recorder.record(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
              throw e;
            }
          }
          break;
        case 'updateCronJobStatus': {
          const status = withCreatedRefs(a.status, created);
          current = await cjClient.updateStatus({ ...current, status });
          written.set(key, current);
          break;
        }
        case 'recordEvent':
          recorder.record(cj, a.eventType, a.reason, a.message);
          break;
      }
    }
  }

  return reconcile;
}

/** status.active with the uid and resourceVersion of the Jobs created in this pass (getRef(jobResp)). */
function withCreatedRefs(status: CronJobStatus, created: ReadonlyMap<string, Job>): CronJobStatus {
  if (!status.active || created.size === 0) return status;
  const active = status.active.map((r): ObjectReference => {
    const j = r.name ? created.get(r.name) : undefined;
    if (!j || (r.uid && r.uid !== j.metadata.uid)) return r;
    return { ...r, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion };
  });
  return { ...status, active };
}
