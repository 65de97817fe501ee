/**
 * A bearer token in a WebSocket subprotocol (pure): browsers cannot set an Authorization header on
 * a WebSocket, so Kubernetes also reads `base64url.bearer.authorization.k8s.io.<base64url(token)>`
 * from Sec-WebSocket-Protocol (no padding). At most one such protocol; it needs another one beside
 * it, which is the one the server echoes. The others stay, for the handshake, once the token is read.
 */

import { headerList } from '../../header-list.js';

export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** Whether a subprotocol is not a bearer token's (the ones a server may echo). */
export const notBearerProtocol = (p: string): boolean => !p.startsWith(BEARER_PROTOCOL_PREFIX);

export type ProtocolBearer =
  /** No token among the protocols. */
  | { readonly type: 'none' }
  | { readonly type: 'token'; readonly token: string; /** The protocols without the token's. */ readonly others: readonly string[] }
  | { readonly type: 'invalid'; readonly message: string };

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function protocolBearer(header: string | readonly string[] | undefined): ProtocolBearer {
  let token: string | undefined;
  const others: string[] = [];
  for (const p of headerList(header)) {
    if (!p.startsWith(BEARER_PROTOCOL_PREFIX)) {
      others.push(p);
      continue;
    }
    if (token !== undefined) return { type: 'invalid', message: 'multiple base64.bearer.authorization tokens specified' };
    const encoded = p.slice(BEARER_PROTOCOL_PREFIX.length);
    // Raw (unpadded) base64url: no padding, no other alphabet, no impossible length.
    if (!BASE64URL.test(encoded) || encoded.length % 4 === 1) return { type: 'invalid', message: 'invalid base64.bearer.authorization token encoding' };
    const bytes = Buffer.from(encoded, 'base64url');
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { type: 'invalid', message: 'invalid base64.bearer.authorization token' };
    }
    token = decoded;
  }
  if (token === undefined || token === '') return { type: 'none' };
  if (others.length === 0) return { type: 'invalid', message: 'missing additional subprotocol' };
  return { type: 'token', token, others };
}

/** A WebSocket upgrade request (Kubernetes' wsstream.IsWebSocketRequest): Connection names upgrade, Upgrade is websocket. */
export function isWebSocketRequest(headers: { readonly connection?: string | undefined; readonly upgrade?: string | undefined }): boolean {
  const connection = (headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase());
  return connection.includes('upgrade') && (headers.upgrade ?? '').trim().toLowerCase() === 'websocket';
}
