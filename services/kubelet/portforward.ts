/**
 * The kubelet's `/portForward/{namespace}/{pod}` (the real kubelet's path): an HTTP upgrade to
 * SPDY/3.1 speaking `portforward.k8s.io` (shared/portforward.ts), which the gateway's
 * `pods/{name}/portforward` reaches for kubectl. Each pair of streams (error + data, one request id)
 * is one TCP connection to the pod's port on the pod's address; a failure to connect is written on
 * the error stream with the kubelet's wording, and kubectl prints it.
 *
 * Before the upgrade: an unknown pod is a 404 Status, a wrong upgrade a 400, a client without our
 * stream protocol a 403 (Kubernetes' handshake). After it, every failure is per request.
 */
import type { IncomingMessage, Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, isApiError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { WebSocket, WebSocketServer } from 'ws';
import {
  checkStreamHeaders,
  negotiateWsPortForward,
  parsePortList,
  portPrefix,
  WS_PORTFORWARD_PROTOCOL,
  forwardError,
  handshake,
  pairTimeoutError,
  SPDY_UPGRADE,
  STREAM_CREATION_TIMEOUT_MS,
  STREAM_PROTOCOL_HEADER,
  StreamPairs,
} from '../../shared/portforward.js';
import { serveSpdy, type SpdyStream } from '../../shared/spdy.js';
import { rejectUpgrade } from './exec.js';

/** A pod this kubelet runs, as port-forward needs it. */
export interface PortForwardPod {
  /** `name_namespace`, as the kubelet names pods in its messages. */
  readonly fullName: string;
  readonly uid: string;
  /** The address the pod's ports are reached at; rejects (with the reason kubectl shows) when there is none. */
  address(): Promise<string>;
}

/** Find a pod of this kubelet; throws ApiError NotFound when it runs no such pod. */
export type PortForwardResolver = (ns: string, pod: string) => Promise<PortForwardPod>;

export const PORT_FORWARD_PATH = /^\/portForward\/([^/]+)\/([^/]+)(?:\/[^/]+)?$/;

/** Serve port-forward upgrades on the kubelet's HTTP server. */
export function attachPortForwardServer(server: Server, resolve: PortForwardResolver, log: Logger, timeoutMs = STREAM_CREATION_TIMEOUT_MS): { close(): void } {
  const live = new Set<{ destroy(): void }>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => (offered.has(WS_PORTFORWARD_PROTOCOL) ? WS_PORTFORWARD_PROTOCOL : false) });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const m = PORT_FORWARD_PATH.exec(url.pathname);
    if (!m) return; // exec.ts answers every other path
    socket.on('error', () => undefined);
    void (async () => {
      const ns = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
        const protocol = negotiateWsPortForward(req.headers['sec-websocket-protocol']);
        if (protocol === undefined) throw new ApiError('BadRequest', `unable to upgrade connection: port-forward over WebSocket speaks ${WS_PORTFORWARD_PROTOCOL}`);
        const ports = parsePortList(url.searchParams.getAll('port'), 'port');
        if ('error' in ports) throw new ApiError('BadRequest', ports.error);
        const pod = await resolve(ns, name);
        wss.handleUpgrade(req, socket, head, (ws) => {
          const conn = serveWebSocket(ws, ports.ports, pod, log.child({ pod: `${ns}/${name}` }));
          live.add(conn);
          void conn.closed.then(() => live.delete(conn));
        });
        return;
      }
      if (!(req.headers.upgrade ?? '').toUpperCase().startsWith('SPDY/3')) {
        throw new ApiError('BadRequest', `unable to upgrade connection: port-forward needs an upgrade to ${SPDY_UPGRADE}`);
      }
      const hs = handshake(req.headers[STREAM_PROTOCOL_HEADER.toLowerCase()]);
      if ('code' in hs) throw new ApiError('Forbidden', hs.message);
      const pod = await resolve(ns, name);
      const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', `Upgrade: ${SPDY_UPGRADE}`];
      if (hs.protocol) lines.push(`${STREAM_PROTOCOL_HEADER}: ${hs.protocol}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) socket.unshift(head);
      const conn = servePod(socket, pod, log.child({ pod: `${ns}/${name}` }), timeoutMs);
      live.add(conn);
      void conn.closed.then(() => live.delete(conn));
    })().catch((e) => {
      const err = isApiError(e) ? e : new ApiError('InternalError', (e as Error).message);
      if (socket.writable) rejectUpgrade(socket, err.code, err.toStatus());
    });
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const c of live) c.destroy();
      live.clear();
      wss.close();
    },
  };
}

/** One SPDY connection: pair the streams, forward each pair to the pod. */
function servePod(socket: Duplex, pod: PortForwardPod, log: Logger, timeoutMs: number): { closed: Promise<void>; destroy(): void } {
  const pairs = new StreamPairs<SpdyStream>();
  const sockets = new Set<Socket>();
  const timers = new Map<string, NodeJS.Timeout>();
  const conn = serveSpdy(
    socket,
    (s) => {
      const h = checkStreamHeaders(s.headers, s.id);
      if ('error' in h) {
        log.warn({ stream: s.id, problem: h.error }, 'port-forward: stream refused');
        s.abort();
        return;
      }
      s.respond(200, {});
      const r = pairs.add(h, s);
      switch (r.type) {
        case 'duplicate':
          log.warn({ request: h.requestId, problem: r.message }, 'port-forward: bad stream');
          r.pair.error?.end(r.message);
          s.abort();
          return;
        case 'waiting':
          if (r.created) {
            timers.set(
              h.requestId,
              setTimeout(() => {
                timers.delete(h.requestId);
                const p = pairs.expire(h.requestId);
                p?.error?.end(pairTimeoutError(h.requestId));
                p?.data?.abort();
              }, timeoutMs),
            );
          }
          return;
        case 'complete': {
          clearTimeout(timers.get(h.requestId));
          timers.delete(h.requestId);
          void forward(r.pair.data, r.pair.error, h.port, pod, log, sockets);
          return;
        }
        default: {
          const never: never = r;
          return never;
        }
      }
    },
    (e) => log.warn({ err: e.message }, 'port-forward: SPDY protocol error'),
  );
  void conn.closed.then(() => {
    for (const t of timers.values()) clearTimeout(t);
    for (const s of sockets) s.destroy();
  });
  log.info({ pod: pod.fullName }, 'port-forward connection opened');
  return conn;
}

/** One forwarded connection: the data stream to `address:port`, both ways, until both sides end. */
async function forward(data: SpdyStream, error: SpdyStream, port: number, pod: PortForwardPod, log: Logger, sockets: Set<Socket>): Promise<void> {
  const fail = (cause: string) => {
    log.info({ port, problem: cause }, 'port-forward: forwarding failed');
    error.end(forwardError(port, pod.fullName, pod.uid, cause));
    data.end();
  };
  let host: string;
  try {
    host = await pod.address();
  } catch (e) {
    return fail((e as Error).message);
  }
  const sock = connect({ host, port });
  sockets.add(sock);
  let connected = false;
  sock.once('connect', () => {
    connected = true;
    data.pipe(sock);
    sock.pipe(data);
  });
  sock.on('error', (e) => {
    if (!connected) fail(`failed to connect to ${host}:${port}: ${e.message}`);
  });
  sock.once('close', () => {
    sockets.delete(sock);
    if (connected && data.writable) data.end();
    if (error.writable) error.end();
  });
  // The client reset the stream (its local connection failed): drop the pod's side too.
  data.once('close', () => {
    if (!sock.destroyed && !data.readableEnded) sock.destroy();
  });
}

/**
 * One WebSocket port-forward (client libraries): a TCP connection per port at once, its bytes on the
 * port's data channel, a failure on its error channel; the WebSocket closes when all have ended.
 */
function serveWebSocket(ws: WebSocket, ports: readonly number[], pod: PortForwardPod, log: Logger): { closed: Promise<void>; destroy(): void } {
  const sockets: (Socket | undefined)[] = ports.map(() => undefined);
  const pending: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), typeof data === 'string' ? Buffer.from(data) : data]));
  };
  const done = () => {
    if (--open === 0 && ws.readyState === WebSocket.OPEN) ws.close(1000);
  };
  ws.on('error', () => undefined);
  ws.on('message', (raw: Buffer) => {
    const msg = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
    if (msg.length < 1 || msg[0]! % 2 !== 0) return; // only data channels carry client bytes
    const i = msg[0]! / 2;
    if (i >= ports.length) return;
    const data = msg.subarray(1);
    const sock = sockets[i];
    if (sock && !sock.connecting) sock.write(data);
    else pending[i]!.push(data);
  });
  ws.once('close', () => {
    for (const s of sockets) s?.destroy();
  });
  ports.forEach((port, i) => {
    send(2 * i, portPrefix(2 * i, port).subarray(1));
    send(2 * i + 1, portPrefix(2 * i + 1, port).subarray(1));
    void (async () => {
      let host: string;
      try {
        host = await pod.address();
      } catch (e) {
        send(2 * i + 1, forwardError(port, pod.fullName, pod.uid, (e as Error).message));
        return done();
      }
      const sock = connect({ host, port });
      sockets[i] = sock;
      let connected = false;
      sock.once('connect', () => {
        connected = true;
        for (const d of pending[i]!.splice(0)) sock.write(d);
      });
      sock.on('data', (d: Buffer) => send(2 * i, d));
      sock.on('error', (e) => {
        if (!connected) send(2 * i + 1, forwardError(port, pod.fullName, pod.uid, `failed to connect to ${host}:${port}: ${e.message}`));
      });
      sock.once('close', done);
    })();
  });
  log.info({ pod: pod.fullName, ports }, 'port-forward WebSocket opened');
  return { closed, destroy: () => ws.terminate() };
}
