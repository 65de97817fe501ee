/**
 * The proxy as a service (kube-proxy): informers on Services and Endpoints, one work-queue key for
 * "the plan", and the proxier that makes the listeners match it. Every event only queues that key
 * after a short delay, so a burst of changes (a rollout moving many endpoints) is one plan; the
 * plan is always computed from the whole cache, never from the event (level-based).
 */
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { openContext, serveContextHealth, type ServiceContext } from '../../shared/service/context.js';
import { portFromEnv, type HealthServer } from '../../shared/http/health-server.js';
import { runController, WorkQueue, type ControllerHandle } from '../../shared/informer/index.js';
import type { Endpoints, Service } from '../../shared/resources/types.js';
import { planListeners, type Plan } from './plan.js';
import { Proxier } from './proxier.js';

export { Proxier, type ProxierOptions, type ProxierStatus } from './proxier.js';
export { Balancer } from './balancer.js';
export { planListeners, type Plan, type PlannedListener, type Backend, type Affinity } from './plan.js';

export interface ProxyOptions {
  /** Where NodePort services listen (default: env NODEPORT_ADDRESSES, else NODE_IP, else 127.0.0.1). */
  readonly nodePortAddresses?: readonly string[];
  /** Serve /healthz, /readyz, /metrics here (undefined: no HTTP, e.g. inside `jetkube up`). */
  readonly port?: number;
  readonly host?: string;
  readonly registry?: Registry;
  /** Events within this window after the first are planned together (default 20 ms). */
  readonly syncDelayMs?: number;
  /** Backend connect timeout before the next backend is tried (default 3 s). */
  readonly connectTimeoutMs?: number;
  /** First retry of a listener that could not bind (default 1 s, doubling to 30 s). */
  readonly bindRetryMs?: number;
}

export interface RunningProxy {
  readonly ctx: ServiceContext;
  readonly proxier: Proxier;
  readonly url: string | undefined;
  readonly nodePortAddresses: readonly string[];
  close(): Promise<void>;
}

const PLAN_KEY = 'plan';

export async function startProxy(cfg: Config, log: Logger = createLogger('proxy', cfg.logLevel), opts: ProxyOptions = {}): Promise<RunningProxy> {
  const nodePortAddresses = opts.nodePortAddresses ?? nodePortAddressesFromEnv();
  const ctx = await openContext(cfg, log, { name: 'proxy', ...(opts.registry ? { registry: opts.registry } : {}) });
  const proxier = new Proxier({
    log,
    registry: ctx.registry,
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.bindRetryMs !== undefined ? { bindRetryMs: opts.bindRetryMs } : {}),
  });
  let http: HealthServer | undefined;
  let controller: ControllerHandle | undefined;
  try {
    const services = ctx.informers.informer<Service>('services');
    const endpoints = ctx.informers.informer<Endpoints>('endpoints');
    const queue = new WorkQueue({ baseMs: 100, capMs: 5000 });
    const delay = opts.syncDelayMs ?? 20;
    const trigger = () => queue.addAfter(PLAN_KEY, delay);
    for (const inf of [services, endpoints] as const) inf.addEventHandler({ onAdd: trigger, onUpdate: trigger, onDelete: trigger });
    const reported = reportOnce(log);
    controller = runController({
      name: 'proxy',
      queue,
      workers: 1,
      log,
      reconcile: async () => {
        // Plan from complete caches only: services whose endpoints are not in yet would look empty.
        if (!ctx.informers.hasSynced()) return { requeueAfter: 100 };
        const plan = planListeners({ services: services.list(), endpoints: (k) => endpoints.get(k), nodePortAddresses });
        reported(plan);
        await proxier.apply(plan.listeners);
      },
    });
    await ctx.informers.start();
    http = await serveContextHealth(ctx, opts.port, opts.host, () => ({ ...proxier.status() }));
    log.info({ url: http?.url, nodePortAddresses }, 'proxy started');
    return {
      ctx,
      proxier,
      url: http?.url,
      nodePortAddresses,
      async close() {
        await http?.close().catch(() => undefined);
        await controller?.stop();
        await proxier.close();
        await ctx.close();
      },
    };
  } catch (err) {
    await controller?.stop();
    await proxier.close();
    await ctx.close();
    throw err;
  }
}

/** Log each skipped port and each address conflict once per process, not on every plan. */
function reportOnce(log: Logger): (plan: Plan) => void {
  const seen = new Set<string>();
  const once = (id: string, f: () => void) => {
    if (seen.has(id)) return;
    seen.add(id);
    f();
  };
  return (plan) => {
    for (const s of plan.skipped) {
      once(`skip ${s.service} ${s.port}/${s.protocol}`, () => log.warn(s, 'service port not proxied: only TCP is supported'));
    }
    for (const c of plan.conflicts) {
      once(`conflict ${c.key} ${c.service}`, () => log.warn(c, 'listener address already taken by another service; ignored'));
    }
  };
}

/** The proxy's options from the environment (`jetkube proxy`, main.ts). */
export function proxyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): { nodePortAddresses: string[]; port: number } {
  return { nodePortAddresses: nodePortAddressesFromEnv(env), port: proxyPort(env) };
}

/** Health server port: PROXY_PORT, default 10256 (kube-proxy's healthz port). */
export function proxyPort(env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv('PROXY_PORT', 10256, env);
}

/** NODEPORT_ADDRESSES (comma separated), else NODE_IP, else 127.0.0.1. */
export function nodePortAddressesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.NODEPORT_ADDRESSES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const addrs = listed.length > 0 ? listed : env.NODE_IP ? [env.NODE_IP.trim()] : ['127.0.0.1'];
  const bad = addrs.filter((a) => isIP(a) === 0);
  if (bad.length > 0) throw new Error(`NODEPORT_ADDRESSES / NODE_IP must be IP addresses, got "${bad.join(', ')}"`);
  return addrs;
}
