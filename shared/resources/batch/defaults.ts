/**
 * batch/v1 defaulting (pkg/apis/batch/v1/defaults.go) and the Job strategy's selector generation
 * on create (pkg/registry/batch/job/strategy.go generateSelector). Pure: objects in, objects out.
 */
import type { CronJob, Job, JobSpec } from './types.js';
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from './types.js';

export const DEFAULT_BACKOFF_LIMIT = 6;
/** backoffLimit when backoffLimitPerIndex is set (math.MaxInt32). */
export const MAX_INT32 = 2147483647;

/** SetDefaults_JobSpec part shared by Jobs and CronJob job templates. */
export function defaultJobSpec(spec: JobSpec): JobSpec {
  const s: { -readonly [K in keyof JobSpec]: JobSpec[K] } = { ...spec };
  // Both unset: a non-parallel Job, both 1. Completions alone unset stays unset (work queue).
  if (s.completions === undefined && s.parallelism === undefined) {
    s.completions = 1;
    s.parallelism = 1;
  }
  if (s.parallelism === undefined) s.parallelism = 1;
  if (s.backoffLimit === undefined) s.backoffLimit = s.backoffLimitPerIndex !== undefined ? MAX_INT32 : DEFAULT_BACKOFF_LIMIT;
  if (s.completionMode === undefined) s.completionMode = 'NonIndexed';
  if (s.suspend === undefined) s.suspend = false;
  if (s.podFailurePolicy) {
    s.podFailurePolicy = {
      rules: s.podFailurePolicy.rules.map((r) =>
        r.onPodConditions ? { ...r, onPodConditions: r.onPodConditions.map((p) => (p.status ? p : { ...p, status: 'True' as const })) } : r,
      ),
    };
  }
  if (s.podReplacementPolicy === undefined) s.podReplacementPolicy = s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (s.manualSelector === undefined) s.manualSelector = false;
  return s;
}

/** SetDefaults_Job: the spec, and the Job's labels from the template's when the Job has none. */
export function defaultJob(job: Job): Job {
  const spec = defaultJobSpec(job.spec);
  const tl = spec.template?.metadata?.labels;
  const labels = tl && Object.keys(job.metadata.labels ?? {}).length === 0 ? { ...tl } : job.metadata.labels;
  return { ...job, metadata: { ...job.metadata, ...(labels ? { labels } : {}) }, spec };
}

/**
 * generateSelector (on create, after the uid is assigned): unless manualSelector is true the
 * selector is `batch.kubernetes.io/controller-uid=<uid>` and the template gets the four labels
 * (controller-uid and job-name, prefixed and legacy). Labels the user set are left as they are;
 * validation then reports a mismatch.
 */
export function generateSelector(job: Job): Job {
  if (job.spec.manualSelector === true) return job;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const labels = { ...(job.spec.template?.metadata?.labels ?? {}) };
  const add = (k: string, v: string): void => {
    if (labels[k] === undefined) labels[k] = v;
  };
  add(LEGACY_CONTROLLER_UID_LABEL, uid);
  add(LEGACY_JOB_NAME_LABEL, name);
  add(CONTROLLER_UID_LABEL, uid);
  add(JOB_NAME_LABEL, name);
  // The selector gets matchLabels controller-uid=<uid> unless the user already set that key
  // (a wrong uid is then refused by validation).
  const sel = job.spec.selector ?? {};
  const matchLabels = { ...(sel.matchLabels ?? {}) };
  if (matchLabels[CONTROLLER_UID_LABEL] === undefined) matchLabels[CONTROLLER_UID_LABEL] = uid;
  const selector = { ...sel, matchLabels };
  return {
    ...job,
    spec: { ...job.spec, selector, template: { ...job.spec.template, metadata: { ...(job.spec.template?.metadata ?? {}), labels } } },
  };
}

export const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT = 3;
export const DEFAULT_FAILED_JOBS_HISTORY_LIMIT = 1;

/**
 * SetDefaults_CronJob. The job template's JobSpec is not defaulted here (Kubernetes defaults it on
 * the Job the controller creates); only its pod template is, by the strategy (kinds/batch.ts).
 */
export function defaultCronJob(cj: CronJob): CronJob {
  const s = cj.spec;
  return {
    ...cj,
    spec: {
      ...s,
      concurrencyPolicy: s.concurrencyPolicy ?? 'Allow',
      suspend: s.suspend ?? false,
      successfulJobsHistoryLimit: s.successfulJobsHistoryLimit ?? DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT,
      failedJobsHistoryLimit: s.failedJobsHistoryLimit ?? DEFAULT_FAILED_JOBS_HISTORY_LIMIT,
    },
  };
}
