/**
 * Whether an Eviction (policy/v1, `pods/{name}/eviction`) may delete a pod, as kube-apiserver's
 * pkg/registry/core/pod/storage/eviction.go decides it. Pure: the pod, the budgets whose selector
 * matches it, the clock → what to do. eviction.ts does the reads and writes.
 *
 * - A pod that has not started (Pending), has finished (Succeeded, Failed) or is being deleted is
 *   deleted without looking at budgets (a Pending pod with its resourceVersion as precondition, so
 *   it cannot become Ready meanwhile).
 * - More than one budget: 500, which the eviction subresource does not support. None: delete.
 * - One budget and the pod is not Ready: deleted without spending the budget when the policy is
 *   AlwaysAllow, or (IfHealthyBudget, the default) when the budget is healthy (currentHealthy ≥
 *   desiredHealthy > 0); the pod's resourceVersion is the delete's precondition (a conflict is a 429).
 * - Otherwise the budget is spent: refused with 429 while the controller has not seen its latest
 *   generation or no disruption is allowed; else disruptionsAllowed goes down by one and the pod is
 *   recorded in disruptedPods, written with the budget's resourceVersion as precondition.
 */
import { ApiError, type StatusCause } from '../../shared/errors.js';
import type { Pod } from '../../shared/resources/types.js';
import {
  rfc3339Seconds,
  withDisruptionAllowedCondition,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from '../../shared/resources/pdb.js';

/** Kubernetes' MaxDisruptedPodSize: more unconfirmed evictions than this are refused. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

export const VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";
export const MORE_THAN_ONE_BUDGET = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

export type EvictionVerdict =
  /** Delete the pod; with `preconditionRv`, only if it is still at that resourceVersion (then a conflict is 429 when `budget` is set). */
  | { readonly op: 'delete'; readonly preconditionRv?: string; readonly budget?: string }
  /** Answer this Status (500, more than one budget). */
  | { readonly op: 'status'; readonly code: number; readonly message: string }
  /** Refuse with this error (429, 403). */
  | { readonly op: 'refuse'; readonly error: ApiError }
  /** Write this status on the budget (unless `write` is false: a dry run), then delete the pod. */
  | { readonly op: 'spend'; readonly budget: PodDisruptionBudget; readonly status: PodDisruptionBudgetStatus; readonly write: boolean };

export interface EvictionContext {
  readonly now: Date;
  /** The Eviction's deleteOptions name a resourceVersion precondition of their own. */
  readonly clientResourceVersion: boolean;
  readonly dryRun: boolean;
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const phaseOf = (p: Pod) => p.status?.phase ?? 'Pending';

/** canIgnorePDB: not started, finished or being deleted. */
export function canIgnoreBudgets(pod: Pod): boolean {
  const phase = phaseOf(pod);
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** shouldEnforceResourceVersion: every pod but a finished or deleting one could still become Ready. */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = phaseOf(pod);
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

/** 429 TooManyRequests with a DisruptionBudget cause (and a Retry-After when `retryAfterSeconds` > 0). */
export function tooManyRequests(causeMessage: string, retryAfterSeconds = 0): ApiError {
  const cause = { reason: 'DisruptionBudget', message: causeMessage } as unknown as StatusCause;
  return new ApiError('TooManyRequests', VIOLATES_BUDGET, { causes: [cause], ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) });
}

/** The controller has not caught up with the budget, or a pod delete raced a Ready transition: try again in 10 s. */
export function stillProcessing(budget: string): ApiError {
  return tooManyRequests(`The disruption budget ${budget} is still being processed by the server.`, 10);
}

export function evictionVerdict(pod: Pod, budgets: readonly PodDisruptionBudget[], ctx: EvictionContext): EvictionVerdict {
  const rv = pod.metadata.resourceVersion;
  if (canIgnoreBudgets(pod)) {
    return shouldEnforceResourceVersion(pod) && !ctx.clientResourceVersion && rv ? { op: 'delete', preconditionRv: rv } : { op: 'delete' };
  }
  if (budgets.length > 1) return { op: 'status', code: 500, message: MORE_THAN_ONE_BUDGET };
  const pdb = budgets[0];
  if (!pdb) return { op: 'delete' };
  const name = pdb.metadata.name ?? '';
  const st = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 };
  if (!isReady(pod)) {
    const alwaysAllow = pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow';
    const healthyBudget = (st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0;
    if (alwaysAllow || healthyBudget) {
      // Not counted in the budget: nothing to spend. It must still be unready when deleted.
      return !ctx.clientResourceVersion && rv ? { op: 'delete', preconditionRv: rv, budget: name } : { op: 'delete', budget: name };
    }
  }
  return spendBudget(pdb, pod.metadata.name ?? '', ctx);
}

/** checkAndDecrement. */
export function spendBudget(pdb: PodDisruptionBudget, podName: string, ctx: Pick<EvictionContext, 'now' | 'dryRun'>): EvictionVerdict {
  const name = pdb.metadata.name ?? '';
  const st: PodDisruptionBudgetStatus = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 };
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) return { op: 'refuse', error: stillProcessing(name) };
  const allowed = st.disruptionsAllowed ?? 0;
  if (allowed < 0) {
    return { op: 'refuse', error: forbidden(name, 'pdb disruptions allowed is negative') };
  }
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    return { op: 'refuse', error: forbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller') };
  }
  if (allowed === 0) {
    return {
      op: 'refuse',
      error: tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`),
    };
  }
  const stamp = rfc3339Seconds(ctx.now);
  let status: PodDisruptionBudgetStatus = { ...st, disruptionsAllowed: allowed - 1 };
  if (status.disruptionsAllowed === 0) status = withDisruptionAllowedCondition(status, stamp);
  if (ctx.dryRun) return { op: 'spend', budget: pdb, status, write: false };
  status = { ...status, disruptedPods: { ...(st.disruptedPods ?? {}), [podName]: stamp } };
  return { op: 'spend', budget: pdb, status, write: true };
}

function forbidden(name: string, why: string): ApiError {
  return new ApiError('Forbidden', `poddisruptionbudget.policy "${name}" is forbidden: ${why}`, {
    name,
    group: 'policy',
    kind: 'poddisruptionbudget',
  });
}
