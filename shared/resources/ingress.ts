/**
 * networking.k8s.io/v1 Ingress and IngressClass: their types, Kubernetes' validation
 * (pkg/apis/networking/validation), IngressClass defaulting and the DefaultIngressClass admission
 * decision (plugin/pkg/admission/network/defaultingressclass). Everything here is pure.
 */
import { isIP } from 'node:net';
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import { child, forbidden, immutable, index, invalidValue, notSupported, required, tooLong } from './field-errors.js';
import { dns1123LabelErrors, dns1123SubdomainErrors, portNameErrors, portNumErrors, wildcardDns1123SubdomainErrors } from './names.js';
import { isPlainObject } from './json.js';

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';
export const PATH_TYPES: readonly PathType[] = ['Exact', 'ImplementationSpecific', 'Prefix'];

/** The annotation that marks the default IngressClass. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The deprecated annotation naming an Ingress's class. */
export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface TypedLocalObjectReference {
  readonly apiGroup?: string;
  readonly kind: string;
  readonly name: string;
}

export interface ServiceBackendPort {
  readonly name?: string;
  readonly number?: number;
}

export interface IngressBackend {
  readonly service?: { readonly name: string; readonly port?: ServiceBackendPort };
  readonly resource?: TypedLocalObjectReference;
}

export interface HTTPIngressPath {
  readonly path?: string;
  readonly pathType?: PathType | string;
  readonly backend: IngressBackend;
}

export interface IngressRule {
  readonly host?: string;
  readonly http?: { readonly paths: readonly HTTPIngressPath[] };
}

export interface IngressTLS {
  readonly hosts?: readonly string[];
  readonly secretName?: string;
}

export interface IngressLoadBalancerIngress {
  readonly ip?: string;
  readonly hostname?: string;
  readonly ports?: readonly { readonly port: number; readonly protocol: string; readonly error?: string }[];
}

export interface IngressSpec {
  readonly ingressClassName?: string;
  readonly defaultBackend?: IngressBackend;
  readonly tls?: readonly IngressTLS[];
  readonly rules?: readonly IngressRule[];
}

export interface Ingress extends KObject {
  readonly apiVersion: 'networking.k8s.io/v1';
  readonly kind: 'Ingress';
  readonly spec?: IngressSpec;
  readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly IngressLoadBalancerIngress[] } };
}

export interface IngressClass extends KObject {
  readonly apiVersion: 'networking.k8s.io/v1';
  readonly kind: 'IngressClass';
  readonly spec?: {
    readonly controller?: string;
    readonly parameters?: TypedLocalObjectReference & { readonly scope?: string; readonly namespace?: string };
  };
}

// ---------------------------------------------------------------------------------------------
// Ingress validation

const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

export function validateIngress(ing: Ingress, old?: Ingress): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (isPlainObject(ing.spec) ? ing.spec : {}) as IngressSpec;
  const p = 'spec';
  if (!spec.rules?.length && !spec.defaultBackend) {
    causes.push(invalidValue(p, spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) causes.push(...validateBackend(spec.defaultBackend, child(p, 'defaultBackend')));
  (spec.rules ?? []).forEach((rule, i) => causes.push(...validateRule(rule, index(child(p, 'rules'), i))));
  (spec.tls ?? []).forEach((tls, i) => causes.push(...validateTls(tls, index(child(p, 'tls'), i))));
  if (spec.ingressClassName !== undefined) {
    for (const m of dns1123SubdomainErrors(spec.ingressClassName)) causes.push(invalidValue(child(p, 'ingressClassName'), spec.ingressClassName, m));
  }
  const annotated = ing.metadata.annotations?.[CLASS_ANNOTATION];
  // On create only (ValidateIngressCreate); an update keeps what was accepted.
  if (!old && annotated !== undefined && spec.ingressClassName !== undefined && annotated !== spec.ingressClassName) {
    causes.push(invalidValue(`annotations.${CLASS_ANNOTATION}`, annotated, 'must match `ingressClassName` when both are specified'));
  }
  (ing.status?.loadBalancer?.ingress ?? []).forEach((lb, i) => {
    const at = index('status.loadBalancer.ingress', i);
    if (lb.ip !== undefined && lb.ip !== '' && isIP(lb.ip) === 0) causes.push(invalidValue(child(at, 'ip'), lb.ip, 'must be a valid IP address'));
    if (lb.hostname !== undefined && lb.hostname !== '') {
      for (const m of dns1123SubdomainErrors(lb.hostname)) causes.push(invalidValue(child(at, 'hostname'), lb.hostname, m));
      if (isIP(lb.hostname) !== 0) causes.push(invalidValue(child(at, 'hostname'), lb.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return causes;
}

function validateRule(rule: IngressRule, p: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const host = rule.host ?? '';
  if (host.length > 0) {
    if (isIP(host) !== 0) causes.push(invalidValue(child(p, 'host'), host, 'must be a DNS name, not an IP address'));
    const errs = host.includes('*') ? wildcardDns1123SubdomainErrors(host) : dns1123SubdomainErrors(host);
    for (const m of errs) causes.push(invalidValue(child(p, 'host'), host, m));
  }
  if (rule.http) {
    const hp = child(p, 'http');
    if (!rule.http.paths?.length) causes.push(required(child(hp, 'paths')));
    (rule.http.paths ?? []).forEach((path, i) => causes.push(...validatePath(path, index(child(hp, 'paths'), i))));
  }
  return causes;
}

function validatePath(path: HTTPIngressPath, p: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (path.pathType === undefined) return [required(child(p, 'pathType'), 'pathType must be specified')];
  const value = path.path ?? '';
  const at = child(p, 'path');
  switch (path.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) causes.push(invalidValue(at, value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) causes.push(invalidValue(at, value, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) causes.push(invalidValue(at, value, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) causes.push(invalidValue(at, value, 'must be an absolute path'));
      break;
    default:
      causes.push(notSupported(child(p, 'pathType'), path.pathType, PATH_TYPES));
  }
  causes.push(...validateBackend(path.backend ?? {}, child(p, 'backend')));
  return causes;
}

/** Exactly one of service and resource; jetkube routes only to Services, so a resource backend is refused. */
export function validateBackend(b: IngressBackend, p: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (b.resource && b.service) return [invalidValue(p, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    causes.push(...validateTypedRef(b.resource, child(p, 'resource')));
    causes.push(forbidden(child(p, 'resource'), 'resource backends are not supported by this cluster (jetkube routes Ingress traffic to Services only)'));
    return causes;
  }
  if (!b.service) return [invalidValue(p, '', 'resource or service backend is required')];
  const sp = child(p, 'service');
  const name = b.service.name ?? '';
  if (name === '') causes.push(required(child(sp, 'name')));
  else for (const m of dns1035LabelLike(name)) causes.push(invalidValue(child(sp, 'name'), name, m));
  const port = b.service.port ?? {};
  const hasName = (port.name ?? '').length > 0;
  const hasNumber = (port.number ?? 0) !== 0;
  if (hasName && hasNumber) causes.push(invalidValue(p, '', 'cannot set both port name & port number'));
  else if (hasName) for (const m of portNameErrors(port.name!)) causes.push(invalidValue(child(child(sp, 'port'), 'name'), port.name, m));
  else if (hasNumber) for (const m of portNumErrors(port.number!)) causes.push(invalidValue(child(child(sp, 'port'), 'number'), port.number, m));
  else causes.push(required(p, 'port name or number is required'));
  return causes;
}

/** ValidateServiceName: a DNS-1035 label; Kubernetes' message is the label's. */
function dns1035LabelLike(name: string): string[] {
  // Kubernetes validates Service names as DNS-1035 labels (apivalidation.ValidateServiceName).
  const errs: string[] = [];
  if (name.length > 63) errs.push('must be no more than 63 characters');
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

function validateTypedRef(ref: TypedLocalObjectReference, p: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (ref.apiGroup !== undefined && ref.apiGroup !== '') {
    for (const m of dns1123SubdomainErrors(ref.apiGroup)) causes.push(invalidValue(child(p, 'apiGroup'), ref.apiGroup, m));
  }
  if (!ref.kind) causes.push(required(child(p, 'kind')));
  else for (const m of pathSegmentErrors(ref.kind)) causes.push(invalidValue(child(p, 'kind'), ref.kind, m));
  if (!ref.name) causes.push(required(child(p, 'name')));
  else for (const m of pathSegmentErrors(ref.name)) causes.push(invalidValue(child(p, 'name'), ref.name, m));
  return causes;
}

/** IsValidPathSegmentName. */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const bad = ['/', '%'].filter((c) => name.includes(c));
  return bad.map((c) => `may not contain '${c}'`);
}

function validateTls(tls: IngressTLS, p: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (tls.hosts ?? []).forEach((host, i) => {
    const errs = host.includes('*') ? wildcardDns1123SubdomainErrors(host) : dns1123SubdomainErrors(host);
    for (const m of errs) causes.push(invalidValue(index(child(p, 'hosts'), i), host, m));
  });
  if (tls.secretName) for (const m of dns1123SubdomainErrors(tls.secretName)) causes.push(invalidValue(child(p, 'secretName'), tls.secretName, m));
  return causes;
}

// ---------------------------------------------------------------------------------------------
// IngressClass

const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];
const PATH_CHARS = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** SetDefaults_IngressClass: parameters without a scope are cluster-scoped. */
export function defaultIngressClass(o: Record<string, unknown>): void {
  const spec = o.spec;
  if (!isPlainObject(spec)) return;
  const params = spec.parameters;
  if (isPlainObject(params) && params.scope === undefined) params.scope = 'Cluster';
}

export function validateIngressClass(ic: IngressClass, old?: IngressClass): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = isPlainObject(ic.spec) ? ic.spec : {};
  const controller = spec.controller ?? '';
  const cp = 'spec.controller';
  if (controller.length > MAX_CONTROLLER_LENGTH) causes.push(tooLong(cp, MAX_CONTROLLER_LENGTH));
  causes.push(...domainPrefixedPathErrors(cp, controller));
  const params = spec.parameters;
  if (params) {
    const pp = 'spec.parameters';
    causes.push(...validateTypedRef(params, pp));
    if (params.scope === undefined) causes.push(required(child(pp, 'scope')));
    else if (!SCOPES.includes(params.scope)) causes.push(notSupported(child(pp, 'scope'), params.scope, SCOPES));
    else if (params.scope === 'Namespace') {
      if (params.namespace === undefined) causes.push(required(child(pp, 'namespace'), "`parameters.scope` is set to 'Namespace'"));
      else for (const m of dns1123LabelErrors(params.namespace)) causes.push(invalidValue(child(pp, 'namespace'), params.namespace, m));
    } else if (params.namespace !== undefined) causes.push(forbidden(child(pp, 'namespace'), "`parameters.scope` is set to 'Cluster'"));
  }
  if (old && (old.spec?.controller ?? '') !== controller) causes.push(immutable(cp, controller));
  return causes;
}

/** IsDomainPrefixedPath: `acme.io/foo`. */
function domainPrefixedPathErrors(p: string, v: string): StatusCause[] {
  if (v.length === 0) return [required(p)];
  const slash = v.indexOf('/');
  if (slash < 0) return [invalidValue(p, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = v.slice(0, slash);
  const path = v.slice(slash);
  const causes = dns1123SubdomainErrors(host).map((m) => invalidValue(p, host, m));
  if (!PATH_CHARS.test(path)) causes.push(invalidValue(p, path, 'Invalid path'));
  return causes;
}

// ---------------------------------------------------------------------------------------------
// DefaultIngressClass admission

/** The annotation is "true" (Kubernetes compares the string exactly). */
export const isDefaultClass = (ic: IngressClass): boolean => ic.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';

/**
 * The class name an Ingress being created gets, or undefined to leave it. As the admission plugin:
 * only when neither spec.ingressClassName nor the deprecated annotation is set; among several
 * default classes the newest wins (creationTimestamp, then name).
 */
export function defaultClassFor(ing: Ingress, classes: readonly IngressClass[]): string | undefined {
  if (ing.spec?.ingressClassName !== undefined) return undefined;
  if (ing.metadata.annotations?.[CLASS_ANNOTATION] !== undefined) return undefined;
  const defaults = classes.filter(isDefaultClass);
  if (defaults.length === 0) return undefined;
  const newest = [...defaults].sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? 1 : -1;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  })[0]!;
  return newest.metadata.name;
}
