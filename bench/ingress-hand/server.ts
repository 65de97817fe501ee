/**
 * bench:ingress's peer baseline, not used by the service: the hand-written forwarder over undici
 * (upstream.ts, forwarding.ts) that services/ingress had before it moved to @fastify/reply-from
 * (commit ba1c7fa), behind one plain HTTP server that looks every request up in the same routing
 * table (services/ingress/routes.ts) and round-robins over the route's endpoints. It records no
 * metrics and writes no access log (the ingress's cost of those is a few µs a request), and serves
 * no TLS or upgrades: the bench measures plain keep-alive HTTP only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchRoute, type RouteTable } from '../../services/ingress/routes.js';
import { Upstream } from './upstream.js';

export class HandForwarder {
  private table?: RouteTable;
  private readonly upstream = new Upstream();
  private readonly next = new Map<string, number>();
  private readonly server = http.createServer((req, res) => this.onRequest(req, res));

  constructor(private readonly address: { readonly host: string; readonly port: number }) {}

  setTable(table: RouteTable): void {
    this.table = table;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.address.port, this.address.host, () => resolve());
    });
  }

  addresses(): { http: { host: string; port: number } } {
    const a = this.server.address() as AddressInfo;
    return { http: { host: a.address, port: a.port } };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.upstream.close();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const route = this.table && matchRoute(this.table, req.headers.host, req.url ?? '/');
    const eps = route?.target.endpoints ?? [];
    if (!route || eps.length === 0) {
      res.writeHead(route ? 503 : 404).end();
      return;
    }
    const i = this.next.get(route.target.key) ?? 0;
    this.next.set(route.target.key, (i + 1) % 1_000_000);
    const ep = eps[i % eps.length]!;
    const exchange = this.upstream.forward(req, res, `http://${ep.ip}:${ep.port}`, 'http', (_err, status) => {
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(status).end();
      else res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) exchange.abort();
    });
  }
}
