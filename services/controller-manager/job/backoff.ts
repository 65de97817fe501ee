/**
 * The pod-failure backoff of the Job controller (backoff_utils.go). Kubernetes keeps one record per
 * Job in memory (failures since the last success, time of the last failure); the planner takes it
 * as input and returns the updated record for the caller to keep.
 */
import type { Pod } from '../../../shared/resources/types.js';

/** Base delay before replacing a failed pod: 10 s. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
/**
 * Cap on the delay. job_controller.go MaxJobPodFailureBackOff is 10 minutes; the Job concept page
 * says "capped at six minutes" (with the default backoffLimit 6 the largest delay reached is
 * 10 s · 2^5 = 320 s, so the two only differ for higher limits). We follow the code.
 */
export const MAX_POD_FAILURE_BACKOFF_MS = 600_000;

export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number;
  /** ms since the epoch */
  readonly lastFailureTime?: number;
}

export const EMPTY_BACKOFF: BackoffRecord = { failuresAfterLastSuccess: 0 };

const ms = (t: string | undefined): number | undefined => {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
};

/**
 * When the pod finished: the latest container finishedAt if every container terminated; else
 * the Ready=False transition; else deletionTimestamp minus the grace period; else creation.
 */
export function finishedTime(p: Pod): number {
  const statuses = p.status?.containerStatuses ?? [];
  let latest: number | undefined;
  let all = statuses.length > 0;
  for (const cs of statuses) {
    const f = ms(cs.state?.terminated?.finishedAt);
    if (f === undefined) {
      all = false;
      break;
    }
    latest = latest === undefined || f > latest ? f : latest;
  }
  if (all && latest !== undefined) return latest;
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  const rt = ready?.status === 'False' ? ms(ready.lastTransitionTime) : undefined;
  if (rt !== undefined) return rt;
  const del = ms(p.metadata.deletionTimestamp);
  if (del !== undefined) return del - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return ms(p.metadata.creationTimestamp) ?? 0;
}

/**
 * The record after this sync's newly finished pods: successes reset the count, failures after
 * the last success (by finish time) are added.
 */
export function nextBackoffRecord(prev: BackoffRecord, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
  const failed = [...newFailed].map(finishedTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failed.length === 0) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failed.length, lastFailureTime: failed[failed.length - 1]! };
  }
  const lastSuccess = Math.max(...newSucceeded.map(finishedTime));
  const after = failed.filter((t) => t > lastSuccess);
  if (after.length === 0) return { failuresAfterLastSuccess: 0 };
  return { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1]! };
}

/** The delay for `failures` consecutive failures: base · 2^(failures-1), capped. 0 for none. */
export function backoffDelayMs(failures: number, baseMs = DEFAULT_POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (failures <= 0) return 0;
  let d = baseMs;
  for (let i = 1; i < failures; i++) {
    d *= 2;
    if (d >= maxMs) return maxMs;
  }
  return Math.min(d, maxMs);
}

/** How long from `now` before a replacement pod may be created (0: now). */
export function remainingBackoffMs(rec: BackoffRecord, now: number, baseMs?: number, maxMs?: number): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  const d = backoffDelayMs(rec.failuresAfterLastSuccess, baseMs, maxMs);
  const elapsed = now - rec.lastFailureTime;
  return d < elapsed ? 0 : d - elapsed;
}
