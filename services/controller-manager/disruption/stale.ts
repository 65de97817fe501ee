/**
 * Stale DisruptionTarget conditions (Kubernetes' disruption controller, syncStalePodDisruption): the
 * eviction subresource marks a pod DisruptionTarget=True just before deleting it. A pod that still
 * carries it, True, and is not being deleted two minutes after it was set was not deleted after
 * all (the delete failed or lost a race): the condition goes back to False. Conditions the kubelet
 * set (TerminationByKubelet) and those of finished pods are left alone. Pure.
 */
import type { Pod, PodCondition } from '../../../shared/resources/types.js';
import { rfc3339Seconds } from '../../../shared/resources/pdb.js';

/** Kubernetes' stalePodDisruptionTimeout. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_TARGET = 'DisruptionTarget';
const TERMINATION_BY_KUBELET = 'TerminationByKubelet';

export type StaleCheck =
  /** Nothing to watch for. */
  | { readonly stale: false }
  /** It will be stale in `afterMs` (0: now). */
  | { readonly stale: true; readonly afterMs: number };

function disruptionTarget(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === DISRUPTION_TARGET);
}

/** nonTerminatingPodHasStaleDisruptionCondition. */
export function staleDisruptionCheck(pod: Pod, now: Date): StaleCheck {
  if (pod.metadata.deletionTimestamp) return { stale: false };
  const c = disruptionTarget(pod);
  const phase = pod.status?.phase;
  if (!c || c.status !== 'True' || c.reason === TERMINATION_BY_KUBELET || phase === 'Succeeded' || phase === 'Failed') return { stale: false };
  const since = Date.parse(c.lastTransitionTime ?? '');
  const waitFor = (Number.isFinite(since) ? since : 0) + STALE_POD_DISRUPTION_TIMEOUT_MS - now.getTime();
  return { stale: true, afterMs: Math.max(0, waitFor) };
}

/** The pod with its DisruptionTarget condition replaced by a False one at `now` (no reason or message, as UpdatePodCondition leaves it). */
export function withDisruptionTargetReset(pod: Pod, now: Date): Pod {
  const conditions = (pod.status?.conditions ?? []).map((c) =>
    c.type === DISRUPTION_TARGET ? { type: DISRUPTION_TARGET, status: 'False' as const, lastTransitionTime: rfc3339Seconds(now) } : c,
  );
  return { ...pod, status: { ...(pod.status ?? {}), conditions } };
}
