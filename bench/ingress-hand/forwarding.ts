/**
 * The hand forwarder's (bench:ingress's peer baseline) two header decisions that differ from the
 * service's forwarding.ts, as they were: the backend's headers built as a new object from the
 * client's, and whether a request has a body to stream. The rest is the service's.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connectionTokens } from '../../services/ingress/forwarding.js';

export { downstreamHeaders, failureStatus } from '../../services/ingress/forwarding.js';

const DROPPED_UPSTREAM = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto']);

/** The headers the backend is sent: the client's end-to-end headers (Host kept), then X-Forwarded-*. */
export function upstreamHeaders(headers: IncomingHttpHeaders, client: { readonly remoteAddress: string | undefined; readonly scheme: 'http' | 'https' }): Record<string, string | string[]> {
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

/** Does the request carry a body to forward (a Content-Length above 0, or a Transfer-Encoding)? */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const n = headers['content-length'];
  return n !== undefined && n !== '0';
}
