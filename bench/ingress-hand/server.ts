/**
 * bench:ingress's peer baseline, not used by the service: the hand-written forwarder over undici that
 * services/ingress had before it moved to @fastify/reply-from (commit ba1c7fa), kept as it was.
 *
 * The ingress data plane: an HTTP and an HTTPS server (TLS certificates chosen by SNI) that look
 * every request up in the current routing table (routes.ts) and forward it to a ready endpoint
 * (upstream.ts: undici keep-alive pools, X-Forwarded-* headers; 502 for a failed backend, 504 for
 * one that timed out); WebSocket and other upgrades go through http-proxy. The table is swapped
 * whole by setTable; the servers are never restarted, so open client connections survive every
 * change.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import httpProxy from 'http-proxy';
import type { Logger } from '../../shared/log.js';
import type { Registry } from 'prom-client';
import { buildRouteTable, certificateFor, matchRoute, type Certificate, type Endpoint, type Route, type RouteTable } from '../../services/ingress/routes.js';
import { ingressMetrics, type IngressMetrics } from '../../services/ingress/metrics.js';
import { Upstream, type UpstreamOptions } from './upstream.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface IngressServerOptions {
  readonly log: Logger;
  readonly registry: Registry;
  readonly http?: ListenAddress;
  readonly https?: ListenAddress;
  /**
   * Served when the client's SNI matches no Secret of an Ingress, or it sends none (ingress-nginx's
   * default "fake" certificate). Unset: such handshakes fail.
   */
  readonly defaultCertificate?: { readonly cert: string; readonly key: string };
  /** Backend connections and timeouts (defaults: ingress-nginx's). */
  readonly upstream?: UpstreamOptions;
}

const EMPTY = buildRouteTable({ ingresses: [], classes: [], service: () => undefined, endpoints: () => undefined, secret: () => undefined });

/** Client-supplied forwarding headers are not trusted: http-proxy sets its own on an upgrade. */
const UNTRUSTED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'];

export class IngressServer {
  private table: RouteTable = EMPTY;
  /** Upgrades only; plain requests go through `upstream`. */
  private readonly proxy: httpProxy;
  private readonly upstream: Upstream;
  private readonly next = new Map<string, number>();
  private readonly contexts = new Map<string, tls.SecureContext>();
  private readonly defaultContext: tls.SecureContext | undefined;
  private readonly metrics: IngressMetrics;
  private readonly log: Logger;
  private readonly access: Logger;
  private httpServer?: http.Server;
  private httpsServer?: https.Server;
  private readonly sockets = new Set<Duplex>();
  /** Upgrades in flight: recorded once the backend answers (101, or a refusal passed through). */
  private readonly upgrades = new WeakMap<http.IncomingMessage, { start: bigint; scheme: string; route: Route; ep: Endpoint; done?: boolean }>();

  constructor(private readonly opts: IngressServerOptions) {
    this.log = opts.log;
    this.access = opts.log.child({ component: 'access' });
    this.metrics = ingressMetrics(opts.registry);
    this.upstream = new Upstream(opts.upstream);
    this.defaultContext = opts.defaultCertificate ? tls.createSecureContext(opts.defaultCertificate) : undefined;
    this.proxy = httpProxy.createProxyServer({ xfwd: true, proxyTimeout: 0 });
    // http-proxy reports errors per call (the callbacks below); this only keeps an unhandled one from crashing.
    this.proxy.on('error', (err) => this.log.debug({ err: err.message }, 'proxy error'));
    this.proxy.on('proxyReqWs', (proxyReq: http.ClientRequest, req: http.IncomingMessage) => {
      const u = this.upgrades.get(req);
      if (!u) return;
      const finish = (code: number) => {
        if (u.done) return;
        u.done = true;
        this.record(req, code, u.start, u.scheme, u.route, u.ep);
      };
      proxyReq.once('upgrade', (res: http.IncomingMessage) => finish(res.statusCode ?? 101));
      proxyReq.once('response', (res: http.IncomingMessage) => finish(res.statusCode ?? 0));
    });
  }

  /** Swap in a new routing table; requests already being served finish on the old one. */
  setTable(table: RouteTable): void {
    this.table = table;
    const live = new Set<string>();
    let routes = 0;
    for (const g of [table.anyHost, ...table.hosts.values(), ...table.wildcards.values()]) {
      routes += g.exact.size + g.prefixes.length;
    }
    for (const c of [...table.certs.values(), ...table.wildcardCerts.values()]) live.add(contextKey(c));
    for (const k of this.contexts.keys()) if (!live.has(k)) this.contexts.delete(k);
    this.metrics.routes.set(routes);
    this.metrics.reloads.inc();
  }

  current(): RouteTable {
    return this.table;
  }

  async listen(): Promise<void> {
    if (this.opts.http) {
      const s = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => this.onRequest(req, res, 'http'));
      s.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head, 'http'));
      this.track(s);
      await listenOn(s, this.opts.http);
      this.httpServer = s;
    }
    if (this.opts.https) {
      const d = this.opts.defaultCertificate;
      // The default certificate also answers clients that send no SNI (the callback is not called then).
      const s = https.createServer({ SNICallback: (name, cb) => this.sni(name, cb), keepAliveTimeout: 60_000, ...(d ? { cert: d.cert, key: d.key } : {}) }, (req, res) => this.onRequest(req, res, 'https'));
      s.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head, 'https'));
      s.on('tlsClientError', (err) => this.log.debug({ err: err.message }, 'TLS handshake failed'));
      this.track(s);
      await listenOn(s, this.opts.https);
      this.httpsServer = s;
    }
  }

  /** The bound addresses (a port 0 resolved). */
  addresses(): { http?: ListenAddress; https?: ListenAddress } {
    const of = (s: http.Server | undefined) => {
      const a = s?.address() as AddressInfo | null | undefined;
      return a ? { host: a.address, port: a.port } : undefined;
    };
    const h = of(this.httpServer);
    const hs = of(this.httpsServer);
    return { ...(h ? { http: h } : {}), ...(hs ? { https: hs } : {}) };
  }

  async close(): Promise<void> {
    const closing = [this.httpServer, this.httpsServer].filter((s): s is http.Server => s !== undefined).map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const s of this.sockets) s.destroy();
    for (const s of [this.httpServer, this.httpsServer]) s?.closeAllConnections();
    await Promise.all(closing);
    this.proxy.close();
    await this.upstream.close();
  }

  private track(s: http.Server): void {
    s.on('connection', (sock: Duplex) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
  }

  private sni(name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void {
    const c = certificateFor(this.table, name);
    if (!c) return this.defaultContext ? cb(null, this.defaultContext) : cb(new Error(`no certificate for ${JSON.stringify(name)}`));
    const k = contextKey(c);
    let ctx = this.contexts.get(k);
    try {
      if (!ctx) this.contexts.set(k, (ctx = tls.createSecureContext({ cert: c.cert, key: c.key })));
    } catch (err) {
      this.log.warn({ secret: c.secret, ingress: c.ingress, err: (err as Error).message }, 'TLS secret does not hold a usable certificate and key');
      return cb(err as Error);
    }
    cb(null, ctx);
  }

  /** Round robin over the target's ready endpoints. */
  private pick(route: Route): Endpoint | undefined {
    const eps = route.target.endpoints;
    if (eps.length === 0) return undefined;
    const i = this.next.get(route.target.key) ?? 0;
    this.next.set(route.target.key, (i + 1) % 1_000_000);
    return eps[i % eps.length];
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, scheme: 'http' | 'https'): void {
    const start = process.hrtime.bigint();
    const route = matchRoute(this.table, req.headers.host, req.url ?? '/');
    const ep = route ? this.pick(route) : undefined;
    if (!route || !ep) {
      res.once('finish', () => this.record(req, res.statusCode, start, scheme, route, ep));
      return route ? plain(res, 503, 'Service Unavailable: no ready endpoints') : plain(res, 404, 'default backend - 404');
    }
    // One listener: a response sent is recorded, one the client left before is aborted at the backend.
    res.once('close', () => (res.writableFinished ? this.record(req, res.statusCode, start, scheme, route, ep) : exchange.abort()));
    const exchange = this.upstream.forward(req, res, `http://${hostPort(ep)}`, scheme, (err, status) => {
      if (res.destroyed) return; // the client went away: not the backend's failure
      this.metrics.upstreamErrors.inc(labelsOf(route).route);
      this.log.warn({ upstream: hostPort(ep), ingress: route.ingress, err: err.message }, 'backend request failed');
      if (!res.headersSent) plain(res, status, status === 504 ? 'Gateway Timeout' : 'Bad Gateway');
      else res.destroy();
    });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, scheme: 'http' | 'https'): void {
    const start = process.hrtime.bigint();
    const route = matchRoute(this.table, req.headers.host, req.url ?? '/');
    const ep = route ? this.pick(route) : undefined;
    if (!route || !ep) {
      const code = route ? 503 : 404;
      this.record(req, code, start, scheme, route, ep);
      socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    for (const h of UNTRUSTED) delete req.headers[h];
    // The backend's answer (101, or a refusal) is passed through as is and recorded (proxyReqWs above).
    const u = { start, scheme, route, ep } as { start: bigint; scheme: string; route: Route; ep: Endpoint; done?: boolean };
    this.upgrades.set(req, u);
    this.proxy.ws(req, socket, head, { target: `http://${hostPort(ep)}` }, (err) => {
      this.metrics.upstreamErrors.inc(labelsOf(route).route);
      this.log.warn({ upstream: hostPort(ep), ingress: route.ingress, err: err.message }, 'backend upgrade failed');
      if (u.done) return void socket.destroy(); // mid-stream: the backend went away
      u.done = true;
      this.record(req, 502, start, scheme, route, ep);
      if (socket.writable) socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  private record(req: http.IncomingMessage, code: number, start: bigint, scheme: string, route: Route | undefined, ep: Endpoint | undefined): void {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rl = labelsOf(route);
    const l = rl.route;
    this.metrics.requests.inc(withCode(rl, code));
    this.metrics.latency.observe(l, seconds);
    if (!this.access.isLevelEnabled('info')) return;
    this.access.info(
      {
        remote: req.socket.remoteAddress,
        scheme,
        method: req.method,
        host: req.headers.host ?? '',
        uri: req.url,
        status: code,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ingress: l.ingress,
        rule: route ? `${l.host || '*'}${l.path}` : '',
        upstream: ep ? hostPort(ep) : '',
        userAgent: req.headers['user-agent'] ?? '',
      },
      'access',
    );
  }
}

type Labels = { readonly ingress: string; readonly host: string; readonly path: string };
/** A route's metric labels, made once per route (a labels object built per request made prom-client's inc several times slower). */
interface RouteLabels {
  readonly route: Labels;
  readonly byCode: Map<number, Labels & { readonly code: string }>;
}
const NO_ROUTE: RouteLabels = { route: { ingress: '', host: '', path: '' }, byCode: new Map() };
/** Keyed by the table's Route objects: a new table's routes get new entries, the old ones go with the old table. */
const routeLabels = new WeakMap<Route, RouteLabels>();
function labelsOf(route: Route | undefined): RouteLabels {
  if (!route) return NO_ROUTE;
  let r = routeLabels.get(route);
  if (!r) routeLabels.set(route, (r = { route: { ingress: route.ingress, host: route.host, path: route.path }, byCode: new Map() }));
  return r;
}
function withCode(r: RouteLabels, code: number): Labels & { readonly code: string } {
  let l = r.byCode.get(code);
  if (!l) r.byCode.set(code, (l = { ...r.route, code: String(code) }));
  return l;
}
const hostPort = (ep: Endpoint) => (ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`);
const contextKey = (c: Certificate) => `${c.cert}\n${c.key}`;

function plain(res: http.ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) + 1 });
  res.end(`${body}\n`);
}

function listenOn(s: http.Server, a: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(a.port, a.host, () => {
      s.off('error', reject);
      resolve();
    });
  });
}
