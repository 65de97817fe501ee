/**
 * What the Endpoints of a Service should say, as a pure function of the Service and the cached
 * pods (Kubernetes' pkg/controller/endpoint syncService, with ShouldPodBeInEndpoints, FindPort and
 * ShouldSetHostname from its helpers):
 *
 *   - only a Service with a non-empty spec.selector is managed; one without keeps whatever
 *     Endpoints its user writes;
 *   - a pod counts when it is in the Service's namespace, matches the selector, has an IP, is not
 *     finished (Succeeded/Failed) and is not terminating (unless publishNotReadyAddresses);
 *   - a ready pod (or any pod under publishNotReadyAddresses) is an address, others are
 *     notReadyAddresses; each service port resolves its targetPort in the pod (a named port the
 *     pod lacks leaves the pod out of that port only);
 *   - two pods with one IP (a replaced pod whose IP was handed on) give one address;
 *   - the result is repacked and sorted (repack.ts), so "nothing changed" is an equality test and
 *     a redelivered or replayed event never causes a second write.
 */
import type { Endpoints, EndpointAddress, EndpointPort, EndpointSubset, Pod, Service, ServicePort } from '../../../shared/resources/types.js';
import type { ObjectMeta } from '../../../shared/resources/meta.js';
import type { Requirement } from '../../../shared/resources/selector-types.js';
import { matchesLabels, tryFromLabelSelector } from '../../../shared/resources/selectors.js';
import { deepEqual } from '../../../shared/resources/json.js';
import { isPodReady } from '../replicaset/pods.js';
import { compareStrings, repackSubsets } from './repack.js';

/** Set (empty) on the Endpoints of a headless service, as kube-controller-manager does. */
export const HEADLESS_SERVICE_LABEL = 'service.kubernetes.io/headless';
/** Endpoints that are a leader-election record, not a service's: never deleted as orphans. */
export const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

// ---------------------------------------------------------------------------------------------
// Which services and pods

/** The selector's requirements, or undefined when the controller does not manage the service (no or empty selector). */
export function serviceSelector(svc: Service): Requirement[] | undefined {
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return undefined;
  return tryFromLabelSelector({ matchLabels: selector });
}

export function isManagedService(svc: Service): boolean {
  return serviceSelector(svc) !== undefined;
}

/** Whether the managed service selects the pod by namespace and labels (readiness aside). */
export function selectsPod(svc: Service, pod: Pod, labels = pod.metadata.labels): boolean {
  const reqs = serviceSelector(svc);
  return reqs !== undefined && selectedBy(reqs, svc, pod, labels);
}

function selectedBy(reqs: readonly Requirement[], svc: Service, pod: Pod, labels = pod.metadata.labels): boolean {
  return pod.metadata.namespace === svc.metadata.namespace && matchesLabels(reqs, labels);
}

/** Succeeded or Failed: its containers are done and will not run again. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

/** ShouldPodBeInEndpoints: has an IP, not finished, and not terminating unless terminating pods are published. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod) || !podIP(pod)) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/**
 * One pod per IP: a live pod before a terminating one, then the newest, then by name and uid.
 * (Kubernetes keys addresses by IP and pod uid; a reused IP would be listed twice.)
 */
export function dedupeByIP(pods: readonly Pod[]): Pod[] {
  const best = new Map<string, Pod>();
  for (const pod of pods) {
    const ip = podIP(pod);
    if (!ip) continue;
    const have = best.get(ip);
    if (!have || preferPod(pod, have) < 0) best.set(ip, pod);
  }
  return [...best.values()];
}

function preferPod(a: Pod, b: Pod): number {
  const live = Number(!!a.metadata.deletionTimestamp) - Number(!!b.metadata.deletionTimestamp);
  if (live) return live;
  const newer = compareStrings(b.metadata.creationTimestamp ?? '', a.metadata.creationTimestamp ?? '');
  return newer || compareStrings(a.metadata.name ?? '', b.metadata.name ?? '') || compareStrings(a.metadata.uid ?? '', b.metadata.uid ?? '');
}

// ---------------------------------------------------------------------------------------------
// Addresses and ports

/** ShouldSetHostname: the pod asked for a hostname under this service's subdomain. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/** The pod as an address of the service (undefined without an IP). */
export function podEndpointAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  const ip = podIP(pod);
  if (!ip) return undefined;
  const { namespace, name, uid } = pod.metadata;
  return {
    ip,
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec.hostname } : {}),
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', ...(namespace ? { namespace } : {}), ...(name ? { name } : {}), ...(uid ? { uid } : {}) },
  };
}

/**
 * FindPort: the number the service port's targetPort means in this pod. A number is itself (unset
 * means the service port); a name is the containerPort of that name and the service port's
 * protocol in a container or a sidecar (an init container with restartPolicy Always). Undefined
 * when the pod has no such port.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort === undefined || sp.targetPort === '' ? sp.port : sp.targetPort;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...pod.spec.containers, ...sidecars]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

export function endpointPort(sp: ServicePort, port: number): EndpointPort {
  return {
    ...(sp.name ? { name: sp.name } : {}),
    port,
    protocol: sp.protocol ?? 'TCP',
    ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The Endpoints object

/**
 * The subsets the service's Endpoints should have, given every pod the controller knows (pods of
 * other namespaces and unselected pods are ignored). [] for a service the controller does not manage.
 */
export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const reqs = serviceSelector(svc);
  if (!reqs) return [];
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const members = dedupeByIP(pods.filter((p) => selectedBy(reqs, svc, p) && shouldPodBeInEndpoints(p, publishNotReady)));
  const ports = svc.spec.ports ?? [];
  const parts: EndpointSubset[] = [];
  for (const pod of members) {
    const address = podEndpointAddress(svc, pod)!;
    const listed: EndpointSubset = publishNotReady || isPodReady(pod) ? { addresses: [address] } : { notReadyAddresses: [address] };
    // A headless service may have no ports: its addresses are published alone.
    if (ports.length === 0 && svc.spec.clusterIP === 'None') parts.push(listed);
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port !== undefined) parts.push({ ...listed, ports: [endpointPort(sp, port)] });
    }
  }
  return repackSubsets(parts);
}

/** The Endpoints' labels: the service's, plus the headless marker for a headless service. */
export function endpointsLabels(svc: Service): Record<string, string> {
  return { ...(svc.metadata.labels ?? {}), ...(svc.spec?.clusterIP === 'None' ? { [HEADLESS_SERVICE_LABEL]: '' } : {}) };
}

/** Whether `current` (undefined: none yet) must be written to say `subsets` with the service's labels. */
export function endpointsNeedWrite(current: Endpoints | undefined, svc: Service, subsets: readonly EndpointSubset[]): boolean {
  if (!current) return true;
  return !deepEqual(current.subsets ?? [], subsets) || !deepEqual(current.metadata.labels ?? {}, endpointsLabels(svc));
}

/**
 * The object to write: a new Endpoints named after the service, or `current` (its metadata, hence
 * its resourceVersion as the write's precondition, and its annotations kept) with new labels and subsets.
 */
export function endpointsFor(svc: Service, subsets: readonly EndpointSubset[], current?: Endpoints): Endpoints {
  const labels = endpointsLabels(svc);
  const { namespace, name } = svc.metadata;
  const metadata: ObjectMeta = current ? { ...current.metadata } : { ...(name ? { name } : {}), ...(namespace ? { namespace } : {}) };
  delete metadata.labels;
  if (Object.keys(labels).length) metadata.labels = labels;
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata,
    ...(subsets.length ? { subsets } : {}),
  };
}

/** Endpoints the controller may delete once their service is gone (not a leader-election record). */
export function isOrphanDeletable(ep: Endpoints): boolean {
  return ep.metadata.annotations?.[LEADER_ELECTION_ANNOTATION] === undefined;
}

// ---------------------------------------------------------------------------------------------
// Pod changes that matter

/** What of a pod can change its Endpoints (labels aside: they decide which services to look at). */
function endpointsView(pod: Pod): unknown {
  return {
    ip: podIP(pod),
    ready: isPodReady(pod),
    terminal: isPodTerminal(pod),
    terminating: !!pod.metadata.deletionTimestamp,
    nodeName: pod.spec.nodeName,
    hostname: pod.spec.hostname,
    subdomain: pod.spec.subdomain,
    ports: [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => [c.restartPolicy, c.ports]),
  };
}

/** podEndpointsChanged: whether an update of the pod can change any Endpoints (a status heartbeat cannot). */
export function podEndpointsChanged(old: Pod, pod: Pod): boolean {
  return !deepEqual(old.metadata.labels ?? {}, pod.metadata.labels ?? {}) || !deepEqual(endpointsView(old), endpointsView(pod));
}
