/**
 * The `kubernetes` Service in `default`, as kube-apiserver keeps it (its "bootstrap controller" and
 * endpoint reconciler): ClusterIP, the first address of the service range, port 443 named `https`
 * → the gateway's port; no selector, so its Endpoints are the gateway's own to write: the address
 * and port the gateway serves on, reconciled at every start (a gateway that moved to another port
 * rewrites them). Pods then find the API the Kubernetes way (KUBERNETES_SERVICE_HOST/PORT from the
 * kubelet's service links, `kubernetes.default.svc` through the DNS), and the proxy forwards the
 * cluster IP to the gateway (TLS passes through untouched: the serving certificate names the IP).
 * Decisions are pure (`kubernetesServiceFor`, `kubernetesEndpointsFor`); `ensureKubernetesService` does the I/O.
 */
import { resourceByPlural } from '../../shared/resources/registry.js';
import { isAlreadyExists, isConflict } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import { formatIpv4 } from './cidr.js';
import { parseServiceIpRange } from './service-ips.js';
import type { ObjectStore } from './store.js';

export const KUBERNETES_SERVICE = { namespace: 'default', name: 'kubernetes' } as const;
export const KUBERNETES_SERVICE_PORT = 443;

/** The Service's cluster IP: the first usable address of the range (10.96.0.1 for 10.96.0.0/12). */
export function kubernetesServiceIp(serviceClusterIpRange: string): string {
  return formatIpv4(parseServiceIpRange(serviceClusterIpRange).first);
}

export function kubernetesServiceFor(clusterIp: string, targetPort: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: clusterIp,
      clusterIPs: [clusterIp],
      sessionAffinity: 'None',
      ports: [{ name: 'https', protocol: 'TCP', port: KUBERNETES_SERVICE_PORT, targetPort }],
    },
  } as KObject;
}

export function kubernetesEndpointsFor(ip: string, port: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  } as KObject;
}

type ServiceShape = { spec?: { ports?: { port?: number; targetPort?: unknown }[] } };
type EndpointsShape = { subsets?: { addresses?: { ip?: string }[]; ports?: { port?: number }[] }[] };

/** The Service as stored still sends 443 to `port`. */
export function serviceCurrent(svc: KObject, port: number): boolean {
  const p = (svc as ServiceShape).spec?.ports?.find((x) => x.port === KUBERNETES_SERVICE_PORT);
  return p !== undefined && p.targetPort === port;
}

/** The Endpoints as stored name exactly this address and port. */
export function endpointsCurrent(ep: KObject, ip: string, port: number): boolean {
  const s = (ep as EndpointsShape).subsets;
  return s?.length === 1 && s[0]!.addresses?.length === 1 && s[0]!.addresses[0]!.ip === ip && s[0]!.ports?.length === 1 && s[0]!.ports[0]!.port === port;
}

/** Create or correct the Service and its Endpoints (idempotent; a concurrent writer's conflict is retried once by the next start). */
export async function ensureKubernetesService(store: ObjectStore, opts: { serviceClusterIpRange: string; ip: string; port: number }): Promise<void> {
  const { namespace: ns, name } = KUBERNETES_SERVICE;
  const svcInfo = resourceByPlural('services')!;
  const epInfo = resourceByPlural('endpoints')!;
  const want = kubernetesServiceFor(kubernetesServiceIp(opts.serviceClusterIpRange), opts.port);
  const svc = await store.getLive(svcInfo, ns, name);
  try {
    if (!svc) await store.create(svcInfo, ns, want);
    else if (!serviceCurrent(svc.object, opts.port)) {
      const spec = { ...(svc.object as { spec?: object }).spec, ports: (want as { spec: { ports: unknown } }).spec.ports };
      await store.update(svcInfo, ns, name, { ...svc.object, metadata: { ...svc.object.metadata, resourceVersion: String(svc.seq) }, spec });
    }
  } catch (e) {
    if (!isAlreadyExists(e) && !isConflict(e)) throw e;
  }
  const ep = await store.getLive(epInfo, ns, name);
  const wantEp = kubernetesEndpointsFor(opts.ip, opts.port);
  try {
    if (!ep) await store.create(epInfo, ns, wantEp);
    else if (!endpointsCurrent(ep.object, opts.ip, opts.port)) {
      await store.update(epInfo, ns, name, { ...wantEp, metadata: { ...ep.object.metadata, resourceVersion: String(ep.seq) } });
    }
  } catch (e) {
    if (!isAlreadyExists(e) && !isConflict(e)) throw e;
  }
}
