/**
 * The container runtime port (DESIGN.md, "Pods, nodes and the network"): what the kubelet needs from
 * whatever runs containers, and nothing more. Three implementations: `docker` (dockerode against a
 * real engine), `process` (a supervised local child process per container) and `fake` (no process,
 * for scale tests). Like kysely's Dialect, the interface is small on purpose: every runtime keeps
 * the kubelet's labels on its containers, so `list()` alone rebuilds the kubelet's view after a
 * restart (adopt what runs, remove what belongs to no pod).
 */
import type { PullPolicy } from '../../../shared/resources/types.js';
import type { EffectiveSecurity, SecuritySupport } from '../security-context.js';

/** Labels every runtime stores on every container it creates, and returns from list(). */
export const LABELS = {
  /** The node (kubelet) that made the container: kubelets sharing an engine never touch each other's. */
  node: 'io.jetkube.node',
  podUid: 'io.jetkube.pod.uid',
  podName: 'io.jetkube.pod.name',
  podNamespace: 'io.jetkube.pod.namespace',
  container: 'io.jetkube.container.name',
  /** 0 for the first run of a container, +1 per restart: the restartCount. */
  attempt: 'io.jetkube.container.attempt',
  /** `init` or `app`. */
  kind: 'io.jetkube.container.kind',
  /** CrashLoopBackOff level when this attempt was started (0: no backoff). */
  backoff: 'io.jetkube.container.backoff',
  /** The pod IP the container was started with (process runtime: the address it binds). */
  podIp: 'io.jetkube.pod.ip',
} as const;

export type ContainerLabels = Readonly<Record<string, string>>;

/** Everything a runtime needs to create one container. */
export interface ContainerConfig {
  readonly image: string;
  /** The resolved argv: Kubernetes' command/args over the image's entrypoint/cmd (empty: the image's). */
  readonly command: readonly string[];
  readonly args: readonly string[];
  /** Resolved environment (values, ConfigMap/Secret refs, downward API already applied). */
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly labels: ContainerLabels;
  /** Container ports to publish (docker) or only to record (process). */
  readonly ports: readonly { readonly containerPort: number; readonly hostPort?: number; readonly protocol?: string }[];
  /** Limits: cpu in millicores, memory in bytes (0 or absent: unlimited). */
  readonly cpuMillis?: number;
  readonly memoryBytes?: number;
  /** The pod's IP, when the runtime does not choose one itself. */
  readonly podIp?: string;
  /**
   * The pod's resolver (undefined: the host's). docker mounts it as /etc/resolv.conf; process
   * ignores it (the kubelet also passes it as env: JETKUBE_DNS_SERVER, JETKUBE_DNS_SEARCH, LOCALDOMAIN).
   */
  readonly dns?: ResolverConfig;
  /** The container's volume mounts, their sources already on the host (volumes/manager.ts). */
  readonly mounts?: readonly RuntimeMount[];
  /** Keep the container's stdin open for `kubectl attach -i` (Container.stdin); `stdinOnce`: closed when the first attach ends. */
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  /** Run the container on a terminal (Container.tty). */
  readonly tty?: boolean;
  /** The effective securityContext (security-context.ts), already checked against securitySupport. */
  readonly security?: EffectiveSecurity;
  /**
   * fake runtime only: the load the container reports (from the pod's `jetkube.io/synthetic-usage`
   * annotation when the container starts); the other runtimes measure real usage and ignore it.
   */
  readonly syntheticUsage?: SyntheticUsage;
}

/** A fake container's constant usage: cpu in millicores, memory in bytes. */
export interface SyntheticUsage {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

/** One volume mount as the runtime realises it (docker: a bind or a tmpfs; process: a symlink). */
export interface RuntimeMount {
  readonly volume: string;
  /** payload (configMap, secret, downwardAPI, projected), emptyDir or hostPath. */
  readonly kind: 'payload' | 'emptyDir' | 'hostPath';
  /** The host path shown (the volume's directory, or the file/directory a subPath names). */
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
  /** A subPath mount (payload volumes: a snapshot that does not see updates). */
  readonly subPath: boolean;
  /** emptyDir only. */
  readonly medium?: '' | 'Memory';
  readonly sizeLimitBytes?: number;
  /** How many containers of the pod mount this volume. */
  readonly sharedBy: number;
}

/** A mount the runtime cannot provide: the kubelet reports CreateContainerConfigError. */
export class MountConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MountConfigError';
  }
}

export const isMountConfigError = (e: unknown): e is MountConfigError => e instanceof Error && e.name === 'MountConfigError';

/** A mount or a security setting the runtime cannot provide, found only at start: CreateContainerConfigError. */
export const isContainerConfigError = (e: unknown): e is Error => isMountConfigError(e) || (e instanceof Error && e.name === 'SecurityConfigError');

/** What a pod's /etc/resolv.conf says. Nameservers are bare IPs: resolv.conf cannot name a port. */
export interface ResolverConfig {
  readonly nameservers: readonly string[];
  readonly searches: readonly string[];
  /** `ndots:5`, `timeout:2`, `edns0`, ... */
  readonly options: readonly string[];
}

export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

/** One container as the runtime reports it. Times are RFC 3339 strings. */
export interface RuntimeContainer {
  readonly id: string;
  readonly labels: ContainerLabels;
  readonly image: string;
  readonly imageId?: string;
  readonly state: RuntimeState;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly exitCode?: number;
  /** OOMKilled, Error, Completed, ContainerStatusUnknown ... when exited. */
  readonly reason?: string;
  /** The address the container can be reached at, when the runtime assigned one (docker). */
  readonly ip?: string;
}

export interface ExecResult {
  readonly exitCode: number;
  /** stdout and stderr, truncated to a few KiB. */
  readonly output: string;
}

export interface LogOptions {
  /** Only the last N lines. */
  readonly tailLines?: number;
  /** Keep the stream open and send new lines as they are written, until the container stops or the signal aborts. */
  readonly follow?: boolean;
  /** Prefix each line with its RFC 3339 (nanosecond) timestamp. */
  readonly timestamps?: boolean;
  /** Only lines written in the last N seconds. */
  readonly sinceSeconds?: number;
  readonly signal?: AbortSignal;
  /** Called once the reader knows where it starts (follow): output written after this is not missed. */
  readonly onPositioned?: () => void;
}

/** A pull failed (missing image, unreachable registry, Never with no local image). */
export class ImagePullError extends Error {
  constructor(
    readonly image: string,
    message: string,
    /** ErrImagePull or ErrImageNeverPull. */
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' = 'ErrImagePull',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImagePullError';
  }
}

export const isImagePullError = (e: unknown): e is ImagePullError => e instanceof Error && e.name === 'ImagePullError';

export interface ContainerRuntime {
  /** `docker`, `process` or `fake`: shown in Node.status.nodeInfo.containerRuntimeVersion. */
  readonly name: string;
  /** e.g. `docker://28.2.2`, `process://jetkube`. */
  version(): Promise<string>;
  /** Make the image present according to the policy; throws ImagePullError. */
  ensureImage(image: string, policy: PullPolicy): Promise<void>;
  /** Create and start a container; resolves with its id once it runs (or has already exited). */
  start(config: ContainerConfig): Promise<string>;
  /** SIGTERM, wait up to graceSeconds, then SIGKILL; resolves once it has exited. A gone container is fine. */
  stop(id: string, graceSeconds: number): Promise<void>;
  /** Remove a stopped container and what it left behind (logs too). A gone container is fine. */
  remove(id: string): Promise<void>;
  /** Every container whose labels include all of `labels` (e.g. this node's). */
  list(labels: ContainerLabels): Promise<RuntimeContainer[]>;
  /** Run a command inside a running container (exec probes). Rejects after timeoutMs. */
  exec(id: string, command: readonly string[], timeoutMs: number): Promise<ExecResult>;
  /** The container's output: stdout and stderr interleaved, one line per chunk, newline-terminated. */
  logs(id: string, opts: LogOptions): AsyncIterable<string>;
  /** Release connections and timers (running containers keep running). */
  close(): Promise<void>;
  /**
   * Where the pod's files live on the host (`<root>/pods/<uid>`): volumes are set up under it.
   * Absent: the runtime keeps no files (fake), and volumes are only planned and recorded.
   */
  podDir?(podUid: string): string;
  /** Remove the pod's directory once the pod is gone. */
  removePodDir?(podUid: string): Promise<void>;
  /** process runtime: the directory mount paths are relative to (JETKUBE_ROOT in the container's env). */
  containerRoot?(podUid: string): string;
  /**
   * The securityContext fields this runtime honours; the kubelet refuses the others with
   * CreateContainerConfigError. Absent: the runtime only records them (fake).
   */
  readonly securitySupport?: SecuritySupport;
  /** Who the image runs as without runAsUser (`USER`; "" for root), for runAsNonRoot. Absent: not checked (fake). */
  imageUser?(image: string): Promise<string>;
}

/** An interactive command inside a container (kubectl exec): its streams, its resize, its end. */
export interface ExecSession {
  /** Present when stdin was asked for; end() it for EOF. */
  readonly stdin?: NodeJS.WritableStream;
  /** Present when stdout was asked for (with a tty: the terminal's output). */
  readonly stdout?: NodeJS.ReadableStream;
  /** Present when stderr was asked for and there is no tty. */
  readonly stderr?: NodeJS.ReadableStream;
  /** Resize the terminal (tty only; ignored otherwise). */
  resize(width: number, height: number): void;
  /** The exit code, once the command ended and its output was read. */
  readonly exited: Promise<number>;
  /** Kill the command (the client went away). */
  kill(): void;
}

export interface ExecStreamOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
  /** The terminal's size when the client sent one before the command started (tty only). */
  readonly size?: { readonly width: number; readonly height: number };
}

/** Thrown when a runtime cannot exec at all (fake), or not with these options (process runtime and a tty). */
export class ExecUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecUnsupportedError';
  }
}

/** Runtimes that can run interactive commands in a container (kubectl exec). Optional to implement. */
export interface StreamingRuntime {
  /** Start `command` in container `id`; rejects when it cannot start (the exit code of a started command is in `exited`). */
  execStream(id: string, command: readonly string[], opts: ExecStreamOptions): Promise<ExecSession>;
}

/** Runtimes whose containers can keep stdin open for a client to write to (kubectl attach -i). Optional to implement. */
export interface AttachableRuntime {
  /**
   * A stream to the running container's stdin; ending it is the end of this client's input (a
   * stdinOnce container then sees EOF). Rejects when the container has no open stdin.
   */
  attachStdin(id: string): Promise<NodeJS.WritableStream>;
  /** Resize the container's terminal (tty containers; ignored otherwise). */
  resizeTty(id: string, width: number, height: number): void;
}

export const isAttachableRuntime = (r: unknown): r is AttachableRuntime => typeof (r as Partial<AttachableRuntime>)?.attachStdin === 'function';

export const isStreamingRuntime = (r: unknown): r is StreamingRuntime => typeof (r as Partial<StreamingRuntime>)?.execStream === 'function';

/** One container's resource usage as the runtime measures it (cumulative cpu, current memory). */
export interface ContainerStats {
  /** CPU time used since the container started, in nanoseconds. */
  readonly cpuUsageCoreNanoSeconds: number;
  /** Memory the container uses and cannot easily give back (Kubernetes' working set), bytes. */
  readonly memoryWorkingSetBytes: number;
  readonly memoryRssBytes?: number;
  /** When measured, ms since the epoch. */
  readonly timestampMs: number;
}

/**
 * Runtimes that measure their containers (kubectl top, the HPA): docker from the engine's stats,
 * process from /proc of the container's process group, fake from its synthetic load.
 */
export interface StatsRuntime {
  /** Usage of the running containers among `ids` (a container that is gone or not running is left out). */
  stats(ids: readonly string[]): Promise<Map<string, ContainerStats>>;
}

export const isStatsRuntime = (r: unknown): r is StatsRuntime => typeof (r as Partial<StatsRuntime>)?.stats === 'function';

/**
 * Runtimes that know when their containers change (fake: they live in its memory) and say so: the
 * kubelet then learns of a start, an exit or a removal from the event, and relists only as a
 * slow safety net (Kubernetes' evented PLEG). The others are relisted every relistMs (its generic
 * PLEG). Optional to implement.
 */
export interface EventedRuntime {
  /**
   * Call `listener` with a container after it was started, exited (stopped, or by itself) or
   * removed (then with its last state). Returns the function that unsubscribes.
   */
  onContainerChange(listener: (c: RuntimeContainer) => void): () => void;
}

export const isEventedRuntime = (r: unknown): r is EventedRuntime => typeof (r as Partial<EventedRuntime>)?.onContainerChange === 'function';
