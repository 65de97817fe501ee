/**
 * planCronJob: one reconcile of a batch/v1 CronJob as data (cronjob_controllerv2.go sync,
 * syncCronJob and cleanupFinishedJobs, utils.go mostRecentScheduleTime / nextScheduleTime /
 * nextScheduleTimeDuration / getJobFromTemplate2, Kubernetes 1.32).
 *
 * Given the CronJob, the Jobs it controls and the clock, it returns the writes to make in order
 * (Events as actions after the write they report), and when to look again: the next schedule
 * time plus 100 ms. Job names are deterministic (`<cronjob>-<scheduled time in minutes since the
 * epoch>`), so a create that raced a crash is found on the next plan and adopted into
 * status.active instead of being made twice.
 */
import type { ObjectReference } from '../../../shared/resources/types.js';
import type { OwnerReference } from '../../../shared/resources/meta.js';
import { rfc3339 } from '../../../shared/resources/time.js';
import { deepEqual } from '../../../shared/resources/json.js';
import type { CronJob, CronJobStatus, Job } from '../../../shared/resources/batch/types.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from '../../../shared/resources/batch/types.js';
import { type Schedule, formatRFC3339InZone, isLoadableTimeZone, parseStandard } from '../../../shared/resources/batch/schedule.js';

/** Requeue this long after the next schedule time (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed start times than this are not listed; a warning is recorded. */
export const MANY_MISSED = 100;

export type CronJobAction =
  /** Create this Job (its name is deterministic: AlreadyExists is success if we control it). */
  | { readonly type: 'createJob'; readonly job: Job }
  /** Delete the Job with propagationPolicy Background. */
  | { readonly type: 'deleteJob'; readonly name: string; readonly uid?: string }
  /**
   * Write the CronJob's status. `createdJob`: the name of the Job created by a createJob earlier in
   * this plan; its entry in status.active has no uid yet, the executor fills uid and
   * resourceVersion in from the create response (Kubernetes' getRef(jobResp)).
   */
  | { readonly type: 'updateCronJobStatus'; readonly status: CronJobStatus; readonly createdJob?: string }
  | { readonly type: 'recordEvent'; readonly eventType: 'Normal' | 'Warning'; readonly reason: string; readonly message: string };

export interface CronJobPlan {
  readonly actions: CronJobAction[];
  /** Reconcile again after this many milliseconds (absent: only on change). */
  readonly requeueAfterMs?: number;
  /** Set when the plan stopped on an inconsistency a retry may resolve (a foreign Job holds the name). */
  readonly error?: string;
}

export interface CronJobPlanOptions {
  /** The zone of schedules without timeZone or TZ= (Kubernetes: the controller manager's local zone). */
  readonly defaultTimeZone?: string;
}

export type MissedSchedules = 'none' | 'few' | 'many';

export interface MostRecent {
  readonly earliest: Date;
  readonly mostRecent?: Date;
  readonly missed: MissedSchedules;
  readonly error?: string;
}

const ms = (t: string | undefined): number | undefined => {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
};

/**
 * mostRecentScheduleTime: from lastScheduleTime (or creation), moved up to now minus
 * startingDeadlineSeconds when asked, the latest activation not after now and whether more than
 * 100 were missed. The count is Kubernetes' estimate from the first two activations' spacing.
 */
export function mostRecentScheduleTime(cj: CronJob, now: Date, sched: Schedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = ms(cj.status?.lastScheduleTime) ?? ms(cj.metadata.creationTimestamp) ?? 0;
  const sds = cj.spec.startingDeadlineSeconds;
  if (includeStartingDeadline && sds !== undefined) {
    const deadline = now.getTime() - sds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const e = new Date(earliest);
  const t1 = sched.next(e);
  const t2 = t1 ? sched.next(t1) : undefined;
  const n = now.getTime();
  if (t1 && n < t1.getTime()) return { earliest: e, missed: 'none' };
  if (t1 && t2 && n < t2.getTime()) return { earliest: e, mostRecent: t1, missed: 'none' };
  const between = t1 && t2 ? Math.round((t2.getTime() - t1.getTime()) / 1000) : 0;
  if (!t1 || !t2 || between < 1) return { earliest: e, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((n - t1.getTime()) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  const potentialEarliest = new Date(t1.getTime() + (missedCount - 2) * between * 1000);
  let mostRecent: Date | undefined;
  for (let t = sched.next(potentialEarliest); t && t.getTime() <= n; t = sched.next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > MANY_MISSED ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliest: e, ...(mostRecent ? { mostRecent } : {}), missed };
}

/** nextScheduleTimeDuration: ms from now until the activation after the most recent one, plus 100 ms. */
export function nextScheduleDelayMs(cj: CronJob, now: Date, sched: Schedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  let from: Date;
  if (r.error) from = now;
  else if (!r.mostRecent) from = r.missed === 'none' ? r.earliest : now;
  else from = r.mostRecent;
  const next = sched.next(from);
  return next ? next.getTime() + NEXT_SCHEDULE_DELTA_MS - now.getTime() : undefined;
}

/** getJobName: `<cronjob>-<minutes since the epoch of the scheduled time>`. */
export function jobNameFor(cj: CronJob, scheduled: Date): string {
  return `${cj.metadata.name ?? ''}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** getJobFromTemplate2: the Job for one scheduled time. */
export function jobFromTemplate(cj: CronJob, scheduled: Date): Job {
  const t = cj.spec.jobTemplate;
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}) };
  // In spec.timeZone (UTC when unset, whatever a TZ= prefix says).
  annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = formatRFC3339InZone(scheduled, cj.spec.timeZone ?? 'UTC');
  const owner: OwnerReference = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    name: cj.metadata.name ?? '',
    uid: cj.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled),
      ...(cj.metadata.namespace !== undefined ? { namespace: cj.metadata.namespace } : {}),
      labels: { ...(t.metadata?.labels ?? {}) },
      annotations,
      creationTimestamp: rfc3339(scheduled),
      ownerReferences: [owner],
    },
    spec: t.spec,
  };
}

function finishedType(j: Job): 'Complete' | 'Failed' | undefined {
  for (const c of j.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

function refFor(j: Job): ObjectReference {
  return {
    kind: 'Job',
    ...(j.metadata.namespace !== undefined ? { namespace: j.metadata.namespace } : {}),
    name: j.metadata.name ?? '',
    ...(j.metadata.uid !== undefined ? { uid: j.metadata.uid } : {}),
    apiVersion: 'batch/v1',
    ...(j.metadata.resourceVersion !== undefined ? { resourceVersion: j.metadata.resourceVersion } : {}),
  };
}

/** RFC 1123 with numeric zone, in UTC (Go time.RFC1123Z after UTC()). */
export function rfc1123z(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** byJobStartTime: oldest start first, Jobs without a start last, name breaks ties. */
function byStartTime(a: Job, b: Job): number {
  const sa = ms(a.status?.startTime);
  const sb = ms(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  return sa! - sb!;
}

/** The schedule the controller parses: `TZ=<timeZone> <schedule>` unless the schedule has its own TZ. */
function formatSchedule(cj: CronJob, warn: (reason: string, msg: string) => void): string {
  const s = cj.spec.schedule;
  if (s.includes('TZ')) {
    warn('UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${JSON.stringify(s)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    return s;
  }
  if (cj.spec.timeZone !== undefined && isLoadableTimeZone(cj.spec.timeZone)) return `TZ=${cj.spec.timeZone} ${s}`;
  return s;
}

/**
 * One reconcile of `cj` (defaulted). `allJobs` are Jobs in its namespace; only those it controls
 * are considered. Pass a fresh list: an active entry whose Job is not in it is taken as gone.
 */
export function planCronJob(cj: CronJob, allJobs: readonly Job[], now: Date, opts: CronJobPlanOptions = {}): CronJobPlan {
  const actions: CronJobAction[] = [];
  const event = (eventType: 'Normal' | 'Warning', reason: string, message: string): void => {
    actions.push({ type: 'recordEvent', eventType, reason, message });
  };
  const uid = cj.metadata.uid;
  const jobs = allJobs.filter((j) => j.metadata.ownerReferences?.some((r) => r.controller && (uid === undefined || r.uid === uid) && r.kind === 'CronJob'));
  let active: ObjectReference[] = [...(cj.status?.active ?? [])];
  let lastScheduleTime = cj.status?.lastScheduleTime;
  let lastSuccessfulTime = cj.status?.lastSuccessfulTime;
  let created: string | undefined;
  const inActive = (u: string | undefined): boolean => active.some((r) => r.uid === u);
  const removeActive = (u: string | undefined): void => {
    active = active.filter((r) => r.uid !== u);
  };

  // Reconcile status.active with the Jobs.
  const children = new Set(jobs.map((j) => j.metadata.uid));
  for (const j of jobs) {
    const found = inActive(j.metadata.uid);
    const fin = finishedType(j);
    if (!found && !fin) {
      event('Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name ?? ''}`);
    } else if (found && fin) {
      removeActive(j.metadata.uid);
      event('Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name ?? ''}, condition: ${fin}`);
    } else if (fin === 'Complete') {
      const ct = j.status?.completionTime;
      if (lastSuccessfulTime === undefined) lastSuccessfulTime = ct;
      if (ct !== undefined && lastSuccessfulTime !== undefined && (ms(ct) ?? 0) > (ms(lastSuccessfulTime) ?? 0)) lastSuccessfulTime = ct;
    }
  }
  for (const r of [...active]) {
    if (children.has(r.uid)) continue;
    event('Normal', 'MissingJob', `Active job went missing: ${r.name ?? ''}`);
    removeActive(r.uid);
  }

  const status = (): CronJobStatus => ({
    ...(cj.status ?? {}),
    ...(active.length > 0 ? { active } : {}),
    ...(lastScheduleTime !== undefined ? { lastScheduleTime } : {}),
    ...(lastSuccessfulTime !== undefined ? { lastSuccessfulTime } : {}),
  });
  const withStatus = (): CronJob => {
    const s: { -readonly [K in keyof CronJobStatus]: CronJobStatus[K] } = status();
    if (active.length === 0) delete s.active;
    return { ...cj, status: s };
  };

  const finish = (requeueAfterMs?: number, error?: string): CronJobPlan => {
    // cleanupFinishedJobs, then the status write.
    cleanup();
    const s: { -readonly [K in keyof CronJobStatus]: CronJobStatus[K] } = status();
    if (active.length === 0) delete s.active;
    const before: { -readonly [K in keyof CronJobStatus]: CronJobStatus[K] } = { ...(cj.status ?? {}) };
    if (before.active?.length === 0) delete before.active;
    if (!deepEqual(s, before)) actions.push({ type: 'updateCronJobStatus', status: s, ...(created !== undefined ? { createdJob: created } : {}) });
    return {
      actions,
      ...(requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(0, requeueAfterMs) } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  };

  const cleanup = (): void => {
    const lim = { Complete: cj.spec.successfulJobsHistoryLimit, Failed: cj.spec.failedJobsHistoryLimit };
    for (const kind of ['Complete', 'Failed'] as const) {
      const limit = lim[kind];
      if (limit === undefined) continue;
      const done = jobs.filter((j) => finishedType(j) === kind).sort(byStartTime);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        actions.push({ type: 'deleteJob', name: j.metadata.name ?? '', ...(j.metadata.uid !== undefined ? { uid: j.metadata.uid } : {}) });
        event('Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name ?? ''}`);
        removeActive(j.metadata.uid);
      }
    }
  };

  if (cj.metadata.deletionTimestamp) return finish();

  if (cj.spec.timeZone !== undefined && !isLoadableTimeZone(cj.spec.timeZone)) {
    event('Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: unknown time zone ${cj.spec.timeZone}`);
    return finish();
  }
  if (cj.spec.suspend === true) return finish();

  const parsed = parseStandard(formatSchedule(cj, (r, m) => event('Warning', r, m)), opts.defaultTimeZone ?? 'UTC');
  if (!parsed.ok) {
    event('Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${parsed.error}`);
    return finish();
  }
  const sched = parsed.schedule;

  // nextScheduleTime
  const mr = mostRecentScheduleTime(withStatus(), now, sched, true);
  if (mr.missed === 'many' && mr.mostRecent && mr.mostRecent.getTime() <= now.getTime()) {
    event('Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  }
  if (!mr.mostRecent || mr.mostRecent.getTime() > now.getTime()) {
    if (mr.error) {
      event('Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${mr.error}`);
      return finish();
    }
    return finish(nextScheduleDelayMs(withStatus(), now, sched));
  }
  const scheduled = mr.mostRecent;

  const sds = cj.spec.startingDeadlineSeconds;
  if (sds !== undefined && scheduled.getTime() + sds * 1000 < now.getTime()) {
    event('Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return finish(nextScheduleDelayMs(withStatus(), now, sched));
  }

  const name = jobNameFor(cj, scheduled);
  if (active.some((r) => r.name === name) || ms(lastScheduleTime) === scheduled.getTime()) {
    return finish(nextScheduleDelayMs(withStatus(), now, sched));
  }

  const policy = cj.spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) {
    event('Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return finish(nextScheduleDelayMs(withStatus(), now, sched));
  }
  if (policy === 'Replace') {
    for (const r of [...active]) {
      actions.push({ type: 'deleteJob', name: r.name ?? '', ...(r.uid !== undefined ? { uid: r.uid } : {}) });
      event('Normal', 'SuccessfulDelete', `Deleted job ${r.name ?? ''}`);
      removeActive(r.uid);
    }
  }

  // A Job of that name may exist already (created before a crash, before the status write).
  const existing = allJobs.find((j) => j.metadata.name === name);
  let ref: ObjectReference;
  if (existing) {
    const ours = existing.metadata.ownerReferences?.some((r) => r.controller && r.kind === 'CronJob' && r.uid === uid);
    if (!ours) return finish(undefined, `job ${cj.metadata.namespace ?? ''}/${name} already exists and is not controlled by this CronJob`);
    ref = refFor(existing);
  } else {
    const job = jobFromTemplate(cj, scheduled);
    actions.push({ type: 'createJob', job });
    event('Normal', 'SuccessfulCreate', `Created job ${name}`);
    ref = refFor(job);
    created = name;
  }
  if (!inActive(ref.uid) || ref.uid === undefined) active = [...active, ref];
  lastScheduleTime = rfc3339(scheduled);
  return finish(nextScheduleDelayMs(withStatus(), now, sched));
}
