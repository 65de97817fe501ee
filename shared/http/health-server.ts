/**
 * The small HTTP surface every service but the gateway serves: /healthz (the process answers),
 * /readyz (the service says it can do its job, with a JSON detail) and /metrics (Prometheus text).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface Readiness {
  readonly ready: boolean;
  readonly [detail: string]: unknown;
}

export interface HealthServerOptions {
  readonly port: number;
  readonly host: string;
  readonly registry: Registry;
  readonly readiness: () => Readiness;
  /** /healthz: an error message makes it 503 (default: healthy while the process answers). */
  readonly liveness?: () => string | undefined;
  /** More routes on the same server (the kubelet's container logs). */
  readonly routes?: (app: FastifyInstance) => void;
}

export interface HealthServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) => {
    const err = o.liveness?.();
    return err === undefined ? 'ok' : reply.code(503).send(err);
  });
  app.get('/readyz', async (_req, reply) => {
    const r = o.readiness();
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  app.get('/metrics', async (_req, reply) => reply.type(o.registry.contentType).send(await o.registry.metrics()));
  o.routes?.(app);
  await app.listen({ port: o.port, host: o.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}

/** A port from the environment variable `name` (default `dflt`; 0 = any free port). */
export function portFromEnv(name: string, dflt: number, env: NodeJS.ProcessEnv = process.env): number {
  const v = env[name];
  const n = v === undefined || v === '' ? dflt : Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
}
