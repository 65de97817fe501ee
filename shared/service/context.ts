/**
 * What every stream-reading service (controller-manager, scheduler, kubelet, proxy) starts from: a
 * connection to the log, shared informers over it, a gateway client for writes, and a metrics
 * registry. One `close()` releases them in the right order.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { gatewayUrlOf, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { EventLog, eventLogOptionsOf } from '../eventlog/index.js';
import { InformerFactory } from '../informer/index.js';
import { GatewayClient } from '../client/index.js';
import { loadEncryption } from '../encryption/index.js';
import { startHealthServer, type HealthServer } from '../http/health-server.js';
import { readScopeOf, scopeAllows } from '../nats-lock/reads.js';

export interface ServiceContext {
  readonly cfg: Config;
  readonly log: Logger;
  readonly el: EventLog;
  readonly informers: InformerFactory;
  readonly client: GatewayClient;
  readonly registry: Registry;
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Process name in NATS and the User-Agent. */
  readonly name: string;
  /** Share a registry (e.g. `jetkube up`), else a new one with the default process metrics. */
  readonly registry?: Registry;
  readonly resyncMs?: number;
  /** HTTP connections to the gateway (default 8); the most writes in flight at once. */
  readonly connections?: number;
}

export async function openContext(cfg: Config, log: Logger, opts: ContextOptions): Promise<ServiceContext> {
  const registry = opts.registry ?? new Registry();
  if (!opts.registry) collectDefaultMetrics({ register: registry });
  // What this component may read (shared/nats-lock/reads.ts): its informers are held to it, and one
  // that reads no Secrets from the stream (the kubelet: through the gateway) does not load the key.
  const reads = readScopeOf(opts.name);
  const encryption = scopeAllows(reads, 'secrets') ? await loadEncryption(cfg.encryptionProviderConfig) : undefined;
  const el = await EventLog.connect({ ...eventLogOptionsOf(cfg, `jetkube-${opts.name}`), ...(encryption ? { encryption } : {}), ...(reads ? { reads } : {}) });
  const informers = new InformerFactory(el, { logger: log, ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}) });
  const client = new GatewayClient({
    url: gatewayUrlOf(cfg),
    ...(cfg.gatewayCredentials ? { credentials: cfg.gatewayCredentials } : {}),
    userAgent: `jetkube-${opts.name}`,
    ...(opts.connections ? { connections: opts.connections } : {}),
  });
  return {
    cfg,
    log,
    el,
    informers,
    client,
    registry,
    async close() {
      await informers.stop().catch(() => undefined);
      await client.close().catch(() => undefined);
      await el.close().catch(() => undefined);
    },
  };
}

/**
 * A stream-reading service's /healthz, /readyz and /metrics on `port` (undefined: none, e.g. inside
 * `jetkube up`): ready once its informers have synced and its NATS connection is up; `details`
 * adds the service's own fields to the readiness answer; `liveness` can fail /healthz (e.g. leader
 * election lost).
 */
export async function serveContextHealth(
  ctx: ServiceContext,
  port: number | undefined,
  host: string | undefined,
  details: () => Record<string, unknown> = () => ({}),
  liveness?: () => string | undefined,
): Promise<HealthServer | undefined> {
  if (port === undefined) return undefined;
  return startHealthServer({
    port,
    host: host ?? ctx.cfg.host,
    registry: ctx.registry,
    readiness: () => ({ ready: ctx.informers.hasSynced() && ctx.el.connected(), ...details() }),
    ...(liveness ? { liveness } : {}),
  });
}
