/**
 * `kubectl get services` and `kubectl get endpoints` (printers.go printService, makePortString,
 * formatEndpoints): ports as `80:30080/TCP`, endpoints as `ip:port` pairs, three at most and then
 * `+ N more...`.
 */
import type { Endpoints, Service, ServicePort } from '../resources/types.js';
import { age } from './duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, orNone, type TablePrinter } from './types.js';

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

function externalIP(svc: Service): string {
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

export const servicePrinter: TablePrinter<Service> = {
  columns: [
    NAME_COLUMN,
    column('Type', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { wide: true }),
  ],
  row(svc, now) {
    return [
      svc.metadata.name ?? '',
      svc.spec?.type ?? 'ClusterIP',
      svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>',
      externalIP(svc),
      orNone(portString(svc.spec?.ports)),
      age(svc.metadata.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ];
  },
};

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

export const endpointsPrinter: TablePrinter<Endpoints> = {
  columns: [
    NAME_COLUMN,
    column('Endpoints', 'The set of all endpoints is the union of all subsets.'),
    AGE_COLUMN,
  ],
  row(ep, now) {
    return [ep.metadata.name ?? '', formatEndpoints(ep), age(ep.metadata.creationTimestamp, now)];
  },
};
