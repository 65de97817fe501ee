/**
 * The `process` runtime (like Nomad's raw_exec): each container is a local child process run by a
 * detached shim (process-shim.ts) that outlives the kubelet. One directory per container under
 * `<root>/containers/<id>` holds `config.json` (argv, env, cwd), `meta.json` (labels, image, times),
 * `state.json` (written by the shim) and `container.log` (CRI format). The pod's working directory is
 * `<root>/pods/<pod uid>`, shared by its containers. The image is recorded, never pulled.
 *
 * Volumes: a process has no mount namespace, so the pod's directory stands for the containers'
 * root. Each volumeMount is a symlink at `<pod dir><mountPath>` to the volume's directory (or to the
 * file or directory a subPath names), and the container's env carries JETKUBE_ROOT=<pod dir>, so
 * `$(JETKUBE_ROOT)/etc/config/key` (or `etc/config/key` from the default working directory) is what
 * `/etc/config/key` is in a real container. A subPath of a configMap, secret, downwardAPI or
 * projected volume is a copy made at start (it does not see updates, like Kubernetes' bind mount).
 * An emptyDir (`medium: Memory` too) is a plain directory; its sizeLimit is enforced by the kubelet
 * evicting the pod. What cannot be honoured is refused (MountConfigError →
 * CreateContainerConfigError): a readOnly emptyDir or hostPath mount, and two containers of a pod
 * showing different things at one mountPath (they share the one root).
 *
 * securityContext: identity and privileges through util-linux setpriv (process-security.ts); a
 * root kubelet gives every unprivileged container the default capability set, as an engine does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { constants as fsConstants, open as openCb } from 'node:fs';
import { promisify } from 'node:util';
import { cp, lstat, mkdir, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PullPolicy } from '../../../shared/resources/types.js';
import { readLogFile } from './cri-log.js';
import type { ShimConfig, ShimState } from './process-shim.js';
import { LABELS, MountConfigError, type RuntimeMount, type ContainerConfig, type ContainerLabels, type ContainerRuntime, type ExecResult, type LogOptions, type RuntimeContainer } from './types.js';
import { ExecUnsupportedError, type AttachableRuntime, type ExecSession, type ExecStreamOptions, type StreamingRuntime } from './types.js';
import { resizer, spawnExec } from './process-exec.js';
import type { ContainerStats, StatsRuntime } from './types.js';
import { processGroupUsage } from '../stats/proc.js';
import { PROCESS_SECURITY, setprivPrefix } from './process-security.js';
import { SecurityConfigError } from '../security-context.js';

const openFd = promisify(openCb) as (path: string, flags: number) => Promise<number>;

/** The FIFO in a container's directory that a container with stdin reads from. */
const STDIN_FIFO = 'stdin';

const SHIM = fileURLToPath(new URL('./process-shim.js', import.meta.url));
/** util-linux setpriv: how a container gets its securityContext (process-security.ts). */
const SETPRIV = process.env.SETPRIV_BIN || '/usr/bin/setpriv';

interface Meta {
  readonly labels: ContainerLabels;
  readonly image: string;
  readonly createdAt: string;
}

export interface ProcessRuntimeOptions {
  /** Where containers and pod directories live. */
  readonly rootDir: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ProcessRuntime implements ContainerRuntime, StreamingRuntime, StatsRuntime, AttachableRuntime {
  private readonly resizers = new Map<string, (width: number, height: number) => void>();
  readonly name = 'process';
  private readonly containersDir: string;
  private readonly podsDir: string;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.containersDir = join(opts.rootDir, 'containers');
    this.podsDir = join(opts.rootDir, 'pods');
  }

  async version(): Promise<string> {
    return `process://${process.version}`;
  }

  /** Nothing to pull: the image is only a name here. */
  async ensureImage(_image: string, _policy: PullPolicy): Promise<void> {}

  podDir(podUid: string): string {
    return join(this.podsDir, podUid);
  }

  containerRoot(podUid: string): string {
    return join(this.podsDir, podUid);
  }

  readonly securitySupport = PROCESS_SECURITY;

  /** Without runAsUser a container runs as the kubelet. */
  async imageUser(_image: string): Promise<string> {
    return String(process.getuid?.() ?? 0);
  }

  /** The setpriv prefix for the container's securityContext (process-security.ts); checked before any I/O. */
  private securityWrap(cfg: ContainerConfig): string[] {
    const wrap = setprivPrefix(cfg.security ?? {}, process.getuid?.() ?? 0, process.getgid?.() ?? 0, SETPRIV);
    if (wrap.length && !existsSync(SETPRIV)) {
      throw new SecurityConfigError(`the process runtime needs ${SETPRIV} (util-linux) to apply the container's securityContext`);
    }
    return wrap;
  }

  async start(cfg: ContainerConfig): Promise<string> {
    this.securityWrap(cfg);
    const id = randomBytes(16).toString('hex');
    const dir = join(this.containersDir, id);
    const podUid = cfg.labels[LABELS.podUid] ?? 'none';
    const podDir = join(this.podsDir, podUid);
    await this.mount(podDir, cfg.labels[LABELS.container] ?? 'c', cfg.mounts ?? []);
    await mkdir(dir, { recursive: true });
    const cwd = cfg.workingDir ? (isAbsolute(cfg.workingDir) && existsSync(cfg.workingDir) ? cfg.workingDir : join(podDir, cfg.workingDir)) : podDir;
    await mkdir(cwd, { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: podDir,
      JETKUBE_ROOT: podDir,
      ...cfg.env,
    };
    const wrap = this.securityWrap(cfg);
    const shimCfg: ShimConfig = {
      argv: [...wrap, ...cfg.command, ...cfg.args],
      env,
      cwd,
      ...(wrap.length ? { wrap } : {}),
      ...(cfg.stdin ? { stdin: { fifo: join(dir, STDIN_FIFO), once: cfg.stdinOnce === true } } : {}),
      ...(cfg.tty ? { tty: true } : {}),
    };
    if (cfg.stdin) {
      const made = spawnSync('mkfifo', ['-m', '0600', join(dir, STDIN_FIFO)], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`container ${id}: cannot make its stdin FIFO: ${made.stderr || made.error?.message}`);
    }
    if (cfg.tty && spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new MountConfigError('tty: true needs util-linux `script` on the node for the process runtime');
    }
    const meta: Meta = { labels: cfg.labels, image: cfg.image, createdAt: new Date().toISOString() };
    await writeFile(join(dir, 'config.json'), JSON.stringify(shimCfg));
    await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
    const shim = spawn(process.execPath, [SHIM, dir], { detached: true, stdio: 'ignore' });
    shim.unref();
    // Resolve once the shim reports the process running (or already exited).
    for (let i = 0; i < 200; i++) {
      if (await this.readState(dir)) return id;
      await sleep(i < 20 ? 10 : 50);
    }
    throw new Error(`container ${id}: the shim did not report a state within 10 s`);
  }

  /** Show the mounts as symlinks under the pod's directory (see the header). */
  private async mount(podDir: string, container: string, mounts: readonly RuntimeMount[]): Promise<void> {
    for (const m of mounts) {
      if (m.readOnly && m.kind !== 'payload') {
        throw new MountConfigError(
          `the process runtime cannot mount volume "${m.volume}" read-only at ${m.containerPath}: a process has no mount namespace (drop readOnly, or use the docker runtime)`,
        );
      }
      const rel = m.containerPath.replace(/^\/+/, '');
      if (rel === '' || rel === 'volumes' || rel.startsWith('volumes/') || rel === 'volume-subpaths' || rel.startsWith('volume-subpaths/')) {
        throw new MountConfigError(`the process runtime cannot mount at ${m.containerPath}: the pod directory keeps its volumes there`);
      }
    }
    for (const [i, m] of mounts.entries()) {
      let target = m.hostPath;
      if (m.kind === 'payload' && m.subPath) {
        // A snapshot, refreshed when the container (re)starts.
        target = join(podDir, 'volume-subpaths', m.volume, container, String(i));
        await rm(target, { recursive: true, force: true });
        await mkdir(dirname(target), { recursive: true });
        await cp(m.hostPath, target, { recursive: true, dereference: true });
      }
      const link = join(podDir, m.containerPath);
      const have = await readlink(link).catch(() => undefined);
      if (have === target) continue;
      if (have !== undefined || (await lstat(link).then(() => true, () => false))) {
        throw new MountConfigError(
          `the process runtime cannot mount volume "${m.volume}" at ${m.containerPath}: another container of the pod shows something else there (a pod's containers share one root in the process runtime)`,
        );
      }
      await mkdir(dirname(link), { recursive: true });
      await symlink(target, link);
    }
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const dir = join(this.containersDir, id);
    let st = await this.effectiveState(dir);
    if (!st || st.state !== 'running' || !st.pid) return;
    const pid = st.pid;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        /* gone */
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + Math.max(0, graceSeconds) * 1000;
    while (Date.now() < deadline) {
      st = await this.effectiveState(dir);
      if (!st || st.state !== 'running') return;
      await sleep(50);
    }
    signal('SIGKILL');
    for (let i = 0; i < 100; i++) {
      st = await this.effectiveState(dir);
      if (!st || st.state !== 'running') return;
      await sleep(50);
    }
  }

  async remove(id: string): Promise<void> {
    const dir = join(this.containersDir, id);
    const st = await this.effectiveState(dir);
    if (st?.state === 'running') await this.stop(id, 0);
    await rm(dir, { recursive: true, force: true });
  }

  /** Remove a pod's working directory (after its last container is removed). */
  async removePodDir(podUid: string): Promise<void> {
    await rm(join(this.podsDir, podUid), { recursive: true, force: true });
  }

  async list(labels: ContainerLabels): Promise<RuntimeContainer[]> {
    let ids: string[];
    try {
      ids = await readdir(this.containersDir);
    } catch {
      return [];
    }
    const out: RuntimeContainer[] = [];
    await Promise.all(
      ids.map(async (id) => {
        const dir = join(this.containersDir, id);
        const meta = await readJson<Meta>(join(dir, 'meta.json'));
        if (!meta) return;
        for (const [k, v] of Object.entries(labels)) if (meta.labels[k] !== v) return;
        const st = await this.effectiveState(dir);
        out.push({
          id,
          labels: meta.labels,
          image: meta.image,
          createdAt: meta.createdAt,
          state: !st ? 'created' : st.state,
          ...(st?.startedAt ? { startedAt: st.startedAt } : {}),
          ...(st?.state === 'exited'
            ? { finishedAt: st.finishedAt ?? new Date().toISOString(), exitCode: st.exitCode ?? 137, reason: st.reason ?? 'Error' }
            : {}),
        });
      }),
    );
    return out;
  }

  async exec(id: string, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    const dir = join(this.containersDir, id);
    const cfg = await readJson<ShimConfig>(join(dir, 'config.json'));
    if (!cfg) throw new Error(`container ${id} not found`);
    if (command.length === 0) throw new Error('exec: empty command');
    const [cmd, ...args] = [...(cfg.wrap ?? []), ...command];
    if (!cmd) throw new Error('exec: empty command');
    return await new Promise<ExecResult>((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: cfg.cwd, env: { ...cfg.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let output = '';
      const take = (b: Buffer) => {
        if (output.length < 4096) output = (output + b.toString('utf8')).slice(0, 4096);
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
        reject(new Error(`command timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ exitCode: code ?? (signal ? 137 : 1), output });
      });
    });
  }

  /** kubectl exec: the command in the container's env and cwd (process-exec.ts). */
  async execStream(id: string, command: readonly string[], opts: ExecStreamOptions): Promise<ExecSession> {
    const cfg = await readJson<ShimConfig>(join(this.containersDir, id, 'config.json'));
    if (!cfg) throw new ExecUnsupportedError(`container not found ("${id}")`);
    return spawnExec(command.length ? [...(cfg.wrap ?? []), ...command] : command, { cwd: cfg.cwd, env: cfg.env }, opts);
  }

  /**
   * kubectl attach -i: a writer on the container's stdin FIFO (shim's feedStdin). Non-blocking open,
   * so a container that no longer reads (exited, or stdinOnce already used) is an error, not a hang.
   */
  async attachStdin(id: string): Promise<NodeJS.WritableStream> {
    const fifo = join(this.containersDir, id, STDIN_FIFO);
    if (!existsSync(fifo)) throw new Error('the container was not started with stdin: true, so it has no stdin to attach to');
    for (let i = 0; ; i++) {
      try {
        // A bare fd (not a FileHandle, which would close it again when collected): the Socket owns it.
        const fd = await openFd(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
        const sock = new Socket({ fd, readable: false, writable: true });
        sock.on('error', () => undefined);
        return sock;
      } catch (e) {
        // ENXIO: nobody reads right now: the shim is between two clients, or stdin is closed for good.
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || i >= 20) {
          throw new Error(`the container's stdin is closed (it exited, or stdinOnce and a client already attached): ${(e as Error).message}`);
        }
        await sleep(25);
      }
    }
  }

  /** tty containers run under `script`: its child's terminal is resized like exec -t's. */
  resizeTty(id: string, width: number, height: number): void {
    let r = this.resizers.get(id);
    if (!r) {
      void this.readState(join(this.containersDir, id)).then((st) => {
        if (!st?.pid) return;
        r = resizer(st.pid);
        this.resizers.set(id, r);
        r(width, height);
      });
      return;
    }
    r(width, height);
  }

  logs(id: string, opts: LogOptions): AsyncIterable<string> {
    const dir = join(this.containersDir, id);
    return readLogFile(join(dir, 'container.log'), opts, async () => (await this.effectiveState(dir))?.state !== 'running');
  }

  async close(): Promise<void> {}

  /** Usage of each running container's process group (stats/proc.ts). */
  async stats(ids: readonly string[]): Promise<Map<string, ContainerStats>> {
    const pids = new Map<string, number>();
    await Promise.all(
      ids.map(async (id) => {
        const st = await this.readState(join(this.containersDir, id));
        if (st?.state === 'running' && st.pid) pids.set(id, st.pid);
      }),
    );
    const usage = await processGroupUsage(new Set(pids.values()));
    const now = Date.now();
    const out = new Map<string, ContainerStats>();
    for (const [id, pid] of pids) {
      const u = usage.get(pid);
      if (u) out.set(id, { cpuUsageCoreNanoSeconds: Math.round(u.cpuNs), memoryWorkingSetBytes: u.rssBytes, memoryRssBytes: u.rssBytes, timestampMs: now });
    }
    return out;
  }

  private async readState(dir: string): Promise<ShimState | undefined> {
    return await readJson<ShimState>(join(dir, 'state.json'));
  }

  /**
   * The shim's state, corrected for a shim that died without writing the exit (killed with the
   * kubelet's process group, a host reboot): Kubernetes calls that ContainerStatusUnknown, 137.
   */
  private async effectiveState(dir: string): Promise<ShimState | undefined> {
    const st = await this.readState(dir);
    if (!st || st.state !== 'running') return st;
    if (alive(st.shimPid) || alive(st.pid)) return st;
    const again = await this.readState(dir); // the shim may have just written its exit
    if (again && again.state !== 'running') return again;
    return { ...st, state: 'exited', exitCode: 137, reason: 'ContainerStatusUnknown', finishedAt: new Date().toISOString() };
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
