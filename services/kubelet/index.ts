/**
 * The kubelet service: one process runs one kubelet (one node), or many fake ones (a kwok-style
 * pool for scale tests). They share one connection, one pods informer (only pods bound to these
 * nodes are cached, indexed by node), the informers of what else it reads from the stream
 * (shared/nats-lock/reads.ts; ConfigMaps and Secrets come through the gateway: pod-config.ts), and one HTTP server:
 * /healthz, /readyz, /metrics and /containerLogs/{namespace}/{pod}/{container} (what the gateway's
 * `pods/{name}/log` proxies to).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { gatewayUrlOf, type Config } from '../../shared/config.js';
import { ApiError, isApiError } from '../../shared/errors.js';
import { Informer, nodeNameIndex, objectKey, withoutManagedFields, type IndexFunc } from '../../shared/informer/index.js';
import { EventRecorder, GatewayClient } from '../../shared/client/index.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { Pod, Service } from '../../shared/resources/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/resources/storage-types.js';
import { startHealthServer, type HealthServer } from '../../shared/http/health-server.js';
import { openContext, type ServiceContext } from '../../shared/service/context.js';
import type { KubeletConfig } from './config.js';
import { Kubelet } from './kubelet.js';
import { attachExecServer } from './exec.js';
import { attachPortForwardServer } from './portforward.js';
import { kubeletMetrics } from './metrics.js';
import { createRuntime, type ContainerRuntime } from './runtime/index.js';
import { SyncSlots } from './periodic.js';
import { GatewayPodConfig, gatewayGetter } from './pod-config.js';
import { resourceMetricsText } from './stats/summary.js';

export { Kubelet } from './kubelet.js';
export { kubeletConfigFromEnv, type KubeletConfig } from './config.js';

export interface StartKubeletOptions {
  readonly registry?: Registry;
  /** Share one runtime between all kubelets (tests); default: one per kubelet from its config. */
  readonly runtime?: ContainerRuntime;
}

export interface RunningKubelets {
  readonly ctx: ServiceContext;
  readonly kubelets: readonly Kubelet[];
  readonly url: string;
  close(): Promise<void>;
}

export async function startKubelets(
  cfg: Config,
  configs: readonly KubeletConfig[],
  log: Logger = createLogger('kubelet', cfg.logLevel),
  opts: StartKubeletOptions = {},
): Promise<RunningKubelets> {
  if (configs.length === 0) throw new Error('no kubelet to start');
  const names = new Set(configs.map((k) => k.nodeName));
  if (names.size !== configs.length) throw new Error('two kubelets with the same node name');
  // Every node's writes (leases, statuses, pods) go over this pool: a pool of thousands of fake
  // nodes needs more than one kubelet's 16 connections, or its heartbeats alone queue up.
  const connections = Math.max(16, Math.min(128, Math.ceil(configs.length / 8)));
  const ctx = await openContext(cfg, log, { name: 'kubelet', connections, ...(opts.registry ? { registry: opts.registry } : {}) });
  const pods = new Informer<Pod>({
    log: ctx.el,
    plural: 'pods',
    filter: (p) => !!p.spec.nodeName && names.has(p.spec.nodeName),
    transform: withoutManagedFields,
    logger: log,
  });
  // Heartbeats (Leases, node status) get connections of their own in a pool: behind thousands of
  // pod status writes in one queue, renewals of 5,000 nodes waited past the Lease duration, the
  // nodes went Unknown and their pods were evicted (Kubernetes gives them their own priority level).
  const heartbeats =
    configs.length > 1 ? new GatewayClient({ url: gatewayUrlOf(cfg), ...(cfg.gatewayCredentials ? { credentials: cfg.gatewayCredentials } : {}), userAgent: 'jetkube-kubelet-heartbeat', connections: Math.max(8, Math.min(64, Math.ceil(configs.length / 64))) }) : undefined;
  // One Event sink for the pool: its writes in flight are bounded for the process, not per node.
  const recorder = configs.length > 1 ? new EventRecorder(ctx.client, { component: 'kubelet', concurrency: 8, maxQueued: 10_000, log }) : undefined;
  // Pod syncs in flight over the whole pool are bounded (each is mostly a status write): thousands
  // of nodes' workers otherwise kept the event loop too busy for their heartbeats, which never wait here.
  const syncSlots = configs.length > 1 ? new SyncSlots(configs[0]!.poolSyncs) : undefined;
  pods.addIndexer('node', nodeNameIndex as IndexFunc<Pod>);
  // ConfigMaps and Secrets come through the gateway (pod-config.ts): one source for the kubelets that
  // share the process' identity, and one per node that has its own (the Node authorizer decides).
  const sharedPodConfig = new GatewayPodConfig(gatewayGetter(ctx.client), { log });
  const services = ctx.informers.informer<Service>('services');
  const claims = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
  const volumes = ctx.informers.informer<PersistentVolume>('persistentvolumes');
  const byNode = new Map<string, Kubelet>();
  const runtimes: ContainerRuntime[] = [];
  let http: HealthServer | undefined;
  let execServer: { close(): void } | undefined;
  let portForwardServer: { close(): void } | undefined;
  const kubelets: Kubelet[] = [];
  const ownClients: GatewayClient[] = [];
  try {
    await Promise.all([pods.start(), ctx.informers.start()]);
    await Promise.all([pods.waitForSync(), ctx.informers.waitForSync()]);
    const metrics = kubeletMetrics(ctx.registry, () => syncSlots?.queued ?? 0);
    http = await startHealthServer({
      port: configs[0]!.port,
      host: configs[0]!.nodeIp,
      registry: ctx.registry,
      readiness: () => ({ ready: pods.hasSynced() && ctx.el.connected(), nodes: configs.length }),
      routes: (app) => {
        logRoutes(app, pods, byNode);
        statsRoutes(app, byNode);
        execServer = attachExecServer(app.server, async (ns, name, container) => {
          const pod = pods.getByName(ns, name);
          const kubelet = pod?.spec.nodeName ? byNode.get(pod.spec.nodeName) : undefined;
          if (!pod || !kubelet) throw new ApiError('NotFound', `pods "${name}" not found`);
          return kubelet.execTarget(ns, name, container);
        }, log.child({ component: 'exec' }));
        portForwardServer = attachPortForwardServer(app.server, async (ns, name) => {
          const pod = pods.getByName(ns, name);
          const kubelet = pod?.spec.nodeName ? byNode.get(pod.spec.nodeName) : undefined;
          if (!pod || !kubelet) throw new ApiError('NotFound', `pods "${name}" not found`);
          return kubelet.portForwardPod(ns, name);
        }, log.child({ component: 'portforward' }));
      },
    });
    const port = Number(new URL(http.url).port);
    for (const [index, k] of configs.entries()) {
      const runtime = opts.runtime ?? (await createRuntime(k.runtime, k.rootDir));
      if (!opts.runtime) runtimes.push(runtime);
      // A node with credentials of its own writes as itself (NodeRestriction lets it change only its own objects).
      const own = k.credentials ? new GatewayClient({ url: gatewayUrlOf(cfg), credentials: k.credentials, userAgent: 'jetkube-kubelet', connections: 4 }) : undefined;
      if (own) ownClients.push(own);
      const shared = own ? {} : { ...(recorder ? { recorder } : {}), ...(heartbeats ? { heartbeats } : {}) };
      const podConfig = own ? new GatewayPodConfig(gatewayGetter(own), { log }) : sharedPodConfig;
      const kubelet = new Kubelet(k, { client: own ?? ctx.client, log, pods, podConfig, claims, volumes, services, runtime, port, metrics, slot: { index, of: configs.length }, ...(syncSlots ? { syncSlots } : {}), ...shared });
      byNode.set(k.nodeName, kubelet);
      kubelets.push(kubelet);
    }
    const route = (p: Pod) => {
      const k = p.spec.nodeName ? byNode.get(p.spec.nodeName) : undefined;
      k?.enqueue(objectKey(p));
    };
    pods.addEventHandler({ onAdd: route, onUpdate: (_o, p) => route(p), onDelete: route });
    // A claim bound meanwhile: its pods waiting in ContainerCreating (FailedMount) try again.
    const onClaim = (c: PersistentVolumeClaim) => {
      const ns = c.metadata.namespace ?? 'default';
      for (const k of kubelets) {
        for (const p of k.myPods()) {
          if ((p.metadata.namespace ?? 'default') === ns && (p.spec.volumes ?? []).some((v) => (v.persistentVolumeClaim as { claimName?: string } | undefined)?.claimName === c.metadata.name)) k.enqueue(objectKey(p));
        }
      }
    };
    claims.addEventHandler({ onAdd: onClaim, onUpdate: (o, n) => o !== n && onClaim(n) });
    // Start in bounded parallel (a fake pool may hold thousands).
    const pending = [...kubelets];
    await Promise.all(Array.from({ length: Math.min(32, pending.length) }, async () => {
      for (let k = pending.shift(); k; k = pending.shift()) await k.start();
    }));
    log.info({ nodes: configs.map((k) => k.nodeName).slice(0, 10), count: configs.length, url: http.url }, 'kubelets running');
  } catch (err) {
    await Promise.allSettled(kubelets.map((k) => k.stop()));
    execServer?.close();
    portForwardServer?.close();
    await http?.close().catch(() => undefined);
    await pods.stop();
    await heartbeats?.close().catch(() => undefined);
    await Promise.allSettled(ownClients.map((c) => c.close()));
    await ctx.close();
    throw err;
  }
  return {
    ctx,
    kubelets,
    url: http.url,
    async close() {
      await Promise.allSettled(kubelets.map((k) => k.stop()));
      execServer?.close(); // open exec sessions would hold the server open
      portForwardServer?.close(); // and so would forwarded connections
      await http?.close().catch(() => undefined);
      await pods.stop();
      await Promise.allSettled(runtimes.map((r) => r.close()));
      await heartbeats?.close().catch(() => undefined);
      await Promise.allSettled(ownClients.map((c) => c.close()));
      await ctx.close();
    },
  };
}

const nonNegative = (v: unknown, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ApiError('BadRequest', `${name} must be a non-negative integer, got "${String(v)}"`);
  return n;
};
const truthy = (v: unknown) => v === 'true' || v === '1' || v === '';

/** GET /containerLogs/{ns}/{pod}/{container}?tailLines&follow&previous&timestamps&sinceSeconds&limitBytes */
function logRoutes(app: FastifyInstance, pods: Informer<Pod>, byNode: ReadonlyMap<string, Kubelet>): void {
  app.get<{ Params: { ns: string; pod: string; container: string }; Querystring: Record<string, string> }>(
    '/containerLogs/:ns/:pod/:container',
    async (req, reply) => {
      const { ns, pod: name, container } = req.params;
      const q = req.query;
      try {
        const pod = pods.getByName(ns, name);
        const kubelet = pod?.spec.nodeName ? byNode.get(pod.spec.nodeName) : undefined;
        if (!pod || !kubelet) throw new ApiError('NotFound', `pods "${name}" not found`);
        const tailLines = nonNegative(q.tailLines, 'tailLines');
        const sinceSeconds = nonNegative(q.sinceSeconds, 'sinceSeconds');
        const limitBytes = nonNegative(q.limitBytes, 'limitBytes');
        const c = await kubelet.logContainer(ns, name, container, truthy(q.previous));
        const ctl = new AbortController();
        req.raw.once('close', () => ctl.abort());
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
        let sent = 0;
        for await (const line of kubelet.logs(c.id, {
          follow: truthy(q.follow),
          timestamps: truthy(q.timestamps),
          ...(tailLines !== undefined ? { tailLines } : {}),
          ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
          signal: ctl.signal,
        })) {
          if (ctl.signal.aborted) break;
          const chunk = limitBytes !== undefined ? Buffer.from(line).subarray(0, limitBytes - sent) : Buffer.from(line);
          reply.raw.write(chunk);
          sent += chunk.length;
          if (limitBytes !== undefined && sent >= limitBytes) break;
        }
        reply.raw.end();
      } catch (e) {
        if (reply.sent || reply.raw.headersSent) {
          reply.raw.destroy();
          return;
        }
        const err = isApiError(e) ? e : new ApiError('InternalError', (e as Error).message);
        return reply.code(err.code).send(err.toStatus());
      }
    },
  );
}

/**
 * GET /stats/summary and /metrics/resource (the kubelet's Summary API and resource metrics; see
 * stats/summary.ts). One server may serve several nodes (a fake pool): `?node=` picks one, and
 * may be left out when it serves only one.
 */
function statsRoutes(app: FastifyInstance, byNode: ReadonlyMap<string, Kubelet>): void {
  const pick = (node: string | undefined): Kubelet => {
    if (node) {
      const k = byNode.get(node);
      if (!k) throw new ApiError('NotFound', `node "${node}" is not served here`);
      return k;
    }
    if (byNode.size !== 1) throw new ApiError('BadRequest', `this kubelet serves ${byNode.size} nodes: name one with ?node=`);
    return [...byNode.values()][0]!;
  };
  const handle = (text: boolean) => async (req: { query: Record<string, string | undefined> }, reply: FastifyReply) => {
    try {
      const summary = await pick(req.query.node).summary();
      if (text) return reply.type('text/plain; version=0.0.4').send(resourceMetricsText(summary));
      return reply.type('application/json').send(summary);
    } catch (e) {
      const err = isApiError(e) ? e : new ApiError('InternalError', (e as Error).message);
      return reply.code(err.code).send(err.toStatus());
    }
  };
  app.get<{ Querystring: Record<string, string | undefined> }>('/stats/summary', handle(false));
  app.get<{ Querystring: Record<string, string | undefined> }>('/metrics/resource', handle(true));
}
