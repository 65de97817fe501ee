import type { Config } from './config.js';
import { createLogger } from './log.js';

/** Start a service and stop it cleanly on SIGINT/SIGTERM; a failed start exits non-zero. */
export async function runUntilSignal(name: string, start: (cfg: Config) => Promise<{ close(): Promise<void> }>, cfg: Config): Promise<void> {
  const logger = createLogger(name, cfg.logLevel);
  let svc: { close(): Promise<void> };
  try {
    svc = await start(cfg);
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await svc.close().catch((err) => logger.error({ err }, 'error while stopping'));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
