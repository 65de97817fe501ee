/**
 * `GET|POST /api/v1/namespaces/{ns}/pods/{name}/exec` and `/attach` over WebSocket (v5.channel.k8s.io, or v4),
 * what kubectl 1.32 speaks: check the request as the API server does (pod, container, streams,
 * node), upgrade, then tunnel every message both ways to the kubelet serving the pod's node
 * (`/exec|attach/{ns}/{pod}/{container}` there, like logs.ts proxies `/containerLogs`). The framing is the
 * kubelet's business (shared/remotecommand.ts); the gateway relays messages unchanged.
 *
 * Refusals before the upgrade are HTTP Status answers (kubectl then retries with SPDY, gets the
 * same answer and prints it). A kubelet that cannot be reached after the upgrade is an InternalError
 * Status on the error stream. SPDY upgrades with valid options are refused with a 400 that says so.
 */
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError, badRequest, isApiError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import {
  encodeFrame,
  ERROR,
  internalErrorStatus,
  kubeletQuery,
  negotiateProtocol,
  parseStreamOptions,
  PROTOCOL_V5,
  StreamOptionsError,
  type StreamOptions,
} from '../../shared/remotecommand.js';
import { kubeletAddress } from './logs.js';
import type { ObjectStore } from './store.js';

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)\/?$/;

interface Named {
  readonly name: string;
}

/** The container to exec in (pure): the named one, or the only one; the API server's messages. */
export function execContainer(pod: KObject, container: string | undefined): string {
  const spec = (pod.spec ?? {}) as { containers?: readonly Named[]; initContainers?: readonly Named[]; ephemeralContainers?: readonly Named[] };
  const name = pod.metadata.name!;
  const main = (spec.containers ?? []).map((c) => c.name);
  const init = (spec.initContainers ?? []).map((c) => c.name);
  const ephemeral = (spec.ephemeralContainers ?? []).map((c) => c.name);
  if (!container) {
    if (main.length === 1) return main[0]!;
    if (main.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    let msg = `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    throw badRequest(msg);
  }
  if (![...main, ...init, ...ephemeral].includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** Check an exec request (pure, but for the pod it is given): its options, container and node. */
export function checkExec(pod: KObject, q: URLSearchParams, kind: 'exec' | 'attach'): { opts: StreamOptions; container: string; nodeName: string } {
  let opts: StreamOptions;
  try {
    opts = parseStreamOptions(q, kind);
  } catch (e) {
    if (e instanceof StreamOptionsError) throw badRequest(e.message);
    throw e;
  }
  const container = execContainer(pod, opts.container);
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot ${kind === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`);
  return { opts, container, nodeName };
}

export function rejectUpgrade(socket: Duplex, code: number, status: object): void {
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Another upgrading route (port-forward). */
export interface UpgradeRoute {
  handles(pathname: string): boolean;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

export class ExecProxy {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => negotiateProtocol([...offered]) ?? false });
  private readonly upstreams = new Set<WebSocket>();

  constructor(
    private readonly store: ObjectStore,
    private readonly log: Logger,
    /** Authentication and authorization of an upgrade (fastify's hooks never see it): throws to refuse. */
    private readonly gate?: (req: IncomingMessage) => Promise<void> | void,
  ) {}

  /**
   * Take the server's upgrade requests: exec and attach here, `others` the paths they handle, and
   * `rest` the rest (watches over WebSocket, watch-websocket.ts), which authenticates them itself.
   */
  attach(server: Server, others: readonly UpgradeRoute[] = [], rest?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      const pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
      const route = others.find((r) => r.handles(pathname));
      if (!route && !PATH.test(pathname) && rest) return rest(req, socket, head);
      // Upgrades bypass fastify's hooks: every one (port-forward's too) is authenticated and authorized here.
      (async () => {
        await this.gate?.(req);
        await (route ? route.upgrade(req, socket, head) : this.upgrade(req, socket, head));
      })().catch((e) => {
        const err = isApiError(e) ? e : new ApiError('InternalError', (e as Error).message);
        if (socket.writable) rejectUpgrade(socket, err.code, err.toStatus());
      });
    });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const m = PATH.exec(url.pathname);
    if (!m || (req.method !== 'GET' && req.method !== 'POST')) throw new ApiError('NotFound', 'the server could not find the requested resource');
    const ns = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    const kind = m[3] as 'exec' | 'attach';
    const pod = await this.store.get(resourceByPlural('pods')!, ns, name);
    const { opts, container, nodeName } = checkExec(pod, url.searchParams, kind);
    const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!isWebSocket) throw badRequest(`unable to upgrade connection: only WebSocket (${PROTOCOL_V5}) is supported for ${kind}, not ${req.headers.upgrade ?? 'a plain request'}`);
    const protocol = negotiateProtocol(req.headers['sec-websocket-protocol']);
    if (!protocol) throw badRequest(`unable to upgrade connection: none of the offered subprotocols is supported; use ${PROTOCOL_V5}`);
    const node = await this.store.get(resourceByPlural('nodes')!, '', nodeName);
    const { host, port } = kubeletAddress(node);
    const target = `ws://${host}:${port}/${kind}/${[ns, name, container].map(encodeURIComponent).join('/')}?${kubeletQuery(opts)}`;
    this.wss.handleUpgrade(req, socket, head, (client) => this.relay(client, target, protocol, `${ns}/${name}`, nodeName));
  }

  /** Messages both ways, unchanged; either side closing closes the other. */
  private relay(client: WebSocket, target: string, protocol: string, pod: string, nodeName: string): void {
    const upstream = new WebSocket(target, [protocol], { perMessageDeflate: false, handshakeTimeout: 10_000 });
    this.upstreams.add(upstream);
    const queued: { data: Buffer; binary: boolean }[] = [];
    let opened = false;
    client.on('error', () => undefined);
    // Each side is read only as fast as the other takes the messages (kubectl cp of a large file).
    const pipe = (from: WebSocket, to: WebSocket, data: Buffer, binary: boolean) => {
      to.send(data, { binary }, () => {
        if (from.isPaused && to.bufferedAmount < LOW_WATER) from.resume();
      });
      if (to.bufferedAmount > HIGH_WATER && !from.isPaused) from.pause();
    };
    client.on('message', (data: Buffer, binary) => {
      if (opened && upstream.readyState === WebSocket.OPEN) pipe(client, upstream, data, binary);
      else queued.push({ data, binary });
    });
    client.once('close', () => {
      if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
    });
    upstream.once('open', () => {
      opened = true;
      for (const q of queued.splice(0)) upstream.send(q.data, { binary: q.binary });
    });
    upstream.on('message', (data: Buffer, binary) => {
      if (client.readyState === WebSocket.OPEN) pipe(upstream, client, data, binary);
    });
    upstream.once('close', (code) => {
      this.upstreams.delete(upstream);
      if (client.isPaused) client.resume(); // to read the client's close frame
      if (client.readyState === WebSocket.OPEN) client.close(code === 1005 || code === 1006 ? 1000 : code);
    });
    upstream.once('error', (e) => {
      this.log.warn({ pod, node: nodeName, err: e.message }, 'exec: the kubelet could not be reached');
      if (!opened && client.readyState === WebSocket.OPEN) {
        client.send(encodeFrame(ERROR, JSON.stringify(internalErrorStatus(`unable to reach the kubelet of node "${nodeName}": ${e.message}`))));
        client.close(1000);
      }
    });
    this.log.info({ pod, node: nodeName, protocol }, 'exec tunnel opened');
  }

  close(): void {
    for (const u of this.upstreams) u.terminate();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}
