/**
 * The ingress controller as a service (`jetkube ingress`): informers on Ingresses, IngressClasses,
 * Services, Endpoints and Secrets; one work-queue key for "the table", rebuilt from the whole cache
 * (level-based) a short delay after any event and swapped into the running servers; then each
 * Ingress of ours gets status.loadBalancer.ingress = the controller's address (a CAS write, only
 * when it differs).
 */
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { openContext, serveContextHealth, type ServiceContext } from '../../shared/service/context.js';
import { portFromEnv, type HealthServer } from '../../shared/http/health-server.js';
import { runController, WorkQueue, type ControllerHandle } from '../../shared/informer/index.js';
import type { Endpoints, Secret, Service } from '../../shared/resources/types.js';
import type { Ingress, IngressClass } from '../../shared/resources/ingress.js';
import { buildRouteTable, CONTROLLER_NAME } from './routes.js';
import { IngressServer, type ListenAddress } from './server.js';
import { withLoadBalancer } from './status.js';
import { issueServingCertificate } from '../../shared/pki/index.js';

/** ingress-nginx's default certificate names: served for SNI that matches no Ingress TLS Secret. */
export const DEFAULT_CERT_COMMON_NAME = 'Kubernetes Ingress Controller Fake Certificate';
export const DEFAULT_CERT_DNS_NAME = 'ingress.local';

export { buildRouteTable, matchRoute, certificateFor, CONTROLLER_NAME } from './routes.js';
export { IngressServer } from './server.js';

export interface IngressOptions {
  /** Where HTTP is served (default INGRESS_HTTP_ADDR, else 127.0.0.1:18081); null: no HTTP. */
  readonly http?: ListenAddress | null;
  /** Where HTTPS is served (default INGRESS_HTTPS_ADDR, else 127.0.0.1:18443); null: no HTTPS. */
  readonly https?: ListenAddress | null;
  /** The IngressClass controller name handled (default jetkube.io/ingress-controller). */
  readonly controller?: string;
  /** /healthz, /readyz, /metrics here (undefined: none, e.g. inside `jetkube up`). */
  readonly port?: number;
  readonly host?: string;
  readonly registry?: Registry;
  /** Events within this window are planned together (default 20 ms). */
  readonly syncDelayMs?: number;
  /**
   * The cluster CA: with its key it signs the default certificate (served for SNI that matches no
   * Secret, or none); without one (or unset) that certificate is self-signed, as ingress-nginx's is.
   */
  readonly clusterCA?: { readonly certPem: string; readonly keyPem?: string };
}

export interface RunningIngress {
  readonly ctx: ServiceContext;
  readonly server: IngressServer;
  readonly url: string | undefined;
  readonly addresses: { http?: ListenAddress; https?: ListenAddress };
  close(): Promise<void>;
}

const TABLE_KEY = 'table';

export async function startIngress(cfg: Config, log: Logger = createLogger('ingress', cfg.logLevel), opts: IngressOptions = {}): Promise<RunningIngress> {
  const env = ingressOptionsFromEnv();
  const httpAddr = opts.http === undefined ? env.http : opts.http ?? undefined;
  const httpsAddr = opts.https === undefined ? env.https : opts.https ?? undefined;
  const controllerName = opts.controller ?? env.controller;
  const ctx = await openContext(cfg, log, { name: 'ingress', ...(opts.registry ? { registry: opts.registry } : {}) });
  let defaultCertificate: { cert: string; key: string } | undefined;
  if (httpsAddr) {
    const c = await issueServingCertificate({ commonName: DEFAULT_CERT_COMMON_NAME, dnsNames: [DEFAULT_CERT_DNS_NAME] }, opts.clusterCA);
    defaultCertificate = { cert: c.certPem, key: c.keyPem };
    log.info({ signedBy: c.signedByCA ? 'cluster CA' : 'self' }, 'default TLS certificate made');
  }
  const server = new IngressServer({
    log,
    registry: ctx.registry,
    ...(httpAddr ? { http: httpAddr } : {}),
    ...(httpsAddr ? { https: httpsAddr } : {}),
    ...(defaultCertificate ? { defaultCertificate } : {}),
  });
  let health: HealthServer | undefined;
  let controller: ControllerHandle | undefined;
  try {
    await server.listen();
    const bound = server.addresses();
    const ips = [bound.http?.host, bound.https?.host].filter((h): h is string => !!h && isIP(h) !== 0 && h !== '0.0.0.0' && h !== '::');
    const ingresses = ctx.informers.informer<Ingress>('ingresses');
    const classes = ctx.informers.informer<IngressClass>('ingressclasses');
    const services = ctx.informers.informer<Service>('services');
    const endpoints = ctx.informers.informer<Endpoints>('endpoints');
    const secrets = ctx.informers.informer<Secret>('secrets');
    const queue = new WorkQueue({ baseMs: 100, capMs: 5000 });
    const delay = opts.syncDelayMs ?? 20;
    const trigger = () => queue.addAfter(TABLE_KEY, delay);
    for (const inf of [ingresses, classes, services, endpoints, secrets] as const) inf.addEventHandler({ onAdd: trigger, onUpdate: trigger, onDelete: trigger });
    const reported = new Set<string>();
    const ingressClient = ctx.client.resource<Ingress>('ingresses');
    controller = runController({
      name: 'ingress',
      queue,
      workers: 1,
      log,
      reconcile: async () => {
        if (!ctx.informers.hasSynced()) return { requeueAfter: 100 };
        const table = buildRouteTable({
          ingresses: ingresses.list(),
          classes: classes.list(),
          service: (k) => services.get(k),
          endpoints: (k) => endpoints.get(k),
          secret: (k) => secrets.get(k),
          controller: controllerName,
        });
        server.setTable(table);
        for (const p of table.problems) {
          if (reported.has(p)) continue;
          reported.add(p);
          log.warn({ problem: p }, 'ingress rule not fully served');
        }
        // Status: the address this controller serves on, for every Ingress of ours.
        let failed = false;
        for (const ing of table.ingresses) {
          const next = withLoadBalancer(ing, ips);
          if (!next) continue;
          try {
            await ingressClient.updateStatus(next);
          } catch (err) {
            // A conflict means the cache is behind: the update event brings this key back.
            failed = true;
            log.debug({ ingress: `${ing.metadata.namespace}/${ing.metadata.name}`, err: (err as Error).message }, 'ingress status not written; retrying');
          }
        }
        return failed ? { requeueAfter: 500 } : undefined;
      },
    });
    await ctx.informers.start();
    health = await serveContextHealth(ctx, opts.port, opts.host, () => ({ routes: server.current().ingresses.length, ...bound }));
    log.info({ url: health?.url, http: bound.http, https: bound.https, controller: controllerName }, 'ingress controller started');
    return {
      ctx,
      server,
      url: health?.url,
      addresses: bound,
      async close() {
        await health?.close().catch(() => undefined);
        await controller?.stop();
        await server.close();
        await ctx.close();
      },
    };
  } catch (err) {
    await controller?.stop();
    await server.close();
    await ctx.close();
    throw err;
  }
}

/** `host:port` → a listen address; refuses anything but an IP and a port. */
export function parseListenAddress(name: string, v: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || isIP(host) === 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be <ip>:<port> (e.g. 127.0.0.1:18081), got "${v}"`);
  }
  return { host, port };
}

/** INGRESS_HTTP_ADDR (127.0.0.1:18081), INGRESS_HTTPS_ADDR (127.0.0.1:18443), `off` for none; INGRESS_CONTROLLER_NAME; INGRESS_PORT for health (10254). */
export function ingressOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): { http?: ListenAddress; https?: ListenAddress; controller: string; port: number } {
  const addr = (name: string, dflt: string) => {
    const v = (env[name] ?? '').trim() || dflt;
    return v === 'off' ? undefined : parseListenAddress(name, v);
  };
  const http = addr('INGRESS_HTTP_ADDR', '127.0.0.1:18081');
  const https = addr('INGRESS_HTTPS_ADDR', '127.0.0.1:18443');
  return {
    ...(http ? { http } : {}),
    ...(https ? { https } : {}),
    controller: (env.INGRESS_CONTROLLER_NAME ?? '').trim() || CONTROLLER_NAME,
    port: portFromEnv('INGRESS_PORT', 10254, env),
  };
}
