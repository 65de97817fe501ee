/**
 * metrics.k8s.io/v1beta1 (what metrics-server serves in Kubernetes), from the kubelets: NodeMetrics
 * and PodMetrics, get and list, label selectors, discovery. The gateway scrapes every node's
 * `/stats/summary` (its InternalIP and kubelet port, as for logs) at most once per resolution
 * (METRICS_RESOLUTION, default 15 s), and only while someone asks; cpu usage is the rate between
 * two scrapes (shared/metrics/aggregate.ts), so after a long quiet spell the first request scrapes
 * twice, a second apart, and answers with a one-second window.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request } from 'undici';
import { ApiError, badRequest } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { matchesLabels, parseLabelSelector } from '../../shared/resources/selectors.js';
import { aggregate, nodeMetricsObject, podMetricsObject, pointsOf, type NodeUsage, type Points, type PodUsage, type SummaryLike } from '../../shared/metrics/aggregate.js';
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION } from '../../shared/metrics/types.js';
import type { Logger } from '../../shared/log.js';
import type { Reads } from './reads.js';
import type { Query } from './query.js';
import { kubeletAddress } from './logs.js';

export const METRICS_RESOLUTION_MS = 15_000;
const SCRAPE_TIMEOUT_MS = 5_000;
const SCRAPE_CONCURRENCY = 16;
/** Older than this, the previous scrape is no base for a rate the user wants now. */
const STALE_BASE_MS = 10 * 60_000;

export function metricsApiGroup(): object {
  const gv = { groupVersion: METRICS_API_VERSION, version: METRICS_VERSION };
  return { kind: 'APIGroup', apiVersion: 'v1', name: METRICS_GROUP, versions: [gv], preferredVersion: gv };
}

export function metricsApiResourceList(): object {
  const verbs = ['get', 'list'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: METRICS_API_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs },
    ],
  };
}

interface Scrape {
  readonly atMs: number;
  readonly pods: readonly PodUsage[];
  readonly nodes: readonly NodeUsage[];
}

export interface MetricsApiDeps {
  readonly reads: Reads;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly resolutionMs?: number;
}

export class MetricsApi {
  private readonly agent = new Agent({ connect: { timeout: SCRAPE_TIMEOUT_MS }, keepAliveTimeout: 10_000 });
  private points: Points = new Map();
  private pointsAtMs = 0;
  private last: Scrape | undefined;
  private inflight: Promise<Scrape> | undefined;
  private readonly resolutionMs: number;

  constructor(private readonly d: MetricsApiDeps) {
    this.resolutionMs = d.resolutionMs ?? METRICS_RESOLUTION_MS;
  }

  /** GET /apis/metrics.k8s.io/v1beta1/... (segs after the version). */
  async serve(req: FastifyRequest, reply: FastifyReply, rest: readonly string[], q: Query): Promise<unknown> {
    if (req.method !== 'GET') throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource: ${req.method}`);
    if (q.watch === 'true' || q.watch === '1') throw new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource: watch is not served for metrics');
    let ns = '';
    let parts = [...rest];
    if (parts[0] === 'namespaces' && parts.length >= 3) {
      ns = parts[1]!;
      parts = parts.slice(2);
    }
    const [resource, name, ...extra] = parts;
    if (extra.length || (resource !== 'nodes' && resource !== 'pods') || (resource === 'nodes' && ns)) {
      throw new ApiError('NotFound', 'the server could not find the requested resource');
    }
    const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : [];
    if (q.fieldSelector && !/^metadata\.name(==?|!=)/.test(q.fieldSelector)) throw badRequest(`field selector "${q.fieldSelector}" is not supported on metrics (only metadata.name)`);
    const scrape = await this.fresh();
    const now = this.d.now();
    if (resource === 'nodes') {
      const nodes = (await this.d.reads.consistentList(resourceByPlural('nodes')!, '', { resourceVersion: '0' } as Query, false)).result.items;
      const byName = new Map(nodes.map((n) => [n.metadata.name!, n]));
      const items = scrape.nodes
        .filter((u) => byName.has(u.name) && (!name || u.name === name) && matchesLabels(labels, byName.get(u.name)!.metadata.labels))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((u) => nodeMetricsObject(u, byName.get(u.name)!.metadata, now));
      if (name) {
        if (!items.length) throw new ApiError('NotFound', `nodemetrics.metrics.k8s.io "${name}" not found`);
        return reply.type('application/json').send(items[0]);
      }
      return reply.type('application/json').send({ kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items });
    }
    const pods = (await this.d.reads.consistentList(resourceByPlural('pods')!, ns, { resourceVersion: '0' } as Query, false)).result.items;
    const byUid = new Map(pods.map((p) => [p.metadata.uid!, p] as [string, KObject]));
    const items = scrape.pods
      .filter((u) => (!ns || u.namespace === ns) && (!name || u.name === name))
      .filter((u) => byUid.has(u.uid) && matchesLabels(labels, byUid.get(u.uid)!.metadata.labels))
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
      .map((u) => podMetricsObject(u, byUid.get(u.uid)!.metadata, now));
    if (name) {
      if (!items.length) throw new ApiError('NotFound', `podmetrics.metrics.k8s.io "${name}" not found`);
      return reply.type('application/json').send(items[0]);
    }
    return reply.type('application/json').send({ kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items });
  }

  /** The newest scrape, scraping (once for all waiting requests) when it is older than the resolution. */
  private async fresh(): Promise<Scrape> {
    const nowMs = this.d.now().getTime();
    if (this.last && nowMs - this.last.atMs < this.resolutionMs) return this.last;
    this.inflight ??= (async () => {
      try {
        if (!this.pointsAtMs || nowMs - this.pointsAtMs > STALE_BASE_MS) {
          await this.scrape();
          await new Promise((r) => setTimeout(r, 1000));
        }
        return await this.scrape();
      } finally {
        this.inflight = undefined;
      }
    })();
    return await this.inflight;
  }

  private async scrape(): Promise<Scrape> {
    const nodes = (await this.d.reads.consistentList(resourceByPlural('nodes')!, '', { resourceVersion: '0' } as Query, false)).result.items;
    const summaries: SummaryLike[] = [];
    const queue = [...nodes];
    await Promise.all(
      Array.from({ length: Math.min(SCRAPE_CONCURRENCY, queue.length) }, async () => {
        for (let n = queue.shift(); n; n = queue.shift()) {
          const s = await this.summaryOf(n);
          if (s) summaries.push(s);
        }
      }),
    );
    const atMs = this.d.now().getTime();
    const { pods, nodes: nodeUsage } = aggregate(summaries, this.points, this.pointsAtMs ? atMs - this.pointsAtMs : 0);
    this.points = pointsOf(summaries);
    this.pointsAtMs = atMs;
    this.last = { atMs, pods, nodes: nodeUsage };
    return this.last;
  }

  /** One node's Summary; undefined (logged) when its kubelet cannot be reached, as metrics-server skips it. */
  private async summaryOf(node: KObject): Promise<SummaryLike | undefined> {
    const name = node.metadata.name!;
    try {
      const { host, port } = kubeletAddress(node);
      const res = await request(`http://${host}:${port}/stats/summary?node=${encodeURIComponent(name)}`, {
        method: 'GET',
        dispatcher: this.agent,
        headersTimeout: SCRAPE_TIMEOUT_MS,
        bodyTimeout: SCRAPE_TIMEOUT_MS,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as SummaryLike;
    } catch (e) {
      this.d.logger.debug({ node: name, err: (e as Error).message }, 'metrics scrape failed');
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}
