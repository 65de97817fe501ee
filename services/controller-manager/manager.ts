/**
 * The controller-manager: every controller in one process over one set of shared informers
 * (kube-controller-manager). Each controller is a module exporting a `ControllerFactory`; this file
 * only wires them up, starts the informers and serves health.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { openContext, serveContextHealth, type ServiceContext } from '../../shared/service/context.js';
import { portFromEnv, type HealthServer } from '../../shared/http/health-server.js';
import { CONTROLLERS } from './controllers.js';

/** A running controller (see controllers.ts for the list). */
export interface Controller {
  readonly name: string;
  stop(): Promise<void>;
}

/** Builds a controller: registers its informer handlers and starts its workers. */
export type ControllerFactory = (ctx: ServiceContext, opts: ControllerOptions) => Controller;

export interface ControllerOptions {
  /** Workers per controller (default 4). */
  readonly workers: number;
  /** Injectable clock for the controllers' pure logic. */
  readonly now: () => Date;
  /** nodelifecycle: a node with no heartbeat (Lease renewal or Ready heartbeat) this long is Unknown (default 40 s). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** nodelifecycle: tolerationSeconds of the default not-ready/unreachable NoExecute tolerations (default 300). */
  readonly defaultTolerationSeconds?: number;
}

export interface ControllerManagerOptions {
  /** Which controllers to run (default: all registered). */
  readonly controllers?: readonly string[];
  readonly workers?: number;
  readonly registry?: Registry;
  /** Serve /healthz, /readyz, /metrics on this port (undefined: no HTTP, e.g. inside `jetkube up`). */
  readonly port?: number;
  readonly host?: string;
  readonly now?: () => Date;
  /** See ControllerOptions; unset: NODE_MONITOR_GRACE_PERIOD (seconds) from `env`, else 40 s. */
  readonly nodeMonitorGracePeriodMs?: number;
  /** See ControllerOptions; unset: DEFAULT_TOLERATION_SECONDS from `env`, else 300. */
  readonly defaultTolerationSeconds?: number;
  /** Where unset options are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
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
  readonly controllers: readonly Controller[];
  readonly url: string | undefined;
  ready(): boolean;
  close(): Promise<void>;
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
  const ctx = await openContext(cfg, log, { name: 'controller-manager', ...(opts.registry ? { registry: opts.registry } : {}) });
  const copts: ControllerOptions = {
    workers: opts.workers ?? 4,
    now: opts.now ?? (() => new Date()),
    nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs ?? fromEnv.nodeMonitorGracePeriodMs ?? 40_000,
    defaultTolerationSeconds: opts.defaultTolerationSeconds ?? fromEnv.defaultTolerationSeconds ?? 300,
  };
  const controllers: Controller[] = [];
  let http: HealthServer | undefined;
  try {
    for (const name of wanted) controllers.push(CONTROLLERS[name]!(ctx, copts));
    await ctx.informers.start();
    const ready = () => ctx.informers.hasSynced() && ctx.el.connected();
    http = await serveContextHealth(ctx, opts.port, opts.host, () => ({ controllers: wanted }));
    log.info({ controllers: wanted, url: http?.url }, 'controller-manager started');
    return {
      ctx,
      controllers,
      url: http?.url,
      ready,
      async close() {
        await http?.close().catch(() => undefined);
        await Promise.allSettled(controllers.map((c) => c.stop()));
        await ctx.close();
      },
    };
  } catch (err) {
    await Promise.allSettled(controllers.map((c) => c.stop()));
    await ctx.close();
    throw err;
  }
}

export function controllerManagerPort(env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv('CONTROLLER_MANAGER_PORT', 8082, env);
}
