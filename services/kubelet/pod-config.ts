/**
 * The ConfigMaps and Secrets a kubelet's pods read (env, envFrom, configMap / secret / projected
 * volumes). The kubelet does not read them from the stream (its NATS user may not:
 * shared/nats-lock/reads.ts) and holds no encryption key: it gets each one through the gateway
 * with its node credential, which the gateway's Node authorizer lets read only objects a pod
 * bound to that node refers to (services/gateway/authz/node-authorizer.ts).
 *
 * Change detection is Kubernetes' `Cache` strategy (configMapAndSecretChangeDetectionStrategy), the
 * simpler of its two correct ones: before a pod is synced, every object it refers to is fetched
 * unless this source fetched it less than `ttlMs` ago (a missing or refused one: `missingTtlMs`, a
 * node's pod may be refused for a moment until the gateway sees it bound). So an update reaches a
 * mounted file within one sync period plus the TTL (the kubelet syncs every pod each
 * KUBELET_SYNC_FREQUENCY), and a missing object is looked for again at every mount retry.
 * Kubernetes' default `Watch` strategy (a watch per referenced object) reacts at once, at the
 * price of one open watch per object per node.
 *
 * A port: the kubelet reads through PodConfigSource; GatewayPodConfig is the real one, and
 * MemoryPodConfig the twin for unit tests.
 */
import type { GatewayClient } from '../../shared/client/index.js';
import { isApiError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { podConfigNames } from '../../shared/resources/pod-references.js';
import type { ConfigMap, Pod, Secret } from '../../shared/resources/types.js';

export interface PodConfigSource {
  /** Make what `pod` refers to current enough for a sync (fetch what is older than the TTL). Never throws. */
  prepare(pod: Pod): Promise<void>;
  /** What the last fetch found (undefined: missing, refused, or never fetched). */
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

type Kind = 'ConfigMap' | 'Secret';
type Obj = ConfigMap | Secret;

interface Entry {
  obj: Obj | undefined;
  fetchedAt: number;
  usedAt: number;
}

export interface GatewayPodConfigOptions {
  /** A present object is fetched again after this long (default 10 s). */
  readonly ttlMs?: number;
  /** A missing (404) or refused (403) one after this long (default 1 s). */
  readonly missingTtlMs?: number;
  /** Entries no sync asked for this long are dropped (default 5 min). */
  readonly forgetMs?: number;
  readonly now?: () => number;
  readonly log?: Logger;
}

/** What GatewayPodConfig reads with: the gateway client's `get` (one per kind), or a twin. */
export type ConfigGetter = (kind: Kind, namespace: string, name: string) => Promise<Obj>;

/** The getter of a gateway client (the node's own, so the Node authorizer decides). */
export function gatewayGetter(client: GatewayClient): ConfigGetter {
  return (kind, ns, name) => (kind === 'ConfigMap' ? client.configMaps.get(ns, name) : client.secrets.get(ns, name));
}

const keyOf = (kind: Kind, ns: string, name: string) => `${kind}/${ns}/${name}`;

export class GatewayPodConfig implements PodConfigSource {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly ttlMs: number;
  private readonly missingTtlMs: number;
  private readonly forgetMs: number;
  private readonly now: () => number;
  private lastSweep = 0;
  /** Gateway reads made (tests and logs). */
  fetches = 0;

  constructor(
    private readonly get: ConfigGetter,
    private readonly opts: GatewayPodConfigOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 10_000;
    this.missingTtlMs = opts.missingTtlMs ?? 1000;
    this.forgetMs = opts.forgetMs ?? 300_000;
    this.now = opts.now ?? Date.now;
  }

  async prepare(pod: Pod): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const refs = [...podConfigNames(pod, 'ConfigMap').map((n) => ['ConfigMap', n] as const), ...podConfigNames(pod, 'Secret').map((n) => ['Secret', n] as const)];
    const now = this.now();
    await Promise.all(refs.map(([kind, name]) => this.fresh(kind, ns, name, now)));
    this.sweep(now);
  }

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.lookup('ConfigMap', namespace, name) as ConfigMap | undefined;
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.lookup('Secret', namespace, name) as Secret | undefined;
  }

  private lookup(kind: Kind, ns: string, name: string): Obj | undefined {
    const e = this.entries.get(keyOf(kind, ns, name));
    if (!e) return undefined;
    e.usedAt = this.now();
    return e.obj;
  }

  private fresh(kind: Kind, ns: string, name: string, now: number): Promise<void> {
    const key = keyOf(kind, ns, name);
    const e = this.entries.get(key);
    if (e) e.usedAt = now;
    if (e && now - e.fetchedAt < (e.obj ? this.ttlMs : this.missingTtlMs)) return Promise.resolve();
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(kind, ns, name, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetch(kind: Kind, ns: string, name: string, key: string): Promise<void> {
    this.fetches++;
    let obj: Obj | undefined;
    try {
      obj = await this.get(kind, ns, name);
    } catch (e) {
      if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Forbidden'))) {
        // The gateway unreachable (or failing): keep what we had, and ask again at the next sync.
        this.opts.log?.warn({ err: e, kind, namespace: ns, name }, 'cannot read a pod\'s configuration from the gateway; keeping what was read before');
        return;
      }
      if (e.reason === 'Forbidden') this.opts.log?.debug({ kind, namespace: ns, name, message: e.message }, 'the gateway refused a pod\'s configuration (not bound here yet?)');
    }
    const now = this.now();
    this.entries.set(key, { obj, fetchedAt: now, usedAt: now });
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.forgetMs / 5) return;
    this.lastSweep = now;
    for (const [k, e] of this.entries) if (now - e.usedAt > this.forgetMs) this.entries.delete(k);
  }
}

/** The twin: what it holds is what the kubelet sees, at once (unit tests). */
export class MemoryPodConfig implements PodConfigSource {
  private readonly objs = new Map<string, Obj>();

  constructor(configMaps: readonly ConfigMap[] = [], secrets: readonly Secret[] = []) {
    for (const c of configMaps) this.put('ConfigMap', c);
    for (const s of secrets) this.put('Secret', s);
  }

  put(kind: Kind, obj: Obj): void {
    this.objs.set(keyOf(kind, obj.metadata.namespace ?? 'default', obj.metadata.name ?? ''), obj);
  }

  delete(kind: Kind, namespace: string, name: string): void {
    this.objs.delete(keyOf(kind, namespace, name));
  }

  async prepare(): Promise<void> {}

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.objs.get(keyOf('ConfigMap', namespace, name)) as ConfigMap | undefined;
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.objs.get(keyOf('Secret', namespace, name)) as Secret | undefined;
  }
}
