/**
 * The port-forward protocol kubectl speaks (pure: no I/O). What goes over the wire:
 *
 * - **SPDY** (`portforward.k8s.io`): one SPDY/3.1 connection per `kubectl port-forward`; for every
 *   local connection the client opens two streams with the same `requestID` header, first
 *   `streamType: error` (which it half-closes at once: only the server writes on it), then
 *   `streamType: data`; both carry `port`. The server dials the pod's port once it has both,
 *   copies bytes both ways on the data stream, writes a message on the error stream if forwarding
 *   failed, and closes both. kubectl prints that message (`an error occurred forwarding L -> R: ...`).
 *   The SPDY connection is reached by an HTTP upgrade (`Upgrade: SPDY/3.1`,
 *   `X-Stream-Protocol-Version: portforward.k8s.io`).
 * - **SPDY tunnelled in a WebSocket** (kubectl ≥ 1.31, PortForwardWebsockets): a WebSocket upgrade
 *   with the subprotocol `SPDY/3.1+portforward.k8s.io`; every binary message carries the next bytes
 *   of the same SPDY connection. kubectl falls back to the plain SPDY upgrade when this upgrade fails.
 *
 * The gateway passes both to the kubelet as a plain SPDY upgrade, as the API server does; the
 * kubelet is the only SPDY speaker (shared/spdy.ts). Client libraries' WebSocket protocol is at the
 * end of this file.
 */
import { headerList } from './header-list.js';

/** The only port-forward stream protocol there is. */
export const PORTFORWARD_PROTOCOL_V1 = 'portforward.k8s.io';
/** The prefix kubectl puts on a protocol it wants tunnelled as SPDY inside a WebSocket. */
export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';
/** The WebSocket subprotocol of the tunnel. */
export const TUNNEL_PROTOCOL = `${SPDY_TUNNEL_PREFIX}${PORTFORWARD_PROTOCOL_V1}`;
/** The HTTP header both sides name their stream protocols in (the client lists, the server picks). */
export const STREAM_PROTOCOL_HEADER = 'X-Stream-Protocol-Version';
/** The Upgrade token of a plain SPDY connection. */
export const SPDY_UPGRADE = 'SPDY/3.1';

/** Header names on each stream (SPDY lower-cases them on the wire). */
export const PORT_HEADER = 'port';
export const STREAM_TYPE_HEADER = 'streamType';
export const REQUEST_ID_HEADER = 'requestID';

/** How long the server waits for the second stream of a pair before giving up on the request. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

export type StreamType = 'error' | 'data';

export interface StreamHeaders {
  readonly port: number;
  readonly streamType: StreamType;
  /** The request id, or the stream-id-based one Kubernetes derives for clients that send none. */
  readonly requestId: string;
}

/** Header lookup, case-insensitive (SPDY header names are lower case, HTTP ones are not). */
function header(headers: Readonly<Record<string, string | readonly string[] | undefined>>, name: string): string {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== want || v === undefined) continue;
    return Array.isArray(v) ? (v[0] ?? '') : (v as string);
  }
  return '';
}

/** A port as Kubernetes parses it (a decimal that fits in 16 bits), or the reason it is not one. */
export function parsePort(s: string): { port: number } | { error: string } {
  if (!/^[0-9]+$/.test(s)) return { error: `unable to parse "${s}" as a port: strconv.ParseUint: parsing "${s}": invalid syntax` };
  const n = Number(s);
  if (n > 65535) return { error: `unable to parse "${s}" as a port: strconv.ParseUint: parsing "${s}": value out of range` };
  if (n < 1) return { error: `port "${s}" must be > 0` };
  return { port: n };
}

/**
 * Check a new stream's headers as the kubelet does before accepting it (pure); a refused stream
 * is reset. `streamId` stands in for a missing requestID (old clients): the error stream's own
 * id, the data stream's id minus 2.
 */
export function checkStreamHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>, streamId: number): StreamHeaders | { error: string } {
  const portString = header(headers, PORT_HEADER);
  if (!portString) return { error: `"${PORT_HEADER}" header is required` };
  const p = parsePort(portString);
  if ('error' in p) return p;
  const streamType = header(headers, STREAM_TYPE_HEADER);
  if (!streamType) return { error: `"${STREAM_TYPE_HEADER}" header is required` };
  if (streamType !== 'error' && streamType !== 'data') return { error: `invalid stream type "${streamType}"` };
  const requestId = header(headers, REQUEST_ID_HEADER) || String(streamType === 'error' ? streamId : streamId - 2);
  return { port: p.port, streamType, requestId };
}

/** One request's two streams as they arrive. */
export interface StreamPair<S> {
  readonly requestId: string;
  error?: S;
  data?: S;
}

export type AddResult<S> =
  | { readonly type: 'waiting'; readonly pair: StreamPair<S>; readonly created: boolean }
  | { readonly type: 'complete'; readonly pair: Required<StreamPair<S>> }
  | { readonly type: 'duplicate'; readonly pair: StreamPair<S>; readonly message: string };

/**
 * The pairs of one connection, keyed by request id (no I/O: the caller dials, times out and
 * writes). A completed pair leaves the table: its request id may be reused afterwards.
 */
export class StreamPairs<S> {
  private readonly pairs = new Map<string, StreamPair<S>>();

  add(h: StreamHeaders, stream: S): AddResult<S> {
    let pair = this.pairs.get(h.requestId);
    const created = !pair;
    if (!pair) {
      pair = { requestId: h.requestId };
      this.pairs.set(h.requestId, pair);
    }
    if (pair[h.streamType] !== undefined) {
      return { type: 'duplicate', pair, message: `error processing stream for request ${h.requestId}: ${h.streamType} stream already assigned` };
    }
    pair[h.streamType] = stream;
    if (pair.error !== undefined && pair.data !== undefined) {
      this.pairs.delete(h.requestId);
      return { type: 'complete', pair: pair as Required<StreamPair<S>> };
    }
    return { type: 'waiting', pair, created };
  }

  /** Drop a pair that timed out; returns it if it was still waiting. */
  expire(requestId: string): StreamPair<S> | undefined {
    const p = this.pairs.get(requestId);
    this.pairs.delete(requestId);
    return p;
  }

  get size(): number {
    return this.pairs.size;
  }
}

/** The message on the error stream when forwarding failed (the kubelet's wording). */
export function forwardError(port: number, podFullName: string, uid: string, cause: string): string {
  return `error forwarding port ${port} to pod ${podFullName}, uid ${uid}: ${cause}`;
}

/** The message on the error stream when a pair's second stream never came. */
export function pairTimeoutError(requestId: string): string {
  return `(request=${requestId}) timed out waiting for streams`;
}

/**
 * The stream protocol handshake of an upgrade (pure): the client lists protocols in one or more
 * `X-Stream-Protocol-Version` headers. None listed: accepted without one (old clients). Otherwise
 * the first the server supports, or a 403 with Kubernetes' message.
 */
export function handshake(offered: string | readonly string[] | undefined, supported: readonly string[] = [PORTFORWARD_PROTOCOL_V1]): { protocol: string } | { code: 403; message: string } {
  const list = headerList(offered);
  if (list.length === 0) return { protocol: '' };
  const found = list.find((p) => supported.includes(p));
  if (found) return { protocol: found };
  return { code: 403, message: `unable to upgrade: unable to negotiate protocol: client supports [${list.join(' ')}], server supports [${supported.join(' ')}]` };
}

/** How a client asks for a port-forward connection (pure, from its upgrade headers). */
export type PortForwardUpgrade =
  | { readonly type: 'tunnel'; readonly protocol: string }
  | { readonly type: 'spdy' }
  | { readonly type: 'websocket'; readonly protocol: string }
  | { readonly type: 'unsupported'; readonly message: string };

export function classifyUpgrade(upgrade: string | undefined, wsProtocols: string | undefined): PortForwardUpgrade {
  const up = (upgrade ?? '').trim().toLowerCase();
  if (up === 'websocket') {
    const offered = headerList(wsProtocols);
    const tunnel = offered.find((p) => p === TUNNEL_PROTOCOL);
    if (tunnel) return { type: 'tunnel', protocol: tunnel };
    const ws = negotiateWsPortForward(wsProtocols);
    if (ws !== undefined) return { type: 'websocket', protocol: ws };
    return {
      type: 'unsupported',
      message: `unable to upgrade connection: port-forward over WebSocket needs the subprotocol ${TUNNEL_PROTOCOL} (SPDY tunnelled in WebSocket, what kubectl sends) or ${WS_PORTFORWARD_PROTOCOL}; offered: [${offered.join(' ')}]`,
    };
  }
  if (up.startsWith('spdy/3')) return { type: 'spdy' };
  return { type: 'unsupported', message: `unable to upgrade connection: port-forward needs an upgrade to ${SPDY_UPGRADE} or to a WebSocket with the subprotocol ${TUNNEL_PROTOCOL}, not ${upgrade ? `"${upgrade}"` : 'a plain request'}` };
}

/**
 * The `ws` library refuses subprotocols that are not RFC 7230 tokens, and `SPDY/3.1+...` has a `/`.
 * A WebSocket server therefore hands it a token stand-in and writes the real name back in the
 * answer's Sec-WebSocket-Protocol header.
 */
export const TUNNEL_PROTOCOL_TOKEN = 'jetkube-spdy-3.1-portforward.k8s.io';

/*
 * The WebSocket port-forward protocol of client libraries (@kubernetes/client-node's PortForward):
 * a WebSocket (`v4.channel.k8s.io`, or no subprotocol) to `portforward?ports=P[,Q...]`. Port i has
 * channel 2i (data, both ways) and 2i+1 (error, server to client); every message is its channel
 * byte then bytes. The server's first message on each channel is the port, two bytes little
 * endian. One TCP connection per port, dialled at once; the WebSocket closes when they all ended.
 */

/** The binary channel protocol for WebSocket port-forward (the kubelet's; v5 is not offered for it). */
export const WS_PORTFORWARD_PROTOCOL = 'v4.channel.k8s.io';

/** The ports of a WebSocket port-forward request (pure): every value, comma-separated lists too. */
export function parsePortList(values: readonly string[], param: string): { ports: number[] } | { error: string } {
  if (values.length === 0) return { error: `query parameter "${param}" is required` };
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') return { error: `query parameter "${param}" cannot be empty` };
    for (const part of v.split(',')) {
      const p = parsePort(part);
      if ('error' in p) return p;
      ports.push(p.port);
    }
  }
  return { ports };
}

/** The first message of a channel: the channel byte and the port, little endian (pure). */
export function portPrefix(channel: number, port: number): Buffer {
  return Buffer.from([channel, port & 0xff, (port >> 8) & 0xff]);
}

/** The subprotocol to answer a WebSocket port-forward with: ours if offered, '' if none was offered, undefined to refuse. */
export function negotiateWsPortForward(offered: string | undefined): string | undefined {
  const list = headerList(offered);
  if (list.length === 0) return '';
  return list.includes(WS_PORTFORWARD_PROTOCOL) ? WS_PORTFORWARD_PROTOCOL : undefined;
}
