/**
 * The kubelet's /portForward endpoint on its own (services/kubelet/portforward.ts), spoken to as
 * kubectl does, stream by stream, with a SPDY client (spdy-transport) over a real upgraded socket:
 * bytes both ways to a real local TCP server, two requests at once on one connection, the error
 * stream's message when nothing listens or the runtime has no processes, an unpaired stream timing
 * out, the refusals before the upgrade. No NATS or Postgres involved.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { ApiError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { attachPortForwardServer } from '../../services/kubelet/portforward.js';
import { eventually } from '../wait.js';

const require = createRequire(import.meta.url);
const transport = require('spdy-transport') as {
  connection: {
    create(s: Duplex, o: { protocol: 'spdy'; isServer: false }): {
      start(v: number): void;
      request(uri: object, cb: (err: Error | null, s: Duplex) => void): Duplex;
      on(e: string, cb: (...a: unknown[]) => void): void;
    };
  };
};

/** Like kubectl's spdystream, the test client does no flow control: its send windows are opened wide. */
function openWindow(o: unknown): void {
  const w = (o as { _spdyState: { window: { send: { current: number; max: number; limit: number } } } })._spdyState.window.send;
  w.limit = Number.POSITIVE_INFINITY;
  w.max = w.current = Number.MAX_SAFE_INTEGER;
}

type Client = ReturnType<typeof transport.connection.create>;

/** An upgrade answered otherwise than with 101: its status code and Status. */
interface Refusal {
  code: number;
  status: { message: string; reason: string };
}

describe('kubelet port-forward endpoint', () => {
  let server: Server;
  let kubeletPort: number;
  let echo: TcpServer;
  let echoPort: number;
  let closedPort: number;
  let pf: { close(): void };
  const clientSockets: Socket[] = [];

  before(async () => {
    echo = createTcpServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as AddressInfo).port;
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));

    server = createServer((_q, s) => s.end());
    pf = attachPortForwardServer(
      server,
      async (ns, pod) => {
        if (pod === 'fake') return { fullName: `fake_${ns}`, uid: 'u-fake', address: () => Promise.reject(new Error('the fake runtime runs no processes, so there is no port to forward to')) };
        if (pod !== 'web') throw new ApiError('NotFound', `pods "${pod}" not found`);
        return { fullName: `web_${ns}`, uid: 'u-web', address: async () => '127.0.0.1' };
      },
      createLogger('kubelet-portforward-int', 'silent'),
      500,
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kubeletPort = (server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const s of clientSockets) s.destroy();
    pf.close();
    await new Promise((r) => server.close(r));
    await new Promise((r) => echo.close(r));
  });

  /** Upgrade to SPDY as the gateway does; the client connection, or the refusal. */
  const open = (path: string, headers: Record<string, string> = { 'X-Stream-Protocol-Version': 'portforward.k8s.io' }) =>
    new Promise<{ client: Client; protocol: string } | Refusal>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: kubeletPort, path, method: 'POST', agent: false, headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', ...headers } });
      req.on('upgrade', (res, sock) => {
        clientSockets.push(sock);
        const client = transport.connection.create(sock, { protocol: 'spdy', isServer: false });
        client.start(3);
        openWindow(client);
        client.on('error', () => undefined);
        resolve({ client, protocol: String(res.headers['x-stream-protocol-version'] ?? '') });
      });
      req.on('response', (res) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, status: JSON.parse(t) }));
      });
      req.on('error', reject);
      req.end();
    });

  const stream = (client: Client, headers: Record<string, string>) =>
    new Promise<Duplex>((resolve, reject) => {
      const s = client.request({ method: 'POST', path: '/', host: 'kubelet', headers }, (err) => (err ? reject(err) : resolve(s)));
      openWindow(s);
    });

  const readAll = (s: Duplex) =>
    new Promise<string>((resolve) => {
      let t = '';
      s.on('data', (d: Buffer) => (t += d));
      s.on('end', () => resolve(t));
      s.on('error', () => resolve(t));
    });

  /** One forwarded request as kubectl makes it: error stream (half-closed at once), then data. */
  async function forward(client: Client, requestId: string, port: number, send: string): Promise<{ data: string; error: string }> {
    const error = await stream(client, { streamtype: 'error', port: String(port), requestid: requestId });
    error.end();
    const errorText = readAll(error);
    const data = await stream(client, { streamtype: 'data', port: String(port), requestid: requestId });
    const dataText = readAll(data);
    data.end(send);
    return { data: await dataText, error: await errorText };
  }

  it('forwards the data stream to the port and back, two requests at once on one connection', async () => {
    const c = await open('/portForward/default/web');
    assert.ok('client' in c);
    assert.equal(c.protocol, 'portforward.k8s.io');
    const big = 'x'.repeat(300_000); // past SPDY's 64 KiB initial window, both ways
    const [a, b] = await Promise.all([forward(c.client, '0', echoPort, 'hello'), forward(c.client, '1', echoPort, big)]);
    assert.deepEqual(a, { data: 'hello', error: '' });
    assert.equal(b.data.length, big.length);
    assert.equal(b.error, '');
  });

  it('writes the kubelet message on the error stream when nothing listens', async () => {
    const c = await open('/portForward/default/web');
    assert.ok('client' in c);
    const r = await forward(c.client, '0', closedPort, 'x');
    assert.equal(r.data, '');
    assert.match(r.error, new RegExp(`^error forwarding port ${closedPort} to pod web_default, uid u-web: failed to connect to 127\\.0\\.0\\.1:${closedPort}: connect ECONNREFUSED`));
  });

  it('writes why on the error stream when the runtime has no processes (fake)', async () => {
    const c = await open('/portForward/default/fake');
    assert.ok('client' in c);
    const r = await forward(c.client, '0', 80, 'x');
    assert.equal(r.error, 'error forwarding port 80 to pod fake_default, uid u-fake: the fake runtime runs no processes, so there is no port to forward to');
  });

  it('gives up on a request whose second stream never comes', async () => {
    const c = await open('/portForward/default/web');
    assert.ok('client' in c);
    const error = await stream(c.client, { streamtype: 'error', port: String(echoPort), requestid: '4' });
    error.end();
    assert.equal(await readAll(error), '(request=4) timed out waiting for streams');
  });

  it('speaks the WebSocket channel protocol: port first on each channel, data both ways, errors on the odd channel', async () => {
    const got: Record<number, Buffer[]> = {};
    const ws = new WebSocket(`ws://127.0.0.1:${kubeletPort}/portForward/default/web?port=${echoPort}&port=${closedPort}`, ['v4.channel.k8s.io']);
    ws.on('message', (m: Buffer) => (got[m[0]!] ??= []).push(m.subarray(1)));
    await new Promise((r) => ws.once('open', r));
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
    await eventually('the echo and the error', async () => (got[0]?.length ?? 0) >= 2 && (got[3]?.length ?? 0) >= 2, 10_000, 20);
    ws.close();
    assert.deepEqual([...got[0]![0]!], [echoPort & 0xff, echoPort >> 8]);
    assert.deepEqual([...got[2]![0]!], [closedPort & 0xff, closedPort >> 8]);
    assert.deepEqual([...got[3]![0]!], [closedPort & 0xff, closedPort >> 8]);
    assert.equal(Buffer.concat(got[0]!.slice(1)).toString(), 'ping');
    assert.match(Buffer.concat(got[3]!.slice(1)).toString(), new RegExp(`^error forwarding port ${closedPort} to pod web_default, uid u-web: failed to connect`));
  });

  it('refuses an unknown pod, a foreign stream protocol and a non-SPDY upgrade before upgrading', async () => {
    const missing = await open('/portForward/default/nope');
    assert.ok('code' in missing);
    assert.equal(missing.code, 404);
    assert.equal(missing.status.message, 'pods "nope" not found');
    const foreign = await open('/portForward/default/web', { 'X-Stream-Protocol-Version': 'v9.portforward.k8s.io' });
    assert.ok('code' in foreign);
    assert.equal(foreign.code, 403);
    assert.match(foreign.status.message, /unable to negotiate protocol: client supports \[v9\.portforward\.k8s\.io\], server supports \[portforward\.k8s\.io\]/);
    const ws = await open('/portForward/default/web', { Upgrade: 'SPDY/2' });
    assert.ok('code' in ws);
    assert.equal(ws.code, 400);
  });
});
