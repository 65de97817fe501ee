/**
 * What the ingress changes in a request and a response it passes on, pure (RFC 9110 §7.6.1 and
 * ingress-nginx's behaviour): hop-by-hop headers (Connection, Keep-Alive, Proxy-Connection, TE,
 * Trailer, Transfer-Encoding, Upgrade and every header the Connection header names) are the two
 * connections' own and are not forwarded either way; client-supplied X-Forwarded-* are replaced by
 * the proxy's own (For: the client address, Host: its Host header, Port: the port in it or the
 * scheme's, Proto: http/https); Host is kept; `Expect` was answered by the server already (100
 * Continue) and is not forwarded. A failed backend is a 502, one that timed out a 504.
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
  /** The client's address as the socket has it. */
  readonly remoteAddress: string | undefined;
  readonly scheme: 'http' | 'https';
}

/** The headers the backend is sent: the client's end-to-end headers (Host kept), then X-Forwarded-*. */
export function upstreamHeaders(headers: IncomingHttpHeaders, client: ClientFacts): Record<string, string | string[]> {
  const named = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || DROPPED_UPSTREAM.has(name) || named.has(name)) continue;
    out[name] = v;
  }
  const host = headers.host;
  const port = host ? /:(\d+)$/.exec(host)?.[1] : undefined;
  if (client.remoteAddress) out['x-forwarded-for'] = client.remoteAddress;
  if (host) out['x-forwarded-host'] = host;
  out['x-forwarded-port'] = port ?? (client.scheme === 'https' ? '443' : '80');
  out['x-forwarded-proto'] = client.scheme;
  return out;
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

/** Does the request carry a body to forward (a Content-Length above 0, or a Transfer-Encoding)? */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const n = headers['content-length'];
  return n !== undefined && n !== '0';
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
