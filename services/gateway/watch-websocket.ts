/**
 * Watches over WebSocket, as kube-apiserver serves them: each event one text message (the JSON line
 * an HTTP watch would send). A browser needs them: it opens at most six HTTP/1.1 connections to a
 * host, so a page holding six streamed watches could send no other request; WebSockets are not
 * counted among those six.
 *
 * An upgrade that is no exec, attach or port-forward goes through the REST routes like any request
 * (routeUpgrade): authentication (a bearer token may come as a subprotocol, authn.ts),
 * authorization, the watch's checks; a refusal is a plain HTTP Status answer on the socket. Only
 * when the watch starts is the handshake completed (acceptWatch). The server echoes the one
 * subprotocol offered beside the token, as Kubernetes does; the client sends nothing.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError, badRequest } from '../../shared/errors.js';
import { notBearerProtocol } from '../../shared/auth/authn/index.js';
import { headerList } from '../../shared/header-list.js';
import type { WatchSink } from './watch.js';

const upgrades = new WeakMap<IncomingMessage, { readonly socket: Duplex; readonly head: Buffer }>();

/** Hand an upgrade request to the REST routes, answering on its socket. */
export function routeUpgrade(app: FastifyInstance, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  upgrades.set(req, { socket, head });
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  // An answer other than a watch (a refusal, or a plain GET): the socket ends with it.
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  app.routing(req, res);
}

/** True for a request that came as a WebSocket upgrade (routeUpgrade). */
export function isUpgrade(req: IncomingMessage): boolean {
  return upgrades.has(req);
}

/** The subprotocols besides a bearer token's (which insecure mode does not read, so may still be there). */
function echoable(req: IncomingMessage): string[] {
  return headerList(req.headers['sec-websocket-protocol']).filter(notBearerProtocol);
}

/** A watch's upgrade the handshake would refuse, refused before any work as a 400 Status. */
export function checkWatchUpgrade(req: IncomingMessage): void {
  const offered = echoable(req);
  if (offered.length > 1) throw badRequest(`bad WebSocket-Protocol: offer one subprotocol (besides a bearer token), not ${offered.length}`);
}

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  // The client sends nothing: a little room for a close frame's reason.
  maxPayload: 4096,
  handleProtocols: (offered) => [...offered].find(notBearerProtocol) ?? false,
});

/** Complete a checked watch's handshake (its reply hijacked): the sink its events go to. */
export function acceptWatch(req: IncomingMessage, res: ServerResponse): Promise<WatchSink> {
  const u = upgrades.get(req);
  if (!u) return Promise.reject(new ApiError('InternalError', 'not a WebSocket upgrade'));
  res.detachSocket(u.socket as Socket);
  return new Promise((resolve, reject) => {
    // ws answers a bad handshake itself (400) and closes the socket, without calling back.
    const failed = () => reject(new Error('the WebSocket handshake failed'));
    u.socket.once('close', failed);
    wss.handleUpgrade(req, u.socket, u.head, (ws) => {
      u.socket.off('close', failed);
      resolve(webSocketSink(ws));
    });
  });
}

/** Messages in flight (sent, not yet written to the socket) before a watch waits for its client. */
const HIGH_WATER = 1024;
const LOW_WATER = 256;

function webSocketSink(ws: WebSocket): WatchSink {
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  ws.on('close', wake);
  ws.on('error', () => ws.terminate());
  const open = () => ws.readyState === WebSocket.OPEN;
  return {
    start() {},
    send(line) {
      if (!open()) return true;
      inFlight++;
      ws.send(line, () => {
        inFlight--;
        if (inFlight <= LOW_WATER) wake();
      });
      return inFlight < HIGH_WATER;
    },
    drained: () => (!open() || inFlight <= LOW_WATER ? Promise.resolve() : new Promise((r) => waiters.push(r))),
    onClose: (cb) => void ws.once('close', cb),
    end() {
      if (open()) ws.close(1000);
    },
  };
}
