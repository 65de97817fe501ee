/**
 * The `docker` container runtime: the kubelet's ContainerRuntime port over a Docker Engine, through
 * dockerode. Every container carries the kubelet's labels (LABELS), so list() alone rebuilds the
 * kubelet's view after a restart. Kubernetes semantics where Docker differs:
 *
 * - command overrides the image's ENTRYPOINT, args its CMD (either empty: the image's own);
 * - no restart policy: the kubelet restarts containers itself (a new container per attempt);
 * - imagePullPolicy Always / IfNotPresent / Never, with ErrImagePull / ErrImageNeverPull;
 * - ports with a hostPort are published on 127.0.0.1 only;
 * - the pod's resolver is a resolv.conf written into its directory (`<rootDir>/pods/<uid>`) and
 *   bind-mounted read-only at /etc/resolv.conf: one file the kubelet controls for all the pod's
 *   containers, instead of whatever Docker derives per container from --dns and the host's file;
 * - volumes are set up by the kubelet under the pod's directory and bind-mounted (read-only when
 *   the mount says so, or the volume is a configMap, secret, downwardAPI or projected one); a
 *   subPath is a bind of that file or directory; an emptyDir with `medium: Memory` is a tmpfs
 *   the kubelet mounts on the host at the volume's directory (size = sizeLimit), bound like the
 *   others, so the pod's containers share it and it outlives their restarts, as in Kubernetes.
 */
import { SecurityConfigError, capName, type EffectiveSecurity, type SecuritySupport } from '../security-context.js';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Readable, Writable } from 'node:stream';
import Dockerode from 'dockerode';
import type { PullPolicy } from '../../../shared/resources/types.js';
import {
  ImagePullError,
  LABELS,
  type ContainerConfig,
  type ContainerLabels,
  type ContainerRuntime,
  type ExecResult,
  type LogOptions,
  type ResolverConfig,
  type RuntimeContainer,
  type RuntimeState,
} from './types.js';
import type { AttachableRuntime, ContainerStats, ExecSession, ExecStreamOptions, StatsRuntime, StreamingRuntime } from './types.js';
import { dockerExecStream } from './docker-exec.js';

export interface DockerRuntimeOptions {
  /** The engine's unix socket; default: DOCKER_HOST, else /var/run/docker.sock (dockerode's defaults). */
  readonly socketPath?: string;
  /** A ready client (tests, or a remote engine configured elsewhere); wins over socketPath. */
  readonly docker?: Dockerode;
  /** The kubelet's root directory: pods' files (resolv.conf) go to `<rootDir>/pods/<uid>`. Default: a temp directory. */
  readonly rootDir?: string;
}

/** A container could not be created or started (Kubernetes: CreateContainerError / RunContainerError). */
export class ContainerStartError extends Error {
  constructor(
    readonly image: string,
    message: string,
    readonly reason: 'CreateContainerError' | 'RunContainerError',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ContainerStartError';
  }
}

/** exec() did not finish within its timeout. */
export class ExecTimeoutError extends Error {
  constructor(
    readonly containerId: string,
    readonly timeoutMs: number,
  ) {
    super(`exec in container ${containerId} timed out after ${timeoutMs}ms`);
    this.name = 'ExecTimeoutError';
  }
}

/** exec() output is capped at this many bytes (stdout and stderr together). */
export const EXEC_OUTPUT_LIMIT = 4096;

/** Docker's "never happened" time. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The HTTP status of a dockerode error (404 no such container/image, 304 not modified, ...). */
function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function messageOf(e: unknown): string {
  const json = (e as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return e instanceof Error ? e.message : String(e);
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*: anything else becomes `-`. */
function namePart(s: string | undefined): string {
  return (s ?? '').replace(/[^a-zA-Z0-9_.-]/g, '-') || 'x';
}

/** `jk_<namespace>_<pod>_<container>_<attempt>_<random>`: readable in `docker ps`, unique per attempt. */
export function containerName(labels: ContainerLabels): string {
  return [
    'jk',
    namePart(labels[LABELS.podNamespace]),
    namePart(labels[LABELS.podName]),
    namePart(labels[LABELS.container]),
    namePart(labels[LABELS.attempt] ?? '0'),
    randomBytes(4).toString('hex'),
  ].join('_');
}

/** Docker's State.Status to the runtime's four states. */
export function mapState(status: string): RuntimeState {
  switch (status) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused': // its processes are still there, only frozen
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
    case 'removing':
      return 'exited';
    default:
      return 'unknown';
  }
}

/** RFC 3339 as Docker writes it, or undefined for Docker's zero time / nothing. */
export function dockerTime(t: string | undefined): string | undefined {
  if (!t || t === ZERO_TIME || t.startsWith('0001-01-01')) return undefined;
  return t;
}

/** The termination reason Kubernetes shows for an exited container. */
export function exitReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** A resolv.conf for the resolver (resolv.conf(5)). */
export function resolvConfText(dns: ResolverConfig): string {
  const lines = [
    ...dns.nameservers.map((ip) => `nameserver ${ip}`),
    ...(dns.searches.length > 0 ? [`search ${dns.searches.join(' ')}`] : []),
    ...(dns.options.length > 0 ? [`options ${dns.options.join(' ')}`] : []),
  ];
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * The docker create options for one ContainerConfig (pure: unit-testable without an engine);
 * `resolvConf` is the host path of the file to mount as the container's /etc/resolv.conf.
 */
export function createOptions(cfg: ContainerConfig, name: string, resolvConf?: string): Dockerode.ContainerCreateOptions {
  // Host networking, like the process runtime: a pod binds its own pod IP (a loopback address
  // from its node's range), so the proxy and probes reach it the same way under both runtimes.
  // Container ports need no publishing (and hostPorts are the scheduler's to keep apart).
  const host: Dockerode.HostConfig = {
    RestartPolicy: { Name: 'no' },
    NetworkMode: 'host',
  };
  if (cfg.cpuMillis && cfg.cpuMillis > 0) host.NanoCpus = Math.round(cfg.cpuMillis * 1e6);
  if (cfg.memoryBytes && cfg.memoryBytes > 0) host.Memory = Math.round(cfg.memoryBytes);
  if (resolvConf) host.Binds = [`${resolvConf}:/etc/resolv.conf:ro`];
  const mounts = dockerMounts(cfg);
  if (mounts.length) host.Mounts = mounts;
  const sec = cfg.security ? dockerSecurity(cfg.security) : {};
  Object.assign(host, sec.host ?? {});
  const opts: Dockerode.ContainerCreateOptions = {
    name,
    Image: cfg.image,
    Env: Object.entries(cfg.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...cfg.labels },
    // Container.tty / stdin / stdinOnce: the engine keeps stdin open for attach (attachStdin).
    Tty: cfg.tty === true,
    OpenStdin: cfg.stdin === true,
    StdinOnce: cfg.stdin === true && cfg.stdinOnce === true,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: host,
  };
  if (cfg.command.length > 0) opts.Entrypoint = [...cfg.command];
  if (cfg.args.length > 0) opts.Cmd = [...cfg.args];
  if (cfg.workingDir) opts.WorkingDir = cfg.workingDir;
  if (sec.user) opts.User = sec.user;
  return opts;
}

/** The securityContext fields the docker runtime honours (security-context.ts refuses the rest). */
export const DOCKER_SECURITY: SecuritySupport = {
  runtime: 'docker',
  fields: new Set<keyof EffectiveSecurity>(['runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroups', 'privileged', 'allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'capabilities', 'hostPID', 'hostIPC', 'hostAliases']),
  profiles: { seccompProfile: ['RuntimeDefault', 'Unconfined'], appArmorProfile: ['RuntimeDefault', 'Unconfined'] },
  why: {
    fsGroup: 'volume ownership is not changed yet',
    sysctls: 'pods share the host network namespace',
    seLinuxOptions: 'no SELinux labelling',
    procMount: 'only Default',
    shareProcessNamespace: 'each container has its own PID namespace',
  },
};

/**
 * The engine's form of the effective securityContext (pure): User "uid[:gid]", GroupAdd, Privileged,
 * no-new-privileges, ReadonlyRootfs, CapAdd/CapDrop, and seccomp/apparmor "unconfined". An unset
 * seccomp profile keeps the engine's default profile (the kubelet's --seccomp-default).
 */
export function dockerSecurity(sec: EffectiveSecurity): { user?: string; host?: Partial<Dockerode.HostConfig> } {
  const host: Partial<Dockerode.HostConfig> = {};
  let user: string | undefined;
  if (sec.runAsUser !== undefined) user = sec.runAsGroup !== undefined ? `${sec.runAsUser}:${sec.runAsGroup}` : String(sec.runAsUser);
  else if (sec.runAsGroup !== undefined) {
    throw new SecurityConfigError('the docker runtime cannot honour securityContext.runAsGroup without runAsUser (the engine takes a group only with a user)');
  }
  if (sec.supplementalGroups?.length) host.GroupAdd = sec.supplementalGroups.map(String);
  if (sec.privileged) host.Privileged = true;
  const secOpt: string[] = [];
  if (sec.allowPrivilegeEscalation === false) secOpt.push('no-new-privileges:true');
  if (sec.seccompProfile?.type === 'Unconfined') secOpt.push('seccomp=unconfined');
  if (sec.appArmorProfile?.type === 'Unconfined') secOpt.push('apparmor=unconfined');
  if (secOpt.length) host.SecurityOpt = secOpt;
  if (sec.readOnlyRootFilesystem) host.ReadonlyRootfs = true;
  if (sec.hostPID) host.PidMode = 'host';
  if (sec.hostIPC) host.IpcMode = 'host';
  // hostAliases: the engine adds them to the container's /etc/hosts (the kubelet's managed hosts file).
  if (sec.hostAliases?.length) host.ExtraHosts = sec.hostAliases.flatMap((a) => (a.hostnames ?? []).map((h) => `${h}:${a.ip}`));
  if (!sec.privileged) {
    const add = (sec.capabilities?.add ?? []).map(capName);
    const drop = (sec.capabilities?.drop ?? []).map(capName);
    if (add.length) host.CapAdd = add;
    if (drop.length) host.CapDrop = drop;
  }
  return { ...(user ? { user } : {}), host };
}

/** The container's volume mounts as Docker binds (pure). */
export function dockerMounts(cfg: ContainerConfig): Dockerode.MountConfig {
  return (cfg.mounts ?? []).map((m) => ({ Type: 'bind', Source: m.hostPath, Target: m.containerPath, ReadOnly: m.readOnly }));
}

/** One inspected container as the runtime reports it. */
export function toRuntimeContainer(info: Dockerode.ContainerInspectInfo): RuntimeContainer {
  const state = mapState(info.State.Status);
  const exited = state === 'exited';
  const networks = Object.values(info.NetworkSettings?.Networks ?? {});
  // The top-level IPAddress is the default bridge's (deprecated, absent from newer API versions and typings).
  const legacy = (info.NetworkSettings as { IPAddress?: string } | undefined)?.IPAddress;
  const ip = legacy || networks.find((n) => n.IPAddress)?.IPAddress || undefined;
  return {
    id: info.Id,
    labels: { ...(info.Config.Labels ?? {}) },
    image: info.Config.Image,
    imageId: info.Image || undefined,
    state,
    createdAt: dockerTime(info.Created) ?? new Date(0).toISOString(),
    startedAt: dockerTime(info.State.StartedAt),
    finishedAt: exited ? dockerTime(info.State.FinishedAt) : undefined,
    exitCode: exited ? info.State.ExitCode : undefined,
    reason: exited ? exitReason(info.State.ExitCode, info.State.OOMKilled) : undefined,
    ip,
  };
}

/** dockerode parses a non-streamed body that happens to be JSON: give the raw bytes back. */
function asBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A Writable that appends into a shared byte buffer up to a limit, dropping the rest. */
class CappedSink {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        const room = this.limit - this.size;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          this.chunks.push(Buffer.from(part));
          this.size += part.length;
        }
        cb();
      },
    });
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** docker stats' fields the kubelet reads. */
interface DockerStats {
  readonly read?: string;
  readonly cpu_stats?: { readonly cpu_usage?: { readonly total_usage?: number } };
  readonly memory_stats?: { readonly usage?: number; readonly stats?: Readonly<Record<string, number>> };
}

/** The engine's stats as ContainerStats (pure): working set = usage − inactive file pages (cgroup v2, or v1's total_). */
export function dockerContainerStats(s: DockerStats, nowMs: number): ContainerStats | undefined {
  const cpu = s.cpu_stats?.cpu_usage?.total_usage;
  const usage = s.memory_stats?.usage;
  if (typeof cpu !== 'number' || typeof usage !== 'number') return undefined;
  const st = s.memory_stats?.stats ?? {};
  const inactive = st.inactive_file ?? st.total_inactive_file ?? 0;
  const at = s.read ? Date.parse(s.read) : NaN;
  return {
    cpuUsageCoreNanoSeconds: cpu,
    memoryWorkingSetBytes: Math.max(0, usage - inactive),
    ...(typeof st.rss === 'number' ? { memoryRssBytes: st.rss } : typeof st.anon === 'number' ? { memoryRssBytes: st.anon } : {}),
    timestampMs: Number.isFinite(at) && at > 0 ? at : nowMs,
  };
}

export class DockerRuntime implements ContainerRuntime, StreamingRuntime, StatsRuntime, AttachableRuntime {
  readonly name = 'docker';
  readonly securitySupport = DOCKER_SECURITY;

  /** The image's USER ("" when it sets none: root). */
  async imageUser(image: string): Promise<string> {
    const info = await this.docker.getImage(image).inspect();
    return info.Config?.User ?? '';
  }
  private readonly docker: Dockerode;
  private readonly podsDir: string;
  private closed = false;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.docker = opts.docker ?? (opts.socketPath ? new Dockerode({ socketPath: opts.socketPath }) : new Dockerode());
    this.podsDir = join(opts.rootDir ?? join(tmpdir(), 'jetkube', 'docker'), 'pods');
  }

  /** One stats call per container (`one-shot`: no wait for a second sample). */
  async stats(ids: readonly string[]): Promise<Map<string, ContainerStats>> {
    const out = new Map<string, ContainerStats>();
    await Promise.all(
      ids.map(async (id) => {
        try {
          const raw = (await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as DockerStats;
          const st = dockerContainerStats(raw, Date.now());
          if (st) out.set(id, st);
        } catch {
          // gone or not running: left out
        }
      }),
    );
    return out;
  }

  async version(): Promise<string> {
    const v = await this.docker.version();
    return `docker://${v.Version}`;
  }

  async ensureImage(image: string, policy: PullPolicy): Promise<void> {
    if (policy !== 'Always') {
      const present = await this.hasImage(image);
      if (present) return;
      if (policy === 'Never') {
        throw new ImagePullError(
          image,
          `Container image "${image}" is not present with pull policy of Never`,
          'ErrImageNeverPull',
        );
      }
    }
    await this.pull(image);
  }

  /** Whether the engine has the image locally (404: no). */
  private async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw new ImagePullError(image, `inspecting image "${image}": ${messageOf(e)}`, 'ErrImagePull', { cause: e });
    }
  }

  /** Pull and follow the progress stream to its end; an `error` entry in it is a failed pull. */
  private async pull(image: string): Promise<void> {
    const fail = (e: unknown): never => {
      throw new ImagePullError(image, `Failed to pull image "${image}": ${messageOf(e)}`, 'ErrImagePull', { cause: e });
    };
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image);
    } catch (e) {
      return fail(e);
    }
    const streamError = await new Promise<unknown>((resolve) => {
      let failed: unknown;
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => resolve(err ?? failed),
        (event: { error?: string; errorDetail?: { message?: string } }) => {
          if (failed === undefined && (event.error || event.errorDetail)) {
            failed = new Error(event.errorDetail?.message ?? event.error ?? 'pull failed');
          }
        },
      );
    });
    if (streamError !== undefined && streamError !== null) fail(streamError);
  }

  podDir(podUid: string): string {
    return join(this.podsDir, podUid);
  }

  async start(cfg: ContainerConfig): Promise<string> {
    let container: Dockerode.Container;
    // A securityContext the engine can't take is the container's configuration error, found before any I/O.
    if (cfg.security) dockerSecurity(cfg.security);
    try {
      const resolvConf = cfg.dns ? await this.writeResolvConf(cfg.labels[LABELS.podUid] ?? 'none', cfg.dns) : undefined;
      container = await this.docker.createContainer(createOptions(cfg, containerName(cfg.labels), resolvConf));
    } catch (e) {
      throw new ContainerStartError(cfg.image, `creating container: ${messageOf(e)}`, 'CreateContainerError', {
        cause: e,
      });
    }
    try {
      await container.start();
    } catch (e) {
      // A container that never ran is of no use to the kubelet: do not leave it behind.
      await this.remove(container.id).catch(() => undefined);
      throw new ContainerStartError(cfg.image, `starting container: ${messageOf(e)}`, 'RunContainerError', {
        cause: e,
      });
    }
    return container.id;
  }

  /** Write the pod's resolv.conf (whole, by rename: a container starting meanwhile never sees half a file). */
  private async writeResolvConf(podUid: string, dns: ResolverConfig): Promise<string> {
    const dir = join(this.podsDir, podUid);
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'resolv.conf');
    const tmp = `${path}.${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, resolvConfText(dns), { mode: 0o644 });
    await rename(tmp, path);
    return path;
  }

  /** Remove the pod's directory once the pod is gone (the kubelet calls this). */
  async removePodDir(podUid: string): Promise<void> {
    await rm(join(this.podsDir, podUid), { recursive: true, force: true });
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      // The engine sends the image's STOPSIGNAL (SIGTERM), waits t seconds, then SIGKILLs; it answers once stopped.
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceSeconds)) });
    } catch (e) {
      const s = statusOf(e);
      if (s === 304 || s === 404) return; // already stopped / gone
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      const s = statusOf(e);
      if (s === 404) return;
      if (s === 409 && /already in progress/i.test(messageOf(e))) return;
      throw e;
    }
  }

  async list(labels: ContainerLabels): Promise<RuntimeContainer[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const found = await this.docker.listContainers({ all: true, filters });
    const inspected = await Promise.all(
      found.map(async (c) => {
        try {
          return toRuntimeContainer(await this.docker.getContainer(c.Id).inspect());
        } catch (e) {
          if (statusOf(e) === 404) return undefined; // removed between list and inspect
          throw e;
        }
      }),
    );
    return inspected.filter((c): c is RuntimeContainer => c !== undefined);
  }

  /** kubectl exec through the engine (docker-exec.ts). */
  async execStream(id: string, command: readonly string[], opts: ExecStreamOptions): Promise<ExecSession> {
    return dockerExecStream(this.docker, id, command, opts);
  }

  async exec(id: string, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new ExecTimeoutError(id, timeoutMs));
      }, timeoutMs);
    });
    const run = async (): Promise<ExecResult> => {
      const exec = await this.docker.getContainer(id).exec({
        Cmd: [...command],
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: false,
        Tty: false,
        abortSignal: abort.signal,
      });
      const stream = await exec.start({ hijack: true, stdin: false, abortSignal: abort.signal });
      const sink = new CappedSink(EXEC_OUTPUT_LIMIT);
      const out = sink.writable();
      await new Promise<void>((resolve, reject) => {
        abort.signal.addEventListener('abort', () => stream.destroy(), { once: true });
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', reject);
        this.docker.modem.demuxStream(stream, out, out);
      });
      // The stream ends with the process; the engine may record the exit code a moment later.
      for (let i = 0; ; i++) {
        const info = await exec.inspect();
        if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, output: sink.text() };
        if (abort.signal.aborted) throw new ExecTimeoutError(id, timeoutMs);
        await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** i, 200)));
      }
    };
    const running = run();
    running.catch(() => undefined); // after a timeout its own rejection is no longer anyone's
    try {
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }

  async *logs(id: string, opts: LogOptions): AsyncIterable<string> {
    if (opts.signal?.aborted) return;
    const container = this.docker.getContainer(id);
    const base: Dockerode.ContainerLogsOptions = {
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps ?? false,
    };
    if (opts.tailLines !== undefined) base.tail = Math.max(0, Math.floor(opts.tailLines));
    if (opts.sinceSeconds !== undefined) base.since = Math.floor(Date.now() / 1000) - Math.floor(opts.sinceSeconds);
    if (opts.signal) base.abortSignal = opts.signal;
    let source: Readable;
    try {
      source = opts.follow
        ? ((await container.logs({ ...base, follow: true })) as Readable)
        : Readable.from([asBuffer(await container.logs({ ...base, follow: false }))]);
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw e;
    }
    if (opts.follow) opts.onPositioned?.();
    // A tty container's output is one raw stream; otherwise stdout and stderr come multiplexed.
    const tty = await container.inspect().then((i) => i.Config?.Tty === true, () => false);
    // stdout and stderr frames into one stream, in the order the engine sent them (no TTY: multiplexed).
    const merged = new PassThrough();
    let failure: unknown;
    const finish = (): void => {
      if (!merged.writableEnded) merged.end();
    };
    source.once('end', finish);
    source.once('close', finish);
    source.once('error', (e) => {
      if (!opts.signal?.aborted) failure = e;
      finish();
    });
    const onAbort = (): void => {
      source.destroy();
      finish();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (tty) source.pipe(merged);
    else this.docker.modem.demuxStream(source, merged, merged);
    const lines = createInterface({ input: merged, crlfDelay: Infinity });
    try {
      for await (const line of lines) yield `${line}\n`;
      if (failure !== undefined) throw failure;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      lines.close();
      source.destroy();
    }
  }

  /** kubectl attach -i: the engine's attach with stdin only (hijacked); its end half-closes the container's stdin. */
  async attachStdin(id: string): Promise<NodeJS.WritableStream> {
    const container = this.docker.getContainer(id);
    const info = await container.inspect();
    if (!info.Config?.OpenStdin) throw new Error('the container was not started with stdin: true, so it has no stdin to attach to');
    const stream = (await container.attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true })) as unknown as NodeJS.ReadWriteStream & { destroy(): void };
    stream.on('error', () => undefined);
    stream.resume?.(); // nothing is read back (stdout and stderr come from the logs)
    return stream;
  }

  resizeTty(id: string, width: number, height: number): void {
    if (width <= 0 || height <= 0) return;
    this.docker.getContainer(id).resize({ w: width, h: height }).catch(() => undefined);
  }

  async close(): Promise<void> {
    // dockerode keeps no pool: each request opens its own socket. Only mark the runtime closed, once.
    if (this.closed) return;
    this.closed = true;
  }
}
