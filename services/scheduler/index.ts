/** The scheduler as a service: context, informers, the scheduling loop and (standalone) its health endpoints. */
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { openContext, serveContextHealth, type ServiceContext } from '../../shared/service/context.js';
import { portFromEnv, type HealthServer } from '../../shared/http/health-server.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

export { Scheduler, DEFAULT_SCHEDULER_NAME, type SchedulerOptions } from './scheduler.js';

export interface StartSchedulerOptions extends SchedulerOptions {
  readonly registry?: Registry;
  /** Serve /healthz, /readyz, /metrics here (undefined: no HTTP, e.g. inside `jetkube up`). */
  readonly port?: number;
  readonly host?: string;
}

export interface RunningScheduler {
  readonly ctx: ServiceContext;
  readonly scheduler: Scheduler;
  readonly url: string | undefined;
  close(): Promise<void>;
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
  try {
    const scheduler = new Scheduler(ctx, opts).start();
    await ctx.informers.start();
    http = await serveContextHealth(ctx, opts.port, opts.host, () => scheduler.pending());
    log.info({ url: http?.url }, 'scheduler started');
    return {
      ctx,
      scheduler,
      url: http?.url,
      async close() {
        await http?.close().catch(() => undefined);
        await scheduler.stop();
        await ctx.close();
      },
    };
  } catch (err) {
    await ctx.close();
    throw err;
  }
}

export function schedulerPort(env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv('SCHEDULER_PORT', 8083, env);
}
