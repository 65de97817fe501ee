/**
 * The `fake` runtime (kwok's idea): containers exist only in memory and run at once, forever, until
 * stopped — except a container whose argv (command + args) starts with `true` or `false`: it exits
 * by itself `exitAfterMs` after it started (0 or 1, as the commands would), so Jobs complete. No process, no image, no logs: for scale tests of thousands of nodes in one process.
 * Volumes are planned by the kubelet (a missing ConfigMap still fails the mount) but no file is
 * written: the mounts a container would have are only recorded (`mounts(id)`), and so is its
 * effective securityContext (`security(id)`).
 */
import { randomBytes } from 'node:crypto';
import type { PullPolicy } from '../../../shared/resources/types.js';
import type { EffectiveSecurity } from '../security-context.js';
import type { ContainerConfig, ContainerLabels, ContainerRuntime, ContainerStats, ExecResult, LogOptions, RuntimeContainer, RuntimeMount, StatsRuntime, SyntheticUsage } from './types.js';

export class FakeRuntime implements ContainerRuntime, StatsRuntime {
  readonly name = 'fake';
  private readonly containers = new Map<string, RuntimeContainer>();
  private readonly mounted = new Map<string, readonly RuntimeMount[]>();
  private readonly secured = new Map<string, EffectiveSecurity>();
  /** Containers that exit by themselves: id → (when, exit code). */
  private readonly exits = new Map<string, { at: number; code: number }>();
  /** Containers with a synthetic load: id → (usage, started at ms). Without one a fake container uses nothing. */
  private readonly loads = new Map<string, { usage: SyntheticUsage; startedMs: number }>();

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

  async start(cfg: ContainerConfig): Promise<string> {
    const id = randomBytes(12).toString('hex');
    const now = new Date().toISOString();
    this.containers.set(id, { id, labels: cfg.labels, image: cfg.image, state: 'running', createdAt: now, startedAt: now });
    if (cfg.mounts?.length) this.mounted.set(id, cfg.mounts);
    if (cfg.syntheticUsage) this.loads.set(id, { usage: cfg.syntheticUsage, startedMs: Date.parse(now) });
    if (cfg.security) this.secured.set(id, cfg.security);
    const argv0 = [...cfg.command, ...cfg.args][0];
    if (argv0 === 'true' || argv0 === 'false') this.exits.set(id, { at: Date.now() + (this.opts.exitAfterMs ?? 100), code: argv0 === 'true' ? 0 : 1 });
    return id;
  }

  /** Containers due to exit by themselves are exited as of now (read lazily: no timers). */
  private settle(): void {
    if (this.exits.size === 0) return;
    const now = Date.now();
    for (const [id, e] of this.exits) {
      if (e.at > now) continue;
      this.exits.delete(id);
      const c = this.containers.get(id);
      if (c?.state === 'running') this.containers.set(id, { ...c, state: 'exited', exitCode: e.code, reason: e.code === 0 ? 'Completed' : 'Error', finishedAt: new Date(e.at).toISOString() });
    }
  }

  async stop(id: string): Promise<void> {
    this.settle();
    this.exits.delete(id);
    const c = this.containers.get(id);
    if (c?.state === 'running') this.containers.set(id, { ...c, state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() });
  }

  async remove(id: string): Promise<void> {
    this.containers.delete(id);
    this.mounted.delete(id);
    this.loads.delete(id);
    this.secured.delete(id);
    this.exits.delete(id);
  }

  async list(labels: ContainerLabels): Promise<RuntimeContainer[]> {
    this.settle();
    const want = Object.entries(labels);
    return [...this.containers.values()].filter((c) => want.every(([k, v]) => c.labels[k] === v));
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

  async close(): Promise<void> {}
}
