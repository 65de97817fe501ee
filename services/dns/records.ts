/**
 * The cluster zone's answers (pure), after CoreDNS's kubernetes plugin and the Kubernetes DNS
 * specification, for a zone `<domain>` (default cluster.local):
 *
 *   <svc>.<ns>.svc.<domain>               A    the cluster IP; headless: one per ready endpoint
 *   <ep>.<svc>.<ns>.svc.<domain>          A    a headless endpoint (its hostname, else its IP dashed)
 *   _<port>._<proto>.<svc>.<ns>.svc...    SRV  the named port, targeting the service or each endpoint
 *   <svc>.<ns>.svc.<domain>               SRV  every port of the service
 *   <a-b-c-d>.<ns>.pod.<domain>           A    a.b.c.d, when a pod in <ns> has that IP ("pods verified")
 *   <domain>                              SOA
 *
 * A name under the zone that does not exist is NXDOMAIN, an existing name asked for another type is
 * NODATA (NOERROR, no answers); both carry the zone's SOA in authority, so resolvers cache the
 * negative answer for the TTL. A name outside the zone gets `undefined`: the server forwards or
 * refuses it. Names compare case-insensitively; answers keep the name as asked.
 */
import type { EndpointAddress, EndpointPort, Endpoints, Pod, Service } from '../../shared/resources/types.js';

export type DnsRecord =
  | { readonly type: 'A'; readonly name: string; readonly ttl: number; readonly address: string }
  | {
      readonly type: 'SRV';
      readonly name: string;
      readonly ttl: number;
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    }
  | {
      readonly type: 'SOA';
      readonly name: string;
      readonly ttl: number;
      readonly primary: string;
      readonly admin: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expiration: number;
      readonly minimum: number;
    };

export const NOERROR = 0;
export const NXDOMAIN = 3;

export interface DnsAnswer {
  readonly rcode: typeof NOERROR | typeof NXDOMAIN;
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** What the answers are made from: the informers' caches in the service, plain maps in tests. */
export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  endpoints(namespace: string, name: string): Endpoints | undefined;
  /** A pod in `namespace` has `ip` (see podIpKeys). */
  hasPodIp(namespace: string, ip: string): boolean;
  namespaceExists(namespace: string): boolean;
}

export interface ZoneOptions {
  /** Lower case, no trailing dot. */
  readonly domain: string;
  readonly ttl: number;
  /** The SOA serial (the service uses the newest sequence it applied). Default 1. */
  readonly serial?: number;
}

/** `namespace/ip` for each IP a pod holds; none once it has finished (its IP may be handed out again). */
export function podIpKeys(pod: Pod): string[] {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return [];
  const ips = new Set([pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)].filter((ip): ip is string => !!ip));
  return [...ips].map((ip) => `${pod.metadata.namespace ?? ''}/${ip}`);
}

/** A ClusterView over plain lists (tests, tools). */
export function staticView(objs: { services?: readonly Service[]; endpoints?: readonly Endpoints[]; pods?: readonly Pod[]; namespaces?: readonly string[] }): ClusterView {
  const key = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  const services = new Map((objs.services ?? []).map((s) => [key(s), s]));
  const endpoints = new Map((objs.endpoints ?? []).map((e) => [key(e), e]));
  const podIps = new Set((objs.pods ?? []).flatMap(podIpKeys));
  const namespaces = new Set(objs.namespaces ?? []);
  return {
    service: (ns, name) => services.get(`${ns}/${name}`),
    endpoints: (ns, name) => endpoints.get(`${ns}/${name}`),
    hasPodIp: (ns, ip) => podIps.has(`${ns}/${ip}`),
    namespaceExists: (ns) => namespaces.has(ns),
  };
}

/** The records one existing name holds, by type; `extra` goes to the additional section with SRV. */
interface NameRecords {
  readonly a: readonly DnsRecord[];
  readonly srv: readonly DnsRecord[];
  readonly extra: readonly DnsRecord[];
}

const EMPTY: NameRecords = { a: [], srv: [], extra: [] };

interface Ctx {
  readonly view: ClusterView;
  readonly ttl: number;
  /** The name as asked (original case, no trailing dot): the owner of the answers. */
  readonly owner: string;
  readonly domain: string;
}

/**
 * Answer one question; undefined when `qname` is outside the zone. `qtype` is the type's name
 * (`A`, `AAAA`, `SRV`, `SOA`, `ANY`, ...).
 */
export function answer(qname: string, qtype: string, view: ClusterView, opts: ZoneOptions): DnsAnswer | undefined {
  const owner = qname.replace(/\.$/, '');
  const name = owner.toLowerCase();
  const { domain } = opts;
  if (name !== domain && !name.endsWith(`.${domain}`)) return undefined;
  const labels = name === domain ? [] : name.slice(0, -domain.length - 1).split('.');
  const soa = soaRecord(opts);
  const found = lookup(labels, { view, ttl: opts.ttl, owner, domain });
  if (!found) return { rcode: NXDOMAIN, answers: [], authorities: [soa], additionals: [] };
  const type = qtype.toUpperCase();
  let answers: readonly DnsRecord[] = [];
  let additionals: readonly DnsRecord[] = [];
  if (type === 'A') answers = found.a;
  else if (type === 'SRV') [answers, additionals] = [found.srv, found.extra];
  else if (type === 'ANY') [answers, additionals] = [[...found.a, ...found.srv], found.extra];
  else if (type === 'SOA' && labels.length === 0) answers = [{ ...soa, name: owner }];
  return { rcode: NOERROR, answers, authorities: answers.length === 0 ? [soa] : [], additionals };
}

function soaRecord(o: ZoneOptions): DnsRecord {
  return {
    type: 'SOA',
    name: o.domain,
    ttl: o.ttl,
    primary: `ns.dns.${o.domain}`,
    admin: `hostmaster.${o.domain}`,
    serial: (o.serial ?? 1) % 2 ** 32,
    refresh: 7200,
    retry: 1800,
    expiration: 86400,
    minimum: o.ttl,
  };
}

/** The records of the name whose labels (below the zone) are given; undefined: no such name. */
function lookup(labels: readonly string[], c: Ctx): NameRecords | undefined {
  const [kind, ...rest] = [...labels].reverse();
  if (kind === undefined) return EMPTY; // the zone apex
  if (kind === 'svc') return serviceName(rest, c);
  if (kind === 'pod') return podName(rest, c);
  return undefined;
}

/** rest: [namespace, service, endpoint or _proto, _port] (from the zone down). */
function serviceName(rest: readonly string[], c: Ctx): NameRecords | undefined {
  const [ns, name, endpointOrProto, port, ...more] = rest;
  if (ns === undefined) return EMPTY;
  if (name === undefined) return c.view.namespaceExists(ns) ? EMPTY : undefined;
  const svc = c.view.service(ns, name);
  if (!svc || more.length > 0) return undefined;
  const fqdn = `${name}.${ns}.svc.${c.domain}`;
  const eps = headless(svc) ? readyEndpoints(svc, c.view.endpoints(ns, name)) : [];
  if (endpointOrProto === undefined) return serviceRecords(svc, eps, fqdn, c);
  if (port === undefined) return headless(svc) ? endpointRecords(eps, endpointOrProto, c) : undefined;
  if (!port.startsWith('_') || !endpointOrProto.startsWith('_')) return undefined;
  const records = portRecords(svc, eps, fqdn, port.slice(1), endpointOrProto.slice(1), c);
  return records.srv.length > 0 ? records : undefined;
}

const headless = (svc: Service) => svc.spec.clusterIP === 'None';

interface ReadyEndpoint {
  readonly address: EndpointAddress;
  readonly ports: readonly EndpointPort[];
}

/** Ready addresses with their subset's ports; not-ready ones too if the service publishes them. */
function readyEndpoints(svc: Service, ep: Endpoints | undefined): ReadyEndpoint[] {
  const withNotReady = svc.spec.publishNotReadyAddresses === true;
  return (ep?.subsets ?? []).flatMap((s) =>
    [...(s.addresses ?? []), ...(withNotReady ? (s.notReadyAddresses ?? []) : [])].map((address) => ({ address, ports: s.ports ?? [] })),
  );
}

/** An endpoint's label under its service: its hostname, else its IP with `-` for `.` (CoreDNS). */
const endpointLabel = (a: EndpointAddress) => (a.hostname || a.ip.replace(/[.:]/g, '-')).toLowerCase();

const aRecord = (name: string, address: string, ttl: number): DnsRecord => ({ type: 'A', name, ttl, address });

const srvRecord = (name: string, port: number, target: string, weight: number, ttl: number): DnsRecord => ({
  type: 'SRV',
  name,
  ttl,
  priority: 0,
  weight,
  port,
  target,
});

/** CoreDNS's weights: the endpoints share 100. */
const weightOf = (n: number) => Math.max(1, Math.floor(100 / Math.max(1, n)));

function uniqueA(name: string, ips: readonly string[], ttl: number): DnsRecord[] {
  return [...new Set(ips)].map((ip) => aRecord(name, ip, ttl));
}

function serviceRecords(svc: Service, eps: readonly ReadyEndpoint[], fqdn: string, c: Ctx): NameRecords {
  const ip = svc.spec.clusterIP;
  const a = headless(svc) ? uniqueA(c.owner, eps.map((e) => e.address.ip), c.ttl) : ip ? [aRecord(c.owner, ip, c.ttl)] : [];
  return { a, ...srvRecords(svc, eps, fqdn, () => true, c) };
}

/** SRV records for the ports `keep` selects, targeting the service (or each endpoint when headless), and the targets' A records. */
function srvRecords(
  svc: Service,
  eps: readonly ReadyEndpoint[],
  fqdn: string,
  keep: (p: { name?: string; protocol?: string }) => boolean,
  c: Ctx,
): Pick<NameRecords, 'srv' | 'extra'> {
  if (headless(svc)) {
    const pairs = eps.flatMap((e) => e.ports.filter(keep).map((p) => ({ e, port: p.port })));
    return {
      srv: pairs.map(({ e, port }) => srvRecord(c.owner, port, `${endpointLabel(e.address)}.${fqdn}`, weightOf(pairs.length), c.ttl)),
      extra: endpointExtras(pairs.map((p) => p.e), fqdn, c.ttl),
    };
  }
  const ip = svc.spec.clusterIP;
  const ports = (svc.spec.ports ?? []).filter(keep);
  return {
    srv: ports.map((p) => srvRecord(c.owner, p.port, fqdn, 100, c.ttl)),
    extra: ip && ports.length > 0 ? [aRecord(fqdn, ip, c.ttl)] : [],
  };
}

/** The A records of SRV targets that are endpoints, once per name and address. */
function endpointExtras(eps: readonly ReadyEndpoint[], fqdn: string, ttl: number): DnsRecord[] {
  const seen = new Set<string>();
  const out: DnsRecord[] = [];
  for (const e of eps) {
    const name = `${endpointLabel(e.address)}.${fqdn}`;
    if (seen.has(`${name} ${e.address.ip}`)) continue;
    seen.add(`${name} ${e.address.ip}`);
    out.push(aRecord(name, e.address.ip, ttl));
  }
  return out;
}

function endpointRecords(eps: readonly ReadyEndpoint[], label: string, c: Ctx): NameRecords | undefined {
  const ips = eps.filter((e) => endpointLabel(e.address) === label).map((e) => e.address.ip);
  return ips.length > 0 ? { a: uniqueA(c.owner, ips, c.ttl), srv: [], extra: [] } : undefined;
}

/** `_<portName>._<proto>.<svc>...`: SRV for that port only (and no A records of its own). */
function portRecords(svc: Service, eps: readonly ReadyEndpoint[], fqdn: string, portName: string, proto: string, c: Ctx): NameRecords {
  const keep = (p: { name?: string; protocol?: string }) => (p.name ?? '').toLowerCase() === portName && (p.protocol ?? 'TCP').toLowerCase() === proto;
  return { a: [], ...srvRecords(svc, eps, fqdn, keep, c) };
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DASHED_IPV4 = new RegExp(`^${OCTET}-${OCTET}-${OCTET}-${OCTET}$`);

/** rest: [namespace, dashed-ip]. */
function podName(rest: readonly string[], c: Ctx): NameRecords | undefined {
  const [ns, dashed, ...more] = rest;
  if (ns === undefined) return EMPTY;
  if (dashed === undefined) return c.view.namespaceExists(ns) ? EMPTY : undefined;
  if (more.length > 0 || !DASHED_IPV4.test(dashed)) return undefined;
  const ip = dashed.replace(/-/g, '.');
  return c.view.hasPodIp(ns, ip) ? { a: [aRecord(c.owner, ip, c.ttl)], srv: [], extra: [] } : undefined;
}
