/**
 * What `kubectl get pods` shows (printers.go printPod; the printer is in shared/resources/kinds/pod.ts):
 * READY counts ready containers, STATUS is the reason a
 * user cares about (the waiting or terminated reason of a container, `Init:1/2` while init
 * containers run, `Terminating` once deletion started) rather than the bare phase, RESTARTS says
 * when the last one happened.
 */
import type { ContainerStatus, Pod, PodCondition } from '../resources/types.js';
import { age } from './duration.js';

/** What the READY, STATUS and RESTARTS columns are made of. */
export interface PodSummary {
  readonly ready: number;
  readonly total: number;
  readonly status: string;
  readonly restarts: number;
  /** When the latest restart happened (the newest lastState.terminated.finishedAt), if known. */
  readonly lastRestart?: string;
}

const conditionTrue = (conds: readonly PodCondition[] | undefined, type: string) =>
  (conds ?? []).some((c) => c.type === type && c.status === 'True');

/** The later of two RFC 3339 timestamps (either may be missing). */
function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

const lastFinished = (s: ContainerStatus) => s.lastState?.terminated?.finishedAt;

/** The exit of a terminated container with no reason: `Signal:9` or `ExitCode:2`. */
function exitReason(t: { readonly exitCode: number; readonly signal?: number }, prefix = ''): string {
  return t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode}`;
}

/** printPod's arithmetic, without the formatting. */
export function podSummary(pod: Pod): PodSummary {
  const status = pod.status ?? {};
  const initSpecs = new Map((pod.spec?.initContainers ?? []).map((c) => [c.name, c]));
  const sidecar = (name: string) => initSpecs.get(name)?.restartPolicy === 'Always';
  const total = (pod.spec?.containers ?? []).length + [...initSpecs.values()].filter((c) => c.restartPolicy === 'Always').length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: string | undefined;
  let lastSidecarRestart: string | undefined;
  let reason: string = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    restarts += c.restartCount;
    lastRestart = later(lastRestart, lastFinished(c));
    if (sidecar(c.name)) {
      sidecarRestarts += c.restartCount;
      lastSidecarRestart = later(lastSidecarRestart, lastFinished(c));
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar(c.name) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) reason = term.reason ? `Init:${term.reason}` : exitReason(term, 'Init:');
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${initSpecs.size}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount;
      lastRestart = later(lastRestart, lastFinished(c));
      const st = c.state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = exitReason(st.terminated);
      else if (c.ready && st.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A completed container next to a running one: the pod as a whole still runs.
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';
  return { ready, total, status: reason, restarts, ...(lastRestart ? { lastRestart } : {}) };
}

/** RESTARTS: `2 (5m ago)` when the last restart's time is known. */
export function restartsCell(s: PodSummary, now: Date): string {
  return s.restarts !== 0 && s.lastRestart ? `${s.restarts} (${age(s.lastRestart, now)} ago)` : String(s.restarts);
}

/** The pod's first IP (status.podIPs, else status.podIP). */
export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || undefined;
}
