/** The bearer token of a WebSocket subprotocol and what a WebSocket request is (Kubernetes' rules). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isWebSocketRequest, protocolBearer, type ProtocolBearer } from '../../shared/auth/authn/index.js';
import { headerList } from '../../shared/header-list.js';

const P = 'base64url.bearer.authorization.k8s.io.';
const enc = (s: string) => Buffer.from(s).toString('base64url');

describe('protocolBearer', () => {
  const cases: [string, string | string[] | undefined, ProtocolBearer][] = [
    ['no header', undefined, { type: 'none' }],
    ['protocols, no token', 'v5.channel.k8s.io, binary.k8s.io', { type: 'none' }],
    ['token and another', `${P}${enc('abc')}, binary.k8s.io`, { type: 'token', token: 'abc', others: ['binary.k8s.io'] }],
    ['the other first, spaces and empty items', ` binary.k8s.io ,, ${P}${enc('a.b-c_d')} `, { type: 'token', token: 'a.b-c_d', others: ['binary.k8s.io'] }],
    ['over several headers', [`${P}${enc('t')}`, 'x, y'], { type: 'token', token: 't', others: ['x', 'y'] }],
    ['a token needing - and _ in base64url', `${P}${enc('\u00ff\u00fe~?>')}, x`, { type: 'token', token: '\u00ff\u00fe~?>', others: ['x'] }],
    ['the token alone', `${P}${enc('abc')}`, { type: 'invalid', message: 'missing additional subprotocol' }],
    ['two tokens', `${P}${enc('a')}, ${P}${enc('b')}, x`, { type: 'invalid', message: 'multiple base64.bearer.authorization tokens specified' }],
    ['padding', `${P}YWJj=, x`, { type: 'invalid', message: 'invalid base64.bearer.authorization token encoding' }],
    ['standard base64 alphabet', `${P}a+b/, x`, { type: 'invalid', message: 'invalid base64.bearer.authorization token encoding' }],
    ['impossible length', `${P}YWJjZ, x`, { type: 'invalid', message: 'invalid base64.bearer.authorization token encoding' }],
    ['not UTF-8', `${P}${Buffer.from([0xff, 0xfe]).toString('base64url')}, x`, { type: 'invalid', message: 'invalid base64.bearer.authorization token' }],
    ['an empty token is no token', `${P}, x`, { type: 'none' }],
  ];
  for (const [name, header, want] of cases) it(name, () => assert.deepEqual(protocolBearer(header), want));
});

describe('isWebSocketRequest', () => {
  const cases: [string, { connection?: string; upgrade?: string }, boolean][] = [
    ['upgrade to websocket', { connection: 'Upgrade', upgrade: 'websocket' }, true],
    ['tokens and case', { connection: 'keep-alive, UPGRADE', upgrade: 'WebSocket' }, true],
    ['SPDY', { connection: 'Upgrade', upgrade: 'SPDY/3.1' }, false],
    ['no Connection: upgrade', { connection: 'keep-alive', upgrade: 'websocket' }, false],
    ['plain', {}, false],
  ];
  for (const [name, headers, want] of cases) it(name, () => assert.equal(isWebSocketRequest(headers), want));
});

describe('headerList', () => {
  const cases: [string, string | string[] | undefined, string[]][] = [
    ['absent', undefined, []],
    ['empty', '', []],
    ['one', 'v5.channel.k8s.io', ['v5.channel.k8s.io']],
    ['comma-separated, spaces, empty items', ' a ,, b,', ['a', 'b']],
    ['repeated headers are one list', ['a, b', 'c'], ['a', 'b', 'c']],
  ];
  for (const [name, value, want] of cases) it(name, () => assert.deepEqual(headerList(value), want));
});
