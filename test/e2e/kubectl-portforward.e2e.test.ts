/**
 * kubectl port-forward through the gateway to a process-runtime kubelet, with the real kubectl 1.32:
 * to a pod and to a Service (kubectl picks the pod and the target port), over the WebSocket tunnel
 * kubectl tries first and over plain SPDY (its fallback), two connections at once, a body larger
 * than SPDY's initial window, and the error kubectl prints when nothing listens on the port; and
 * @kubernetes/client-node's PortForward (the WebSocket channel protocol of client libraries).
 * `jetkube up --nodes 1 --runtime process` on this run's own prefix, node name, ports and
 * directories (cluster.ts); local ports from the system.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';
import * as k8s from '@kubernetes/client-node';
import { tmpdir } from 'node:os';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { freePort } from '../private-nats.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const NS = '/api/v1/namespaces/default';
const RUN = Math.random().toString(36).slice(2, 7);
const POD = `web-${RUN}`;
const SVC = `websvc-${RUN}`;
const BIG = 3 << 20;

/** A node HTTP server on the pod's address: `/` answers the pod's name, `/big` BIG bytes. */
const server = `const n=${BIG};require('http').createServer((q,s)=>{if(q.url==='/big'){s.setHeader('content-length',n);s.end(Buffer.alloc(n,97));return}s.end('hello from '+process.env.POD_NAME)}).listen(8080,process.env.POD_IP)`;

interface Forward {
  readonly proc: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly exited: Promise<number | null>;
}

/** GET on its own connection; the status and the body. */
function fetchLocal(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('kubectl port-forward, process runtime', { skip: KUBECTL_SKIP }, () => {
  let c: ProcessCluster;
  const forwards: Forward[] = [];
  const baseEnv = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };

  /** Start `kubectl port-forward` and wait until it says it listens. */
  async function portForward(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Forward> {
    const proc = spawn('kubectl', ['--server', c.base, 'port-forward', ...args], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const f: Forward = { proc, out: () => out, err: () => err, exited };
    forwards.push(f);
    await eventually(`kubectl port-forward ${args.join(' ')} listening (stdout: ${out}, stderr: ${err})`, async () => out.includes('Forwarding from 127.0.0.1') || proc.exitCode !== null, 30_000, 50);
    assert.equal(proc.exitCode, null, `kubectl exited: ${err}`);
    return f;
  }

  async function stopForward(f: Forward): Promise<void> {
    if (f.proc.exitCode === null && f.proc.signalCode === null) f.proc.kill('SIGTERM');
    await f.exited;
  }

  before(async () => {
    c = await startProcessCluster('kpf', 1);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: POD, labels: { app: POD } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: 'node:20',
            command: [process.execPath, '-e', server],
            ports: [{ name: 'http', containerPort: 8080 }],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
          },
        ],
      },
    };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: SVC }, spec: { selector: { app: POD }, ports: [{ port: 80, targetPort: 'http' }] } };
    let r = await api(c.base, 'POST', `${NS}/pods`, pod);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await api(c.base, 'POST', `${NS}/services`, svc);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await eventually('the pod ready', async () => {
      const p = await api(c.base, 'GET', `${NS}/pods/${POD}`);
      return p.body?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True');
    }, 60_000, 200);
  });
  after(async () => {
    await Promise.all(forwards.map(stopForward));
    await c?.close();
  });

  it('forwards a local port to a pod over the WebSocket tunnel, two connections at once', async () => {
    const local = await freePort();
    const f = await portForward([`pod/${POD}`, `${local}:8080`, '-v=6']);
    const page = await fetchLocal(local, '/');
    assert.equal(page.status, 200);
    assert.equal(page.body.toString(), `hello from ${POD}`);
    // Two at once, each larger than SPDY's 64 KiB initial window.
    const [a, b] = await Promise.all([fetchLocal(local, '/big'), fetchLocal(local, '/big')]);
    for (const x of [a, b]) {
      assert.equal(x.status, 200);
      assert.equal(x.body.length, BIG);
    }
    assert.match(f.out(), new RegExp(`Forwarding from 127\\.0\\.0\\.1:${local} -> 8080`));
    assert.match(f.out(), /Handling connection for/);
    assert.match(f.err(), /portforward 101 Switching Protocols/, 'the upgrade was answered');
    assert.doesNotMatch(f.err(), /fall(ing)? ?back/i, 'no fallback to plain SPDY');
    await stopForward(f);
  });

  it('forwards over plain SPDY when the WebSocket tunnel is turned off', async () => {
    const local = await freePort();
    const f = await portForward([`pod/${POD}`, `${local}:8080`], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    const page = await fetchLocal(local, '/');
    assert.equal(page.body.toString(), `hello from ${POD}`);
    const big = await fetchLocal(local, '/big');
    assert.equal(big.body.length, BIG);
    await stopForward(f);
  });

  it('forwards to a Service: kubectl resolves it to the pod and its target port', async () => {
    const local = await freePort();
    const f = await portForward([`svc/${SVC}`, `${local}:80`]);
    assert.match(f.out(), new RegExp(`Forwarding from 127\\.0\\.0\\.1:${local} -> 8080`));
    const page = await fetchLocal(local, '/');
    assert.equal(page.body.toString(), `hello from ${POD}`);
    await stopForward(f);
  });

  it('reports the error when nothing listens on the port, and exits', async () => {
    const local = await freePort();
    const f = await portForward([`pod/${POD}`, `${local}:9`]);
    await assert.rejects(fetchLocal(local, '/'));
    const code = await f.exited;
    assert.notEqual(code, 0);
    assert.match(f.err(), new RegExp(`an error occurred forwarding ${local} -> 9: error forwarding port 9 to pod ${POD}_default, uid [0-9a-f-]+: failed to connect to 127\\.[0-9.]+:9: connect ECONNREFUSED`));
    assert.match(f.err(), /lost connection to pod/);
  });

  it("forwards with @kubernetes/client-node's PortForward (the WebSocket channel protocol)", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromClusterAndUser({ name: 'c', server: c.base, skipTLSVerify: true }, { name: 'u' });
    const forward = new k8s.PortForward(kc);
    const sockets: WebSocket[] = [];
    const server = createServer((conn) => {
      void forward.portForward('default', POD, [8080], conn, null, conn).then((ws) => sockets.push(ws as WebSocket));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const local = (server.address() as AddressInfo).port;
      const page = await fetchLocal(local, '/');
      assert.equal(page.body.toString(), `hello from ${POD}`);
      const big = await fetchLocal(local, '/big');
      assert.equal(big.body.length, BIG);
    } finally {
      for (const ws of sockets) ws.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('is refused for a pod that does not exist', async () => {
    const local = await freePort();
    const proc = spawn('kubectl', ['--server', c.base, 'port-forward', 'pod/nope', `${local}:80`], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => proc.once('exit', (x) => r(x)));
    assert.equal(code, 1);
    assert.match(err, /pods "nope" not found/);
  });
});
