/**
 * Semantic validation of Services and Endpoints (Kubernetes' ValidateService, ValidateEndpoints,
 * restricted to what jetkube serves: ClusterIP and NodePort services).
 */
import { isIP } from 'node:net';
import type { StatusCause } from '../errors.js';
import type { EndpointAddress, EndpointSubset, Endpoints, Service, ServicePort } from './types.js';
import { child, duplicate, forbidden, immutable, index, invalidValue, notSupported, required, tooMany } from './field-errors.js';
import { dns1123LabelErrors, portNameErrors, portNumErrors, validateLabels } from './names.js';
import { PROTOCOLS } from './pod-validation.js';
import { isObject } from './json.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort'] as const;
const SESSION_AFFINITIES = ['ClientIP', 'None'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
const IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
/**
 * Most ports one Service may have. Kubernetes' Service has no bound (its EndpointSlices hold at
 * most 100 ports each); here every port of a NodePort service is a reservation written before the
 * Service, and every port a proxy listener, so the list is bounded: 1000 is ten times what one
 * EndpointSlice holds, and a request over it is refused before anything is reserved.
 */
export const MAX_SERVICE_PORTS = 1000;

export function validateService(svc: Service, old?: Service): StatusCause[] {
  const spec = svc.spec;
  if (!isObject(spec)) return [required('spec')];
  const causes: StatusCause[] = [];
  const type = spec.type ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) causes.push(notSupported('spec.type', type, SERVICE_TYPES));
  const headless = spec.clusterIP === 'None';
  if (spec.clusterIP !== undefined && spec.clusterIP !== '' && !headless && isIP(spec.clusterIP) === 0) {
    causes.push(invalidValue('spec.clusterIP', spec.clusterIP, IP_MESSAGE));
  }
  if (headless && type === 'NodePort') {
    causes.push(invalidValue('spec.clusterIP', spec.clusterIP, "may not be set to 'None' for NodePort services"));
  }
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !headless) causes.push(required('spec.ports'));
  // Too many: say so once, and spare the per-port checks (which could be millions of causes).
  if (ports.length > MAX_SERVICE_PORTS) return [...causes, tooMany('spec.ports', ports.length, MAX_SERVICE_PORTS)];
  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const at = index('spec.ports', i);
    causes.push(...validateServicePort(p, at, ports.length > 1, type));
    if (has(p.name)) {
      if (names.has(p.name)) causes.push(duplicate(child(at, 'name'), p.name));
      names.add(p.name);
    }
    const pk = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (portKeys.has(pk)) causes.push(duplicate(at, { port: p.port, protocol: p.protocol ?? 'TCP' }));
    portKeys.add(pk);
    if (p.nodePort) {
      const nk = `${p.nodePort}/${p.protocol ?? 'TCP'}`;
      if (nodePorts.has(nk)) causes.push(duplicate(child(at, 'nodePort'), p.nodePort));
      nodePorts.add(nk);
    }
  });
  causes.push(...validateLabels(spec.selector, 'spec.selector'));
  if (spec.sessionAffinity !== undefined && !(SESSION_AFFINITIES as readonly string[]).includes(spec.sessionAffinity)) {
    causes.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, SESSION_AFFINITIES));
  }
  for (const f of ['externalTrafficPolicy', 'internalTrafficPolicy'] as const) {
    const v = spec[f];
    if (v !== undefined && !(TRAFFIC_POLICIES as readonly string[]).includes(v)) causes.push(notSupported(`spec.${f}`, v, TRAFFIC_POLICIES));
  }
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (isIP(ip) === 0) causes.push(invalidValue(index('spec.externalIPs', i), ip, IP_MESSAGE));
  });
  if (old) causes.push(...validateServiceUpdate(svc, old));
  return causes;
}

function validateServicePort(p: ServicePort, path: string, requireName: boolean, type: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (requireName && !has(p.name)) causes.push(required(child(path, 'name')));
  else if (has(p.name)) for (const m of dns1123LabelErrors(p.name)) causes.push(invalidValue(child(path, 'name'), p.name, m));
  for (const m of portNumErrors(p.port ?? 0)) causes.push(invalidValue(child(path, 'port'), p.port ?? 0, m));
  if (p.protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(p.protocol)) {
    causes.push(notSupported(child(path, 'protocol'), p.protocol, PROTOCOLS));
  }
  const tp = p.targetPort;
  if (tp !== undefined) {
    const errs = typeof tp === 'number' ? portNumErrors(tp) : portNameErrors(tp);
    for (const m of errs) causes.push(invalidValue(child(path, 'targetPort'), tp, m));
  }
  if (p.nodePort !== undefined && p.nodePort !== 0) {
    if (type === 'ClusterIP') {
      causes.push(forbidden(child(path, 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    } else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max) {
      causes.push(
        invalidValue(child(path, 'nodePort'), p.nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`),
      );
    }
  }
  return causes;
}

/**
 * An allocated cluster IP cannot change. A new spec without a clusterIP is left to the gateway
 * (it keeps the allocated one, as kube-apiserver does), so only two different set values fail.
 */
function validateServiceUpdate(svc: Service, old: Service): StatusCause[] {
  const now = svc.spec?.clusterIP;
  const was = old.spec?.clusterIP;
  return has(now) && has(was) && now !== was ? [immutable('spec.clusterIP', now)] : [];
}

export function validateEndpoints(ep: Endpoints): StatusCause[] {
  const causes: StatusCause[] = [];
  (ep.subsets ?? []).forEach((s, i) => causes.push(...validateSubset(s, index('subsets', i))));
  return causes;
}

function validateSubset(s: EndpointSubset, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const addr = (a: EndpointAddress, p: string): void => {
    if (!has(a.ip)) causes.push(required(child(p, 'ip')));
    else if (isIP(a.ip) === 0) causes.push(invalidValue(child(p, 'ip'), a.ip, IP_MESSAGE));
  };
  (s.addresses ?? []).forEach((a, i) => addr(a, index(child(path, 'addresses'), i)));
  (s.notReadyAddresses ?? []).forEach((a, i) => addr(a, index(child(path, 'notReadyAddresses'), i)));
  const ports = s.ports ?? [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = index(child(path, 'ports'), i);
    if (ports.length > 1 && !has(p.name)) causes.push(required(child(at, 'name')));
    else if (has(p.name)) for (const m of dns1123LabelErrors(p.name)) causes.push(invalidValue(child(at, 'name'), p.name, m));
    if (has(p.name)) {
      if (names.has(p.name)) causes.push(duplicate(child(at, 'name'), p.name));
      names.add(p.name);
    }
    for (const m of portNumErrors(p.port ?? 0)) causes.push(invalidValue(child(at, 'port'), p.port ?? 0, m));
    if (p.protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(p.protocol)) {
      causes.push(notSupported(child(at, 'protocol'), p.protocol, PROTOCOLS));
    }
  });
  return causes;
}

function has(s: string | undefined): s is string {
  return typeof s === 'string' && s !== '';
}
