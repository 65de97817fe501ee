/**
 * What the ingress changes in a request and a response it passes on, pure (RFC 9110 §7.6.1 and
 * ingress-nginx's behaviour), as @fastify/reply-from's header hooks: hop-by-hop headers
 * (Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade and every
 * header the Connection header names) are the two connections' own and are not forwarded either
 * way; client-supplied X-Forwarded-* are replaced by the proxy's own (For: the client address,
 * Host: its Host header, Port: the port in it or the scheme's, Proto: http/https); Host is kept
 * (the library puts the backend's address there); `Expect` was answered by the server already
 * (100 Continue) and is not forwarded. A failed backend is a 502, one that timed out a 504.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const DROPPED_UPSTREAM = new Set([...HOP_BY_HOP, 'expect', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto']);
const NONE: ReadonlySet<string> = new Set();

/** Header names a Connection header lists (lower case), beside the fixed hop-by-hop set. */
export function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> {
  // The usual values name no header: no allocation for them.
  if (value === undefined || value === 'keep-alive' || value === 'close') return NONE;
  const out = new Set<string>();
  for (const v of Array.isArray(value) ? value : [value]) {
    for (const t of v.split(',')) {
      const name = t.trim().toLowerCase();
      if (name !== '' && name !== 'close' && name !== 'keep-alive') out.add(name);
    }
  }
  return out.size ? out : NONE;
}

export interface ClientFacts {
  /** The Host header the client sent. */
  readonly host: string | undefined;
  /** The client's address as the socket has it. */
  readonly remoteAddress: string | undefined;
  readonly scheme: 'http' | 'https';
}

/**
 * The headers the backend is sent, made from `headers` in place (the library's own copy of the
 * client's): hop-by-hop ones unset (undefined: undici sends no such header), Host the client's,
 * then X-Forwarded-*.
 */
export function upstreamHeaders(headers: IncomingHttpHeaders, client: ClientFacts): IncomingHttpHeaders {
  const named = connectionTokens(headers.connection);
  for (const name in headers) if (DROPPED_UPSTREAM.has(name) || named.has(name)) headers[name] = undefined;
  const host = client.host;
  const port = host ? /:(\d+)$/.exec(host)?.[1] : undefined;
  headers.host = host;
  if (client.remoteAddress) headers['x-forwarded-for'] = client.remoteAddress;
  if (host) headers['x-forwarded-host'] = host;
  headers['x-forwarded-port'] = port ?? (client.scheme === 'https' ? '443' : '80');
  headers['x-forwarded-proto'] = client.scheme;
  return headers;
}

/** The headers the client is sent: the backend's end-to-end headers (as undici hands them over). */
export function downstreamHeaders(headers: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = v;
  }
  return out;
}

/** The status for a backend that failed before answering: a timeout is 504, anything else 502 (as nginx answers). */
export function failureStatus(code: string | undefined): 502 | 504 {
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'ETIMEDOUT':
      return 504;
    default:
      return 502;
  }
}
