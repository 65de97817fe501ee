/**
 * Long-running GETs the gateway client does not do: watches (one JSON event per line) and
 * followed logs. Streamed with undici, no body timeout; a non-2xx answer is the same ApiError the
 * gateway client raises.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { GatewayCredentials } from '../../shared/config.js';

/** The kubeconfig's TLS trust and credential, for streamed requests too (context.ts sets it once). */
let streamAuth: { dispatcher?: Dispatcher; authorization?: string } = {};
export function setStreamCredentials(c: GatewayCredentials): void {
  const tls = { ...(c.caPem ? { ca: c.caPem } : {}), ...(c.certPem && c.keyPem ? { cert: c.certPem, key: c.keyPem } : {}) };
  streamAuth = { ...(Object.keys(tls).length ? { dispatcher: new Agent({ connect: tls }) } : {}), ...(c.token ? { authorization: `Bearer ${c.token}` } : {}) };
}
import { ApiError } from '../../shared/errors.js';
import { errorFromResponse } from '../../shared/client/index.js';
import type { KObject } from '../../shared/resources/meta.js';

export interface WatchEvent<T = KObject> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

/** The body of `GET server+path`, as it arrives. */
export async function openStream(server: string, path: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(server + path, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'jkctl', ...(streamAuth.authorization ? { authorization: streamAuth.authorization } : {}) },
      ...(streamAuth.dispatcher ? { dispatcher: streamAuth.dispatcher } : {}),
      bodyTimeout: 0,
      headersTimeout: 60_000,
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError('ServiceUnavailable', `GET ${path}: gateway unreachable: ${(e as Error).message}`, undefined, { cause: e });
  }
  if (res.statusCode < 200 || res.statusCode > 299) {
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    throw errorFromResponse(res.statusCode, body, `GET ${path}`);
  }
  return res.body as AsyncIterable<Buffer>;
}

/** Split a byte stream into lines (without their newline). */
export async function* lines(chunks: AsyncIterable<Buffer | string>): AsyncIterable<string> {
  let buf = '';
  for await (const c of chunks) {
    buf += typeof c === 'string' ? c : c.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf;
}

/** The events of one watch request, until the server ends it (or `signal` aborts). */
export async function* watchEvents<T = KObject>(server: string, path: string, signal?: AbortSignal): AsyncIterable<WatchEvent<T>> {
  const body = await openStream(server, path, signal);
  try {
    for await (const line of lines(body)) if (line.trim()) yield JSON.parse(line) as WatchEvent<T>;
  } catch (e) {
    if (!signal?.aborted) throw e;
  }
}

/**
 * Watch a collection from `resourceVersion` on, reconnecting when the server ends a watch, until
 * `signal` aborts. Without a resourceVersion the first events are the current objects (ADDED).
 */
export async function* watchForever<T extends KObject = KObject>(
  server: string,
  collection: string,
  query: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): AsyncIterable<WatchEvent<T>> {
  let rv = query.resourceVersion;
  while (!signal?.aborted) {
    const q = new URLSearchParams({ watch: 'true' });
    for (const [k, v] of Object.entries({ ...query, resourceVersion: rv })) if (v) q.set(k, v);
    for await (const ev of watchEvents<T>(server, `${collection}?${q}`, signal)) {
      if (ev.type === 'ERROR') {
        const s = ev.object as unknown as { code?: number; message?: string; reason?: string };
        throw errorFromResponse(s.code ?? 500, s, 'watch');
      }
      rv = ev.object.metadata?.resourceVersion || rv;
      yield ev;
    }
  }
}
