/**
 * The scheduler as a service: context, informers, the scheduling loop and (standalone) its health
 * endpoints. With leader election (the default; off with `leaderElection: { enabled: false }`,
 * `--leader-elect=false` or LEADER_ELECT=false) only the holder of `kube-system/kube-scheduler`
 * schedules. Like kube-scheduler, a standby keeps its informers warm (so it takes over with synced
 * caches), is healthy and ready (`leaderElection: "standby"` in /readyz). A leader that loses the
 * Lease stops scheduling, fails /healthz and calls `onLeadershipLost` (the binaries exit 1).
 */
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { openContext, serveContextHealth, type ServiceContext } from '../../shared/service/context.js';
import { portFromEnv, type HealthServer } from '../../shared/http/health-server.js';
import { electionRole, electorFor, type LeaderElectionOptions, type LeaderElector, type LostReason } from '../../shared/leaderelection/index.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

/** The Lease the schedulers elect their leader on (in kube-system). */
export const SCHEDULER_LEASE = 'kube-scheduler';

export { Scheduler, DEFAULT_SCHEDULER_NAME, type SchedulerOptions } from './scheduler.js';

export interface StartSchedulerOptions extends SchedulerOptions {
  readonly registry?: Registry;
  /** Serve /healthz, /readyz, /metrics here (undefined: no HTTP, e.g. inside `jetkube up`). */
  readonly port?: number;
  readonly host?: string;
  /** Leader election: these settings over LEADER_ELECT* from `env` over the defaults (on; 15 s, 10 s, 2 s). */
  readonly leaderElection?: LeaderElectionOptions;
  /** After leadership was lost and scheduling stopped (the binaries exit 1). Default: /healthz answers 503. */
  readonly onLeadershipLost?: (reason: LostReason) => void;
  /** Where LEADER_ELECT* are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningScheduler {
  readonly ctx: ServiceContext;
  readonly scheduler: Scheduler;
  readonly url: string | undefined;
  /** Undefined when leader election is disabled. */
  readonly elector: LeaderElector | undefined;
  /** Schedules now (always true without leader election). */
  isLeader(): boolean;
  /** Stop scheduling, then release the Lease; `{ release: false }` behaves like a crash (the Lease expires). */
  close(opts?: { readonly release?: boolean }): Promise<void>;
}

export async function startScheduler(
  cfg: Config,
  log: Logger = createLogger('scheduler', cfg.logLevel),
  opts: StartSchedulerOptions = {},
): Promise<RunningScheduler> {
  const ctx = await openContext(cfg, log, {
    name: 'scheduler',
    // One connection per binding in flight.
    connections: opts.bindConcurrency ?? 64,
    ...(opts.registry ? { registry: opts.registry } : {}),
  });
  let http: HealthServer | undefined;
  let elector: LeaderElector | undefined;
  let scheduler: Scheduler | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;
  let lost = false;
  let closing = false;
  const stopScheduling = () => (stopping ??= scheduler ? scheduler.stop() : Promise.resolve());
  try {
    // Built (and its informers created) up front, so a standby's caches are warm; start() only when leading.
    const sched = (scheduler = new Scheduler(ctx, opts));
    const startScheduling = () => {
      if (started || closing) return;
      started = true;
      sched.start();
      log.info('scheduling');
    };
    elector = electorFor(ctx, SCHEDULER_LEASE, opts.leaderElection, opts.env ?? process.env, {
      onStartedLeading: startScheduling,
      async onStoppedLeading(reason) {
        lost = true;
        await stopScheduling();
        log.error({ reason }, 'leader election lost: scheduling stopped');
        opts.onLeadershipLost?.(reason);
      },
    });
    if (!elector) startScheduling();
    await ctx.informers.start();
    await elector?.start();
    const el = elector;
    http = await serveContextHealth(
      ctx,
      opts.port,
      opts.host,
      () => ({ ...(lost ? { ready: false } : {}), ...sched.pending(), leaderElection: electionRole(el) }),
      () => el?.check(),
    );
    log.info({ url: http?.url, leaderElection: electionRole(el) }, 'scheduler started');
    return {
      ctx,
      scheduler: sched,
      url: http?.url,
      elector: el,
      isLeader: () => !el || el.isLeader(),
      async close(o = {}) {
        const release = o.release ?? true;
        closing = true;
        await http?.close().catch(() => undefined);
        if (!release) await el?.stop({ release: false });
        await stopScheduling();
        await el?.stop({ release });
        await ctx.close();
      },
    };
  } catch (err) {
    await elector?.stop({ release: true }).catch(() => undefined);
    await stopScheduling().catch(() => undefined);
    await ctx.close();
    throw err;
  }
}

export function schedulerPort(env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv('SCHEDULER_PORT', 8083, env);
}
