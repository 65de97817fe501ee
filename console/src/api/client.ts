/**
 * The console's API client: the same Kubernetes API kubectl uses, nothing private. A bearer token
 * the user pastes is kept in sessionStorage and sent as Authorization; a 401 asks for one
 * (onUnauthorized). Errors carry the Kubernetes Status message.
 */

const TOKEN_KEY = 'jetkube.console.token';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called on every 401 (the token is missing, wrong or expired); returns an unsubscribe. */
export function onUnauthorized(l: Listener): () => void {
  unauthorizedListeners.add(l);
  return () => unauthorizedListeners.delete(l);
}

/** A non-2xx answer: its HTTP status and the Status object's reason and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isGone(e: unknown): boolean {
  return e instanceof ApiError && e.status === 410;
}

/** fetch with the token; throws ApiError on non-2xx. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  if (!headers.has('Accept')) headers.set('Accept', 'application/json');
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (res.ok) return res;
  if (res.status === 401) for (const l of unauthorizedListeners) l();
  throw await errorOf(res);
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const s = JSON.parse(text) as { kind?: string; message?: string; reason?: string };
    if (s.message) return new ApiError(res.status, s.message, s.reason);
  } catch {
    // not a Status: the body itself is the message
  }
  return new ApiError(res.status, text.trim() || `${res.status} ${res.statusText}`);
}

export async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await apiFetch(path, signal ? { signal } : {});
  return (await res.json()) as T;
}

/** A write as kubectl makes it: JSON body, or a patch with its content type. */
export async function sendJSON<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const init: RequestInit = { method, headers: { 'Content-Type': contentType } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await apiFetch(path, init);
  return (await res.json()) as T;
}

// ---- list + watch

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  generation?: number;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export interface KubeList<T> {
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export interface WatchHandlers<T> {
  /**
   * The list (first, and again after a 410): replace everything held. A long list arrives in pages
   * (limit/continue, one consistent snapshot): called with the items so far after each page,
   * `complete` on the last, so the first rows show before the whole list has arrived.
   */
  onList(items: T[], resourceVersion: string, complete: boolean): void;
  /** One change after the list. */
  onEvent(ev: WatchEvent<T>): void;
  /** A failure that is not a 410 (retried after a pause). */
  onError?(e: Error): void;
}

function withQuery(path: string, q: Record<string, string>): string {
  const sep = path.includes('?') ? '&' : '?';
  return path + sep + new URLSearchParams(q).toString();
}

/**
 * List, then watch from the list's resourceVersion, with bookmarks; a 410 (too old resource
 * version) lists again. Returns a stop function.
 *
 * The watch is a WebSocket, as kube-apiserver serves them (one event per message): the browser
 * opens at most six HTTP/1.1 connections to the gateway, and a page of six streamed watches would
 * leave none for anything else. A WebSocket that does not open (refused: its HTTP answer is not
 * visible to a page; or a proxy that does not pass WebSockets) is followed by the same watch as a
 * streamed fetch, which gets the answer's Status (a 410 lists again, a 401 asks for a token).
 */
export function listWatch<T extends KubeObject>(path: string, h: WatchHandlers<T>): () => void {
  const ctl = new AbortController();
  const { signal } = ctl;
  void (async () => {
    let rv: string | undefined;
    while (!signal.aborted) {
      try {
        if (rv === undefined) rv = await pagedList(path, h, signal);
        const r = await watchSocket(path, rv, h, signal);
        rv = r.opened ? r.rv : await watchFrom(path, rv, h, signal);
      } catch (e) {
        if (signal.aborted) return;
        if (isGone(e)) {
          rv = undefined;
          continue;
        }
        h.onError?.(e as Error);
        await sleep(2000, signal);
      }
    }
  })();
  return () => ctl.abort();
}

const BEARER_PROTOCOL = 'base64url.bearer.authorization.k8s.io.';
/** The subprotocol offered beside the token (the server echoes it; the events are JSON text either way). */
const WATCH_PROTOCOL = 'binary.k8s.io';

function base64url(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function watchQuery(path: string, rv: string): string {
  return withQuery(path, { watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true' });
}

/** Apply one watch event; returns the resourceVersion it carries. Throws the Status of an ERROR event. */
function onWatchEvent<T extends KubeObject>(ev: WatchEvent<T>, rv: string, h: WatchHandlers<T>): string {
  if (ev.type === 'ERROR') {
    const s = ev.object as unknown as { code?: number; message?: string; reason?: string };
    throw new ApiError(s.code ?? 500, s.message ?? 'watch error', s.reason);
  }
  const next = ev.object.metadata?.resourceVersion ?? rv;
  if (ev.type !== 'BOOKMARK') h.onEvent(ev);
  return next;
}

/** Follow one watch over a WebSocket until it closes; `opened` false when it never opened. */
function watchSocket<T extends KubeObject>(path: string, rv: string, h: WatchHandlers<T>, signal: AbortSignal): Promise<{ opened: boolean; rv: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(watchQuery(path, rv), location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = getToken();
    const ws = new WebSocket(url, token ? [BEARER_PROTOCOL + base64url(token), WATCH_PROTOCOL] : [WATCH_PROTOCOL]);
    let opened = false;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close();
      f();
    };
    const abort = () => settle(() => resolve({ opened: true, rv }));
    signal.addEventListener('abort', abort, { once: true });
    ws.onopen = () => (opened = true);
    ws.onmessage = (m: MessageEvent<string>) => {
      if (settled) return;
      try {
        rv = onWatchEvent(JSON.parse(m.data) as WatchEvent<T>, rv, h);
      } catch (e) {
        settle(() => reject(e));
      }
    };
    ws.onclose = () => settle(() => resolve({ opened, rv }));
  });
}

/** The first page is small (first rows fast), the later ones bigger (fewer round trips). */
const FIRST_PAGE = 250;
const NEXT_PAGES = 2500;

async function pagedList<T extends KubeObject>(path: string, h: WatchHandlers<T>, signal: AbortSignal): Promise<string> {
  const items: T[] = [];
  let cont: string | undefined;
  for (;;) {
    const q: Record<string, string> = { limit: String(cont ? NEXT_PAGES : FIRST_PAGE), ...(cont ? { continue: cont } : {}) };
    const page = await getJSON<KubeList<T>>(withQuery(path, q), signal);
    items.push(...page.items);
    cont = page.metadata.continue || undefined;
    const rv = page.metadata.resourceVersion ?? '0';
    h.onList(items.slice(), rv, !cont);
    if (!cont) return rv;
  }
}

/** Follow one watch as a streamed fetch until the server closes it; returns the last resourceVersion seen. */
async function watchFrom<T extends KubeObject>(path: string, rv: string, h: WatchHandlers<T>, signal: AbortSignal): Promise<string> {
  const res = await apiFetch(watchQuery(path, rv), { signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return rv;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) rv = onWatchEvent(JSON.parse(line) as WatchEvent<T>, rv, h);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
