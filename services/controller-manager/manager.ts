/**
 * The controller-manager: every controller in one process over one set of shared informers
 * (kube-controller-manager). Each controller is a module exporting a `ControllerFactory`; this file
 * only wires them up, starts the informers and serves health.
 *
 * With leader election (the default; `leaderElection: { enabled: false }`, `--leader-elect=false` or
 * LEADER_ELECT=false turn it off) only the holder of the Lease `kube-system/kube-controller-manager`
 * runs controllers. Like kube-controller-manager, a standby builds nothing (its informers start when
 * it becomes leader), is healthy, and is ready with `leaderElection: "standby"`. A leader that loses
 * the Lease stops its controllers, fails /healthz and calls `onLeadershipLost` (the binaries exit 1,
 * as Kubernetes' components do, and a supervisor restarts them as a fresh candidate).
 */
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { openContext, serveContextHealth, type ServiceContext } from '../../shared/service/context.js';
import { portFromEnv, type HealthServer } from '../../shared/http/health-server.js';
import { electionRole, electorFor, type LeaderElectionOptions, type LeaderElector, type LostReason } from '../../shared/leaderelection/index.js';
import type { RunningController } from '../../shared/informer/index.js';
import { DEFAULT_WORKERS, workersFor } from './concurrent-syncs.js';
import { CONTROLLERS } from './controllers.js';
import { DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS } from './nodelifecycle/evaluate.js';
import { hpaConfigFromEnv, type HpaControllerConfig } from './hpa/config.js';

/** The Lease the controller-managers elect their leader on (in kube-system). */
export const CONTROLLER_MANAGER_LEASE = 'kube-controller-manager';

/** A running controller (see controllers.ts for the list): what shared/informer's startController answers. */
export type Controller = RunningController;

/** Builds a controller: registers its informer handlers and starts its workers. */
export type ControllerFactory = (ctx: ServiceContext, opts: ControllerOptions) => Controller;

export interface ControllerOptions {
  /** This controller's workers (concurrent-syncs.ts). */
  readonly workers: number;
  /** Injectable clock for the controllers' pure logic. */
  readonly now: () => Date;
  /** nodelifecycle: a node with no heartbeat (Lease renewal or Ready heartbeat) this long is Unknown (default 50 s, as Kubernetes 1.32). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** nodelifecycle: tolerationSeconds of the default not-ready/unreachable NoExecute tolerations (default 300). */
  readonly defaultTolerationSeconds?: number;
  /** rootcacertpublisher: the cluster CA certificate (PEM) published as kube-root-ca.crt; unset: that controller does not run. */
  readonly clusterCA?: string;
  /** horizontalpodautoscaling: its settings over the defaults (hpa/config.ts; HPA_* in the environment). */
  readonly hpa?: Partial<HpaControllerConfig>;
}

export interface ControllerManagerOptions {
  /** Which controllers to run (default: all registered). */
  readonly controllers?: readonly string[];
  /** Workers for every controller; unset: each its Kubernetes default (concurrent-syncs.ts). */
  readonly workers?: number;
  readonly registry?: Registry;
  /** Serve /healthz, /readyz, /metrics on this port (undefined: no HTTP, e.g. inside `jetkube up`). */
  readonly port?: number;
  readonly host?: string;
  readonly now?: () => Date;
  /** See ControllerOptions; unset: NODE_MONITOR_GRACE_PERIOD (seconds) from `env`, else 50 s. */
  readonly nodeMonitorGracePeriodMs?: number;
  /** See ControllerOptions; unset: DEFAULT_TOLERATION_SECONDS from `env`, else 300. */
  readonly defaultTolerationSeconds?: number;
  /**
   * The cluster CA certificate (PEM) for rootcacertpublisher, read once by the caller (the binaries
   * load it with shared/pki's loadClusterCA). Unset: no kube-root-ca.crt ConfigMaps.
   */
  readonly clusterCA?: string;
  /** See ControllerOptions; over HPA_* from `env`. */
  readonly hpa?: Partial<HpaControllerConfig>;
  /** Where unset options are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Leader election: these settings over LEADER_ELECT* from `env` over the defaults (on; 15 s, 10 s, 2 s). */
  readonly leaderElection?: LeaderElectionOptions;
  /** After leadership was lost and the controllers stopped (the binaries exit 1). Default: /healthz answers 503. */
  readonly onLeadershipLost?: (reason: LostReason) => void;
}

/**
 * Controller settings from the environment: NODE_MONITOR_GRACE_PERIOD (seconds, decimals allowed,
 * > 0) and DEFAULT_TOLERATION_SECONDS (integer ≥ 0). Unset or empty variables are left out.
 */
export function controllerOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<ControllerOptions, 'nodeMonitorGracePeriodMs' | 'defaultTolerationSeconds'> {
  const out: { nodeMonitorGracePeriodMs?: number; defaultTolerationSeconds?: number } = {};
  const grace = env.NODE_MONITOR_GRACE_PERIOD;
  if (grace !== undefined && grace !== '') {
    const s = Number(grace);
    if (!Number.isFinite(s) || s <= 0) throw new Error(`NODE_MONITOR_GRACE_PERIOD must be a positive number of seconds, got "${grace}"`);
    out.nodeMonitorGracePeriodMs = Math.round(s * 1000);
  }
  const tol = env.DEFAULT_TOLERATION_SECONDS;
  if (tol !== undefined && tol !== '') {
    const n = Number(tol);
    if (!Number.isInteger(n) || n < 0) throw new Error(`DEFAULT_TOLERATION_SECONDS must be a non-negative integer, got "${tol}"`);
    out.defaultTolerationSeconds = n;
  }
  return out;
}

export interface RunningControllerManager {
  readonly ctx: ServiceContext;
  /** The running controllers (empty while standing by). */
  readonly controllers: readonly Controller[];
  readonly url: string | undefined;
  /** Undefined when leader election is disabled. */
  readonly elector: LeaderElector | undefined;
  /** Runs controllers now (always true without leader election). */
  isLeader(): boolean;
  /** Connected, and (when leading) caches synced. */
  ready(): boolean;
  /**
   * Stop controllers, then release the Lease. `{ release: false }` behaves like a crash: the
   * renewals stop first and the Lease is left to expire.
   */
  close(opts?: { readonly release?: boolean }): Promise<void>;
}

export function knownControllers(): string[] {
  return Object.keys(CONTROLLERS);
}

export async function startControllerManager(
  cfg: Config,
  log: Logger = createLogger('controller-manager', cfg.logLevel),
  opts: ControllerManagerOptions = {},
): Promise<RunningControllerManager> {
  const wanted = opts.controllers ?? knownControllers();
  const unknown = wanted.filter((n) => !CONTROLLERS[n]);
  if (unknown.length) throw new Error(`unknown controller(s): ${unknown.join(', ')}; known: ${knownControllers().join(', ')}`);
  const fromEnv = controllerOptionsFromEnv(opts.env ?? process.env);
  // Every controller's writes share this pool: with 8 connections (the default) and a busy
  // gateway's 50-100 ms a write, creating pods (a create and an Event each) stalled near 50/s.
  const ctx = await openContext(cfg, log, { name: 'controller-manager', connections: 32, ...(opts.registry ? { registry: opts.registry } : {}) });
  const copts: ControllerOptions = {
    workers: DEFAULT_WORKERS,
    now: opts.now ?? (() => new Date()),
    nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs ?? fromEnv.nodeMonitorGracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS,
    defaultTolerationSeconds: opts.defaultTolerationSeconds ?? fromEnv.defaultTolerationSeconds ?? 300,
    ...(opts.clusterCA ? { clusterCA: opts.clusterCA } : {}),
    hpa: { ...hpaConfigFromEnv(opts.env ?? process.env), ...opts.hpa },
  };
  const controllers: Controller[] = [];
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let lost = false;
  let closing = false;
  const startControllers = () =>
    (starting ??= (async () => {
      if (closing) return; // leadership won while closing: the release follows
      for (const name of wanted) controllers.push(CONTROLLERS[name]!(ctx, { ...copts, workers: workersFor(name, opts.workers) }));
      await ctx.informers.start();
      log.info({ controllers: wanted }, 'controllers started');
    })());
  const stopControllers = () =>
    (stopping ??= (async () => {
      await starting?.catch(() => undefined);
      await Promise.allSettled(controllers.map((c) => c.stop()));
    })());
  let elector: LeaderElector | undefined;
  let http: HealthServer | undefined;
  try {
    elector = electorFor(ctx, CONTROLLER_MANAGER_LEASE, opts.leaderElection, opts.env ?? process.env, {
      onStartedLeading: startControllers,
      async onStoppedLeading(reason) {
        lost = true;
        await stopControllers();
        log.error({ reason }, 'leader election lost: controllers stopped');
        opts.onLeadershipLost?.(reason);
      },
    });
    if (elector) await elector.start();
    else await startControllers();
    const isLeader = () => !elector || elector.isLeader();
    const ready = () => ctx.el.connected() && !lost && (!isLeader() || (starting !== undefined && ctx.informers.hasSynced()));
    http = await serveContextHealth(
      ctx,
      opts.port,
      opts.host,
      () => ({ ready: ready(), controllers: wanted, leaderElection: electionRole(elector) }),
      () => elector?.check(),
    );
    log.info({ controllers: wanted, url: http?.url, leaderElection: electionRole(elector) }, 'controller-manager started');
    return {
      ctx,
      controllers,
      url: http?.url,
      elector,
      isLeader,
      ready,
      async close(o = {}) {
        const release = o.release ?? true;
        closing = true;
        await http?.close().catch(() => undefined);
        if (!release) await elector?.stop({ release: false });
        await stopControllers();
        await elector?.stop({ release });
        await ctx.close();
      },
    };
  } catch (err) {
    await elector?.stop({ release: true }).catch(() => undefined);
    await stopControllers();
    await ctx.close();
    throw err;
  }
}

export function controllerManagerPort(env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv('CONTROLLER_MANAGER_PORT', 8082, env);
}
