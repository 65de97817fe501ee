/**
 * `GET|POST /api/v1/namespaces/{ns}/pods/{name}/portforward`, what `kubectl port-forward` asks for
 * (kubectl resolves `svc/x` and `deploy/x` to a pod itself). kubectl 1.32 first asks for a WebSocket
 * with the subprotocol `SPDY/3.1+portforward.k8s.io` and tunnels SPDY through it; when that upgrade
 * fails it asks for a plain SPDY/3.1 upgrade. Either way the gateway opens a plain SPDY upgrade to
 * the kubelet of the pod's node (`/portForward/{ns}/{pod}` there) and copies bytes: the WebSocket's
 * binary messages are the SPDY connection's bytes, as in the API server's tunnelling handler. The
 * protocol itself is the kubelet's business (services/kubelet/portforward.ts). Client libraries'
 * WebSocket channel protocol (`v4.channel.k8s.io`, `?ports=`; @kubernetes/client-node's PortForward)
 * is relayed message by message to the kubelet's WebSocket endpoint instead.
 *
 * The kubelet is asked first and the client upgraded only once it accepted, so every refusal (no
 * pod, no host, a kubelet that cannot be reached, or refuses) is an HTTP Status answer.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocket, WebSocketServer } from 'ws';
import { ApiError, badRequest } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import {
  classifyUpgrade,
  parsePortList,
  WS_PORTFORWARD_PROTOCOL,
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
  /** Client libraries' WebSocket port-forward: the channel protocol, relayed message by message. */
  private readonly wsPlain = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(WS_PORTFORWARD_PROTOCOL) ? WS_PORTFORWARD_PROTOCOL : false),
  });
  private readonly upstreams = new Set<WebSocket>();

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
    let ports: readonly number[] = [];
    if (mode.type === 'websocket') {
      const parsed = parsePortList(url.searchParams.getAll('ports'), 'ports');
      if ('error' in parsed) throw badRequest(parsed.error);
      ports = parsed.ports;
    }
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const node = await this.store.get(resourceByPlural('nodes')!, '', nodeName);
    const { host, port } = kubeletAddress(node);
    const path = `/portForward/${[ns, name].map(encodeURIComponent).join('/')}`;
    const where = { pod: `${ns}/${name}`, node: nodeName, mode: mode.type };
    if (mode.type === 'websocket') {
      const query = ports.map((p) => `port=${p}`).join('&');
      const upstream = await kubeletWebSocket(`ws://${host}:${port}${path}?${query}`, mode.protocol, nodeName);
      this.wsPlain.handleUpgrade(req, socket, head, (client) => this.relay(client, upstream, where));
      return;
    }
    const upstream = await kubeletUpgrade(host, port, path, nodeName);
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

  /** Messages both ways, unchanged; either side closing closes the other. */
  private relay(client: WebSocket, held: HeldWebSocket, where: object): void {
    const upstream = held.ws;
    held.release();
    for (const m of held.early.splice(0)) client.send(m.data, { binary: m.binary });
    this.upstreams.add(upstream);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('message', (data: Buffer, binary) => upstream.readyState === WebSocket.OPEN && upstream.send(data, { binary }));
    upstream.on('message', (data: Buffer, binary) => client.readyState === WebSocket.OPEN && client.send(data, { binary }));
    client.once('close', () => upstream.close());
    upstream.once('close', () => {
      this.upstreams.delete(upstream);
      if (client.readyState === WebSocket.OPEN) client.close(1000);
    });
    if (upstream.readyState !== WebSocket.OPEN) client.close(1000); // it closed before the relay
    this.log.info(where, 'port-forward WebSocket relay opened');
  }

  close(): void {
    for (const u of this.upstreams) u.terminate();
    for (const c of this.wsPlain.clients) c.terminate();
    this.wsPlain.close();
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

/** A WebSocket to the kubelet's port-forward, once open; its refusal as an ApiError otherwise. */
interface HeldWebSocket {
  readonly ws: WebSocket;
  /** Messages that came before the relay was set up. */
  readonly early: { data: Buffer; binary: boolean }[];
  /** Stop holding messages. */
  release(): void;
}

function kubeletWebSocket(url: string, protocol: string, nodeName: string): Promise<HeldWebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol ? [protocol] : [], { perMessageDeflate: false, handshakeTimeout: KUBELET_TIMEOUT_MS });
    // The kubelet speaks first (each channel's port): hold its messages until the client is there.
    const early: { data: Buffer; binary: boolean }[] = [];
    const hold = (data: Buffer, binary: boolean) => early.push({ data, binary });
    ws.on('message', hold);
    ws.once('open', () => resolve({ ws, early, release: () => ws.off('message', hold) }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let message = `the kubelet of node "${nodeName}" answered ${res.statusCode}`;
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? message;
        } catch {
          /* not a Status */
        }
        reject(new ApiError(res.statusCode === 404 ? 'NotFound' : res.statusCode === 400 ? 'BadRequest' : 'InternalError', message));
      });
    });
    ws.once('error', (e) => reject(new ApiError('InternalError', `unable to upgrade connection: unable to reach the kubelet of node "${nodeName}": ${e.message}`)));
  });
}
