/**
 * The `fake` runtime (kwok's idea): containers exist only in memory and run at once, forever, until
 * stopped. No process, no image, no logs: for scale tests of thousands of nodes in one process.
 * Volumes are planned by the kubelet (a missing ConfigMap still fails the mount) but no file is
 * written: the mounts a container would have are only recorded (`mounts(id)`).
 */
import { randomBytes } from 'node:crypto';
import type { PullPolicy } from '../../../shared/resources/types.js';
import type { ContainerConfig, ContainerLabels, ContainerRuntime, ExecResult, LogOptions, RuntimeContainer, RuntimeMount } from './types.js';

export class FakeRuntime implements ContainerRuntime {
  readonly name = 'fake';
  private readonly containers = new Map<string, RuntimeContainer>();
  private readonly mounted = new Map<string, readonly RuntimeMount[]>();

  /** The mounts container `id` was started with (recorded, never made). */
  mounts(id: string): readonly RuntimeMount[] {
    return this.mounted.get(id) ?? [];
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
    return id;
  }

  async stop(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c?.state === 'running') this.containers.set(id, { ...c, state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() });
  }

  async remove(id: string): Promise<void> {
    this.containers.delete(id);
    this.mounted.delete(id);
  }

  async list(labels: ContainerLabels): Promise<RuntimeContainer[]> {
    const want = Object.entries(labels);
    return [...this.containers.values()].filter((c) => want.every(([k, v]) => c.labels[k] === v));
  }

  async exec(): Promise<ExecResult> {
    return { exitCode: 0, output: '' };
  }

  async *logs(_id: string, _opts: LogOptions): AsyncIterable<string> {}

  async close(): Promise<void> {}
}
