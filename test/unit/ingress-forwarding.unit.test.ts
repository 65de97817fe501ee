/**
 * What the ingress changes in the requests and responses it forwards (services/ingress/forwarding.ts):
 * hop-by-hop headers dropped both ways (RFC 9110 §7.6.1, with the headers a Connection header
 * names), X-Forwarded-* replaced by the proxy's own, Host kept, and the status for a failed backend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { connectionTokens, downstreamHeaders, failureStatus, upstreamHeaders } from '../../services/ingress/forwarding.js';

/** The headers undici sends: those left undefined are not sent. */
const sent = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined));

describe('ingress forwarding: request headers to the backend', () => {
  const cases: [string, IncomingHttpHeaders, 'http' | 'https', Record<string, string | string[]>][] = [
    [
      'a plain GET: Host kept, X-Forwarded-* added (port from the scheme)',
      { host: 'web.test', accept: '*/*' },
      'http',
      { host: 'web.test', accept: '*/*', 'x-forwarded-for': '10.0.0.7', 'x-forwarded-host': 'web.test', 'x-forwarded-port': '80', 'x-forwarded-proto': 'http' },
    ],
    [
      'the port in Host is X-Forwarded-Port; https',
      { host: 'web.test:8443' },
      'https',
      { host: 'web.test:8443', 'x-forwarded-for': '10.0.0.7', 'x-forwarded-host': 'web.test:8443', 'x-forwarded-port': '8443', 'x-forwarded-proto': 'https' },
    ],
    [
      'client-supplied X-Forwarded-* are replaced, not appended to',
      { host: 'web.test', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test', 'x-forwarded-port': '1' },
      'http',
      { host: 'web.test', 'x-forwarded-for': '10.0.0.7', 'x-forwarded-host': 'web.test', 'x-forwarded-port': '80', 'x-forwarded-proto': 'http' },
    ],
    [
      'hop-by-hop headers, Expect and the headers Connection names are dropped; end-to-end ones kept',
      {
        host: 'web.test',
        connection: 'keep-alive, X-Hop',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-sum',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        expect: '100-continue',
        'x-hop': 'gone',
        'content-type': 'text/plain',
        cookie: 'a=1; b=2',
      },
      'http',
      { host: 'web.test', 'content-type': 'text/plain', cookie: 'a=1; b=2', 'x-forwarded-for': '10.0.0.7', 'x-forwarded-host': 'web.test', 'x-forwarded-port': '80', 'x-forwarded-proto': 'http' },
    ],
  ];
  for (const [name, headers, scheme, want] of cases) {
    it(name, () => assert.deepEqual(sent(upstreamHeaders({ ...headers }, { host: headers.host, remoteAddress: '10.0.0.7', scheme })), want));
  }
  it('no Host header (HTTP/1.0): no X-Forwarded-Host', () => {
    assert.deepEqual(sent(upstreamHeaders({}, { host: undefined, remoteAddress: undefined, scheme: 'http' })), { 'x-forwarded-port': '80', 'x-forwarded-proto': 'http' });
  });
  it('the library put the backend address in Host: the client\'s goes back', () => {
    assert.equal(upstreamHeaders({ host: '127.0.0.1:8080' }, { host: 'web.test', remoteAddress: undefined, scheme: 'http' }).host, 'web.test');
  });
});

describe('ingress forwarding: response headers to the client', () => {
  const cases: [string, Record<string, string | string[]>, Record<string, string | string[]>][] = [
    ['keep-alive bookkeeping of the backend connection is dropped', { 'content-length': '5', connection: 'keep-alive', 'keep-alive': 'timeout=5' }, { 'content-length': '5' }],
    ['Transfer-Encoding is the backend connection\'s (the server frames the body again)', { 'transfer-encoding': 'chunked', 'content-type': 'text/plain' }, { 'content-type': 'text/plain' }],
    ['headers the Connection header names are dropped', { connection: 'x-internal, close', 'x-internal': '1', 'x-public': '2' }, { 'x-public': '2' }],
    ['several Set-Cookie stay several', { 'set-cookie': ['a=1', 'b=2'], date: 'Sun, 06 Dec 2026 00:00:00 GMT' }, { 'set-cookie': ['a=1', 'b=2'], date: 'Sun, 06 Dec 2026 00:00:00 GMT' }],
  ];
  for (const [name, headers, want] of cases) it(name, () => assert.deepEqual(downstreamHeaders(headers), want));
});

describe('ingress forwarding: small decisions', () => {
  const tokens: [string | string[] | undefined, string[]][] = [
    [undefined, []],
    ['close', []],
    ['keep-alive', []],
    ['Keep-Alive, X-A ,x-b', ['x-a', 'x-b']],
    [['x-a', 'upgrade'], ['x-a', 'upgrade']],
  ];
  for (const [value, want] of tokens) it(`Connection ${JSON.stringify(value)} names ${JSON.stringify(want)}`, () => assert.deepEqual([...connectionTokens(value)], want));

  const failures: [string | undefined, number][] = [
    ['ECONNREFUSED', 502],
    ['UND_ERR_SOCKET', 502],
    [undefined, 502],
    ['UND_ERR_CONNECT_TIMEOUT', 504],
    ['UND_ERR_HEADERS_TIMEOUT', 504],
    ['ETIMEDOUT', 504],
  ];
  for (const [code, want] of failures) it(`a backend failing with ${code} is a ${want}`, () => assert.equal(failureStatus(code), want));
});
