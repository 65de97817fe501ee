/**
 * The port-forward protocol's pure parts (shared/portforward.ts): stream header checks with the
 * kubelet's messages, pairing by request id (and the stream-id fallback for clients without one),
 * the stream-protocol handshake, and how an upgrade request is classified.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkStreamHeaders, classifyUpgrade, forwardError, handshake, parsePort, parsePortList, portPrefix, StreamPairs, TUNNEL_PROTOCOL } from '../../shared/portforward.js';

describe('port-forward stream headers', () => {
  const cases: { name: string; headers: Record<string, string>; id: number; want: unknown }[] = [
    { name: 'error stream', headers: { streamtype: 'error', port: '80', requestid: '0' }, id: 1, want: { port: 80, streamType: 'error', requestId: '0' } },
    { name: 'data stream, HTTP-cased names', headers: { streamType: 'data', Port: '8080', requestID: '7' }, id: 3, want: { port: 8080, streamType: 'data', requestId: '7' } },
    { name: 'no request id: the error stream id', headers: { streamtype: 'error', port: '80' }, id: 5, want: { port: 80, streamType: 'error', requestId: '5' } },
    { name: 'no request id: the data stream id - 2', headers: { streamtype: 'data', port: '80' }, id: 7, want: { port: 80, streamType: 'data', requestId: '5' } },
    { name: 'no port', headers: { streamtype: 'data' }, id: 1, want: { error: '"port" header is required' } },
    { name: 'port 0', headers: { streamtype: 'data', port: '0' }, id: 1, want: { error: 'port "0" must be > 0' } },
    { name: 'port not a number', headers: { streamtype: 'data', port: 'http' }, id: 1, want: { error: 'unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax' } },
    { name: 'port out of range', headers: { streamtype: 'data', port: '65536' }, id: 1, want: { error: 'unable to parse "65536" as a port: strconv.ParseUint: parsing "65536": value out of range' } },
    { name: 'negative port', headers: { streamtype: 'data', port: '-1' }, id: 1, want: { error: 'unable to parse "-1" as a port: strconv.ParseUint: parsing "-1": invalid syntax' } },
    { name: 'no stream type', headers: { port: '80' }, id: 1, want: { error: '"streamType" header is required' } },
    { name: 'unknown stream type', headers: { port: '80', streamtype: 'resize' }, id: 1, want: { error: 'invalid stream type "resize"' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(checkStreamHeaders(c.headers, c.id), c.want));

  it('parses the highest port', () => assert.deepEqual(parsePort('65535'), { port: 65535 }));
});

describe('port-forward stream pairs', () => {
  it('completes a pair when both streams of a request arrived, in either order', () => {
    const pairs = new StreamPairs<string>();
    const a = pairs.add({ port: 80, streamType: 'error', requestId: '0' }, 'e0');
    assert.equal(a.type, 'waiting');
    assert.equal(a.type === 'waiting' && a.created, true);
    const b = pairs.add({ port: 80, streamType: 'data', requestId: '1' }, 'd1');
    assert.equal(b.type, 'waiting');
    const c = pairs.add({ port: 80, streamType: 'data', requestId: '0' }, 'd0');
    assert.deepEqual(c, { type: 'complete', pair: { requestId: '0', error: 'e0', data: 'd0' } });
    const d = pairs.add({ port: 80, streamType: 'error', requestId: '1' }, 'e1');
    assert.deepEqual(d, { type: 'complete', pair: { requestId: '1', error: 'e1', data: 'd1' } });
    assert.equal(pairs.size, 0);
  });

  it('refuses a second stream of the same type with the kubelet message', () => {
    const pairs = new StreamPairs<string>();
    pairs.add({ port: 80, streamType: 'error', requestId: '3' }, 'e');
    const r = pairs.add({ port: 80, streamType: 'error', requestId: '3' }, 'e2');
    assert.equal(r.type, 'duplicate');
    assert.equal(r.type === 'duplicate' && r.message, 'error processing stream for request 3: error stream already assigned');
    assert.equal(r.pair.error, 'e', 'the first stream stays');
  });

  it('forgets an expired pair, so its request id starts afresh', () => {
    const pairs = new StreamPairs<string>();
    pairs.add({ port: 80, streamType: 'data', requestId: '9' }, 'd');
    assert.deepEqual(pairs.expire('9'), { requestId: '9', data: 'd' });
    assert.equal(pairs.expire('9'), undefined);
    const again = pairs.add({ port: 80, streamType: 'error', requestId: '9' }, 'e');
    assert.equal(again.type === 'waiting' && again.created, true);
  });
});

describe('port-forward handshake and upgrade', () => {
  const cases: { offered: string | string[] | undefined; want: unknown }[] = [
    { offered: 'portforward.k8s.io', want: { protocol: 'portforward.k8s.io' } },
    { offered: ['v2.portforward.k8s.io', 'portforward.k8s.io'], want: { protocol: 'portforward.k8s.io' } },
    { offered: 'v2.portforward.k8s.io, portforward.k8s.io', want: { protocol: 'portforward.k8s.io' } },
    { offered: undefined, want: { protocol: '' } },
    {
      offered: 'v9.portforward.k8s.io',
      want: { code: 403, message: 'unable to upgrade: unable to negotiate protocol: client supports [v9.portforward.k8s.io], server supports [portforward.k8s.io]' },
    },
  ];
  for (const c of cases) it(`handshake with ${JSON.stringify(c.offered)}`, () => assert.deepEqual(handshake(c.offered), c.want));

  it('classifies upgrades', () => {
    assert.deepEqual(classifyUpgrade('websocket', `${TUNNEL_PROTOCOL}`), { type: 'tunnel', protocol: 'SPDY/3.1+portforward.k8s.io' });
    assert.deepEqual(classifyUpgrade('WebSocket', `v4.channel.k8s.io, ${TUNNEL_PROTOCOL}`), { type: 'tunnel', protocol: TUNNEL_PROTOCOL });
    assert.deepEqual(classifyUpgrade('SPDY/3.1', undefined), { type: 'spdy' });
    assert.deepEqual(classifyUpgrade('websocket', 'v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io'), { type: 'websocket', protocol: 'v4.channel.k8s.io' });
    assert.deepEqual(classifyUpgrade('websocket', undefined), { type: 'websocket', protocol: '' });
    const ws = classifyUpgrade('websocket', 'v5.channel.k8s.io, base64.channel.k8s.io');
    assert.equal(ws.type, 'unsupported');
    assert.match(ws.type === 'unsupported' ? ws.message : '', /needs the subprotocol SPDY\/3\.1\+portforward\.k8s\.io .* or v4\.channel\.k8s\.io; offered: \[v5\.channel\.k8s\.io base64\.channel\.k8s\.io\]/);
    const plain = classifyUpgrade(undefined, undefined);
    assert.match(plain.type === 'unsupported' ? plain.message : '', /not a plain request$/);
  });

  it('words a forwarding error as the kubelet does', () => {
    assert.equal(forwardError(80, 'web_default', 'u-1', 'boom'), 'error forwarding port 80 to pod web_default, uid u-1: boom');
  });
});

describe('WebSocket port-forward (client libraries)', () => {
  const cases: { values: string[]; want: unknown }[] = [
    { values: ['80'], want: { ports: [80] } },
    { values: ['80,8080', '9000'], want: { ports: [80, 8080, 9000] } },
    { values: [], want: { error: 'query parameter "ports" is required' } },
    { values: [''], want: { error: 'query parameter "ports" cannot be empty' } },
    { values: ['80,x'], want: { error: 'unable to parse "x" as a port: strconv.ParseUint: parsing "x": invalid syntax' } },
    { values: ['0'], want: { error: 'port "0" must be > 0' } },
  ];
  for (const c of cases) it(`ports ${JSON.stringify(c.values)}`, () => assert.deepEqual(parsePortList(c.values, 'ports'), c.want));

  it('prefixes each channel with its port, little endian', () => {
    assert.deepEqual([...portPrefix(0, 8080)], [0, 0x90, 0x1f]);
    assert.deepEqual([...portPrefix(3, 80)], [3, 80, 0]);
  });
});
