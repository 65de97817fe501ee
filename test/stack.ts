/**
 * An in-process control plane for integration tests: projector + gateway on a fresh prefix and a
 * free port, plus small HTTP helpers that speak to it the way a user's client would.
 */
import type { Config } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../services/gateway/index.js';
import { startProjector } from '../services/projector/index.js';
import { dropPrefix, testConfig } from './harness.js';

export interface Stack {
  readonly cfg: Config;
  readonly url: string;
  readonly gateway: RunningGateway;
  stopProjector(): Promise<void>;
  startProjector(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(tag: string, overrides: Partial<Config> = {}, opts: GatewayOptions = {}): Promise<Stack> {
  const cfg = await testConfig(tag, overrides);
  const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
  let projector: { close(): Promise<void> } | undefined = await startProjector(cfg, silent);
  // A bare control plane has no ServiceAccount controller: ServiceAccount admission is off unless
  // a test asks (Kubernetes' integration tests run kube-apiserver with --disable-admission-plugins=ServiceAccount).
  const gateway = await startGateway(cfg, silent, { serviceAccountAdmission: false, ...opts });
  return {
    cfg,
    url: gateway.url,
    gateway,
    async stopProjector() {
      await projector?.close();
      projector = undefined;
    },
    async startProjector() {
      projector ??= await startProjector(cfg, silent);
    },
    async close() {
      await gateway.close().catch(() => undefined);
      await projector?.close().catch(() => undefined);
      await dropPrefix(cfg);
    },
  };
}

export interface Res<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** One HTTP call; JSON bodies are encoded, string bodies sent as is. */
export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Res<T>> {
  const init: RequestInit = { method, headers: {} };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = contentType;
  }
  const r = await fetch(base + path, init);
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: r.status, body: parsed as T, headers: r.headers };
}

export interface WatchEvent {
  readonly type: string;
  readonly object: any;
}

/** Open a watch and collect events until `until` says stop (or the timeout passes). */
export async function collectWatch(
  base: string,
  path: string,
  until: (events: WatchEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ status: number; events: WatchEvent[] }> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  const events: WatchEvent[] = [];
  const r = await fetch(base + path, { signal: ctl.signal });
  if (r.status !== 200 || !r.body) {
    clearTimeout(timer);
    return { status: r.status, events: [{ type: 'HTTP', object: await r.json().catch(() => undefined) }] };
  }
  const dec = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) events.push(JSON.parse(line) as WatchEvent);
      }
      if (until(events)) break;
    }
  } catch (e) {
    if (!ctl.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return { status: r.status, events };
}

export const deployment = (name: string, replicas = 1, image = 'nginx:1.27', labels: Record<string, string> = { app: name }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels },
  spec: {
    replicas,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: { containers: [{ name: 'main', image }] } },
  },
});

export const pod = (name: string, labels: Record<string, string> = {}, image = 'busybox:1.36') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'main', image, command: ['sleep', '3600'] }] },
});

export const configMap = (name: string, data: Record<string, string> = { a: '1' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

/**
 * The ConfigMaps `hot` and `cold` in default, four revisions each, on a stack whose log keeps two
 * per object (historyPerObject 2): `hot` is mirrored revision by revision (`mirrored()` is a
 * consistent read after each write), then compacted on the log (rows kept, bodies gone); `cold` is
 * written while the projector is down, so its first two revisions are compacted before they are
 * ever mirrored (the mirror's history of it starts with a MODIFIED). Their resourceVersions, in order.
 */
export async function compactedConfigMaps(s: Stack, mirrored: () => Promise<unknown>): Promise<{ hot: number[]; cold: number[] }> {
  const NS = '/api/v1/namespaces/default/configmaps';
  const MERGE = 'application/merge-patch+json';
  const rvOf = (r: { status: number; body: any }, code: number) => {
    if (r.status !== code) throw new Error(`${r.status} !== ${code}: ${JSON.stringify(r.body)}`);
    return Number(r.body.metadata.resourceVersion);
  };
  const hot = [rvOf(await api(s.url, 'POST', NS, configMap('hot', { v: '0' })), 201)];
  await mirrored();
  for (const v of ['1', '2', '3']) {
    hot.push(rvOf(await api(s.url, 'PATCH', `${NS}/hot`, { data: { v } }, MERGE), 200));
    await mirrored();
  }
  await s.stopProjector();
  const cold = [rvOf(await api(s.url, 'POST', NS, configMap('cold', { v: '0' })), 201)];
  for (const v of ['1', '2', '3']) cold.push(rvOf(await api(s.url, 'PATCH', `${NS}/cold`, { data: { v } }, MERGE), 200));
  await s.startProjector();
  await mirrored();
  return { hot, cold };
}
