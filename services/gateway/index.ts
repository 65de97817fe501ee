import type { FastifyInstance } from 'fastify';
import type { Config } from '../../shared/config.js';
import { schemaName } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { EventLog } from '../../shared/eventlog/index.js';
import { createDb, migrate } from '../../shared/db/index.js';
import { buildGateway, ensureSystemNamespaces } from './server.js';
import type { ObjectStore } from './store.js';

export { buildGateway, ensureSystemNamespaces } from './server.js';
export { ObjectStore } from './store.js';

export interface RunningGateway {
  readonly app: FastifyInstance;
  readonly store: ObjectStore;
  readonly log: EventLog;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  close(): Promise<void>;
}

/** Connect to NATS and Postgres, make sure the stream, tables and system namespaces exist, listen. */
export async function startGateway(cfg: Config, logger: Logger = createLogger('gateway', cfg.logLevel), opts: { bookmarkIntervalMs?: number } = {}): Promise<RunningGateway> {
  const log = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject, name: 'jetkube-gateway' });
  const db = createDb(cfg.databaseUrl, schemaName(cfg.prefix));
  await migrate(db);
  const { app, store, tracker } = await buildGateway({ cfg, log, db, logger, ...opts });
  await ensureSystemNamespaces(store);
  await app.listen({ port: cfg.port, host: cfg.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  logger.info({ port, prefix: cfg.prefix, stream: log.stream }, 'gateway listening');
  return {
    app,
    store,
    log,
    url: `http://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${port}`,
    async close() {
      tracker.stop();
      await app.close();
      await db.destroy();
      await log.close();
    },
  };
}
