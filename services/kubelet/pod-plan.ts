/**
 * What the kubelet must do next for one pod (pure, like kubelet's computePodActions): given the
 * pod's spec, its containers as the runtime reports them, the probe results and the start failures
 * remembered so far, which containers to start (init containers one at a time, in order, before any
 * app container), which to kill (failed liveness or startup probes), which old attempts to remove,
 * and which containers wait and why (ContainerCreating, PodInitializing, CrashLoopBackOff,
 * ErrImagePull / ImagePullBackOff, CreateContainerConfigError). Restarts follow restartPolicy with
 * CrashLoopBackOff: the n-th quick restart in a row waits min(cap, base * 2^(n-1)) after the exit.
 */
import type { Container, Pod, RestartPolicy } from '../../shared/resources/types.js';
import { LABELS, type RuntimeContainer, type RuntimeState } from './runtime/types.js';

export type ContainerKind = 'init' | 'app';

/** A runtime container, read through the kubelet's labels. */
export interface ContainerView {
  readonly id: string;
  readonly name: string;
  readonly kind: ContainerKind;
  readonly attempt: number;
  /** The CrashLoopBackOff level this attempt was started at. */
  readonly backoff: number;
  readonly state: RuntimeState;
  readonly image: string;
  readonly imageId?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly exitCode?: number;
  readonly reason?: string;
  readonly ip?: string;
}

export function viewOf(c: RuntimeContainer): ContainerView {
  const l = c.labels;
  return {
    id: c.id,
    name: l[LABELS.container] ?? '',
    kind: l[LABELS.kind] === 'init' ? 'init' : 'app',
    attempt: Number(l[LABELS.attempt] ?? 0) || 0,
    backoff: Number(l[LABELS.backoff] ?? 0) || 0,
    state: c.state,
    image: c.image,
    ...(c.imageId ? { imageId: c.imageId } : {}),
    ...(c.startedAt ? { startedAt: c.startedAt } : {}),
    ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.ip ? { ip: c.ip } : {}),
  };
}

/** Per container name: the newest attempt and the one before it (for lastState and `--previous`). */
export interface Attempts {
  readonly latest: ContainerView;
  readonly previous?: ContainerView;
  /** Attempts older than `previous`: to be removed. */
  readonly older: readonly ContainerView[];
}

export function attemptsByName(views: readonly ContainerView[], kind: ContainerKind): Map<string, Attempts> {
  const by = new Map<string, ContainerView[]>();
  for (const v of views) {
    if (v.kind !== kind) continue;
    const list = by.get(v.name) ?? [];
    list.push(v);
    by.set(v.name, list);
  }
  const out = new Map<string, Attempts>();
  for (const [name, list] of by) {
    list.sort((a, b) => b.attempt - a.attempt || (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
    out.set(name, { latest: list[0]!, ...(list[1] ? { previous: list[1] } : {}), older: list.slice(2) });
  }
  return out;
}

export interface ProbeResults {
  /** Readiness (true once a readiness probe succeeded, or running with no probe). */
  ready(id: string): boolean;
  /** Startup finished (a startup probe succeeded, or there is none). */
  started(id: string): boolean;
  /** A liveness or startup probe failed failureThreshold times: the container must be killed. */
  failed(id: string): { readonly probe: 'Liveness' | 'Startup'; readonly message: string } | undefined;
}

/** A start that failed before the container ran (image pull, env config, runtime error). */
export interface StartFailure {
  readonly reason: string;
  readonly message: string;
  /** Failures in a row. */
  readonly count: number;
  readonly atMs: number;
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** A run at least this long resets the backoff (Kubernetes: twice the cap). */
  readonly resetMs: number;
}

export interface Waiting {
  readonly reason: string;
  readonly message?: string;
}

export type Action =
  | { readonly type: 'start'; readonly container: Container; readonly kind: ContainerKind; readonly attempt: number; readonly backoff: number }
  | { readonly type: 'kill'; readonly id: string; readonly name: string; readonly reason: string; readonly message: string; readonly graceSeconds: number }
  | { readonly type: 'remove'; readonly id: string };

export interface Plan {
  readonly actions: readonly Action[];
  readonly waiting: ReadonlyMap<string, Waiting>;
  /** Sync again this much later (a backoff that ends). */
  readonly requeueAfterMs?: number;
}

export interface PlanInput {
  readonly pod: Pod;
  readonly containers: readonly ContainerView[];
  readonly probes: ProbeResults;
  /** By container name. */
  readonly startFailures: ReadonlyMap<string, StartFailure>;
  readonly backoff: BackoffPolicy;
  readonly nowMs: number;
}

export function backoffDelay(level: number, p: BackoffPolicy): number {
  if (level <= 0) return 0;
  return Math.min(p.capMs, p.baseMs * 2 ** Math.min(level - 1, 30));
}

/** The backoff level for the attempt after `prev` exited. */
export function nextBackoffLevel(prev: ContainerView, p: BackoffPolicy): number {
  const ran = Date.parse(prev.finishedAt ?? '') - Date.parse(prev.startedAt ?? '');
  return Number.isFinite(ran) && ran >= p.resetMs ? 1 : prev.backoff + 1;
}

export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

const succeeded = (v: ContainerView | undefined) => v?.state === 'exited' && v.exitCode === 0;

/** Init containers: all done, running one, or one failed for good (restartPolicy Never). */
export function initState(pod: Pod, containers: readonly ContainerView[]): 'done' | 'running' | 'failed' {
  const init = attemptsByName(containers, 'init');
  // Once an app container exists the pod was initialized: init containers never run again.
  if (containers.some((c) => c.kind === 'app')) return 'done';
  for (const c of pod.spec.initContainers ?? []) {
    const l = init.get(c.name)?.latest;
    if (succeeded(l)) continue;
    if (l?.state === 'exited' && (pod.spec.restartPolicy ?? 'Always') === 'Never') return 'failed';
    return 'running';
  }
  return 'done';
}

export function planPod(input: PlanInput): Plan {
  const { pod, containers, probes, startFailures, backoff, nowMs } = input;
  const policy: RestartPolicy = pod.spec.restartPolicy ?? 'Always';
  const actions: Action[] = [];
  const waiting = new Map<string, Waiting>();
  let requeue: number | undefined;
  const later = (ms: number) => (requeue = requeue === undefined ? ms : Math.min(requeue, ms));
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;

  for (const kind of ['init', 'app'] as const) {
    for (const a of attemptsByName(containers, kind).values()) {
      for (const o of a.older) if (o.state === 'exited') actions.push({ type: 'remove', id: o.id });
    }
  }

  /** Start `c` now, or say why it waits. */
  const tryStart = (c: Container, kind: ContainerKind, attempt: number, level: number, exitedAtMs: number | undefined): void => {
    const f = startFailures.get(c.name);
    if (f) {
      const readyAt = f.atMs + backoffDelay(f.count, backoff);
      if (nowMs < readyAt) {
        const reason = f.reason === 'ErrImagePull' && f.count > 1 ? 'ImagePullBackOff' : f.reason;
        waiting.set(c.name, { reason, message: reason === 'ImagePullBackOff' ? `Back-off pulling image "${c.image}": ${f.message}` : f.message });
        later(readyAt - nowMs);
        return;
      }
    }
    if (exitedAtMs !== undefined) {
      const delay = backoffDelay(level, backoff);
      const readyAt = exitedAtMs + delay;
      if (nowMs < readyAt) {
        waiting.set(c.name, {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatDelay(delay)} restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        });
        later(readyAt - nowMs);
        return;
      }
    }
    if (f) waiting.set(c.name, { reason: f.reason, message: f.message });
    else waiting.set(c.name, { reason: kind === 'init' ? 'PodInitializing' : 'ContainerCreating' });
    actions.push({ type: 'start', container: c, kind, attempt, backoff: level });
  };

  // Init containers, one at a time.
  const init = initState(pod, containers);
  if (init === 'failed') return { actions, waiting };
  if (init === 'running') {
    const byName = attemptsByName(containers, 'init');
    for (const c of pod.spec.initContainers ?? []) {
      const a = byName.get(c.name);
      const l = a?.latest;
      if (succeeded(l)) continue;
      if (!l) tryStart(c, 'init', 0, 0, undefined);
      else if (l.state === 'exited') {
        tryStart(c, 'init', l.attempt + 1, nextBackoffLevel(l, backoff), Date.parse(l.finishedAt ?? '') || nowMs);
      } else if (l.state === 'running') {
        const f = probes.failed(l.id);
        if (f) actions.push({ type: 'kill', id: l.id, name: c.name, reason: f.probe, message: f.message, graceSeconds: grace });
      }
      break;
    }
    for (const c of pod.spec.containers) waiting.set(c.name, { reason: 'PodInitializing' });
    return { actions, waiting, ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}) };
  }

  const apps = attemptsByName(containers, 'app');
  for (const c of pod.spec.containers) {
    const l = apps.get(c.name)?.latest;
    if (!l) {
      tryStart(c, 'app', 0, 0, undefined);
      continue;
    }
    if (l.state === 'running' || l.state === 'created') {
      const f = probes.failed(l.id);
      if (f) actions.push({ type: 'kill', id: l.id, name: c.name, reason: f.probe, message: f.message, graceSeconds: grace });
      continue;
    }
    // exited (or unknown): restart per policy
    const code = l.exitCode ?? 137;
    if (!shouldRestart(policy, code)) continue;
    tryStart(c, 'app', l.attempt + 1, nextBackoffLevel(l, backoff), Date.parse(l.finishedAt ?? '') || nowMs);
  }
  return { actions, waiting, ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}) };
}

function formatDelay(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m0s`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
