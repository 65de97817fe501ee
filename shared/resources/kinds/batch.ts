/**
 * batch/v1 Job and CronJob: status subresource and generation. `kubectl get jobs` (printers.go
 * printJob) shows the status word, succeeded against completions and how long the Job ran;
 * `kubectl get cronjobs` (printCronJob) the schedule, zone, suspension, active Jobs and the last
 * schedule. The wide forms add the template's containers, images and the selector.
 *
 * Defaults: batch/v1 SetDefaults_Job / SetDefaults_CronJob and the pod template's PodSpec
 * defaults; a Job's selector and template labels are generated from its uid unless
 * manualSelector (the Job strategy's PrepareForCreate; the uid is set before defaults run).
 */
import type { KindStrategy, Obj } from '../strategy.js';
import type { CronJob, Job } from '../batch/types.js';
import { defaultCronJob, defaultJob, generateSelector } from '../batch/defaults.js';
import { validateJob } from '../batch/job-validation.js';
import { validateCronJob } from '../batch/cronjob-validation.js';
import { defaultPodSpec } from '../defaults.js';
import { get, images, optInt, count, timestamp, arr, str, type Loose } from '../projection.js';
import { isPlainObject } from '../json.js';
import { dns1123LabelErrors } from '../names.js';
import { age, humanDuration } from '../../printers/duration.js';
import { containerCells, selectorString } from '../../printers/workloads.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const CONTAINERS = column('Containers', 'Names of each container in the template.', { wide: true });
const IMAGES = column('Images', 'Images referenced by each container in the template.', { wide: true });
const SELECTOR = column(
  'Selector',
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  { wide: true },
);

const conditionTrue = (job: Job, type: string): boolean => !!job.status?.conditions?.some((c) => c.type === type && c.status === 'True');

/** The STATUS cell: Complete, Failed, Terminating, Suspended, FailureTarget or Running, in that order. */
export function jobStatusWord(job: Job): string {
  if (conditionTrue(job, 'Complete')) return 'Complete';
  if (conditionTrue(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (conditionTrue(job, 'Suspended')) return 'Suspended';
  if (conditionTrue(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** COMPLETIONS: `succeeded/completions`; a work queue (no completions) `n/1`, or `n/1 of p` when parallel. */
export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const p = job.spec?.parallelism ?? 0;
  return p > 1 ? `${succeeded}/1 of ${p}` : `${succeeded}/1`;
}

/** DURATION: start to completion, or start to now while running; empty before the start. */
export function jobDuration(job: Job, now: Date): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - start);
}

const jobPrinter: TablePrinter<Job> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'Status of the job.'),
    column('Completions', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    column('Duration', 'Time required to complete the job.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(job, now) {
    return [
      job.metadata.name ?? '',
      jobStatusWord(job),
      jobCompletions(job),
      jobDuration(job, now),
      age(job.metadata.creationTimestamp, now),
      ...containerCells(job.spec?.template?.spec?.containers),
      selectorString(job.spec?.selector),
    ];
  },
};

const cronJobPrinter: TablePrinter<CronJob> = {
  columns: [
    NAME_COLUMN,
    column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column(
      'Timezone',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    ),
    column('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.', { type: 'boolean' }),
    column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(cj, now) {
    const suspend = cj.spec?.suspend;
    return [
      cj.metadata.name ?? '',
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      // printBoolPtr
      suspend === undefined ? '<unset>' : suspend ? 'True' : 'False',
      cj.status?.active?.length ?? 0,
      cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime, now) : '<none>',
      age(cj.metadata.creationTimestamp, now),
      ...containerCells(cj.spec?.jobTemplate?.spec?.template?.spec?.containers),
      selectorString(cj.spec?.jobTemplate?.spec?.selector),
    ];
  },
};

const objAt = (o: unknown, ...path: string[]): Obj | undefined => {
  let v: unknown = o;
  for (const k of path) v = isPlainObject(v) ? (v as Obj)[k] : undefined;
  return isPlainObject(v) ? (v as Obj) : undefined;
};

function defaultJobObject(o: Obj): void {
  if (!isPlainObject(o.spec) || !isPlainObject(o.metadata)) return;
  const job = o as unknown as Job;
  // Defaulted again after the selector is generated: kube-apiserver defaults what it reads back
  // from storage too, so a Job without labels of its own shows its template's, generated ones included.
  const next = defaultJob(generateSelector(defaultJob(job)));
  o.metadata = next.metadata;
  o.spec = next.spec;
  defaultPodSpec(objAt(o, 'spec', 'template', 'spec'));
}

function defaultCronJobObject(o: Obj): void {
  if (!isPlainObject(o.spec)) return;
  const next = defaultCronJob(o as unknown as CronJob);
  o.spec = next.spec;
  defaultPodSpec(objAt(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec'));
}

const condTrue = (o: Loose, type: string): boolean =>
  arr(get(o, 'status', 'conditions')).some((c) => get(c, 'type') === type && get(c, 'status') === 'True');
const bool = (v: unknown): boolean => v === true;

export const jobStrategy: KindStrategy = {
  kind: 'Job',
  statusSubresource: true,
  generation: true,
  defaults: defaultJobObject,
  validate: (obj, old) => validateJob(obj as Job, old as Job | undefined),
  warningsOnCreate: (obj) => {
    // The name becomes pods' names and hostnames: a DNS label is recommended.
    const msgs = dns1123LabelErrors(obj.metadata.name ?? '');
    return msgs.length ? [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`] : [];
  },
  // pkg/registry/batch/job/strategy.go DefaultGarbageCollectionPolicy: batch/v1 Jobs orphan their
  // pods unless the request asks otherwise (kubectl delete asks for Background).
  defaultPropagation: {
    policy: 'Orphan',
    warning: 'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
  },
  printer: jobPrinter,
  projection: {
    columns: {
      generation: 'bigint',
      /** spec.completions; null for a work queue. */
      completions: 'integer',
      parallelism: 'integer',
      suspend: 'boolean',
      succeeded: 'integer',
      failed: 'integer',
      active: 'integer',
      ready: 'integer',
      /** Complete, Failed, Terminating, Suspended, FailureTarget or Running (the STATUS column). */
      status: 'text',
      start_time: 'timestamptz',
      completion_time: 'timestamptz',
      images: 'text[]',
    },
    row: (o) => ({
      generation: count(get(o, 'metadata', 'generation')),
      completions: optInt(get(o, 'spec', 'completions')),
      parallelism: optInt(get(o, 'spec', 'parallelism')),
      suspend: bool(get(o, 'spec', 'suspend')),
      succeeded: count(get(o, 'status', 'succeeded')),
      failed: count(get(o, 'status', 'failed')),
      active: count(get(o, 'status', 'active')),
      ready: count(get(o, 'status', 'ready')),
      status: condTrue(o, 'Complete') ? 'Complete' : condTrue(o, 'Failed') ? 'Failed' : str(get(o, 'metadata', 'deletionTimestamp')) ? 'Terminating'
        : condTrue(o, 'Suspended') ? 'Suspended' : condTrue(o, 'FailureTarget') ? 'FailureTarget' : 'Running',
      start_time: timestamp(get(o, 'status', 'startTime')),
      completion_time: timestamp(get(o, 'status', 'completionTime')),
      images: images(get(o, 'spec', 'template', 'spec', 'containers')),
    }),
  },
  // pkg/registry/batch/job/strategy.go JobToSelectableFields: status.successful is status.succeeded.
  fields: { 'status.successful': { absent: '0', path: ['status', 'succeeded'] } },
};

export const cronJobStrategy: KindStrategy = {
  kind: 'CronJob',
  statusSubresource: true,
  generation: true,
  defaults: defaultCronJobObject,
  validate: (obj, old) => validateCronJob(obj as CronJob, old as CronJob | undefined),
  printer: cronJobPrinter,
  projection: {
    columns: {
      generation: 'bigint',
      schedule: 'text',
      time_zone: 'text',
      suspend: 'boolean',
      /** Entries in status.active. */
      active: 'integer',
      last_schedule_time: 'timestamptz',
      last_successful_time: 'timestamptz',
      images: 'text[]',
    },
    row: (o) => ({
      generation: count(get(o, 'metadata', 'generation')),
      schedule: str(get(o, 'spec', 'schedule')),
      time_zone: str(get(o, 'spec', 'timeZone')),
      suspend: bool(get(o, 'spec', 'suspend')),
      active: arr(get(o, 'status', 'active')).length,
      last_schedule_time: timestamp(get(o, 'status', 'lastScheduleTime')),
      last_successful_time: timestamp(get(o, 'status', 'lastSuccessfulTime')),
      images: images(get(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers')),
    }),
  },
};
