/** The projector's small HTTP surface: /healthz, /readyz, /metrics. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Projector } from './projector.js';

export async function startHttp(projector: Projector, port: number, host: string): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => 'ok');
  app.get('/readyz', async (_req, reply) => {
    const s = projector.status();
    return reply.code(projector.ready() ? 200 : 503).send(s);
  });
  app.get('/metrics', async (_req, reply) => {
    const registry = projector.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  await app.listen({ port, host });
  const addr = app.server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return { app, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}` };
}
