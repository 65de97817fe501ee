/**
 * What the proxy should be listening on, as a pure function of the cached Services and Endpoints
 * (kube-proxy's ServiceChangeTracker + EndpointsChangeTracker collapsed into one level-based step):
 * every TCP port of a service with a cluster IP is one listener `clusterIP:port`, and a NodePort
 * service adds `address:nodePort` on each node-port address. Each listener carries its ready
 * backends and affinity, so the proxier only diffs sockets against it.
 *
 * Deterministic: services are visited in key order, backends are sorted, and when two services
 * claim one address the first (by key) keeps it and the other is reported as a conflict.
 */
import { isIP } from 'node:net';
import { objectKey } from '../../shared/informer/keys.js';
import type { EndpointSubset, Endpoints, Service, ServicePort } from '../../shared/resources/types.js';

export interface Backend {
  readonly ip: string;
  readonly port: number;
}

export type Affinity = { readonly kind: 'None' } | { readonly kind: 'ClientIP'; readonly timeoutSeconds: number };

/** Kubernetes' default ClientIP stickiness: three hours. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

export interface PlannedListener {
  /** `address:port`, unique in a plan. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly kind: 'ClusterIP' | 'NodePort';
  /** The owning service, `namespace/name`. */
  readonly service: string;
  readonly namespace: string;
  readonly name: string;
  /** The service port's name ('' when the service has a single unnamed port). */
  readonly portName: string;
  /** The service port number (the cluster IP's port, also for node-port listeners). */
  readonly servicePort: number;
  /** Ready addresses only, sorted by ip then port. */
  readonly backends: readonly Backend[];
  readonly affinity: Affinity;
}

/** A service port the proxy does not serve (UDP, SCTP). */
export interface SkippedPort {
  readonly service: string;
  readonly port: number;
  readonly protocol: string;
}

/** A listener a second service also asked for; the first by key keeps it. */
export interface Conflict {
  readonly key: string;
  readonly service: string;
  readonly heldBy: string;
}

export interface Plan {
  /** Sorted by key. */
  readonly listeners: readonly PlannedListener[];
  readonly skipped: readonly SkippedPort[];
  readonly conflicts: readonly Conflict[];
}

export interface PlanInput {
  readonly services: readonly Service[];
  /** Looked up by the service's key (Endpoints share their service's name). */
  readonly endpoints: (key: string) => Endpoints | undefined;
  /** Where NodePort services listen on this node, e.g. the node IP. */
  readonly nodePortAddresses: readonly string[];
}

export function planListeners(input: PlanInput): Plan {
  const listeners = new Map<string, PlannedListener>();
  const skipped: SkippedPort[] = [];
  const conflicts: Conflict[] = [];
  const services = [...input.services].sort((a, b) => cmp(objectKey(a), objectKey(b)));
  for (const svc of services) {
    const clusterIP = svc.spec?.clusterIP;
    if (!clusterIP || clusterIP === 'None' || isIP(clusterIP) === 0) continue;
    const service = objectKey(svc);
    const endpoints = input.endpoints(service);
    const affinity = affinityOf(svc);
    for (const p of svc.spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (protocol !== 'TCP') {
        skipped.push({ service, port: p.port, protocol });
        continue;
      }
      const base = {
        service,
        namespace: svc.metadata.namespace ?? '',
        name: svc.metadata.name ?? '',
        portName: p.name ?? '',
        servicePort: p.port,
        backends: backendsFor(p, endpoints?.subsets ?? []),
        affinity,
      };
      const add = (address: string, port: number, kind: PlannedListener['kind']) => {
        const key = listenerKey(address, port);
        const held = listeners.get(key);
        if (held) conflicts.push({ key, service, heldBy: held.service });
        else listeners.set(key, { key, address, port, kind, ...base });
      };
      add(clusterIP, p.port, 'ClusterIP');
      if (svc.spec.type === 'NodePort' && p.nodePort) {
        for (const address of input.nodePortAddresses) add(address, p.nodePort, 'NodePort');
      }
    }
  }
  const sorted = [...listeners.values()].sort((a, b) => cmp(a.key, b.key));
  return { listeners: sorted, skipped, conflicts };
}

/** `127.10.0.1:80`, `[::1]:80`. */
export function listenerKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function backendKey(b: Backend): string {
  return listenerKey(b.ip, b.port);
}

/** The ready addresses of every subset whose ports include one named like the service port. */
export function backendsFor(port: ServicePort, subsets: readonly EndpointSubset[]): Backend[] {
  const name = port.name ?? '';
  const seen = new Map<string, Backend>();
  for (const s of subsets) {
    const target = (s.ports ?? []).find((ep) => (ep.name ?? '') === name && (ep.protocol ?? 'TCP') === 'TCP');
    if (!target) continue;
    for (const a of s.addresses ?? []) {
      if (!a.ip) continue;
      const b = { ip: a.ip, port: target.port };
      seen.set(backendKey(b), b);
    }
  }
  return [...seen.values()].sort((a, b) => cmp(a.ip, b.ip) || a.port - b.port);
}

export function affinityOf(svc: Service): Affinity {
  if (svc.spec?.sessionAffinity !== 'ClientIP') return { kind: 'None' };
  const cfg = svc.spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: unknown } } | undefined;
  const t = cfg?.clientIP?.timeoutSeconds;
  const timeoutSeconds = typeof t === 'number' && Number.isFinite(t) && t > 0 ? t : DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  return { kind: 'ClientIP', timeoutSeconds };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
