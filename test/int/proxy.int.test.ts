/**
 * The proxy against real sockets. First the proxier alone, fed plans by hand: round robin over
 * real backends, live backend changes without re-binding, half-close, a refusing backend skipped,
 * ClientIP affinity, no endpoints = ECONNREFUSED at once (also while flapping), bind failures
 * retried, one service's changes never touching another's connections, byte and connection
 * metrics. Then the whole path through the real stack: Services and Endpoints written through the
 * gateway, the proxy's informers, listeners on a random 127.10.x.x cluster IP and a node port, a
 * restart, and the listener gone with its Service.
 *
 * Backends are small TCP servers on 127.0.0.1 that greet with their name and then echo lines.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { Registry } from 'prom-client';
import { createLogger } from '../../shared/log.js';
import { Proxier } from '../../services/proxy/proxier.js';
import type { PlannedListener } from '../../services/proxy/plan.js';
import { startProxy, type RunningProxy } from '../../services/proxy/index.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually, sleep } from '../wait.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

// ---------------------------------------------------------------------------------------------
// Sockets

interface TestBackend {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

const openSockets = new Set<Socket>();
const track = (s: Socket) => {
  openSockets.add(s);
  s.once('close', () => openSockets.delete(s));
  return s;
};

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => (server.off('error', reject), resolve()));
  });
}

/** Greets with its name, echoes every line back, and answers a half-close with `bye <bytes>` then FIN. */
async function startBackend(name: string): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.write(`${name}\n`);
    let received = 0;
    s.on('data', (d: Buffer) => {
      received += d.length;
      s.write(d);
    });
    s.on('end', () => s.end(`bye ${received}\n`));
  });
  await listen(server, 0, '127.0.0.1');
  return {
    name,
    port: (server.address() as { port: number }).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A port nothing listens on (bound once, then released). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await listen(s, 0, '127.0.0.1');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Client {
  readonly socket: Socket;
  /** The backend's greeting: who answered. */
  readonly greeting: string;
  echo(text: string): Promise<string>;
  /** The next line (e.g. after a half-close). */
  next(): Promise<string>;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

async function dial(host: string, port: number, localAddress?: string): Promise<Client> {
  const socket = track(connect({ host, port, ...(localAddress ? { localAddress } : {}) }));
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }),
    3000,
    `connect ${host}:${port}`,
  );
  socket.on('error', () => undefined);
  const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await within(lines.next(), 3000, `read from ${host}:${port}`);
    if (r.done) throw new Error(`${host}:${port} closed the connection`);
    return r.value as string;
  };
  const greeting = await next();
  return {
    socket,
    greeting,
    next,
    echo: (text) => {
      socket.write(`${text}\n`);
      return next();
    },
  };
}

/** Connect, read who answered, hang up. */
async function who(host: string, port: number, localAddress?: string): Promise<string> {
  const c = await dial(host, port, localAddress);
  c.socket.destroy();
  return c.greeting;
}

/** How a connection attempt ends: connected, or the error code, and how long it took. */
function attempt(host: string, port: number): Promise<{ code: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = track(connect({ host, port }));
    const done = (code: string) => {
      s.destroy();
      resolve({ code, ms: performance.now() - t0 });
    };
    s.once('connect', () => done('connected'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

async function whoMany(n: number, host: string, port: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await who(host, port));
  return out;
}

function tally(names: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const n of names) t[n] = (t[n] ?? 0) + 1;
  return t;
}

const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
/** A cluster IP of the default service range, random per call so parallel suites do not meet. */
const randomClusterIP = () => `127.10.${rand(1, 254)}.${rand(1, 254)}`;

/** The value of one sample in Prometheus text, 0 if absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    const parts = inner.split(',');
    if (want.every((w) => parts.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

afterEach(() => {
  for (const s of openSockets) s.destroy();
});

// ---------------------------------------------------------------------------------------------
// The proxier alone

describe('proxier (real sockets, plans by hand)', () => {
  let a: TestBackend;
  let b: TestBackend;
  let c: TestBackend;
  let registry: Registry;
  let proxier: Proxier;

  const listener = (name: string, address: string, port: number, backends: { port: number }[], extra: Partial<PlannedListener> = {}): PlannedListener => ({
    key: `${address}:${port}`,
    address,
    port,
    kind: 'ClusterIP',
    service: `test/${name}`,
    namespace: 'test',
    name,
    portName: '',
    servicePort: port,
    backends: backends.map((x) => ({ ip: '127.0.0.1', port: x.port })),
    affinity: { kind: 'None' },
    ...extra,
  });

  before(async () => {
    [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
  });
  after(async () => {
    await Promise.all([a, b, c].map((x) => x?.close()));
  });
  // One proxier per test: nothing carries over.
  const fresh = () => {
    registry = new Registry();
    proxier = new Proxier({ log: silent, registry, bindRetryMs: 50, bindRetryCapMs: 200, connectTimeoutMs: 1000 });
    return proxier;
  };
  afterEach(async () => {
    await proxier?.close();
  });

  it('balances connections round robin over every backend', async () => {
    const ip = randomClusterIP();
    await fresh().apply([listener('rr', ip, 8080, [a, b, c])]);
    assert.deepEqual(proxier.listening(), [`${ip}:8080`]);
    assert.deepEqual(tally(await whoMany(9, ip, 8080)), { a: 3, b: 3, c: 3 });
  });

  it('bytes flow both ways, and a half-close reaches the backend with the reply still delivered', async () => {
    const ip = randomClusterIP();
    await fresh().apply([listener('echo', ip, 8080, [a])]);
    const cl = await dial(ip, 8080);
    assert.equal(cl.greeting, 'a');
    const big = 'x'.repeat(256 * 1024);
    assert.equal(await cl.echo(big), big);
    assert.equal(await cl.echo('hello'), 'hello');
    cl.socket.end();
    assert.equal(await cl.next(), `bye ${big.length + 1 + 'hello\n'.length}`);
    await within(new Promise((r) => cl.socket.once('close', r)), 3000, 'close after FIN');
  });

  it('backend changes apply to new connections at once; established ones keep their backend', async () => {
    const ip = randomClusterIP();
    await fresh().apply([listener('live', ip, 8080, [a])]);
    assert.deepEqual(tally(await whoMany(2, ip, 8080)), { a: 2 });
    const onA = await dial(ip, 8080);
    await proxier.apply([listener('live', ip, 8080, [a, b])]);
    assert.deepEqual(tally(await whoMany(4, ip, 8080)), { a: 2, b: 2 });
    await proxier.apply([listener('live', ip, 8080, [b])]);
    assert.deepEqual(tally(await whoMany(3, ip, 8080)), { b: 3 });
    // a is no longer a backend, but the connection made to it lives on.
    assert.equal(await onA.echo('still here'), 'still here');
    assert.deepEqual(proxier.listening(), [`${ip}:8080`]);
  });

  it('no ready backends: ECONNREFUSED at once; listening again when they come back, also after flapping', async () => {
    const ip = randomClusterIP();
    await fresh().apply([listener('empty', ip, 8080, [])]);
    assert.deepEqual(proxier.listening(), []);
    const r = await attempt(ip, 8080);
    assert.equal(r.code, 'ECONNREFUSED');
    assert.ok(r.ms < 1000, `refused in ${r.ms} ms`);
    assert.equal(proxier.status().idle, 1);

    await proxier.apply([listener('empty', ip, 8080, [a])]);
    assert.equal(await who(ip, 8080), 'a');
    await proxier.apply([listener('empty', ip, 8080, [])]);
    assert.equal((await attempt(ip, 8080)).code, 'ECONNREFUSED');

    // Flapping: many plans in flight at once, each listen/close serialized; the last one wins.
    const flaps: Promise<void>[] = [];
    for (let i = 0; i < 25; i++) flaps.push(proxier.apply([listener('empty', ip, 8080, i % 2 ? [] : [b])]));
    flaps.push(proxier.apply([listener('empty', ip, 8080, [b])]));
    await Promise.all(flaps);
    assert.equal(await who(ip, 8080), 'b');
    for (let i = 0; i < 25; i++) flaps.push(proxier.apply([listener('empty', ip, 8080, i % 2 ? [b] : [])]));
    flaps.push(proxier.apply([listener('empty', ip, 8080, [])]));
    await Promise.all(flaps);
    assert.equal((await attempt(ip, 8080)).code, 'ECONNREFUSED');
    assert.deepEqual(proxier.listening(), []);
  });

  it('a backend that refuses is skipped: every connection reaches a live one', async () => {
    const ip = randomClusterIP();
    const dead = { port: await deadPort() };
    await fresh().apply([listener('skip', ip, 8080, [dead, a, b])]);
    assert.deepEqual(tally(await whoMany(6, ip, 8080)), { a: 3, b: 3 });
    const text = await registry.metrics();
    assert.ok(sample(text, 'jetkube_proxy_errors_total', { name: 'skip', reason: 'connect' }) >= 2);
    // Only dead backends: the client is reset, not left hanging.
    await proxier.apply([listener('skip', ip, 8080, [dead])]);
    const s = track(connect({ host: ip, port: 8080 }));
    const code = await within(new Promise<string>((resolve) => s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')).once('end', () => resolve('end'))), 3000, 'reset');
    assert.ok(['ECONNRESET', 'end'].includes(code), code);
  });

  it('ClientIP affinity: a client keeps its backend; another client address gets the next one', async () => {
    const ip = randomClusterIP();
    await fresh().apply([listener('sticky', ip, 8080, [a, b, c], { affinity: { kind: 'ClientIP', timeoutSeconds: 60 } })]);
    const first = await who(ip, 8080, '127.0.0.1');
    for (let i = 0; i < 5; i++) assert.equal(await who(ip, 8080, '127.0.0.1'), first);
    const other = await who(ip, 8080, '127.0.0.2');
    assert.notEqual(other, first);
    for (let i = 0; i < 3; i++) assert.equal(await who(ip, 8080, '127.0.0.2'), other);
  });

  it('changing or removing one service never touches connections of another', async () => {
    const ipA = randomClusterIP();
    const ipB = randomClusterIP();
    await fresh().apply([listener('svc-a', ipA, 8080, [a]), listener('svc-b', ipB, 8080, [b])]);
    const longA = await dial(ipA, 8080);
    const longB = await dial(ipB, 8080);
    await proxier.apply([listener('svc-a', ipA, 8080, [a]), listener('svc-b', ipB, 8080, [c])]);
    assert.equal(await longA.echo('after change of B'), 'after change of B');
    await proxier.apply([listener('svc-a', ipA, 8080, [a])]);
    assert.equal(await longA.echo('after removal of B'), 'after removal of B');
    assert.deepEqual(proxier.listening(), [`${ipA}:8080`]);
    // B no longer accepts, but its established connection ends on its own terms.
    assert.equal((await attempt(ipB, 8080)).code, 'ECONNREFUSED');
    assert.equal(await longB.echo('B lives on'), 'B lives on');
  });

  it('a port that is taken is retried until it is free, and never throws', async () => {
    const ip = randomClusterIP();
    const squatter = createServer((s) => s.destroy());
    await listen(squatter, 8080, ip);
    await fresh().apply([listener('taken', ip, 8080, [a])]);
    assert.deepEqual(proxier.listening(), []);
    assert.equal(proxier.status().failing, 1);
    assert.ok(sample(await registry.metrics(), 'jetkube_proxy_errors_total', { name: 'taken', reason: 'bind' }) >= 1);
    await new Promise((r) => squatter.close(r));
    await eventually('the listener to bind once the port is free', async () => proxier.listening().length === 1, 5000, 20);
    assert.equal(await who(ip, 8080), 'a');
  });

  it('counts connections, active connections, bytes and listeners per service port', async () => {
    const ip = randomClusterIP();
    await fresh().apply([listener('metered', ip, 8080, [a], { portName: 'http' })]);
    await whoMany(3, ip, 8080);
    const open = await dial(ip, 8080);
    assert.equal(await open.echo('12345'), '12345');
    const labels = { namespace: 'test', name: 'metered', port: 'http' };
    const text = await eventually('connection counts', async () => {
      const t = await registry.metrics();
      return sample(t, 'jetkube_proxy_active_connections', labels) === 1 ? t : undefined;
    }, 3000, 20);
    assert.equal(sample(text, 'jetkube_proxy_connections_total', labels), 4);
    // The open connection's bytes are counted at scrape time: in "12345\n"; out four greetings and the echo.
    assert.ok(sample(text, 'jetkube_proxy_bytes_in_total', labels) >= 6);
    assert.ok(sample(text, 'jetkube_proxy_bytes_out_total', labels) >= 4 * 'a\n'.length + 6);
    assert.match(text, /^jetkube_proxy_listeners 1$/m);
    open.socket.destroy();
    await eventually('active back to 0', async () => sample(await registry.metrics(), 'jetkube_proxy_active_connections', labels) === 0, 3000, 20);
  });

  it('close() stops listening and tears down established connections', async () => {
    const ip = randomClusterIP();
    await fresh().apply([listener('bye', ip, 8080, [a])]);
    const cl = await dial(ip, 8080);
    const closed = new Promise((r) => cl.socket.once('close', r));
    await proxier.close();
    await within(closed, 3000, 'connection torn down');
    assert.equal((await attempt(ip, 8080)).code, 'ECONNREFUSED');
  });
});

// ---------------------------------------------------------------------------------------------
// Through the stack: Services and Endpoints from the API, informers, listeners

describe('proxy service (gateway, informers, listeners)', () => {
  let stack: Stack;
  let proxy: RunningProxy | undefined;
  let a: TestBackend;
  let b: TestBackend;
  let c: TestBackend;
  const NS = '/api/v1/namespaces/default';

  const start = () => startProxy({ ...stack.cfg, gatewayUrl: stack.url }, silent, { port: 0, host: '127.0.0.1', nodePortAddresses: ['127.0.0.1'], syncDelayMs: 10 });

  const service = (name: string, clusterIP: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { clusterIP, ports: [{ port: 8080, targetPort: 8080 }], ...spec },
  });
  // One subset per backend: each listens on its own port, as pods with different ports would.
  const endpoints = (name: string, backends: { port: number }[], notReady: { port: number }[] = []) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name },
    subsets: [
      ...backends.map((x) => ({ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: x.port, protocol: 'TCP' }] })),
      ...notReady.map((x) => ({ notReadyAddresses: [{ ip: '127.0.0.1' }], ports: [{ port: x.port, protocol: 'TCP' }] })),
    ],
  });
  const create = async (path: string, body: unknown) => {
    const r = await api(stack.url, 'POST', `${NS}/${path}`, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const put = async (path: string, body: unknown) => {
    const r = await api(stack.url, 'PUT', `${NS}/${path}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const del = async (path: string) => {
    const r = await api(stack.url, 'DELETE', `${NS}/${path}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  /** Wait until sequential connections through host:port reach exactly `names`. */
  const reaches = (host: string, port: number, names: string[]) =>
    eventually(`${host}:${port} to reach ${names.join(',')}`, async () => {
      const got = new Set(await whoMany(names.length * 2, host, port));
      return got.size === names.length && names.every((n) => got.has(n));
    }, 10_000, 50);
  const refuses = (host: string, port: number) =>
    eventually(`${host}:${port} to refuse`, async () => (await attempt(host, port)).code === 'ECONNREFUSED', 10_000, 50);

  before(async () => {
    stack = await startStack('proxy');
    [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
    proxy = await start();
  });
  after(async () => {
    await proxy?.close();
    await Promise.all([a, b, c].map((x) => x?.close()));
    await stack?.close();
  });

  it('routes clusterIP:port round robin, follows Endpoints changes live, and ignores not-ready addresses', async () => {
    const ip = randomClusterIP();
    const svc = await create('services', service('web', ip));
    assert.equal(svc.spec.clusterIP, ip);
    await create('endpoints', endpoints('web', [a, b], [c]));
    await reaches(ip, 8080, ['a', 'b']);
    assert.deepEqual(tally(await whoMany(6, ip, 8080)), { a: 3, b: 3 });

    await put('endpoints/web', endpoints('web', [a, b, c]));
    await reaches(ip, 8080, ['a', 'b', 'c']);
    assert.deepEqual(tally(await whoMany(9, ip, 8080)), { a: 3, b: 3, c: 3 });

    await put('endpoints/web', endpoints('web', [c]));
    await reaches(ip, 8080, ['c']);

    // Readiness and metrics on the health server.
    const ready = await fetch(`${proxy!.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.ok(((await ready.json()) as { listening: number }).listening >= 1);
    const text = await (await fetch(`${proxy!.url}/metrics`)).text();
    assert.ok(sample(text, 'jetkube_proxy_connections_total', { namespace: 'default', name: 'web', port: '8080' }) >= 15);
    assert.ok(sample(text, 'jetkube_proxy_bytes_out_total', { namespace: 'default', name: 'web', port: '8080' }) >= 30);
  });

  it('no ready endpoints: ECONNREFUSED at once, not a hang', async () => {
    const ip = randomClusterIP();
    await create('services', service('empty', ip));
    await create('endpoints', endpoints('empty', [], [a]));
    await sleep(300);
    const r = await attempt(ip, 8080);
    assert.equal(r.code, 'ECONNREFUSED');
    assert.ok(r.ms < 1000, `refused in ${r.ms} ms`);
    await put('endpoints/empty', endpoints('empty', [a]));
    await reaches(ip, 8080, ['a']);
    await put('endpoints/empty', endpoints('empty', []));
    await refuses(ip, 8080);
  });

  it('a long-lived connection to one service survives changes to and the deletion of another', async () => {
    const ipA = randomClusterIP();
    const ipB = randomClusterIP();
    await create('services', service('long-a', ipA));
    await create('endpoints', endpoints('long-a', [a]));
    await create('services', service('long-b', ipB));
    await create('endpoints', endpoints('long-b', [b]));
    await reaches(ipA, 8080, ['a']);
    await reaches(ipB, 8080, ['b']);
    const longA = await dial(ipA, 8080);

    await put('endpoints/long-b', endpoints('long-b', [c]));
    await reaches(ipB, 8080, ['c']);
    assert.equal(await longA.echo('after B changed'), 'after B changed');

    await del('services/long-b');
    await del('endpoints/long-b');
    await refuses(ipB, 8080);
    assert.equal(await longA.echo('after B was deleted'), 'after B was deleted');
    assert.equal(longA.socket.destroyed, false);
  });

  it('ClientIP session affinity sticks', async () => {
    const ip = randomClusterIP();
    await create('services', service('sticky', ip, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } }));
    await create('endpoints', endpoints('sticky', [a, b, c]));
    const first = await eventually('sticky listener', async () => who(ip, 8080, '127.0.0.1'), 10_000, 50);
    for (let i = 0; i < 6; i++) assert.equal(await who(ip, 8080, '127.0.0.1'), first);
    const other = await who(ip, 8080, '127.0.0.3');
    for (let i = 0; i < 3; i++) assert.equal(await who(ip, 8080, '127.0.0.3'), other);
  });

  it('a backend that refuses is skipped (retry on the next one)', async () => {
    const ip = randomClusterIP();
    const dead = { port: await deadPort() };
    await create('services', service('skip', ip));
    await create('endpoints', endpoints('skip', [dead, a, b]));
    await reaches(ip, 8080, ['a', 'b']);
    const names = await whoMany(10, ip, 8080);
    assert.ok(names.every((n) => n === 'a' || n === 'b'), names.join(','));
  });

  it('NodePort services also listen on the node-port address', async () => {
    const ip = randomClusterIP();
    let nodePort = 0;
    for (let tries = 0; tries < 5 && nodePort === 0; tries++) {
      const candidate = rand(30000, 32767);
      if ((await attempt('127.0.0.1', candidate)).code !== 'ECONNREFUSED') continue;
      const r = await api(stack.url, 'POST', `${NS}/services`, service('np', ip, { type: 'NodePort', ports: [{ port: 8080, targetPort: 8080, nodePort: candidate }] }));
      if (r.status === 201) nodePort = r.body.spec.ports[0].nodePort;
    }
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port ${nodePort}`);
    await create('endpoints', endpoints('np', [b]));
    await reaches('127.0.0.1', nodePort, ['b']);
    await reaches(ip, 8080, ['b']);
    await del('services/np');
    await refuses('127.0.0.1', nodePort);
    await refuses(ip, 8080);
  });

  it('a restarted proxy listens again; a deleted Service leaves no listener', async () => {
    const ip = randomClusterIP();
    await create('services', service('restart', ip));
    await create('endpoints', endpoints('restart', [a, c]));
    await reaches(ip, 8080, ['a', 'c']);
    await proxy!.close();
    proxy = undefined;
    assert.equal((await attempt(ip, 8080)).code, 'ECONNREFUSED');
    proxy = await start();
    await reaches(ip, 8080, ['a', 'c']);
    await del('services/restart');
    await refuses(ip, 8080);
    assert.ok(!proxy.proxier.listening().includes(`${ip}:8080`));
  });
});
