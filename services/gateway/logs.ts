/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`: read the pod and its node, then proxy the
 * kubelet's `GET /containerLogs/{ns}/{pod}/{container}` (the path the real kubelet serves),
 * streaming, so `follow` output reaches the client as the container writes it. The kubelet's own
 * error answers (Kubernetes Status JSON) pass through with their code.
 */
import type { FastifyReply } from 'fastify';
import { Agent, request } from 'undici';
import { ApiError, badRequest, type Status } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import type { ObjectStore } from './store.js';

type Query = Record<string, string | undefined>;

/** PodLogOptions as the kubelet is asked for them. */
export interface LogOptions {
  readonly container?: string;
  readonly follow: boolean;
  /** The query forwarded to the kubelet (everything but the container, which is in its path). */
  readonly upstreamQuery: string;
}

/** Kubernetes' query booleans: absent, "0" and "false" (any case) are false; anything else is true. */
const queryBool = (v: string | undefined): boolean => v !== undefined && v !== '0' && v.toLowerCase() !== 'false';

/** Validate the log options of a request (pure). Throws BadRequest. */
export function parseLogOptions(q: Query): LogOptions {
  const out = new URLSearchParams();
  const follow = queryBool(q.follow);
  if (follow) out.set('follow', 'true');
  if (queryBool(q.previous)) out.set('previous', 'true');
  if (queryBool(q.timestamps)) out.set('timestamps', 'true');
  for (const f of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) {
    const v = q[f];
    if (v === undefined || v === '') continue;
    if (!/^\d{1,15}$/.test(v)) throw badRequest(`${f}: invalid value "${v}": must be a non-negative integer`);
    out.set(f, String(Number(v)));
  }
  const since = q.sinceTime;
  if (since !== undefined && since !== '') {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(since) || Number.isNaN(Date.parse(since))) {
      throw badRequest(`sinceTime: invalid value "${since}": must be an RFC 3339 time`);
    }
    if (out.has('sinceSeconds')) throw badRequest('at most one of sinceTime or sinceSeconds may be specified');
    out.set('sinceTime', since);
  }
  return { ...(q.container ? { container: q.container } : {}), follow, upstreamQuery: out.toString() };
}

interface Named {
  readonly name: string;
}
interface PodSpecLike {
  readonly nodeName?: string;
  readonly containers?: readonly Named[];
  readonly initContainers?: readonly Named[];
  readonly ephemeralContainers?: readonly Named[];
}

/** The container whose log is wanted (pure): the named one, or the pod's only container. Throws BadRequest. */
export function chooseContainer(pod: KObject, container: string | undefined): string {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const name = pod.metadata.name!;
  const main = (spec.containers ?? []).map((c) => c.name);
  const init = (spec.initContainers ?? []).map((c) => c.name);
  const ephemeral = (spec.ephemeralContainers ?? []).map((c) => c.name);
  if (!container) {
    if (main.length === 1) return main[0]!;
    if (main.length === 0) throw badRequest(`no containers found for pod ${name}`);
    let msg = `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    if (ephemeral.length) msg += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw badRequest(msg);
  }
  if (![...main, ...init, ...ephemeral].includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** Where a node's kubelet answers (pure): its InternalIP and status.daemonEndpoints.kubeletEndpoint.Port. */
export function kubeletAddress(node: KObject): { host: string; port: number } {
  const name = node.metadata.name!;
  const status = (node.status ?? {}) as {
    addresses?: readonly { type?: string; address?: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: unknown } };
  };
  const ip = status.addresses?.find((a) => a.type === 'InternalIP' && a.address)?.address;
  if (!ip) throw new ApiError('ServiceUnavailable', `node "${name}" reports no InternalIP address, so its kubelet cannot be reached`, { retryAfterSeconds: 1 });
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ApiError('ServiceUnavailable', `node "${name}" reports no kubelet port (status.daemonEndpoints.kubeletEndpoint.Port), so its kubelet cannot be reached`, { retryAfterSeconds: 1 });
  }
  return { host: ip.includes(':') ? `[${ip}]` : ip, port };
}

/** A kubelet answer that is not a Status becomes one, with the kubelet's code. */
export function upstreamStatus(code: number, text: string, what: string): Status | object {
  try {
    const parsed = JSON.parse(text) as { kind?: string };
    if (parsed && parsed.kind === 'Status') return parsed;
  } catch {
    /* not JSON */
  }
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the kubelet answered ${code} for ${what}${text.trim() ? `: ${text.trim().slice(0, 1024)}` : ''}`,
    reason: '',
    code,
  };
}

const ERROR_BODY_LIMIT = 64 * 1024;
/** Without follow, how long the kubelet may take to answer, and to send the next chunk. */
const TIMEOUT_MS = 60_000;

export class LogProxy {
  /** One connection pool per kubelet, created as needed; connections are not shared with anything else. */
  private readonly agent = new Agent({ connect: { timeout: 5_000 }, keepAliveTimeout: 10_000 });

  constructor(private readonly store: ObjectStore) {}

  async serve(reply: FastifyReply, ns: string, podName: string, q: Query): Promise<FastifyReply> {
    const opts = parseLogOptions(q);
    const pod = await this.store.get(resourceByPlural('pods')!, ns, podName);
    const container = chooseContainer(pod, opts.container);
    const nodeName = (pod.spec as PodSpecLike | undefined)?.nodeName;
    if (!nodeName) throw badRequest(`pod ${podName} does not have a host assigned`);
    const node = await this.store.get(resourceByPlural('nodes')!, '', nodeName);
    const { host, port } = kubeletAddress(node);
    const path = `/containerLogs/${[ns, podName, container].map(encodeURIComponent).join('/')}`;
    const url = `http://${host}:${port}${path}${opts.upstreamQuery ? `?${opts.upstreamQuery}` : ''}`;
    const what = `logs of container ${container} of pod ${ns}/${podName}`;

    // The client going away closes the upstream request, whether or not it has answered yet.
    const ac = new AbortController();
    reply.raw.once('close', () => ac.abort());
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        signal: ac.signal,
        headers: { accept: 'text/plain, application/json' },
        // A followed log may be silent for hours, and a kubelet may hold its headers until the first line.
        headersTimeout: opts.follow ? 0 : TIMEOUT_MS,
        bodyTimeout: opts.follow ? 0 : TIMEOUT_MS,
      });
    } catch (e) {
      if (ac.signal.aborted) return reply; // the client left: nobody to answer
      const err = e as { code?: string; message?: string };
      const reason = err.code === 'UND_ERR_HEADERS_TIMEOUT' ? 'Timeout' : 'ServiceUnavailable';
      throw new ApiError(
        reason,
        `unable to reach the kubelet of node "${nodeName}" at ${host}:${port} for ${what}: ${describe(err)}`,
        { retryAfterSeconds: 1 },
      );
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await readLimited(res.body, ERROR_BODY_LIMIT).catch(() => '');
      return reply.code(res.statusCode).type('application/json').send(upstreamStatus(res.statusCode, text, what));
    }
    // Streamed as it arrives; fastify destroys the body (and so the upstream connection) if the client goes.
    return reply.code(200).type('text/plain').header('cache-control', 'no-cache').send(res.body);
  }

  /** End every proxied log at once (followed logs would otherwise hold the server open). */
  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}

function describe(err: { code?: string; message?: string }): string {
  const msg = err.message || 'unknown error';
  return err.code && !msg.includes(err.code) ? `${msg} (${err.code})` : msg;
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    chunks.push(c);
    n += c.length;
    if (n >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
