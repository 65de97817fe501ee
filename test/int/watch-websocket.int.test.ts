/**
 * Watches over WebSocket, as kube-apiserver serves them (a browser's many watches do not spend its
 * six HTTP connections): each event one text message, the subprotocol echoed, refusals as plain
 * HTTP Status answers before the handshake, the server's timeout a normal close, and a plain GET
 * upgraded by mistake answered as plain HTTP. Real NATS and Postgres, the `ws` client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { api, configMap, startStack, type Stack } from '../stack.js';
import { collectMessages, openWebSocket } from '../websocket-client.js';

describe('watch over WebSocket', () => {
  let s: Stack;
  const CM = '/api/v1/namespaces/default/configmaps';
  const opened: WebSocket[] = [];
  const open = async (path: string, protocols: string[] = []) => {
    const o = await openWebSocket(s.url, path, protocols);
    if (o.ws) opened.push(o.ws);
    return o;
  };

  before(async () => {
    s = await startStack('wswatch');
  });
  after(async () => {
    for (const ws of opened) ws.terminate();
    await s?.close();
  });

  it('list then watch: the current objects as ADDED, then every change, one text message each; the one subprotocol echoed', async () => {
    assert.equal((await api(s.url, 'POST', CM, configMap('ws-a'))).status, 201);
    const o = await open(`${CM}?watch=true`, ['binary.k8s.io']);
    assert.ok(o.ws, JSON.stringify(o.refused));
    assert.equal(o.protocol, 'binary.k8s.io');
    const got = collectMessages(o, (ev) => ev.some((e) => e.type === 'DELETED'));
    assert.equal((await api(s.url, 'PATCH', `${CM}/ws-a`, { data: { a: '2' } }, 'application/merge-patch+json')).status, 200);
    assert.equal((await api(s.url, 'DELETE', `${CM}/ws-a`)).status, 200);
    const { events } = await got;
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED ws-a', 'MODIFIED ws-a', 'DELETED ws-a'],
    );
    assert.equal(events[1].object.data.a, '2');
  });

  it('from a resourceVersion, without a subprotocol; timeoutSeconds ends it with a normal close', async () => {
    const r = await api(s.url, 'POST', CM, configMap('ws-b'));
    const rv = Number(r.body.metadata.resourceVersion);
    assert.equal((await api(s.url, 'POST', CM, configMap('ws-c'))).status, 201);
    const o = await open(`${CM}?watch=1&resourceVersion=${rv}&timeoutSeconds=2`);
    assert.ok(o.ws, JSON.stringify(o.refused));
    assert.equal(o.protocol, '');
    const { events, closeCode } = await collectMessages(o, () => false);
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED ws-c']);
    assert.equal(closeCode, 1000);
  });

  it('refuses before the handshake with the HTTP Status a plain watch gets', async () => {
    const cases: [string, string[], number, RegExp][] = [
      [`${CM}?watch=true&resourceVersion=x`, [], 400, /resourceVersion/],
      [`${CM}?watch=true&resourceVersionMatch=NotOlderThan`, [], 422, /resourceVersionMatch is forbidden for watch/],
      ['/api/v1/namespaces/default/nothings?watch=true', [], 404, /could not find the requested resource/],
      [`${CM}?watch=true`, ['a.k8s.io', 'b.k8s.io'], 400, /^bad WebSocket-Protocol/],
    ];
    for (const [path, protocols, code, message] of cases) {
      const o = await open(path, protocols);
      assert.equal(o.refused?.status, code, path);
      assert.equal(o.refused?.body.kind, 'Status', path);
      assert.match(o.refused?.body.message, message, path);
    }
    // Nothing of these was written.
    assert.equal((await api(s.url, 'GET', '/api/v1/namespaces/default/nothings')).status, 404);
  });

  it('a GET that is no watch is answered as plain HTTP on the upgrade\'s connection', async () => {
    const o = await open(`${CM}/ws-b`);
    assert.equal(o.refused?.status, 200);
    assert.equal(o.refused?.body.metadata.name, 'ws-b');
  });

  it('holds many watches at once, each one delivering', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `ws-many-${i}`);
    const watches = await Promise.all(names.map((n) => open(`${CM}?watch=true&fieldSelector=metadata.name%3D${n}`, ['binary.k8s.io'])));
    const got = watches.map((o) => collectMessages(o, (ev) => ev.length >= 1));
    for (const n of names) assert.equal((await api(s.url, 'POST', CM, configMap(n))).status, 201);
    const all = await Promise.all(got);
    assert.deepEqual(all.map((g) => g.events[0].object.metadata.name), names);
  });
});
