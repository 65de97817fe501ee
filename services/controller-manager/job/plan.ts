/**
 * planJob: one reconcile of a batch/v1 Job as data (job_controller.go syncJob, manageJob and
 * trackJobStatusAndRemoveFinalizers folded together, Kubernetes 1.32 default feature gates:
 * JobPodReplacementPolicy and JobSuccessPolicy on, so the interim FailureTarget and
 * SuccessCriteriaMet conditions are written before Failed / Complete and the terminal condition
 * waits until no pod is terminating).
 *
 * Given the Job, the pods it controls, the clock and the in-memory backoff record, it returns the
 * writes to make, in order, the Events to record (as actions, placed after the write they report),
 * when to look again, and the next backoff record. The executor applies the actions in order and
 * stops at the first error; it then plans again from what it observes.
 *
 * Exactly-once counting: a pod carries the batch.kubernetes.io/job-tracking finalizer from
 * creation. A finished pod's UID is first written to status.uncountedTerminatedPods (status write
 * 1), then its finalizer is removed, then it moves from the uncounted list to status.succeeded /
 * status.failed (status write 2). A restart between any two steps is recovered on the next plan:
 * an uncounted UID whose pod has no finalizer any more (or is gone) is counted then; one whose pod
 * still has it is not added twice.
 */
import type { Container, EnvVar, Pod, PodTemplateSpec } from '../../../shared/resources/types.js';
import type { OwnerReference } from '../../../shared/resources/meta.js';
import { rfc3339 } from '../../../shared/resources/time.js';
import { deepEqual } from '../../../shared/resources/json.js';
import { type BackoffRecord, EMPTY_BACKOFF, nextBackoffRecord, remainingBackoffMs } from './backoff.js';
import { type Intervals, completionIndexOf, formatIndexes, hasIndex, parseIndexes, podGenerateNameWithIndex, totalIndexes, withIndexes } from './indexes.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import {
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  calculateFailedIndexes,
  hasBackoffLimitPerIndex,
  podsWithDelayedDeletion,
  remainingPerIndexMs,
  replacementFailureCounts,
} from './per-index.js';
import type { Job, JobCondition, JobStatus } from '../../../shared/resources/batch/types.js';
import {
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_COMPLETION_INDEX_ENV,
  JOB_COMPLETION_INDEX_LABEL,
  JOB_TRACKING_FINALIZER,
  JobReasons,
} from '../../../shared/resources/batch/types.js';

/** At most this many UIDs in uncountedTerminatedPods (and finalizer removals) per sync. */
export const MAX_UNCOUNTED_PODS = 500;
/** At most this many pod creations or deletions per sync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** spec.managedBy value meaning "this controller". */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

export type JobAction =
  /** Create this pod (generateName set; the tracking finalizer and controller ref are on it). */
  | { readonly type: 'createPod'; readonly pod: Pod; readonly index?: number }
  /**
   * Delete the pod. `removeFinalizerFirst`: patch the tracking finalizer away before deleting
   * (pods removed by scale-down or suspension are not counted); otherwise the finalizer stays and
   * a later plan counts the pod as failed and removes it.
   */
  | { readonly type: 'deletePod'; readonly name: string; readonly uid?: string; readonly removeFinalizerFirst: boolean }
  /** Remove the batch.kubernetes.io/job-tracking finalizer from the pod (NotFound is success). */
  | { readonly type: 'removePodFinalizer'; readonly name: string; readonly uid?: string }
  /** Write the Job's status (precondition: the observed resourceVersion, then the one returned by the previous status write). */
  | { readonly type: 'updateJobStatus'; readonly status: JobStatus }
  /** Delete the Job (TTL after finished): propagation Foreground, preconditions uid and resourceVersion. */
  | { readonly type: 'deleteJob'; readonly name: string; readonly uid?: string; readonly resourceVersion?: string }
  /**
   * Record an Event on the Job. `appendCreatedName`: the pod name is only known once the
   * preceding createPod returned; the executor appends it to `message` ("Created pod: " + name).
   */
  | {
      readonly type: 'recordEvent';
      readonly eventType: 'Normal' | 'Warning';
      readonly reason: string;
      readonly message: string;
      readonly appendCreatedName?: boolean;
    };

export interface JobPlan {
  readonly actions: JobAction[];
  /** Plan again after this many milliseconds (backoff, activeDeadlineSeconds, TTL). */
  readonly requeueAfterMs?: number;
  /** The backoff record to keep for the next plan (only meaningful once the first status write succeeded). */
  readonly backoff: BackoffRecord;
}

export interface JobPlanOptions {
  /** The controller's in-memory backoff record for this Job (absent: none). */
  readonly backoff?: BackoffRecord;
  /**
   * False while earlier pod creations/deletions are not yet observed in the pod list: then no
   * pods are created or deleted and the Job is not declared finished (controller expectations).
   */
  readonly expectationsSatisfied?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const isTerminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isActive = (p: Pod): boolean => !isTerminal(p) && !p.metadata.deletionTimestamp;
const isTerminating = (p: Pod): boolean => !!p.metadata.deletionTimestamp && !isTerminal(p);
const isReady = (p: Pod): boolean => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const hasFinalizer = (p: Pod): boolean => !!p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER);
const uidOf = (p: Pod): string => p.metadata.uid ?? '';

export function isIndexed(job: Job): boolean {
  return job.spec.completionMode === 'Indexed';
}

export function isSuspended(job: Job): boolean {
  return job.spec.suspend === true;
}

export function findCondition(status: JobStatus | undefined, type: string): JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

const conditionTrue = (status: JobStatus | undefined, type: string): boolean => findCondition(status, type)?.status === 'True';

/** Complete=True or Failed=True. */
export function isJobFinished(job: Job): boolean {
  return conditionTrue(job.status, 'Complete') || conditionTrue(job.status, 'Failed');
}

/** onlyReplaceFailedPods: podReplacementPolicy Failed, or a podFailurePolicy is set. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || !!job.spec.podFailurePolicy;
}

/** isPodFailed: Failed phase; unless only failed pods are replaced, also a deleted pod that did not succeed. */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (onlyReplaceFailedPods(job)) return p.status?.phase === 'Failed';
  if (p.status?.phase === 'Failed') return true;
  return !!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

function newCondition(type: string, status: 'True' | 'False', reason: string, message: string, now: Date): JobCondition {
  const t = rfc3339(now);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/** ensureJobConditionStatus: update the condition of that type, or append it unless it would be False. */
function ensureCondition(list: readonly JobCondition[], c: JobCondition): { list: JobCondition[]; changed: boolean } {
  const i = list.findIndex((x) => x.type === c.type);
  if (i >= 0) {
    const x = list[i]!;
    if (x.status !== c.status || (x.reason ?? '') !== (c.reason ?? '') || (x.message ?? '') !== (c.message ?? '')) {
      const out = [...list];
      out[i] = c;
      return { list: out, changed: true };
    }
    return { list: [...list], changed: false };
  }
  if (c.status !== 'False') return { list: [...list, c], changed: true };
  return { list: [...list], changed: false };
}

/** controller.ActivePods ordering: the pods to delete first come first. */
function byDeletionPreference(a: Pod, b: Pod): number {
  const assigned = (p: Pod): number => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const rank = (p: Pod): number => ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase as 'Pending'] ?? 0;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const ready = (p: Pod): number => (isReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const restarts = (p: Pod): number => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  if (created(a) !== created(b)) return created(b) - created(a);
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** activePodsForRemoval: Indexed Jobs first drop pods with a bad or duplicated index; then by preference. */
function activePodsForRemoval(job: Job, active: readonly Pod[], rmAtLeast: number): Pod[] {
  const rm: Pod[] = [];
  let left: Pod[] = [...active];
  if (isIndexed(job)) {
    const completions = job.spec.completions ?? 0;
    left = [];
    const byIndex = new Map<number, Pod[]>();
    for (const p of active) {
      const ix = completionIndexOf(p);
      if (ix === undefined || ix >= completions) rm.push(p);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
      const group = byIndex.get(ix)!.sort(byDeletionPreference);
      rm.push(...group.slice(0, -1));
      left.push(group[group.length - 1]!);
    }
  }
  if (rm.length < rmAtLeast) rm.push(...[...left].sort(byDeletionPreference).slice(0, rmAtLeast - rm.length));
  return rm;
}

/** The first `count` indexes in [0, completions) that are neither succeeded nor running (nor terminating when only failed pods are replaced). */
function firstPendingIndexes(job: Job, succeeded: Intervals, failed: Intervals, active: readonly Pod[], terminating: readonly Pod[], count: number): number[] {
  const completions = job.spec.completions ?? 0;
  const busy = new Set<number>();
  for (const p of active) {
    const ix = completionIndexOf(p);
    if (ix !== undefined) busy.add(ix);
  }
  if (onlyReplaceFailedPods(job)) {
    for (const p of terminating) {
      const ix = completionIndexOf(p);
      if (ix !== undefined) busy.add(ix);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!busy.has(i) && !hasIndex(succeeded, i) && !hasIndex(failed, i)) out.push(i);
  }
  return out;
}

function withIndexEnv(c: Container): Container {
  const env = c.env ?? [];
  if (env.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return c;
  const v: EnvVar = {
    name: JOB_COMPLETION_INDEX_ENV,
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
  } as EnvVar;
  return { ...c, env: [...env, v] };
}

/** The pod the controller creates for `job` (and `index` for Indexed Jobs). */
export function podForJob(job: Job, index?: number, failureCounts?: { failures: number; ignored: number }): Pod {
  const t: PodTemplateSpec = job.spec.template;
  const name = job.metadata.name ?? '';
  const ownerRef: OwnerReference = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name,
    uid: job.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  const labels: Record<string, string> = { ...(t.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}) };
  const finalizers = [...(t.metadata?.finalizers ?? [])];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER);
  let spec = t.spec;
  let generateName = `${name}-`;
  if (index !== undefined) {
    spec = {
      ...spec,
      containers: spec.containers.map(withIndexEnv),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(withIndexEnv) } : {}),
      hostname: `${name}-${index}`,
    };
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[JOB_COMPLETION_INDEX_LABEL] = String(index);
    generateName = podGenerateNameWithIndex(name, index);
    if (failureCounts) {
      annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(failureCounts.failures);
      if (failureCounts.ignored > 0) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(failureCounts.ignored);
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      ...(job.metadata.namespace !== undefined ? { namespace: job.metadata.namespace } : {}),
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      finalizers,
      ownerReferences: [ownerRef],
    },
    spec,
  };
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts of running pods count. */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

// ---------------------------------------------------------------------------------------------
// TTL after finished (pkg/controller/ttlafterfinished)

/** When the Job finished: lastTransitionTime of its Complete/Failed=True condition. */
export function jobFinishTime(job: Job): Date | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c?.lastTransitionTime) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export type TTLDecision = { readonly kind: 'none' } | { readonly kind: 'wait'; readonly afterMs: number } | { readonly kind: 'delete' };

/** Whether a finished Job with ttlSecondsAfterFinished is due for deletion, or how long to wait. */
export function ttlDecision(job: Job, now: Date): TTLDecision {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || job.metadata.deletionTimestamp || !isJobFinished(job)) return { kind: 'none' };
  const finished = jobFinishTime(job);
  if (!finished) return { kind: 'none' };
  const expireAt = finished.getTime() + ttl * 1000;
  return now.getTime() >= expireAt ? { kind: 'delete' } : { kind: 'wait', afterMs: expireAt - now.getTime() };
}

// ---------------------------------------------------------------------------------------------
// The planner

/**
 * One reconcile of `job` (defaulted, see defaults.ts). `allPods` may be the namespace's pods:
 * only those whose controller reference is this Job are used (adopting orphans that match the
 * selector, with the tracking finalizer added, is the caller's business).
 */
export function planJob(job: Job, allPods: readonly Pod[], now: Date, opts: JobPlanOptions = {}): JobPlan {
  const actions: JobAction[] = [];
  const event = (eventType: 'Normal' | 'Warning', reason: string, message: string): void => {
    actions.push({ type: 'recordEvent', eventType, reason, message });
  };
  const prevBackoff = opts.backoff ?? EMPTY_BACKOFF;
  const satisfied = opts.expectationsSatisfied ?? true;
  const jobUid = job.metadata.uid;
  const pods = allPods.filter((p) => jobUid === undefined || p.metadata.ownerReferences?.some((r) => r.controller && r.uid === jobUid));

  if (job.spec.managedBy !== undefined && job.spec.managedBy !== JOB_CONTROLLER_NAME) return { actions, backoff: prevBackoff };

  if (isJobFinished(job)) {
    // Finished: pods still holding the finalizer are released (syncOrphanPod), then TTL.
    for (const p of pods) if (hasFinalizer(p)) actions.push({ type: 'removePodFinalizer', name: p.metadata.name ?? '', uid: uidOf(p) });
    const ttl = ttlDecision(job, now);
    if (ttl.kind === 'delete') {
      actions.push({
        type: 'deleteJob',
        name: job.metadata.name ?? '',
        ...(job.metadata.uid !== undefined ? { uid: job.metadata.uid } : {}),
        ...(job.metadata.resourceVersion !== undefined ? { resourceVersion: job.metadata.resourceVersion } : {}),
      });
    }
    return { actions, backoff: EMPTY_BACKOFF, ...(ttl.kind === 'wait' ? { requeueAfterMs: ttl.afterMs } : {}) };
  }

  const mode = job.spec.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
    event('Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
    return { actions, backoff: prevBackoff };
  }

  const indexed = isIndexed(job);
  const completions = job.spec.completions;
  const backoffLimit = job.spec.backoffLimit ?? 6;
  const suspended = isSuspended(job);
  const nowMs = now.getTime();
  let requeueAfterMs: number | undefined;
  const requeue = (ms: number): void => {
    requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
  };

  // Mutable status of this pass.
  const st = { ...(job.status ?? {}) } as { -readonly [K in keyof JobStatus]: JobStatus[K] };
  let conditions: JobCondition[] = [...(st.conditions ?? [])];
  const uncountedSucceeded = [...(st.uncountedTerminatedPods?.succeeded ?? [])];
  const uncountedFailed = [...(st.uncountedTerminatedPods?.failed ?? [])];
  const origUncountedS = new Set(uncountedSucceeded);
  const origUncountedF = new Set(uncountedFailed);

  const activePods = pods.filter(isActive);
  const terminatingPods = pods.filter(isTerminating);
  let active = activePods.length;
  let ready = activePods.filter(isReady).length;
  let terminating = terminatingPods.length;

  const validIndexed = (p: Pod): boolean => {
    if (!indexed) return true;
    const ix = completionIndexOf(p);
    return ix !== undefined && ix < (completions ?? 0);
  };
  const newSucceededPods = pods.filter((p) => hasFinalizer(p) && !origUncountedS.has(uidOf(p)) && validIndexed(p) && p.status?.phase === 'Succeeded');
  const newFailedPods = pods.filter((p) => hasFinalizer(p) && !origUncountedF.has(uidOf(p)) && validIndexed(p) && isPodFailed(p, job));
  let succeeded = (st.succeeded ?? 0) + newSucceededPods.length + uncountedSucceeded.length;
  const nonIgnoredFailed = newFailedPods.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed).length;
  const failed = (st.failed ?? 0) + nonIgnoredFailed + uncountedFailed.length;

  if (st.startTime === undefined && !suspended) st.startTime = rfc3339(now);

  const backoff = nextBackoffRecord(prevBackoff, newSucceededPods, newFailedPods);

  // The condition the Job is heading for, if any: FailureTarget / SuccessCriteriaMet first.
  let finished: JobCondition | undefined = findCondition(st, 'SuccessCriteriaMet')?.status === 'True' ? findCondition(st, 'SuccessCriteriaMet') : undefined;
  if (!finished) {
    const ft = findCondition(st, 'FailureTarget');
    if (ft?.status === 'True') finished = ft;
    else if (job.spec.podFailurePolicy) {
      for (const p of pods) {
        if (!isPodFailed(p, job)) continue;
        const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p);
        if (m.failJobMessage) {
          finished = newCondition('FailureTarget', 'True', JobReasons.PodFailurePolicy, m.failJobMessage, now);
          break;
        }
      }
    }
  }
  if (!finished) {
    if (failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
      finished = newCondition('FailureTarget', 'True', JobReasons.BackoffLimitExceeded, 'Job has reached the specified backoff limit', now);
    } else if (job.spec.activeDeadlineSeconds !== undefined && st.startTime !== undefined && !suspended) {
      const left = job.spec.activeDeadlineSeconds * 1000 - (nowMs - Date.parse(st.startTime));
      if (left <= 0) finished = newCondition('FailureTarget', 'True', JobReasons.DeadlineExceeded, 'Job was active longer than specified deadline', now);
      else requeue(left);
    }
  }

  let prevSucceededIndexes: Intervals = [];
  let succeededIndexes: Intervals = [];
  if (indexed) {
    prevSucceededIndexes = parseIndexes(st.completedIndexes, completions ?? 0);
    const fresh: number[] = [];
    for (const p of pods) {
      const ix = completionIndexOf(p);
      if (p.status?.phase === 'Succeeded' && ix !== undefined && ix < (completions ?? 0) && hasFinalizer(p)) fresh.push(ix);
    }
    succeededIndexes = withIndexes(prevSucceededIndexes, fresh);
    succeeded = totalIndexes(succeededIndexes);
  }
  const perIndex = hasBackoffLimitPerIndex(job);
  let failedIndexes: Intervals = [];
  let delayed = new Map<number, Pod>();
  if (perIndex) {
    failedIndexes = calculateFailedIndexes(job, pods, (p) => isPodFailed(p, job));
    if (!finished) {
      const nFailed = totalIndexes(failedIndexes);
      if (job.spec.maxFailedIndexes !== undefined && nFailed > job.spec.maxFailedIndexes) {
        finished = newCondition('FailureTarget', 'True', JobReasons.MaxFailedIndexesExceeded, 'Job has exceeded the specified maximal number of failed indexes', now);
      } else if (nFailed > 0 && nFailed + totalIndexes(succeededIndexes) >= (completions ?? 0)) {
        finished = newCondition('FailureTarget', 'True', JobReasons.FailedIndexes, 'Job has failed indexes', now);
      }
    }
    delayed = podsWithDelayedDeletion(job, pods, activePods, succeededIndexes, failedIndexes, (p) => isPodFailed(p, job));
  }

  let suspendChanged = false;
  if (finished) {
    // deleteActivePods: delete, keeping the finalizers (the pods are counted as failed below).
    const victims = activePods;
    for (const p of victims) {
      actions.push({ type: 'deletePod', name: p.metadata.name ?? '', uid: uidOf(p), removeFinalizerFirst: false });
      event('Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
    }
    active -= victims.length;
    terminating += victims.length;
    ready -= victims.filter(isReady).length;
    if (!satisfied) finished = undefined;
  } else {
    let manageCalled = false;
    if (satisfied && !job.metadata.deletionTimestamp) {
      manageCalled = true;
      const r = manageJob();
      active = r.active;
    }
    const complete = completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
    if (complete) {
      finished = newCondition('SuccessCriteriaMet', 'True', JobReasons.CompletionsReached, 'Reached expected number of succeeded pods', now);
    } else if (manageCalled) {
      if (suspended) {
        const r = ensureCondition(conditions, newCondition('Suspended', 'True', 'JobSuspended', 'Job suspended', now));
        conditions = r.list;
        if (r.changed) {
          suspendChanged = true;
          event('Normal', 'Suspended', 'Job suspended');
        }
      } else {
        const r = ensureCondition(conditions, newCondition('Suspended', 'False', 'JobResumed', 'Job resumed', now));
        conditions = r.list;
        if (r.changed) {
          suspendChanged = true;
          event('Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts continuous activity: a resumed Job starts again now.
          st.startTime = rfc3339(now);
        }
      }
    }
  }

  function manageJob(): { active: number } {
    let act = activePods.length;
    const parallelism = job.spec.parallelism ?? 1;
    if (suspended) {
      for (const p of activePods) {
        actions.push({ type: 'deletePod', name: p.metadata.name ?? '', uid: uidOf(p), removeFinalizerFirst: true });
        event('Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
      }
      terminating += activePods.length;
      ready -= activePods.filter(isReady).length;
      return { active: 0 };
    }
    let wantActive: number;
    if (completions === undefined) wantActive = succeeded > 0 ? act : parallelism;
    else wantActive = Math.max(0, Math.min(completions - succeeded, parallelism));

    const rmAtLeast = Math.max(0, act - wantActive);
    const toDelete = activePodsForRemoval(job, activePods, rmAtLeast).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      for (const p of toDelete) {
        actions.push({ type: 'deletePod', name: p.metadata.name ?? '', uid: uidOf(p), removeFinalizerFirst: true });
        event('Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
      }
      act -= toDelete.length;
      terminating += toDelete.length;
      ready -= toDelete.filter(isReady).length;
      return { active: act };
    }

    const term = onlyReplaceFailedPods(job) ? terminating : 0;
    let diff = wantActive - term - act;
    if (diff <= 0) return { active: act };
    // Kubernetes reports active=0 in status while it waits out the global backoff (manageJob
    // returns 0); we keep the real count.
    const wait = perIndex ? 0 : remainingBackoffMs(backoff, nowMs);
    if (wait > 0) {
      requeue(wait);
      return { active: act };
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (indexed) {
      let indexes = firstPendingIndexes(job, succeededIndexes, failedIndexes, activePods, terminatingPods, diff);
      if (perIndex) {
        // getPodCreationInfoForIndependentIndexes: indexes out of their backoff now, else wait for the first.
        const ready = indexes.filter((ix) => remainingPerIndexMs(delayed.get(ix), nowMs) === 0);
        if (ready.length === 0 && indexes.length > 0) {
          requeue(Math.min(...indexes.map((ix) => remainingPerIndexMs(delayed.get(ix), nowMs))));
          return { active: act };
        }
        indexes = ready;
      }
      for (const ix of indexes) {
        actions.push({ type: 'createPod', pod: podForJob(job, ix, perIndex ? replacementFailureCounts(job, delayed.get(ix)) : undefined), index: ix });
        actions.push({ type: 'recordEvent', eventType: 'Normal', reason: 'SuccessfulCreate', message: 'Created pod: ', appendCreatedName: true });
        act++;
      }
    } else {
      for (let i = 0; i < diff; i++) {
        actions.push({ type: 'createPod', pod: podForJob(job) });
        actions.push({ type: 'recordEvent', eventType: 'Normal', reason: 'SuccessfulCreate', message: 'Created pod: ', appendCreatedName: true });
        act++;
      }
    }
    return { active: act };
  }

  let needsFlush = suspendChanged || active !== (st.active ?? 0) || ready !== st.ready || terminating !== st.terminating;
  st.active = active;
  st.ready = ready;
  st.terminating = terminating;

  // trackJobStatusAndRemoveFinalizers
  const withFinalizer = new Set(pods.filter(hasFinalizer).map(uidOf));
  const countUncounted = (): boolean => {
    let changed = false;
    const keepS = uncountedSucceeded.filter((u) => withFinalizer.has(u));
    if (keepS.length !== uncountedSucceeded.length) {
      st.succeeded = (st.succeeded ?? 0) + (uncountedSucceeded.length - keepS.length);
      uncountedSucceeded.splice(0, uncountedSucceeded.length, ...keepS);
      changed = true;
    }
    const keepF = uncountedFailed.filter((u) => withFinalizer.has(u));
    if (keepF.length !== uncountedFailed.length) {
      st.failed = (st.failed ?? 0) + (uncountedFailed.length - keepF.length);
      uncountedFailed.splice(0, uncountedFailed.length, ...keepF);
      changed = true;
    }
    return changed;
  };
  if (countUncounted()) needsFlush = true;

  const toRelease: Pod[] = [];
  const newIndexes: number[] = [];
  let reachedMax = false;
  const ordered = indexed ? [...pods].sort((a, b) => (completionIndexOf(a) ?? Infinity) - (completionIndexOf(b) ?? Infinity)) : pods;
  const failingJob = finished !== undefined && finished.type !== 'SuccessCriteriaMet';
  for (const p of ordered) {
    if (!hasFinalizer(p)) continue;
    const considerFailed = isPodFailed(p, job);
    const delayedHere = perIndex && (() => {
      const ix = completionIndexOf(p);
      return ix !== undefined && delayed.get(ix) === p;
    })();
    const canRelease = !!job.metadata.deletionTimestamp || finished !== undefined || p.status?.phase === 'Succeeded' || (considerFailed && !delayedHere);
    if (!canRelease) continue;
    toRelease.push(p);
    const uid = uidOf(p);
    if (p.status?.phase === 'Succeeded' && !origUncountedF.has(uid)) {
      if (indexed) {
        const ix = completionIndexOf(p);
        if (ix !== undefined && ix < (completions ?? 0) && !hasIndex(prevSucceededIndexes, ix)) {
          newIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!uncountedSucceeded.includes(uid)) {
        uncountedSucceeded.push(uid);
        needsFlush = true;
      }
    } else if (considerFailed || failingJob) {
      // When the Job is failing, every pod not yet terminated counts as failed.
      const ix = completionIndexOf(p);
      if (!uncountedFailed.includes(uid) && (!indexed || (ix !== undefined && ix < (completions ?? 0)))) {
        if (matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed) {
          uncountedFailed.push(uid);
          needsFlush = true;
        }
      }
    }
    if (newIndexes.length + uncountedSucceeded.length + uncountedFailed.length >= MAX_UNCOUNTED_PODS) {
      reachedMax = true;
      break;
    }
  }
  if (indexed) {
    const all = withIndexes(succeededIndexes, newIndexes);
    const s = formatIndexes(all);
    if (s !== (st.completedIndexes ?? '')) needsFlush = true;
    st.succeeded = totalIndexes(all);
    st.completedIndexes = s;
    if (perIndex) {
      const f = formatIndexes(failedIndexes);
      if (f !== st.failedIndexes) needsFlush = true;
      st.failedIndexes = f;
    }
  }
  if (finished?.type === 'FailureTarget') {
    if (!conditionTrue({ conditions }, 'FailureTarget')) {
      conditions = [...conditions, finished];
      needsFlush = true;
    }
    finished = newCondition('Failed', 'True', finished.reason ?? '', finished.message ?? '', now);
  } else if (finished?.type === 'SuccessCriteriaMet') {
    if (!conditionTrue({ conditions }, 'SuccessCriteriaMet')) {
      conditions = [...conditions, finished];
      needsFlush = true;
    }
    finished = newCondition('Complete', 'True', finished.reason ?? '', finished.message ?? '', now);
  }

  const snapshot = (): JobStatus => {
    const out: { -readonly [K in keyof JobStatus]: JobStatus[K] } = { ...st, conditions: [...conditions] };
    if (conditions.length === 0) delete out.conditions;
    out.uncountedTerminatedPods = {
      ...(uncountedSucceeded.length > 0 ? { succeeded: [...uncountedSucceeded] } : {}),
      ...(uncountedFailed.length > 0 ? { failed: [...uncountedFailed] } : {}),
    };
    return out;
  };

  // flushUncountedAndRemoveFinalizers. The first write persists the uncounted UIDs before any
  // finalizer goes; with no finalizer to remove it would only be superseded by the second.
  if (needsFlush && toRelease.length > 0) {
    actions.push({ type: 'updateJobStatus', status: snapshot() });
    needsFlush = false;
  }
  for (const p of toRelease) {
    actions.push({ type: 'removePodFinalizer', name: p.metadata.name ?? '', uid: uidOf(p) });
    withFinalizer.delete(uidOf(p));
  }
  if (countUncounted()) needsFlush = true;

  // enactJobFinished
  let jobFinished = false;
  if (!reachedMax && finished && uncountedSucceeded.length + uncountedFailed.length === 0 && terminating === 0) {
    conditions = ensureCondition(conditions, finished).list;
    if (finished.type === 'Complete') st.completionTime = finished.lastTransitionTime;
    jobFinished = true;
    needsFlush = true;
  }
  if (needsFlush) {
    const status = snapshot();
    if (!deepEqual(status, job.status ?? {}) || jobFinished) actions.push({ type: 'updateJobStatus', status });
  }
  if (jobFinished && finished) {
    if (finished.type === 'Complete') {
      if (completions !== undefined && (st.succeeded ?? 0) > completions) {
        event('Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      event('Normal', 'Completed', 'Job completed');
    } else {
      event('Warning', finished.reason ?? '', finished.message ?? '');
    }
    const ttl = ttlDecision({ ...job, status: snapshot() }, now);
    if (ttl.kind === 'wait') requeue(ttl.afterMs);
    else if (ttl.kind === 'delete') requeue(0);
  }

  return { actions, backoff, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}
