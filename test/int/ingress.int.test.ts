/**
 * The ingress controller through the real stack (real NATS and Postgres): IngressClass, Services,
 * Endpoints, Secrets and Ingresses written through the gateway; the controller's informers build
 * its table and it serves HTTP and HTTPS on loopback ports of its own. Backends are plain HTTP
 * servers on 127.0.0.1 that answer with their name and the headers they were sent, and echo the
 * bytes of an upgraded connection. The TLS certificate is made in the test with the openssl CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { createLogger } from '../../shared/log.js';
import { startIngress, type RunningIngress } from '../../services/ingress/index.js';
import { CONTROLLER_NAME } from '../../services/ingress/routes.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

interface Backend {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Answers `{name, url, headers}`; an upgrade request gets 101 and its bytes echoed back. */
async function startBackend(name: string): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const body = JSON.stringify({ name, url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Backend: ${name}\r\n\r\n`);
    if (head.length) socket.write(head);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    name,
    port: (server.address() as { port: number }).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly json?: { name: string; url: string; headers: Record<string, string> };
  readonly localPort?: number;
}

function get(port: number, host: string, path: string, agent?: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, ...(agent ? { agent } : { agent: false }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Answer['json'];
        try {
          json = JSON.parse(body) as Answer['json'];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, ...(json ? { json } : {}), localPort: req.socket?.localPort ?? 0 });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Makes a CA and a certificate for `hosts` signed by it, with openssl; PEM strings. */
function makeCertificate(dir: string, hosts: string[]): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=jetkube ingress test CA');
  ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', `/CN=${hosts[0]}`);
  writeFileSync(f('ext.cnf'), `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}\n`);
  ossl('x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('tls.crt'), '-days', '2', '-extfile', f('ext.cnf'));
  return { ca: readFileSync(f('ca.crt'), 'utf8'), cert: readFileSync(f('tls.crt'), 'utf8'), key: readFileSync(f('tls.key'), 'utf8') };
}

describe('ingress controller through the stack', () => {
  let stack: Stack;
  let ingress: RunningIngress | undefined;
  let a: Backend;
  let b: Backend;
  let c: Backend;
  let httpPort: number;
  let httpsPort: number;
  let certDir: string;
  let pem: { ca: string; cert: string; key: string };
  const NS = '/api/v1/namespaces/default';
  const NET = '/apis/networking.k8s.io/v1';

  const send = async (method: string, path: string, body?: unknown, want = [200, 201]) => {
    const r = await api(stack.url, method, path, body);
    assert.ok(want.includes(r.status), `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  const endpoints = (name: string, ports: number[]) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name },
    // One subset per backend: each listens on its own port, as pods with different ports would.
    subsets: ports.map((port) => ({ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port, protocol: 'TCP' }] })),
  });
  const backendRef = (name: string, port: { number: number } | { name: string } = { number: 80 }) => ({ service: { name, port } });
  /** Wait until host+path through the controller answers from `name`. */
  const reaches = (host: string, path: string, name: string) =>
    eventually(`${host}${path} → ${name}`, async () => (await get(httpPort, host, path)).json?.name === name, 15_000, 50);

  before(async () => {
    stack = await startStack('ingress');
    [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
    certDir = mkdtempSync(join(tmpdir(), 'jetkube-ingress-'));
    pem = makeCertificate(certDir, ['tls.test', '*.wild.test']);
    await send('POST', `${NET}/ingressclasses`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'jetkube', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: CONTROLLER_NAME },
    });
    for (const [name, backend] of [['svc-a', a], ['svc-b', b]] as const) {
      await send('POST', `${NS}/services`, service(name));
      await send('POST', `${NS}/endpoints`, endpoints(name, [backend.port]));
    }
    await send('POST', `${NS}/services`, service('svc-empty'));
    await send('POST', `${NS}/endpoints`, endpoints('svc-empty', []));
    await send('POST', `${NS}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls-test' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(pem.cert).toString('base64'), 'tls.key': Buffer.from(pem.key).toString('base64') },
    });
    ingress = await startIngress({ ...stack.cfg, gatewayUrl: stack.url }, silent, {
      http: { host: '127.0.0.1', port: 0 },
      https: { host: '127.0.0.1', port: 0 },
      port: 0,
      host: '127.0.0.1',
      syncDelayMs: 10,
    });
    httpPort = ingress.addresses.http!.port;
    httpsPort = ingress.addresses.https!.port;
  });
  after(async () => {
    await ingress?.close();
    await Promise.all([a, b, c].map((x) => x?.close()));
    await stack?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('routes two backends by host and by path, sets X-Forwarded-*, 404s unmatched hosts, and writes status', async () => {
    // No ingressClassName: the DefaultIngressClass admission names the default class.
    const created = await send('POST', `${NET}/namespaces/default/ingresses`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: {
        tls: [{ hosts: ['tls.test', '*.wild.test'], secretName: 'tls-test' }],
        rules: [
          { host: 'a.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('svc-a') }] } },
          { host: 'b.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('svc-b', { name: 'http' }) }] } },
          {
            host: 'paths.test',
            http: {
              paths: [
                { path: '/a', pathType: 'Prefix', backend: backendRef('svc-a') },
                { path: '/b', pathType: 'Exact', backend: backendRef('svc-b') },
                { path: '/empty', pathType: 'Prefix', backend: backendRef('svc-empty') },
              ],
            },
          },
          { host: 'tls.test', http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: backendRef('svc-b') }] } },
          { host: '*.wild.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('svc-a') }] } },
        ],
      },
    });
    assert.equal(created.spec.ingressClassName, 'jetkube');

    await reaches('a.test', '/', 'a');
    await reaches('b.test', '/x', 'b');
    await reaches('paths.test', '/a/deeper', 'a');
    await reaches('paths.test', '/b', 'b');
    await reaches('one.wild.test', '/', 'a');
    // /b is Exact; /bb is not under /a; so both are unmatched in this host (no default backend): 404.
    assert.equal((await get(httpPort, 'paths.test', '/b/')).status, 404);
    assert.equal((await get(httpPort, 'paths.test', '/ab')).status, 404);
    assert.equal((await get(httpPort, 'nowhere.test', '/')).status, 404);
    assert.equal((await get(httpPort, 'two.levels.wild.test', '/')).status, 404);
    // A backend with no ready endpoints: 503.
    assert.equal((await get(httpPort, 'paths.test', '/empty')).status, 503);

    const seen = await get(httpPort, 'a.test', '/hello?x=1');
    assert.equal(seen.json?.url, '/hello?x=1');
    assert.equal(seen.json?.headers.host, 'a.test');
    assert.equal(seen.json?.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.json?.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.json?.headers['x-forwarded-host'], 'a.test');

    const status = await eventually('status.loadBalancer.ingress', async () => {
      const r = await api(stack.url, 'GET', `${NET}/namespaces/default/ingresses/web`);
      return r.body?.status?.loadBalancer?.ingress?.length ? r.body.status.loadBalancer.ingress : undefined;
    }, 15_000, 50);
    assert.deepEqual(status, [{ ip: '127.0.0.1' }]);

    const metrics = await (await fetch(`${ingress!.url}/metrics`)).text();
    assert.match(metrics, /jetkube_ingress_requests_total\{ingress="default\/web",host="a.test",path="\/",code="200"\} \d+/);
    assert.match(metrics, /jetkube_ingress_requests_total\{ingress="",host="",path="",code="404"\} \d+/);
    assert.match(metrics, /jetkube_ingress_requests_total\{ingress="default\/web",host="paths.test",path="\/empty",code="503"\} \d+/);
    assert.match(metrics, /jetkube_ingress_request_duration_seconds_count\{ingress="default\/web",host="a.test",path="\/"\} \d+/);
    const ready = await fetch(`${ingress!.url}/readyz`);
    assert.equal(ready.status, 200);
  });

  it('terminates TLS with the certificate the SNI names (exact and wildcard), trusted through the test CA', async () => {
    const call = (servername: string) =>
      new Promise<{ status: number; body: string; subject: string }>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port: httpsPort, path: '/secure', servername, ca: pem.ca, headers: { host: servername }, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), subject: String(cert.subject?.CN ?? '') });
          });
        });
        req.on('error', reject);
        req.end();
      });
    const exact = await eventually('https tls.test', async () => {
      const r = await call('tls.test');
      return r.status === 200 ? r : undefined;
    }, 15_000, 100);
    assert.equal(exact.subject, 'tls.test');
    const body = JSON.parse(exact.body) as { name: string; headers: Record<string, string> };
    assert.equal(body.name, 'b');
    assert.equal(body.headers['x-forwarded-proto'], 'https');
    const wild = await call('x.wild.test');
    assert.equal(wild.status, 200);
    assert.equal((JSON.parse(wild.body) as { name: string }).name, 'a');
    // A name no Secret covers: the default certificate (self-signed here), which the test CA does not vouch for.
    await assert.rejects(call('a.test'));
  });

  it('passes a WebSocket upgrade through and relays bytes both ways', async () => {
    const { response, socket } = await new Promise<{ response: http.IncomingMessage; socket: Socket }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: httpPort,
        path: '/chat',
        agent: false,
        headers: { host: 'a.test', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('upgrade', (res, sock: Socket) => resolve({ response: res, socket: sock }));
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    try {
      assert.equal(response.statusCode, 101);
      assert.equal(response.headers['x-backend'], 'a');
      const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('utf8'))));
      socket.write('ping over the upgraded connection');
      assert.equal(await echoed, 'ping over the upgraded connection');
      const metrics = await (await fetch(`${ingress!.url}/metrics`)).text();
      assert.match(metrics, /jetkube_ingress_requests_total\{ingress="default\/web",host="a.test",path="\/",code="101"\} 1\b/);
    } finally {
      socket.destroy();
    }
  });

  it('follows Endpoints changes live without dropping an open keep-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(httpPort, 'b.test', '/', agent);
      assert.equal(first.json?.name, 'b');
      // svc-b's only endpoint moves to backend c.
      const cur = await send('GET', `${NS}/endpoints/svc-b`);
      await send('PUT', `${NS}/endpoints/svc-b`, { ...endpoints('svc-b', [c.port]), metadata: { name: 'svc-b', resourceVersion: cur.metadata.resourceVersion } });
      const moved = await eventually('b.test → c over the same connection', async () => {
        const r = await get(httpPort, 'b.test', '/', agent);
        assert.equal(r.localPort, first.localPort, 'the client connection was replaced');
        return r.json?.name === 'c' ? r : undefined;
      }, 15_000, 50);
      assert.equal(moved.localPort, first.localPort);
      // Round robin once both are ready: a and c behind svc-b.
      const cur2 = await send('GET', `${NS}/endpoints/svc-b`);
      await send('PUT', `${NS}/endpoints/svc-b`, { ...endpoints('svc-b', [a.port, c.port]), metadata: { name: 'svc-b', resourceVersion: cur2.metadata.resourceVersion } });
      await eventually('svc-b round robin over a and c', async () => {
        const names = new Set<string>();
        for (let i = 0; i < 4; i++) names.add((await get(httpPort, 'b.test', '/', agent)).json?.name ?? '');
        return names.size === 2 && names.has('a') && names.has('c');
      }, 15_000, 50);
    } finally {
      agent.destroy();
    }
  });

  it('an Ingress of another class is not served; deleting ours takes its routes away', async () => {
    await send('POST', `${NET}/ingressclasses`, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'other' }, spec: { controller: 'example.com/other' } });
    await send('POST', `${NET}/namespaces/default/ingresses`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'foreign' },
      spec: { ingressClassName: 'other', rules: [{ host: 'foreign.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('svc-a') }] } }] },
    });
    await send('POST', `${NET}/namespaces/default/ingresses`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'gone' },
      spec: { rules: [{ host: 'gone.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('svc-a') }] } }] },
    });
    await reaches('gone.test', '/', 'a');
    assert.equal((await get(httpPort, 'foreign.test', '/')).status, 404);
    await send('DELETE', `${NET}/namespaces/default/ingresses/gone`);
    await eventually('gone.test → 404', async () => (await get(httpPort, 'gone.test', '/')).status === 404, 15_000, 50);
    const foreign = await send('GET', `${NET}/namespaces/default/ingresses/foreign`);
    assert.equal(foreign.status?.loadBalancer?.ingress, undefined);
  });

  it('refuses what it cannot honour: a resource backend, a missing pathType (422)', async () => {
    const r = await api(stack.url, 'POST', `${NET}/namespaces/default/ingresses`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'bucket' },
      spec: { defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'assets' } } },
    });
    assert.equal(r.status, 422);
    assert.equal(r.body.details.causes[0].field, 'spec.defaultBackend.resource');
    const r2 = await api(stack.url, 'POST', `${NET}/namespaces/default/ingresses`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'nopathtype' },
      spec: { rules: [{ host: 'x.test', http: { paths: [{ path: '/', backend: backendRef('svc-a') }] } }] },
    });
    assert.equal(r2.status, 422);
    assert.match(r2.body.message, /spec.rules\[0\].http.paths\[0\].pathType: Required value: pathType must be specified/);
  });
});
