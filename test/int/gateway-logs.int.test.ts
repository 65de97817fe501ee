import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../shared/log.js';
import { startGateway } from '../../services/gateway/index.js';
import { api, startStack, type Stack } from '../stack.js';

/**
 * A stand-in for the kubelet's log endpoint: records what it was asked for, answers a few lines,
 * and for `follow` streams one line, waits for the test to let it go on, then stays open.
 */
class FakeKubelet {
  readonly requests: URL[] = [];
  /** Set while a followed request is open; `closed` once the gateway hung up on it. */
  follow: { closed: boolean; next: () => void } | undefined;
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, 'http://kubelet');
    this.requests.push(url);
    const [, root, , , container] = url.pathname.split('/');
    if (root !== 'containerLogs') return void res.writeHead(404).end('404 page not found');
    if (container === 'setup') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(KUBELET_404));
    }
    if (container === 'plain') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('runtime exploded');
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (url.searchParams.get('follow') !== 'true') return void res.end('line 1\nline 2\n');
    const state = { closed: false, next: () => res.write('line 2\n') };
    this.follow = state;
    res.on('close', () => (state.closed = true));
    res.write('line 1\n');
  }
}

const KUBELET_404 = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'container "setup" in pod "web" is waiting to start: PodInitializing',
  reason: 'NotFound',
  code: 404,
};

const NS = '/api/v1/namespaces/default';
const podOf = (name: string, containers: string[], init: string[] = []) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    containers: containers.map((c) => ({ name: c, image: 'busybox:1.36', command: ['sleep', '3600'] })),
    ...(init.length ? { initContainers: init.map((c) => ({ name: c, image: 'busybox:1.36' })) } : {}),
  },
});
const nodeOf = (name: string, port: number) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('gateway: pod logs through the kubelet', () => {
  let s: Stack;
  let u: string;
  const kubelet = new FakeKubelet();

  before(async () => {
    s = await startStack('gwlogs');
    u = s.url;
    const port = await kubelet.start();
    // A port nobody listens on: a kubelet that is down.
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const deadPort = (gone.address() as AddressInfo).port;
    await new Promise((r) => gone.close(r));

    for (const n of [nodeOf('n1', port), nodeOf('n-dead', deadPort)]) {
      const r = await api(u, 'POST', '/api/v1/nodes', n);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const pods: [object, string | undefined][] = [
      [podOf('web', ['main'], ['setup']), 'n1'],
      [podOf('multi', ['a', 'b']), 'n1'],
      [podOf('plain', ['plain']), 'n1'],
      [podOf('unbound', ['main']), undefined],
      [podOf('dead', ['main']), 'n-dead'],
    ];
    for (const [p, nodeName] of pods) {
      const r = await api(u, 'POST', `${NS}/pods`, p);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      if (!nodeName) continue;
      const name = r.body.metadata.name;
      const b = await api(u, 'POST', `${NS}/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: nodeName } });
      assert.equal(b.status, 201, JSON.stringify(b.body));
    }
  });
  after(async () => {
    await kubelet.stop();
    await s?.close();
  });

  it('proxies to the kubelet’s containerLogs path with the log options', async () => {
    const r = await fetch(`${u}${NS}/pods/web/log?tailLines=5&timestamps=true&sinceSeconds=60&limitBytes=1000&previous=false`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await r.text(), 'line 1\nline 2\n');
    const req = kubelet.requests.at(-1)!;
    assert.equal(req.pathname, '/containerLogs/default/web/main', 'the only container by default');
    assert.deepEqual(Object.fromEntries(req.searchParams), { tailLines: '5', timestamps: 'true', sinceSeconds: '60', limitBytes: '1000' });
    const named = await fetch(`${u}${NS}/pods/multi/log?container=b`);
    assert.equal(named.status, 200);
    await named.text();
    assert.equal(kubelet.requests.at(-1)!.pathname, '/containerLogs/default/multi/b');
  });

  it('streams followed output before the kubelet ends, and hangs up on it when the client goes', async () => {
    const ctl = new AbortController();
    const r = await fetch(`${u}${NS}/pods/web/log?follow=true`, { signal: ctl.signal });
    assert.equal(r.status, 200);
    assert.equal(kubelet.requests.at(-1)!.searchParams.get('follow'), 'true');
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let got = '';
    const readUntil = async (text: string) => {
      while (!got.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before "${text}" (got "${got}")`);
        got += dec.decode(value, { stream: true });
      }
    };
    await readUntil('line 1\n');
    const follow = kubelet.follow!;
    assert.equal(follow.closed, false, 'the kubelet is still streaming: line 1 was not buffered until the end');
    follow.next();
    await readUntil('line 2\n');
    assert.equal(got, 'line 1\nline 2\n');
    ctl.abort();
    await until(() => follow.closed);
  });

  it('answers like Kubernetes when it cannot say which container, or where', async () => {
    const missing = await api(u, 'GET', `${NS}/pods/nope/log`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.kind, 'Status');
    assert.equal(missing.body.message, 'pods "nope" not found');
    const multi = await api(u, 'GET', `${NS}/pods/multi/log`);
    assert.equal(multi.status, 400);
    assert.equal(multi.body.reason, 'BadRequest');
    assert.equal(multi.body.message, 'a container name must be specified for pod multi, choose one of: [a b]');
    const wrong = await api(u, 'GET', `${NS}/pods/web/log?container=nope`);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.message, 'container nope is not valid for pod web');
    const unbound = await api(u, 'GET', `${NS}/pods/unbound/log`);
    assert.equal(unbound.status, 400);
    assert.equal(unbound.body.message, 'pod unbound does not have a host assigned');
    const before = kubelet.requests.length;
    for (const q of ['tailLines=-1', 'tailLines=abc', 'sinceSeconds=1.5', 'limitBytes=-5']) {
      const r = await api(u, 'GET', `${NS}/pods/web/log?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.kind, 'Status');
      assert.match(r.body.message, /must be a non-negative integer/);
    }
    assert.equal(kubelet.requests.length, before, 'nothing reaches the kubelet');
  });

  it('passes the kubelet’s error answers through with their code', async () => {
    const r = await api(u, 'GET', `${NS}/pods/web/log?container=setup`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, KUBELET_404);
    const plain = await api(u, 'GET', `${NS}/pods/plain/log`);
    assert.equal(plain.status, 500);
    assert.equal(plain.body.kind, 'Status');
    assert.match(plain.body.message, /the kubelet answered 500 for logs of container plain of pod default\/plain: runtime exploded/);
  });

  it('answers 503 with a clear Status when the kubelet cannot be reached', async () => {
    const r = await api(u, 'GET', `${NS}/pods/dead/log`);
    assert.equal(r.status, 503);
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.reason, 'ServiceUnavailable');
    assert.match(r.body.message, /^unable to reach the kubelet of node "n-dead" at 127\.0\.0\.1:\d+ for logs of container main of pod default\/dead: .*ECONNREFUSED/);
  });

  it('ends followed logs when the gateway shuts down', async () => {
    const second = await startGateway(s.cfg, createLogger('test', 'silent'), { serviceAccountAdmission: false });
    const r = await fetch(`${second.url}${NS}/pods/web/log?follow=true`);
    assert.equal(r.status, 200);
    const follow = kubelet.follow!;
    const body = r.text().catch(() => 'cut');
    await second.close(); // would hang while the followed log holds the server open
    await until(() => follow.closed);
    assert.match(await body, /^(line 1\n|cut)$/);
  });

  it('lists pods/log in discovery', async () => {
    const v1 = (await api(u, 'GET', '/api/v1')).body;
    const log = v1.resources.find((r: any) => r.name === 'pods/log');
    assert.deepEqual(log?.verbs, ['get']);
    assert.equal(log?.namespaced, true);
  });
});
