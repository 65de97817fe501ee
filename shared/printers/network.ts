/**
 * What `kubectl get services` and `kubectl get endpoints` print (printers.go makePortString,
 * formatEndpoints): ports as `80:30080/TCP`, endpoints as `ip:port` pairs, three at most and then
 * `+ N more...`. The printers themselves are in the kinds' files (shared/resources/kinds).
 */
import type { Endpoints, Service, ServicePort } from '../resources/types.js';

/** labels.FormatLabels: `k=v` pairs sorted by key, comma-joined; `<none>` when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

/** makePortString: `80/TCP`, or `80:30080/TCP` with a node port. */
export function portString(ports: readonly ServicePort[] | undefined): string {
  return (ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}

/** EXTERNAL-IP: the external name, the load balancer's ingress (or `<pending>`), or the external IPs. */
export function externalIP(svc: Service): string {
  const type = svc.spec?.type ?? 'ClusterIP';
  const ips = svc.spec?.externalIPs ?? [];
  switch (type as string) {
    case 'ExternalName':
      return String((svc.spec as { externalName?: string }).externalName ?? '<none>');
    case 'LoadBalancer': {
      const ingress = ((svc.status?.loadBalancer as { ingress?: { ip?: string; hostname?: string }[] } | undefined)?.ingress ?? [])
        .map((i) => i.ip || i.hostname || '')
        .filter(Boolean);
      const all = [...ingress, ...ips];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return ips.length ? ips.join(',') : '<none>';
  }
}

const MAX_ENDPOINTS = 3;

/**
 * formatEndpoints: `ip:port` for every address and port (only the ports named in `portNames` when
 * given), three at most and then `+ N more...`; `<none>` when there is none.
 */
export function formatEndpoints(ep: Endpoints, portNames?: ReadonlySet<string>): string {
  const subsets = ep.subsets ?? [];
  if (!subsets.length) return '<none>';
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (s: string) => {
    if (list.length === MAX_ENDPOINTS) more = true;
    else list.push(s);
  };
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addrs.length;
      for (const a of addrs) add(a.ip);
      continue;
    }
    for (const port of ss.ports) {
      if (portNames && !portNames.has(port.name ?? '')) continue;
      count += addrs.length;
      for (const a of addrs) add(`${a.ip.includes(':') ? `[${a.ip}]` : a.ip}:${port.port}`);
    }
  }
  const joined = list.join(',');
  if (more) return `${joined} + ${count - MAX_ENDPOINTS} more...`;
  return joined || '<none>';
}
