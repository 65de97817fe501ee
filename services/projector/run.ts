/** The projector as a service: the projector plus its HTTP endpoints, stopped by one close(). */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { portFromEnv, startHealthServer } from '../../shared/http/health-server.js';
import { Projector, type ProjectorOptions } from './projector.js';

export interface RunProjectorOptions extends ProjectorOptions {
  /** HTTP port (default PROJECTOR_PORT or 8081; 0: any free port). */
  readonly port?: number;
  /** HTTP bind address (default cfg.host). */
  readonly host?: string;
}

export interface RunningProjector {
  readonly projector: Projector;
  readonly url: string;
  close(): Promise<void>;
}

export function projectorPort(env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv('PROJECTOR_PORT', 8081, env);
}

export async function runProjector(
  cfg: Config,
  log: Logger = createLogger('projector', cfg.logLevel),
  opts: RunProjectorOptions = {},
): Promise<RunningProjector> {
  const registry = opts.registry ?? new Registry();
  if (!opts.registry) collectDefaultMetrics({ register: registry });
  const projector = new Projector(cfg, log, { ...opts, registry }).start();
  try {
    const { app, url } = await startHealthServer({
      port: opts.port ?? projectorPort(),
      host: opts.host ?? cfg.host,
      registry,
      readiness: () => ({ ready: projector.ready(), ...projector.status() }),
    });
    log.info({ url, prefix: cfg.prefix }, 'projector listening');
    return {
      projector,
      url,
      async close() {
        await app.close().catch(() => undefined);
        await projector.stop();
      },
    };
  } catch (err) {
    await projector.stop();
    throw err;
  }
}
