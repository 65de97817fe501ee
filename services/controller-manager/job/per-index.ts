/**
 * backoffLimitPerIndex for Indexed Jobs (beta and on by default in Kubernetes 1.32;
 * indexed_job_utils.go, backoff_utils.go): each index tolerates backoffLimitPerIndex failures,
 * counted on the pods themselves through the job-index-failure-count annotation that a
 * replacement pod inherits (plus one) from the failed pod it replaces. That failed pod keeps its
 * tracking finalizer until the replacement exists, so the count survives.
 */
import type { Pod } from '../../../shared/resources/types.js';
import { backoffDelayMs, finishedTime } from './backoff.js';
import { type Intervals, completionIndexOf, hasIndex, parseIndexes, withIndexes } from './indexes.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import type { Job } from '../../../shared/resources/batch/types.js';
import { JOB_TRACKING_FINALIZER } from '../../../shared/resources/batch/types.js';

export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';

export function hasBackoffLimitPerIndex(job: Job): boolean {
  return job.spec.completionMode === 'Indexed' && job.spec.backoffLimitPerIndex !== undefined;
}

function count(p: Pod, key: string): number {
  const v = p.metadata.annotations?.[key];
  if (v === undefined || !/^[0-9]+$/.test(v)) return 0;
  return Math.min(Number(v), 2 ** 31 - 1);
}

export const indexFailureCount = (p: Pod): number => count(p, JOB_INDEX_FAILURE_COUNT_ANNOTATION);
export const indexIgnoredFailureCount = (p: Pod): number => count(p, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
const absoluteFailureCount = (p: Pod): number => indexFailureCount(p) + indexIgnoredFailureCount(p);

/** isIndexFailed: a FailIndex rule matched, or a counted failure with the index's budget used up. */
export function isIndexFailed(job: Job, p: Pod, podFailed: boolean): boolean {
  if (!podFailed) return false;
  let counted = true;
  if (job.spec.podFailurePolicy) {
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p);
    if (m.action === 'FailIndex') return true;
    counted = m.countFailed;
  }
  return counted && indexFailureCount(p) >= (job.spec.backoffLimitPerIndex ?? 0);
}

/** status.failedIndexes plus the indexes of failed pods not yet counted (still holding the finalizer). */
export function calculateFailedIndexes(job: Job, pods: readonly Pod[], isFailed: (p: Pod) => boolean): Intervals {
  const completions = job.spec.completions ?? 0;
  const prev = parseIndexes(job.status?.failedIndexes, completions);
  const add: number[] = [];
  for (const p of pods) {
    if (!isIndexFailed(job, p, isFailed(p))) continue;
    const ix = completionIndexOf(p);
    if (ix !== undefined && ix < completions && p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) add.push(ix);
  }
  return withIndexes(prev, add);
}

/**
 * For each index still to be retried, the last failed pod: its finalizer stays until a
 * replacement for the index runs, which inherits its failure count.
 */
export function podsWithDelayedDeletion(job: Job, pods: readonly Pod[], active: readonly Pod[], succeeded: Intervals, failed: Intervals, isFailed: (p: Pod) => boolean): Map<number, Pod> {
  const completions = job.spec.completions ?? 0;
  const activeIndexes = new Set(active.map(completionIndexOf).filter((i): i is number => i !== undefined));
  const out = new Map<number, Pod>();
  for (const p of pods) {
    if (!p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) || !isFailed(p)) continue;
    const ix = completionIndexOf(p);
    if (ix === undefined || ix >= completions) continue;
    if (hasIndex(succeeded, ix) || hasIndex(failed, ix) || activeIndexes.has(ix)) continue;
    const last = out.get(ix);
    if (!last || (absoluteFailureCount(last) <= absoluteFailureCount(p) && finishedTime(p) >= finishedTime(last))) out.set(ix, p);
  }
  return out;
}

/** The failure counts the replacement of `replaced` carries. */
export function replacementFailureCounts(job: Job, replaced: Pod | undefined): { failures: number; ignored: number } {
  if (!replaced) return { failures: 0, ignored: 0 };
  let failures = indexFailureCount(replaced);
  let ignored = indexIgnoredFailureCount(replaced);
  if (job.spec.podFailurePolicy && !matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).countFailed) ignored++;
  else failures++;
  return { failures, ignored };
}

/** The per-index backoff: how long before the index whose last failure is `lastFailed` may run again. */
export function remainingPerIndexMs(lastFailed: Pod | undefined, nowMs: number): number {
  if (!lastFailed) return 0;
  const d = backoffDelayMs(absoluteFailureCount(lastFailed) + 1);
  const elapsed = nowMs - finishedTime(lastFailed);
  return d < elapsed ? 0 : d - elapsed;
}
