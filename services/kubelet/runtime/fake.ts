/**
 * The `fake` runtime (kwok's idea): containers exist only in memory and run at once, forever, until
 * stopped — except a container whose argv (command + args) starts with `true` or `false`: it exits
 * by itself `exitAfterMs` after it started (0 or 1, as the commands would), so Jobs complete. No process, no image, no logs: for scale tests of thousands of nodes in one process.
 * Volumes are planned by the kubelet (a missing ConfigMap still fails the mount) but no file is
 * written: the mounts a container would have are only recorded (`mounts(id)`), and so is its
 * effective securityContext (`security(id)`).
 *
 * It tells the kubelet when a container starts, exits or is removed (EventedRuntime): a pool of
 * thousands of fake nodes relisting every second was a quarter of its CPU. Containers are indexed
 * by pod, so the kubelet's per-pod list (every sync) reads that pod's few, not the node's all.
 */
import { randomBytes } from 'node:crypto';
import type { PullPolicy } from '../../../shared/resources/types.js';
import type { EffectiveSecurity } from '../security-context.js';
import { LABELS, type ContainerConfig, type ContainerLabels, type ContainerRuntime, type ContainerStats, type EventedRuntime, type ExecResult, type LogOptions, type RuntimeContainer, type RuntimeMount, type StatsRuntime, type SyntheticUsage } from './types.js';

/** The pod a container belongs to, as its labels say ('' for a container without them). */
const podOf = (labels: ContainerLabels): string => {
  const ns = labels[LABELS.podNamespace];
  const name = labels[LABELS.podName];
  return ns !== undefined && name !== undefined ? `${ns}/${name}` : '';
};

export class FakeRuntime implements ContainerRuntime, StatsRuntime, EventedRuntime {
  readonly name = 'fake';
  private readonly containers = new Map<string, RuntimeContainer>();
  private readonly mounted = new Map<string, readonly RuntimeMount[]>();
  private readonly secured = new Map<string, EffectiveSecurity>();
  /** Containers that exit by themselves: id → (when, exit code). */
  private readonly exits = new Map<string, { at: number; code: number }>();
  /** Containers with a synthetic load: id → (usage, started at ms). Without one a fake container uses nothing. */
  private readonly loads = new Map<string, { usage: SyntheticUsage; startedMs: number }>();
  /** Container ids by pod (`namespace/name` from their labels), in the order they started. */
  private readonly byPod = new Map<string, Set<string>>();
  /** One timer per container that exits by itself, so the exit is told when it happens. */
  private readonly exitTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<(c: RuntimeContainer) => void>();

  /** `exitAfterMs`: how long a `true` / `false` container runs (default 100 ms). */
  constructor(private readonly opts: { exitAfterMs?: number } = {}) {}

  /** The mounts container `id` was started with (recorded, never made). */
  mounts(id: string): readonly RuntimeMount[] {
    return this.mounted.get(id) ?? [];
  }

  /** The securityContext container `id` was started with (recorded, never applied). */
  security(id: string): EffectiveSecurity | undefined {
    return this.secured.get(id);
  }

  async version(): Promise<string> {
    return 'fake://0.1.0';
  }

  async ensureImage(_image: string, _policy: PullPolicy): Promise<void> {}

  onContainerChange(listener: (c: RuntimeContainer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(c: RuntimeContainer): void {
    for (const l of this.listeners) l(c);
  }

  /** Container ids: this runtime's random prefix and a counter (24 hex digits, like docker's short ids doubled; no random bytes per start). */
  private readonly idPrefix = randomBytes(6).toString('hex');
  private started = 0;

  async start(cfg: ContainerConfig): Promise<string> {
    const id = this.idPrefix + (++this.started).toString(16).padStart(12, '0');
    const now = new Date().toISOString();
    const c: RuntimeContainer = { id, labels: cfg.labels, image: cfg.image, state: 'running', createdAt: now, startedAt: now };
    this.containers.set(id, c);
    const pod = podOf(cfg.labels);
    let ids = this.byPod.get(pod);
    if (!ids) this.byPod.set(pod, (ids = new Set()));
    ids.add(id);
    if (cfg.mounts?.length) this.mounted.set(id, cfg.mounts);
    if (cfg.syntheticUsage) this.loads.set(id, { usage: cfg.syntheticUsage, startedMs: Date.parse(now) });
    if (cfg.security) this.secured.set(id, cfg.security);
    const argv0 = cfg.command[0] ?? cfg.args[0];
    if (argv0 === 'true' || argv0 === 'false') {
      const afterMs = this.opts.exitAfterMs ?? 100;
      this.exits.set(id, { at: Date.now() + afterMs, code: argv0 === 'true' ? 0 : 1 });
      const t = setTimeout(() => this.exitNow(id), afterMs);
      t.unref();
      this.exitTimers.set(id, t);
    }
    this.emit(c);
    return id;
  }

  /** Container `id`, due to exit by itself, exits (as of when it was due). */
  private exitNow(id: string): void {
    const e = this.exits.get(id);
    this.clearExitTimer(id);
    if (!e) return;
    this.exits.delete(id);
    const c = this.containers.get(id);
    if (c?.state !== 'running') return;
    const exited: RuntimeContainer = { ...c, state: 'exited', exitCode: e.code, reason: e.code === 0 ? 'Completed' : 'Error', finishedAt: new Date(e.at).toISOString() };
    this.containers.set(id, exited);
    this.emit(exited);
  }

  private clearExitTimer(id: string): void {
    const t = this.exitTimers.get(id);
    if (t) clearTimeout(t);
    this.exitTimers.delete(id);
  }

  /** Containers due to exit by themselves are exited as of now (their timers may not have fired yet). */
  private settle(): void {
    if (this.exits.size === 0) return;
    const now = Date.now();
    for (const [id, e] of this.exits) if (e.at <= now) this.exitNow(id);
  }

  async stop(id: string): Promise<void> {
    this.settle();
    this.exits.delete(id);
    this.clearExitTimer(id);
    const c = this.containers.get(id);
    if (c?.state !== 'running') return;
    const exited: RuntimeContainer = { ...c, state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() };
    this.containers.set(id, exited);
    this.emit(exited);
  }

  async remove(id: string): Promise<void> {
    const c = this.containers.get(id);
    this.containers.delete(id);
    this.mounted.delete(id);
    this.loads.delete(id);
    this.secured.delete(id);
    this.exits.delete(id);
    this.clearExitTimer(id);
    if (!c) return;
    const pod = podOf(c.labels);
    const ids = this.byPod.get(pod);
    ids?.delete(id);
    if (ids?.size === 0) this.byPod.delete(pod);
    this.emit(c);
  }

  async list(labels: ContainerLabels): Promise<RuntimeContainer[]> {
    this.settle();
    const want = Object.entries(labels);
    const match = (c: RuntimeContainer) => want.every(([k, v]) => c.labels[k] === v);
    // One pod's containers (the kubelet's every sync): from the index, not a walk over all.
    const pod = podOf(labels);
    if (pod) {
      const out: RuntimeContainer[] = [];
      for (const id of this.byPod.get(pod) ?? []) {
        const c = this.containers.get(id)!;
        if (match(c)) out.push(c);
      }
      return out;
    }
    const out: RuntimeContainer[] = [];
    for (const c of this.containers.values()) if (match(c)) out.push(c);
    return out;
  }

  /** The synthetic load as measured: cpu time grows at the declared rate since the start; memory is constant. */
  async stats(ids: readonly string[]): Promise<Map<string, ContainerStats>> {
    this.settle();
    const out = new Map<string, ContainerStats>();
    const now = Date.now();
    for (const id of ids) {
      if (this.containers.get(id)?.state !== 'running') continue;
      const load = this.loads.get(id);
      const cpuMillis = load?.usage.cpuMillis ?? 0;
      const elapsedMs = load ? now - load.startedMs : 0;
      out.set(id, {
        cpuUsageCoreNanoSeconds: Math.round(cpuMillis * elapsedMs * 1000),
        memoryWorkingSetBytes: load?.usage.memoryBytes ?? 0,
        timestampMs: now,
      });
    }
    return out;
  }

  async exec(): Promise<ExecResult> {
    return { exitCode: 0, output: '' };
  }

  async *logs(_id: string, _opts: LogOptions): AsyncIterable<string> {}

  async close(): Promise<void> {
    for (const t of this.exitTimers.values()) clearTimeout(t);
    this.exitTimers.clear();
    this.listeners.clear();
  }
}
