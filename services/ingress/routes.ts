/**
 * The ingress controller's routing table, pure: from the Ingresses of our class, the Services, their
 * Endpoints and the TLS Secrets, a table that answers "which backend serves this host and path" and
 * "which certificate for this server name". Nothing here does I/O; the server (server.ts) rebuilds
 * the table from the informers' caches and swaps it in whole.
 *
 * The rules, as Kubernetes specifies them (kubernetes.io/docs/concepts/services-networking/ingress):
 *  - host: an exact host beats a wildcard; `*.foo.com` matches exactly one more label
 *    (`bar.foo.com`, not `foo.com` nor `baz.bar.foo.com`); rules without a host match any host;
 *  - path: Exact beats Prefix; the longest Prefix wins; a Prefix matches element-wise on
 *    `/`-separated segments (`/foo` matches `/foo/bar`, not `/foobar`; a trailing `/` is ignored);
 *    ImplementationSpecific is taken as Prefix;
 *  - the same host and path in two Ingresses: the oldest Ingress (creationTimestamp, then namespace
 *    and name) keeps it, as ingress-nginx does; the oldest Ingress's defaultBackend is the default;
 *  - nothing matches in the chosen host: the default backend, else 404;
 *  - TLS: a `tls` entry's hosts (or, with none listed, the Ingress's rule hosts) get its Secret's
 *    certificate, chosen by SNI: exact host, then a one-label wildcard; the oldest Ingress first.
 */
import type { Endpoints, Secret, Service } from '../../shared/resources/types.js';
import { CLASS_ANNOTATION, isDefaultClass, type Ingress, type IngressBackend, type IngressClass } from '../../shared/resources/ingress.js';

/** The controller name an IngressClass names to be ours. */
export const CONTROLLER_NAME = 'jetkube.io/ingress-controller';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface Target {
  /** `namespace/service:port` as the Ingress names it. */
  readonly key: string;
  /** Ready endpoints; empty: the backend is unavailable (503). */
  readonly endpoints: readonly Endpoint[];
}

export interface Route {
  /** `namespace/name` of the Ingress the rule comes from. */
  readonly ingress: string;
  /** The rule's host as written (`''`: any host). */
  readonly host: string;
  /** The rule's path as written (`/` for an empty one). */
  readonly path: string;
  readonly pathType: 'Exact' | 'Prefix';
  readonly target: Target;
}

interface PathRoute extends Route {
  /** Prefix routes: the path's non-empty segments. */
  readonly segments: readonly string[];
  /** Prefix routes, precompiled: `/` + the segments joined (`/foo/bar`), and what a longer path under it starts with (`/foo/bar/`). */
  readonly prefix: string;
  readonly under: string;
}

interface HostRoutes {
  readonly exact: Map<string, PathRoute>;
  /** Longest first. */
  readonly prefixes: PathRoute[];
}

export interface Certificate {
  readonly ingress: string;
  readonly secret: string;
  readonly cert: string;
  readonly key: string;
}

export interface RouteTable {
  readonly hosts: ReadonlyMap<string, HostRoutes>;
  /** Keyed by the suffix after `*.` (`foo.com` for `*.foo.com`). */
  readonly wildcards: ReadonlyMap<string, HostRoutes>;
  readonly anyHost: HostRoutes;
  readonly defaultBackend?: Route;
  /** TLS certificates by host (exact) and by wildcard suffix. */
  readonly certs: ReadonlyMap<string, Certificate>;
  readonly wildcardCerts: ReadonlyMap<string, Certificate>;
  /** The Ingresses in the table, oldest first. */
  readonly ingresses: readonly Ingress[];
  /** What could not be honoured, one line each (a missing Secret, a port the Service lacks). */
  readonly problems: readonly string[];
}

export interface RouteInputs {
  readonly ingresses: readonly Ingress[];
  readonly classes: readonly IngressClass[];
  /** By `namespace/name`. */
  readonly service: (key: string) => Service | undefined;
  readonly endpoints: (key: string) => Endpoints | undefined;
  readonly secret: (key: string) => Secret | undefined;
  readonly controller?: string;
}

const keyOf = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

/** The path's non-empty `/`-separated segments. */
export const segmentsOf = (path: string): string[] => path.split('/').filter((s) => s !== '');

/** Is the Ingress ours: its class (spec field, else the deprecated annotation) has our controller, or it has none and the default class is ours. */
export function isOurIngress(ing: Ingress, classes: readonly IngressClass[], controller = CONTROLLER_NAME): boolean {
  const ours = (ic: IngressClass) => ic.spec?.controller === controller;
  const named = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[CLASS_ANNOTATION];
  if (named !== undefined) return classes.some((ic) => ic.metadata.name === named && ours(ic));
  return classes.some((ic) => isDefaultClass(ic) && ours(ic));
}

/** Oldest first: creationTimestamp, then namespace and name. */
export function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = keyOf(a.metadata.namespace, a.metadata.name);
  const kb = keyOf(b.metadata.namespace, b.metadata.name);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The ready endpoints a Service backend resolves to, or why none. */
export function resolveBackend(
  ns: string,
  backend: IngressBackend,
  service: RouteInputs['service'],
  endpoints: RouteInputs['endpoints'],
): { target: Target; problem?: string } {
  const svcName = backend.service?.name ?? '';
  const port = backend.service?.port ?? {};
  const portText = port.name ? port.name : String(port.number ?? '');
  const key = `${ns}/${svcName}:${portText}`;
  const none = (problem: string) => ({ target: { key, endpoints: [] }, problem });
  const svc = service(keyOf(ns, svcName));
  if (!svc) return none(`service ${ns}/${svcName} not found`);
  const sp = (svc.spec?.ports ?? []).find((p) => (port.name ? p.name === port.name : p.port === port.number));
  if (!sp) return none(`service ${ns}/${svcName} has no port ${portText}`);
  const ep = endpoints(keyOf(ns, svcName));
  const out: Endpoint[] = [];
  for (const subset of ep?.subsets ?? []) {
    const epPort = (subset.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === 'TCP');
    if (!epPort) continue;
    for (const a of subset.addresses ?? []) out.push({ ip: a.ip, port: epPort.port });
  }
  return { target: { key, endpoints: out } };
}

const emptyHost = (): HostRoutes => ({ exact: new Map(), prefixes: [] });

/** Build the table. Pure: the same inputs give the same table. */
export function buildRouteTable(inputs: RouteInputs): RouteTable {
  const controller = inputs.controller ?? CONTROLLER_NAME;
  const ingresses = inputs.ingresses.filter((i) => !i.metadata.deletionTimestamp && isOurIngress(i, inputs.classes, controller)).sort(byAge);
  const hosts = new Map<string, HostRoutes>();
  const wildcards = new Map<string, HostRoutes>();
  const anyHost = emptyHost();
  const certs = new Map<string, Certificate>();
  const wildcardCerts = new Map<string, Certificate>();
  const problems: string[] = [];
  let defaultBackend: Route | undefined;

  const groupFor = (host: string): HostRoutes => {
    if (host === '') return anyHost;
    const [map, k] = host.startsWith('*.') ? [wildcards, host.slice(2)] : [hosts, host];
    let g = map.get(k);
    if (!g) map.set(k, (g = emptyHost()));
    return g;
  };
  const resolve = (ns: string, b: IngressBackend, where: string): Target => {
    const r = resolveBackend(ns, b, inputs.service, inputs.endpoints);
    if (r.problem) problems.push(`${where}: ${r.problem}`);
    return r.target;
  };

  for (const ing of ingresses) {
    const ns = ing.metadata.namespace ?? '';
    const id = keyOf(ns, ing.metadata.name);
    const spec = ing.spec ?? {};
    if (spec.defaultBackend?.service && !defaultBackend) {
      defaultBackend = { ingress: id, host: '', path: '', pathType: 'Prefix', target: resolve(ns, spec.defaultBackend, `${id} defaultBackend`) };
    }
    for (const rule of spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      const group = groupFor(host);
      for (const p of rule.http?.paths ?? []) {
        if (!p.backend?.service) continue;
        const path = p.path || '/';
        const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const segments = segmentsOf(path);
        const prefix = `/${segments.join('/')}`;
        const compiled = { segments, prefix, under: prefix === '/' ? '/' : `${prefix}/` };
        if (pathType === 'Exact') {
          if (group.exact.has(path)) continue; // an older Ingress has it
          group.exact.set(path, { ingress: id, host, path, pathType, ...compiled, target: resolve(ns, p.backend, `${id} ${host || '*'}${path}`) });
        } else {
          if (group.prefixes.some((r) => r.prefix === prefix)) continue;
          group.prefixes.push({ ingress: id, host, path, pathType, ...compiled, target: resolve(ns, p.backend, `${id} ${host || '*'}${path}`) });
        }
      }
    }
    for (const tls of spec.tls ?? []) {
      if (!tls.secretName) continue;
      const secret = inputs.secret(keyOf(ns, tls.secretName));
      const pair = tlsPair(secret);
      if (!pair) {
        problems.push(`${id}: TLS secret ${ns}/${tls.secretName} ${secret ? 'is not a kubernetes.io/tls secret with tls.crt and tls.key' : 'not found'}`);
        continue;
      }
      // No hosts: the certificate is for the hosts of this Ingress's rules (what a controller does with the unspecified "wildcard" default).
      const named = tls.hosts?.length ? tls.hosts : (spec.rules ?? []).map((r) => r.host ?? '').filter((h) => h !== '');
      for (const h of named) {
        const host = h.toLowerCase();
        const [map, k] = host.startsWith('*.') ? [wildcardCerts, host.slice(2)] : [certs, host];
        if (!map.has(k)) map.set(k, { ingress: id, secret: keyOf(ns, tls.secretName), ...pair });
      }
    }
  }
  for (const g of [anyHost, ...hosts.values(), ...wildcards.values()]) g.prefixes.sort((a, b) => b.segments.length - a.segments.length);
  return { hosts, wildcards, anyHost, ...(defaultBackend ? { defaultBackend } : {}), certs, wildcardCerts, ingresses, problems };
}

/** A kubernetes.io/tls Secret's certificate and key (PEM), or undefined. */
export function tlsPair(secret: Secret | undefined): { cert: string; key: string } | undefined {
  if (!secret || secret.type !== 'kubernetes.io/tls') return undefined;
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!crt || !key) return undefined;
  return { cert: Buffer.from(crt, 'base64').toString('utf8'), key: Buffer.from(key, 'base64').toString('utf8') };
}

/** `bar.foo.com` → `foo.com`: what a `*.` wildcard of exactly one label would be keyed by. */
function parentOf(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 ? host.slice(dot + 1) : undefined;
}

/** The request's host without port, lower case (`Host: Web.Example:8080` → `web.example`). */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * Do a Prefix route's segments prefix the request path's? On the precompiled strings, so a request
 * allocates nothing: `path` is already in that form (a leading `/`, no empty segments) but for a
 * trailing `/`, which `under` accounts for.
 */
const prefixMatches = (r: PathRoute, path: string): boolean => r.prefix === '/' || path === r.prefix || path.startsWith(r.under);

function matchPath(g: HostRoutes, rawPath: string): Route | undefined {
  const exact = g.exact.get(rawPath);
  if (exact) return exact;
  // Only an unusual path (no leading `/`, or an empty segment: `//`) is rewritten to its segments.
  const path = rawPath.startsWith('/') && !rawPath.includes('//') ? rawPath : `/${segmentsOf(rawPath).join('/')}`;
  for (const r of g.prefixes) if (prefixMatches(r, path)) return r;
  return undefined;
}

/**
 * The route for a request (host as in the Host header, path without the query), or undefined: 404.
 * The host picks one group (exact, else wildcard, else the host-less rules); a path nothing in that
 * group matches goes to the default backend.
 */
export function matchRoute(table: RouteTable, hostHeader: string | undefined, rawPath: string): Route | undefined {
  const host = hostOf(hostHeader);
  const q = rawPath.indexOf('?');
  const path = q >= 0 ? rawPath.slice(0, q) : rawPath;
  const group = table.hosts.get(host) ?? wildcardGroup(table, host) ?? table.anyHost;
  return matchPath(group, path || '/') ?? table.defaultBackend;
}

function wildcardGroup(table: RouteTable, host: string): HostRoutes | undefined {
  if (table.wildcards.size === 0) return undefined;
  const parent = parentOf(host);
  return parent !== undefined ? table.wildcards.get(parent) : undefined;
}

/** The certificate for a TLS server name: exact host, then a one-label wildcard. */
export function certificateFor(table: RouteTable, serverName: string | undefined): Certificate | undefined {
  if (!serverName) return undefined;
  const host = serverName.toLowerCase();
  const parent = parentOf(host);
  return table.certs.get(host) ?? (parent !== undefined ? table.wildcardCerts.get(parent) : undefined);
}
