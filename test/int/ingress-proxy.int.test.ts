/**
 * The ingress data plane's forwarding on real sockets (no control plane: the routing table is built
 * from objects in the test, as bench:ingress does): request bodies streamed to the backend, hop-by-hop
 * headers dropped both ways, response bodies streamed to the client with backpressure, a client that
 * leaves aborts the backend request, and the 502 / 504 pages for a backend that refuses or stalls;
 * a backend's 503 is the client's answer (the proxy library's retries are off), and what the
 * library or fastify's router refuse is a plain 400.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { createLogger } from '../../shared/log.js';
import { IngressServer } from '../../services/ingress/server.js';
import { buildRouteTable, CONTROLLER_NAME } from '../../services/ingress/routes.js';
import type { Ingress, IngressClass } from '../../shared/resources/ingress.js';
import type { Endpoints, Service } from '../../shared/resources/types.js';
import { testPort } from '../harness.js';
import { eventually, sleep } from '../wait.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const MiB = 1024 * 1024;

/** One Ingress: host `<svc>.test` → Service `<svc>` → 127.0.0.1:<port>. */
function tableFor(backends: Record<string, number>) {
  const names = Object.keys(backends);
  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: 't', name: 'proxy', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { ingressClassName: 'jetkube', rules: names.map((n) => ({ host: `${n}.test`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: n, port: { number: 80 } } } }] } })) },
  };
  const cls: IngressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'jetkube' }, spec: { controller: CONTROLLER_NAME } };
  const name = (k: string) => k.split('/')[1]!;
  return buildRouteTable({
    ingresses: [ing],
    classes: [cls],
    service: (k) => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 't', name: name(k) }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } }) as Service,
    endpoints: (k): Endpoints => ({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { namespace: 't', name: name(k) },
      subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port: backends[name(k)]!, protocol: 'TCP' }] }],
    }),
    secret: () => undefined,
  });
}

/** One request through the ingress; the whole answer. */
function call(port: number, host: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | Buffer[] } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { host, ...opts.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const b of Array.isArray(opts.body) ? opts.body : opts.body ? [opts.body] : []) req.write(b);
    req.end();
  });
}

describe('ingress data plane: forwarding on real sockets', () => {
  let server: IngressServer;
  let backend: http.Server;
  let stall: http.Server;
  let port: number;
  const sockets = new Set<Socket>();
  /** The backend's view of the last /stream response: bytes written, whether it is waiting for drain, whether the client side closed. */
  const stream = { written: 0, waiting: false, closed: false };
  /** Requests the backend got for /busy (answered 503 with Retry-After). */
  let busy = 0;
  let stalledClosed = 0;

  before(async () => {
    backend = http.createServer((req, res) => {
      if (req.url === '/echo') {
        // Echoes the request body and the headers it was sent (as a trailer-free JSON head line).
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(200, { 'x-seen': JSON.stringify(req.headers), connection: 'keep-alive, x-internal', 'x-internal': 'secret', 'x-public': 'yes', 'content-length': body.length });
          res.end(body);
        });
        return;
      }
      if (req.url?.startsWith('/stream')) {
        // 64 MiB in 256 KiB chunks, each only once the previous one drained.
        const total = 64 * MiB;
        const chunk = Buffer.alloc(256 * 1024, 0x61);
        Object.assign(stream, { written: 0, waiting: false, closed: false });
        res.on('close', () => (stream.closed = true));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
        const pump = () => {
          stream.waiting = false;
          while (stream.written < total) {
            stream.written += chunk.length;
            if (!res.write(chunk)) {
              stream.waiting = true;
              return void res.once('drain', pump);
            }
          }
          res.end();
        };
        pump();
        return;
      }
      if (req.url === '/busy') {
        busy++;
        return void res.writeHead(503, { 'retry-after': '0' }).end('busy');
      }
      res.writeHead(404).end();
    });
    // Accepts connections and never answers; counts the requests whose connection closed.
    stall = http.createServer((_req, res) => res.once('close', () => stalledClosed++));
    for (const s of [backend, stall]) s.on('connection', (c: Socket) => (sockets.add(c), c.once('close', () => sockets.delete(c))));
    await Promise.all([backend, stall].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
    const refused = await testPort(); // nothing listens there
    server = new IngressServer({ log: silent, registry: new Registry(), http: { host: '127.0.0.1', port: 0 }, upstream: { readTimeoutMs: 300 } });
    await server.listen();
    const portOf = (s: http.Server) => (s.address() as { port: number }).port;
    server.setTable(tableFor({ app: portOf(backend), stall: portOf(stall), refused }));
    port = server.addresses().http!.port;
  });
  after(async () => {
    await server?.close();
    for (const s of sockets) s.destroy();
    await Promise.all([backend, stall].map((s) => s && new Promise((r) => s.close(r))));
  });

  it('streams a request body to the backend (chunked and with a length) and the answer back', async () => {
    const parts = [Buffer.alloc(3 * MiB, 1), Buffer.from('tail')];
    const chunked = await call(port, 'app.test', { method: 'POST', path: '/echo', body: parts });
    assert.equal(chunked.status, 200);
    assert.ok(chunked.body.equals(Buffer.concat(parts)), 'the echoed body differs');
    assert.equal(JSON.parse(String(chunked.headers['x-seen'])).host, 'app.test');
    const sized = await call(port, 'app.test', { method: 'PUT', path: '/echo', headers: { 'content-length': '5' }, body: Buffer.from('hello') });
    assert.equal(sized.body.toString(), 'hello');
  });

  it('drops hop-by-hop headers both ways and keeps end-to-end ones', async () => {
    const r = await call(port, 'app.test', { method: 'POST', path: '/echo', headers: { connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', 'x-end': '2' }, body: Buffer.from('x') });
    const seen = JSON.parse(String(r.headers['x-seen'])) as Record<string, string>;
    assert.equal(seen['x-hop'], undefined);
    assert.equal(seen['keep-alive'], undefined);
    assert.equal(seen['x-end'], '2');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(r.headers['x-internal'], undefined, 'a header the backend named in Connection reached the client');
    assert.equal(r.headers['x-public'], 'yes');
  });

  it('streams a response with backpressure: a client that stops reading stops the backend; then gets every byte', async () => {
    const sock = connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('GET /stream HTTP/1.1\r\nHost: app.test\r\n\r\n');
    let received = 0;
    sock.on('data', (d: Buffer) => (received += d.length));
    await eventually('the first bytes', async () => received > 0, 10_000, 10);
    sock.pause();
    // The backend stops once the buffers between it and the client are full: waiting for drain, far from done.
    await eventually('the backend waits for drain', async () => {
      const before = stream.written;
      await sleep(200);
      return stream.waiting && stream.written === before;
    }, 20_000, 10);
    assert.ok(stream.written < 64 * MiB, `the backend wrote all ${stream.written} bytes to a client that reads nothing`);
    const done = new Promise<void>((r) => sock.on('data', () => received >= 64 * MiB && r()));
    sock.resume();
    await done;
    sock.destroy();
  });

  it('a client that leaves mid-response aborts the backend request', async () => {
    const sock = connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('GET /stream?leave HTTP/1.1\r\nHost: app.test\r\n\r\n');
    await new Promise<void>((r) => sock.once('data', () => r()));
    sock.pause();
    await eventually('the backend waits for drain', async () => stream.waiting, 20_000, 10);
    sock.destroy();
    await eventually('the backend response is closed', async () => stream.closed, 10_000, 10);
  });

  it('a client that leaves before the backend answered aborts the backend request', async () => {
    const before = stalledClosed;
    const sock = connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('GET /wait HTTP/1.1\r\nHost: stall.test\r\n\r\n');
    await sleep(50);
    sock.destroy();
    // Well before the read timeout (300 ms) would close it.
    await eventually('the backend request is closed', async () => stalledClosed > before, 150, 10);
  });

  it('a backend that refuses the connection is a 502; one that does not answer in time a 504', async () => {
    const refused = await call(port, 'refused.test');
    assert.equal(refused.status, 502);
    assert.equal(refused.body.toString(), 'Bad Gateway\n');
    const stalled = await call(port, 'stall.test');
    assert.equal(stalled.status, 504);
    assert.equal(stalled.body.toString(), 'Gateway Timeout\n');
  });

  it("a backend's 503 reaches the client as it is, sent to the backend once", async () => {
    const r = await call(port, 'app.test', { path: '/busy' });
    assert.equal(r.status, 503);
    assert.equal(r.body.toString(), 'busy');
    assert.equal(busy, 1);
  });

  it('a path climbing with `..` segments and a malformed %-escape are plain 400s, not forwarded', async () => {
    for (const path of ['/a/../../etc', '/%zz']) {
      const r = await call(port, 'app.test', { path });
      assert.equal(r.status, 400, path);
      assert.equal(r.body.toString(), 'Bad Request\n');
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    }
  });
});
