/**
 * Cluster DNS as a service (CoreDNS's kubernetes plugin): informers on services, endpoints, pods
 * and namespaces, a DNS server answering the cluster zone from their caches (so every change in
 * the log is visible to the next query), and (standalone) its health endpoints.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import type { Informer } from '../../shared/informer/index.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { Endpoints, Namespace, Pod, Service } from '../../shared/resources/types.js';
import { openContext, serveContextHealth, type ServiceContext } from '../../shared/service/context.js';
import { portFromEnv, type HealthServer } from '../../shared/http/health-server.js';
import { DEFAULT_CLUSTER_DNS, parseClusterDns, parseClusterDomain, parseDnsAddress, type DnsAddress } from '../../shared/cluster-dns.js';
import { answer, podIpKeys, type ClusterView } from './records.js';
import { startDnsServer, type DnsServer } from './server.js';

export { parseClusterDns, parseClusterDomain, formatDnsAddress, type DnsAddress } from '../../shared/cluster-dns.js';
export { answer, staticView, type ClusterView, type DnsAnswer, type DnsRecord } from './records.js';

export interface DnsOptions {
  /** Where the DNS server binds (default 127.0.0.10). */
  readonly address?: string;
  /** Its UDP and TCP port (default 53; 0: any free port). */
  readonly port?: number;
  /** The cluster zone (default cluster.local). */
  readonly domain?: string;
  /** TTL of every answer, negative ones included, in seconds (default 5). */
  readonly ttl?: number;
  /** Forward names outside the zone here; without one they are REFUSED. */
  readonly upstream?: DnsAddress;
  readonly registry?: Registry;
  /** Serve /healthz, /readyz, /metrics here (undefined: no HTTP, e.g. inside `jetkube up`). */
  readonly healthPort?: number;
  readonly healthHost?: string;
}

export interface RunningDns {
  readonly ctx: ServiceContext;
  /** The DNS server's address and port as bound. */
  readonly address: string;
  readonly port: number;
  readonly domain: string;
  /** The health server's base URL, when one was asked for. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

const POD_IP_INDEX = 'namespaceIp';
export const DEFAULT_DNS_TTL = 5;

/** A ClusterView over the informers' caches. */
function informerView(services: Informer<Service>, endpoints: Informer<Endpoints>, pods: Informer<Pod>, namespaces: Informer<Namespace>): ClusterView {
  return {
    service: (ns, name) => services.getByName(ns, name),
    endpoints: (ns, name) => endpoints.getByName(ns, name),
    hasPodIp: (ns, ip) => pods.byIndex(POD_IP_INDEX, `${ns}/${ip}`).length > 0,
    namespaceExists: (ns) => namespaces.get(ns) !== undefined,
  };
}

export async function startDns(cfg: Config, log: Logger = createLogger('dns', cfg.logLevel), opts: DnsOptions = {}): Promise<RunningDns> {
  const domain = parseClusterDomain(opts.domain);
  const ttl = opts.ttl ?? DEFAULT_DNS_TTL;
  const ctx = await openContext(cfg, log, { name: 'dns', ...(opts.registry ? { registry: opts.registry } : {}) });
  let server: DnsServer | undefined;
  let http: HealthServer | undefined;
  try {
    const services = ctx.informers.informer<Service>('services');
    const endpoints = ctx.informers.informer<Endpoints>('endpoints');
    const pods = ctx.informers.informer<Pod>('pods');
    const namespaces = ctx.informers.informer<Namespace>('namespaces');
    pods.addIndexer(POD_IP_INDEX, podIpKeys);
    const view = informerView(services, endpoints, pods, namespaces);
    const informers = [services, endpoints, pods, namespaces];
    const zone = () => ({ domain, ttl, serial: Math.max(...informers.map((i) => i.lastSeq)) });
    await ctx.informers.start();
    // Answer nothing from a half-filled cache: an existing name must never be NXDOMAIN.
    await ctx.informers.waitForSync();
    server = await startDnsServer({
      host: opts.address ?? DEFAULT_CLUSTER_DNS.host,
      port: opts.port ?? DEFAULT_CLUSTER_DNS.port,
      lookup: (name, type) => answer(name, type, view, zone()),
      ...(opts.upstream ? { upstream: opts.upstream } : {}),
      registry: ctx.registry,
      log,
    });
    http = await serveContextHealth(ctx, opts.healthPort, opts.healthHost, () => ({ dns: `${server!.host}:${server!.port}` }));
    log.info({ address: server.host, port: server.port, domain, upstream: opts.upstream, url: http?.url }, 'dns started');
    const running = server;
    return {
      ctx,
      address: running.host,
      port: running.port,
      domain,
      url: http?.url,
      async close() {
        await http?.close().catch(() => undefined);
        await running.close();
        await ctx.close();
      },
    };
  } catch (err) {
    await http?.close().catch(() => undefined);
    await server?.close();
    await ctx.close();
    throw err;
  }
}

/** DnsOptions from the environment: CLUSTER_DNS, CLUSTER_DOMAIN, DNS_TTL, DNS_UPSTREAM. */
export function dnsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DnsOptions {
  const { host, port } = parseClusterDns(env.CLUSTER_DNS);
  const ttl = env.DNS_TTL === undefined || env.DNS_TTL === '' ? DEFAULT_DNS_TTL : Number(env.DNS_TTL);
  if (!Number.isInteger(ttl) || ttl < 0) throw new Error(`DNS_TTL must be a non-negative integer (seconds), got "${env.DNS_TTL}"`);
  return {
    address: host,
    port,
    domain: parseClusterDomain(env.CLUSTER_DOMAIN),
    ttl,
    ...(env.DNS_UPSTREAM ? { upstream: parseDnsAddress(env.DNS_UPSTREAM, 'DNS_UPSTREAM') } : {}),
  };
}

/** The health server's port: DNS_HEALTH_PORT, default 8053. */
export function dnsHealthPort(env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv('DNS_HEALTH_PORT', 8053, env);
}
