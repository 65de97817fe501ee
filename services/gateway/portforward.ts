/**
 * `GET|POST /api/v1/namespaces/{ns}/pods/{name}/portforward`, what `kubectl port-forward` asks for
 * (kubectl resolves `svc/x` and `deploy/x` to a pod itself). kubectl 1.32 first asks for a WebSocket
 * with the subprotocol `SPDY/3.1+portforward.k8s.io` and tunnels SPDY through it; when that upgrade
 * fails it asks for a plain SPDY/3.1 upgrade. Either way the gateway opens a plain SPDY upgrade to
 * the kubelet of the pod's node (`/portForward/{ns}/{pod}` there) and copies bytes: the WebSocket's
 * binary messages are the SPDY connection's bytes, as in the API server's tunnelling handler. The
 * protocol itself is the kubelet's business (services/kubelet/portforward.ts).
 *
 * The kubelet is asked first and the client upgraded only once it accepted, so every refusal (no
 * pod, no host, a kubelet that cannot be reached, or refuses) is an HTTP Status answer.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { ApiError, badRequest } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import {
  classifyUpgrade,
  PORTFORWARD_PROTOCOL_V1,
  SPDY_UPGRADE,
  STREAM_PROTOCOL_HEADER,
  TUNNEL_PROTOCOL,
  TUNNEL_PROTOCOL_TOKEN,
} from '../../shared/portforward.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { kubeletAddress } from './logs.js';
import type { ObjectStore } from './store.js';

export const PORT_FORWARD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward\/?$/;

const KUBELET_TIMEOUT_MS = 10_000;

export class PortForwardProxy {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(TUNNEL_PROTOCOL_TOKEN) ? TUNNEL_PROTOCOL_TOKEN : false),
  });
  private readonly live = new Set<Duplex>();

  constructor(
    private readonly store: ObjectStore,
    private readonly log: Logger,
  ) {
    // The answer names the protocol the client asked for (see TUNNEL_PROTOCOL_TOKEN).
    this.wss.on('headers', (headers) => {
      for (let i = 0; i < headers.length; i++) {
        if (headers[i]!.toLowerCase().startsWith('sec-websocket-protocol:')) headers[i] = `Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`;
      }
    });
  }

  handles(pathname: string): boolean {
    return PORT_FORWARD_PATH.test(pathname);
  }

  /** Check, reach the kubelet, then upgrade the client; throws ApiError for a refusal before the upgrade. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const m = PORT_FORWARD_PATH.exec(url.pathname);
    if (!m || (req.method !== 'GET' && req.method !== 'POST')) throw new ApiError('NotFound', 'the server could not find the requested resource');
    const ns = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    const pod = await this.store.get(resourceByPlural('pods')!, ns, name);
    const mode = classifyUpgrade(req.headers.upgrade, req.headers['sec-websocket-protocol']);
    if (mode.type === 'unsupported') throw badRequest(mode.message);
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const node = await this.store.get(resourceByPlural('nodes')!, '', nodeName);
    const { host, port } = kubeletAddress(node);
    const path = `/portForward/${[ns, name].map(encodeURIComponent).join('/')}`;
    const upstream = await kubeletUpgrade(host, port, path, nodeName);
    const where = { pod: `${ns}/${name}`, node: nodeName, mode: mode.type };
    if (socket.destroyed) {
      upstream.destroy();
      return;
    }
    if (mode.type === 'spdy') {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${SPDY_UPGRADE}\r\n${STREAM_PROTOCOL_HEADER}: ${PORTFORWARD_PROTOCOL_V1}\r\n\r\n`,
      );
      if (head.length) upstream.write(head);
      this.splice(socket, upstream, where);
      return;
    }
    // ws refuses the `/` in the subprotocol's name: let it see a token stand-in.
    req.headers['sec-websocket-protocol'] = TUNNEL_PROTOCOL_TOKEN;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const tunnel = createWebSocketStream(ws, { allowHalfOpen: false });
      this.splice(tunnel, upstream, where);
    });
  }

  /** Bytes both ways; either side ending or failing closes both. */
  private splice(a: Duplex, b: Socket, where: object): void {
    this.live.add(a);
    this.live.add(b);
    a.on('error', () => undefined);
    b.on('error', () => undefined);
    a.pipe(b);
    b.pipe(a);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      a.destroy();
      b.destroy();
      this.live.delete(a);
      this.live.delete(b);
      this.log.info(where, 'port-forward tunnel closed');
    };
    a.once('close', close);
    b.once('close', close);
    this.log.info(where, 'port-forward tunnel opened');
  }

  close(): void {
    for (const s of this.live) s.destroy();
    this.live.clear();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}

/** A SPDY upgrade to the kubelet: its socket once it switched protocols; its Status (or ours) otherwise. */
function kubeletUpgrade(host: string, port: number, path: string, nodeName: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: host.replace(/^\[|\]$/g, ''),
      port,
      path,
      method: 'POST',
      agent: false,
      timeout: KUBELET_TIMEOUT_MS,
      headers: { Connection: 'Upgrade', Upgrade: SPDY_UPGRADE, [STREAM_PROTOCOL_HEADER]: PORTFORWARD_PROTOCOL_V1 },
    });
    req.once('upgrade', (_res, sock, upHead) => {
      sock.setTimeout(0);
      if (upHead.length) sock.unshift(upHead);
      resolve(sock);
    });
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let status: { message?: string; reason?: string } | undefined;
        try {
          status = JSON.parse(body) as { message?: string; reason?: string };
        } catch {
          /* not a Status */
        }
        const message = status?.message ?? `the kubelet of node "${nodeName}" answered ${res.statusCode}: ${body.slice(0, 200)}`;
        const reason = res.statusCode === 404 ? 'NotFound' : res.statusCode === 403 ? 'Forbidden' : res.statusCode === 400 ? 'BadRequest' : 'InternalError';
        reject(new ApiError(reason, message));
      });
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (e) => reject(new ApiError('InternalError', `unable to upgrade connection: unable to reach the kubelet of node "${nodeName}": ${e.message}`)));
    req.end();
  });
}
