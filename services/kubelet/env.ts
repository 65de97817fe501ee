/**
 * A container's environment as Kubernetes builds it (pure): `envFrom` sources first (ConfigMaps and
 * Secrets, with an optional prefix), then `env` entries in order, each either a value with `$(VAR)`
 * references expanded against what is defined so far, or a `valueFrom` (ConfigMap key, Secret key,
 * downward API field, resource limit). A missing source that is not optional is a
 * CreateContainerConfigError with Kubernetes' message.
 *
 * Also the pod's resolver (podDns): Kubernetes' dnsPolicy and dnsConfig, turned into what the
 * runtime writes as /etc/resolv.conf and into env vars (dnsEnv) for containers that cannot use
 * that file, since resolv.conf cannot name the DNS port.
 *
 * And the service links (serviceEnv): the `<NAME>_SERVICE_HOST` / `_PORT` and Docker-link style
 * variables Kubernetes gives every container for each service of its namespace.
 */
import type { ConfigMap, Container, Pod, Secret, Service } from '../../shared/resources/types.js';
import { parseQuantity } from '../../shared/resources/quantity.js';
import { formatDnsAddress, type DnsAddress } from '../../shared/cluster-dns.js';
import type { ResolverConfig } from './runtime/types.js';

export interface EnvSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

export interface PodAddresses {
  readonly podIp?: string;
  readonly hostIp?: string;
}

export type EnvResult =
  | { readonly ok: true; readonly env: Record<string, string> }
  | { readonly ok: false; readonly reason: 'CreateContainerConfigError'; readonly message: string };

class ConfigError extends Error {}

/** `$(NAME)` → its value when defined (else left as is); `$$(NAME)` → the literal `$(NAME)`. */
export function expandVars(s: string, vars: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(vars, name) ? vars[name]! : m;
  });
}

function secretValue(s: Secret, key: string): string | undefined {
  if (s.stringData && key in s.stringData) return s.stringData[key];
  const b64 = s.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

function secretKeys(s: Secret): string[] {
  return [...new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})])];
}

/** The downward API: `metadata.name`, `metadata.labels['k']`, `status.podIP`, ... */
export function podField(pod: Pod, path: string, addr: PodAddresses): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return addr.podIp ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return addr.hostIp ?? '';
    default:
      return undefined;
  }
}

function resourceField(c: Container, resource: string, divisor: string | number | undefined): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const q = c.resources?.[kind]?.[name];
  if (q === undefined) return '0';
  const v = parseQuantity(q) / parseQuantity(divisor ?? 1);
  return String(Math.ceil(v));
}

export function resolveEnv(pod: Pod, c: Container, src: EnvSources, addr: PodAddresses): EnvResult {
  const ns = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  try {
    for (const from of c.envFrom ?? []) {
      const prefix = from.prefix ?? '';
      if (from.configMapRef) {
        const cm = src.configMap(ns, from.configMapRef.name ?? "");
        if (!cm) {
          if (from.configMapRef.optional) continue;
          throw new ConfigError(`configmap "${from.configMapRef.name}" not found`);
        }
        for (const [k, v] of Object.entries(cm.data ?? {})) env[prefix + k] = v;
      } else if (from.secretRef) {
        const s = src.secret(ns, from.secretRef.name ?? "");
        if (!s) {
          if (from.secretRef.optional) continue;
          throw new ConfigError(`secret "${from.secretRef.name}" not found`);
        }
        for (const k of secretKeys(s)) env[prefix + k] = secretValue(s, k)!;
      }
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom === undefined) {
        env[e.name] = expandVars(e.value ?? '', env);
        continue;
      }
      const vf = e.valueFrom;
      if (vf.configMapKeyRef) {
        const { name, key, optional } = vf.configMapKeyRef;
        const cm = src.configMap(ns, name ?? '');
        if (!cm) {
          if (optional) continue;
          throw new ConfigError(`configmap "${name}" not found`);
        }
        const v = cm.data?.[key];
        if (v === undefined) {
          if (optional) continue;
          throw new ConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
        }
        env[e.name] = v;
      } else if (vf.secretKeyRef) {
        const { name, key, optional } = vf.secretKeyRef;
        const s = src.secret(ns, name ?? '');
        if (!s) {
          if (optional) continue;
          throw new ConfigError(`secret "${name}" not found`);
        }
        const v = secretValue(s, key);
        if (v === undefined) {
          if (optional) continue;
          throw new ConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
        }
        env[e.name] = v;
      } else if (vf.fieldRef) {
        const v = podField(pod, vf.fieldRef.fieldPath, addr);
        if (v === undefined) throw new ConfigError(`unsupported fieldPath: ${vf.fieldRef.fieldPath}`);
        env[e.name] = v;
      } else if (vf.resourceFieldRef) {
        env[e.name] = resourceField(c, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor);
      }
    }
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, reason: 'CreateContainerConfigError', message: e.message };
    throw e;
  }
  return { ok: true, env };
}

// ------------------------------------------------------------------------------------ pod DNS

/** Where the cluster DNS is and the zone it serves (KubeletConfig has both). */
export interface ClusterDnsSettings {
  readonly clusterDns: DnsAddress;
  readonly clusterDomain: string;
}

export interface PodDns extends ResolverConfig {
  /** The first nameserver as `ip:port` (the port resolv.conf cannot carry); '' when there is none. */
  readonly server: string;
}

interface DnsConfigSpec {
  readonly nameservers?: readonly string[];
  readonly searches?: readonly string[];
  readonly options?: readonly { readonly name?: string; readonly value?: string }[];
}

/** The kubelet's limits (Kubernetes: 3 nameservers, 32 search domains). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

/**
 * The pod's resolver, by dnsPolicy: ClusterFirst (the default; on the host network it falls back
 * to Default, as in Kubernetes) and ClusterFirstWithHostNet use the cluster DNS with the search
 * path `<ns>.svc.<domain> svc.<domain> <domain>` and `ndots:5`; None uses only spec.dnsConfig;
 * Default is the host's own resolver (undefined). dnsConfig's nameservers and searches are
 * appended, its options replace those of the same name.
 */
export function podDns(pod: Pod, cluster: ClusterDnsSettings): PodDns | undefined {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const useCluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec.hostNetwork);
  if (!useCluster && policy !== 'None') return undefined;
  const d = cluster.clusterDomain;
  const ns = pod.metadata.namespace ?? 'default';
  const extra = (pod.spec.dnsConfig ?? {}) as DnsConfigSpec;
  const byHost = new Map<string, DnsAddress>();
  for (const a of [...(useCluster ? [cluster.clusterDns] : []), ...(extra.nameservers ?? []).map((host) => ({ host, port: 53 }))]) {
    if (!byHost.has(a.host)) byHost.set(a.host, a);
  }
  const servers = [...byHost.values()].slice(0, MAX_NAMESERVERS);
  const searches = [...new Set([...(useCluster ? [`${ns}.svc.${d}`, `svc.${d}`, d] : []), ...(extra.searches ?? [])])].slice(0, MAX_SEARCHES);
  const options = new Map<string, string>(useCluster ? [['ndots', 'ndots:5']] : []);
  for (const o of extra.options ?? []) if (o.name) options.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  return {
    nameservers: servers.map((a) => a.host),
    searches,
    options: [...options.values()],
    server: servers[0] ? formatDnsAddress(servers[0]) : '',
  };
}

/** The resolver as env vars: JETKUBE_DNS_SERVER (`ip:port`), JETKUBE_DNS_SEARCH and glibc's LOCALDOMAIN. */
export function dnsEnv(dns: PodDns | undefined): Record<string, string> {
  if (!dns) return {};
  const search = dns.searches.join(' ');
  return {
    ...(dns.server ? { JETKUBE_DNS_SERVER: dns.server } : {}),
    ...(search ? { JETKUBE_DNS_SEARCH: search, LOCALDOMAIN: search } : {}),
  };
}

/** A service or port name as an env var name: upper case, `-` → `_`. */
const envName = (s: string): string => s.toUpperCase().replace(/-/g, '_');

/**
 * Kubernetes' service links (pkg/kubelet/envvars, enableServiceLinks, default on): for every
 * service of the pod's namespace with a cluster IP, `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`
 * (the first port), `<NAME>_SERVICE_PORT_<PORTNAME>` per named port, and the Docker-link variables
 * `<NAME>_PORT=tcp://ip:port` and `<NAME>_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}`. Headless
 * services and services without ports give none. The container's own variables win over these.
 * The `kubernetes` Service in `default` is always linked (KUBERNETES_SERVICE_HOST/PORT), in every
 * namespace and with service links off, as the kubelet does.
 */
export function serviceEnv(pod: Pod, services: readonly Service[]): Record<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec.enableServiceLinks !== false;
  const env: Record<string, string> = {};
  // The `kubernetes` Service of `default` always (even with service links off), as the kubelet does for its master services.
  const master = (s: Service) => (s.metadata.namespace ?? 'default') === 'default' && s.metadata.name === 'kubernetes';
  const byName = new Map<string, Service>();
  for (const s of services) if (master(s)) byName.set(s.metadata.name!, s);
  for (const s of services) if (links && (s.metadata.namespace ?? 'default') === ns && !master(s)) byName.set(s.metadata.name ?? '', s);
  const mine = [...byName.values()].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const svc of mine) {
    const ip = svc.spec.clusterIP;
    const ports = svc.spec.ports ?? [];
    if (!ip || ip === 'None' || !ports.length) continue;
    const name = envName(svc.metadata.name ?? '');
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(ports[0]!.port);
    for (const p of ports) if (p.name) env[`${name}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    const first = ports[0]!;
    env[`${name}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      env[prefix] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      env[`${prefix}_PROTO`] = proto.toLowerCase();
      env[`${prefix}_PORT`] = String(p.port);
      env[`${prefix}_ADDR`] = ip;
    }
  }
  return env;
}
