/**
 * Validation of API objects, the two halves kube-apiserver runs on every write:
 * - checkSchema (schema-check.ts): structure and types against the kind's JSON Schema, unknown fields;
 * - validateObject (strategy.ts, re-exported here): Kubernetes' semantic rules, and immutability on
 *   update: the metadata rules and the small kinds' rules here, each kind's from its strategy.
 * Both return StatusCauses; the gateway turns them into 400/422 responses.
 */
import { isIP } from 'node:net';
import type { StatusCause } from '../errors.js';
import type { ObjectMeta } from './meta.js';
import type { ResourceInfo } from './registry.js';
import type { Event, Lease, Namespace, Node } from './types.js';
import { child, duplicate, forbidden, immutable, index, invalidValue, key, notSupported, required } from './field-errors.js';
import {
  dns1035LabelErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelValueErrors,
  qualifiedNameErrors,
  validateAnnotations,
  validateLabels,
} from './names.js';
import { QUANTITY_FORMAT_MESSAGE, tryParseQuantity } from './quantity.js';
import { TAINT_EFFECTS } from './pod-validation.js';
import { pathSegmentNameErrors } from './rbac.js';

export { checkSchema, type FieldValidation, type SchemaCheck } from './schema-check.js';
export {
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1035Label,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  validateLabels,
  validateAnnotations,
  validateQualifiedName,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  dns1035LabelErrors,
  qualifiedNameErrors,
  labelValueErrors,
  configMapKeyErrors,
  portNameErrors,
} from './names.js';
export { parseQuantity, tryParseQuantity, parseMilli, formatQuantity } from './quantity.js';
export { validatePodSpec } from './pod-validation.js';
export { applyDefaults, validateObject } from './strategy.js';

// ---------------------------------------------------------------------------------------------
// Metadata

/** The rule a kind's names follow: Namespaces DNS-1123 labels, Services DNS-1035 labels, the rest DNS-1123 subdomains. */
export function objectNameErrors(kind: string, name: string): string[] {
  switch (kind) {
    case 'Namespace':
      return dns1123LabelErrors(name);
    case 'Service':
      return dns1035LabelErrors(name);
    case 'Role':
    case 'ClusterRole':
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return pathSegmentNameErrors(name);
    default:
      return dns1123SubdomainErrors(name);
  }
}

export function validateObjectMeta(info: ResourceInfo, meta: ObjectMeta, old?: ObjectMeta): StatusCause[] {
  const causes: StatusCause[] = [];
  if (meta.name) {
    for (const m of objectNameErrors(info.kind, meta.name)) causes.push(invalidValue('metadata.name', meta.name, m));
  } else if (meta.generateName) {
    // The gateway fills the name; here only the prefix can be checked (a trailing '-' is fine).
    const masked = meta.generateName.replace(/-$/, 'a');
    for (const m of objectNameErrors(info.kind, masked)) causes.push(invalidValue('metadata.generateName', meta.generateName, m));
  } else {
    causes.push(required('metadata.name', 'name or generateName is required'));
  }
  if (info.namespaced) {
    if (!meta.namespace) causes.push(required('metadata.namespace'));
    else for (const m of dns1123LabelErrors(meta.namespace)) causes.push(invalidValue('metadata.namespace', meta.namespace, m));
  } else if (meta.namespace) {
    causes.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  causes.push(...validateLabels(meta.labels, 'metadata.labels'));
  causes.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    causes.push(invalidValue('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  }
  for (const f of meta.finalizers ?? []) for (const m of qualifiedNameErrors(f)) causes.push(invalidValue('metadata.finalizers', f, m));
  causes.push(...validateOwnerReferences(meta.ownerReferences ?? [], 'metadata.ownerReferences'));
  if (old) {
    for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
      const now = meta[f];
      const was = old[f];
      if (now && was && now !== was) causes.push(immutable(child('metadata', f), now));
    }
  }
  return causes;
}

function validateOwnerReferences(refs: ObjectMeta['ownerReferences'] & object, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const controllers: string[] = [];
  refs.forEach((r, i) => {
    const p = index(path, i);
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (!r[f]) causes.push(invalidValue(child(p, f), r[f] ?? '', `${f === 'apiVersion' ? 'version' : f} must not be empty`));
    }
    if (r.controller) controllers.push(`${r.kind}/${r.name}`);
  });
  if (controllers.length > 1) {
    causes.push(
      invalidValue(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`),
    );
  }
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Small kinds

export function validateNamespace(ns: Namespace): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of ns.spec?.finalizers ?? []) for (const m of qualifiedNameErrors(f)) causes.push(invalidValue('spec.finalizers', f, m));
  const phase = ns.status?.phase;
  if (phase !== undefined && phase !== 'Active' && phase !== 'Terminating') {
    causes.push(notSupported('status.phase', phase, ['Active', 'Terminating']));
  }
  return causes;
}

export function validateNode(node: Node): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = index('spec.taints', i);
    if (!t.key) causes.push(required(child(p, 'key')));
    else for (const m of qualifiedNameErrors(t.key)) causes.push(invalidValue(child(p, 'key'), t.key, m));
    if (t.value) for (const m of labelValueErrors(t.value)) causes.push(invalidValue(child(p, 'value'), t.value, m));
    if (!t.effect) causes.push(required(child(p, 'effect')));
    else if (!(TAINT_EFFECTS as readonly string[]).includes(t.effect)) causes.push(notSupported(child(p, 'effect'), t.effect, TAINT_EFFECTS));
    const k = `${t.key}:${t.effect}`;
    if (seen.has(k)) causes.push(duplicate(child(p, 'effect'), t.effect));
    seen.add(k);
  });
  const cidrs = [...(node.spec?.podCIDR ? [node.spec.podCIDR] : []), ...(node.spec?.podCIDRs ?? [])];
  cidrs.forEach((c) => {
    if (!isCIDR(c)) causes.push(invalidValue('spec.podCIDR', c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  for (const f of ['capacity', 'allocatable'] as const) {
    for (const [name, q] of Object.entries(node.status?.[f] ?? {})) {
      const v = tryParseQuantity(q);
      if (v === undefined) causes.push(invalidValue(key(`status.${f}`, name), q, QUANTITY_FORMAT_MESSAGE));
      else if (v < 0) causes.push(invalidValue(key(`status.${f}`, name), q, 'must be greater than or equal to 0'));
    }
  }
  return causes;
}

export function isCIDR(s: string): boolean {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(s);
  if (!m) return false;
  const family = isIP(m[1]!);
  const bits = Number(m[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

export function validateEvent(ev: Event): StatusCause[] {
  const causes: StatusCause[] = [];
  const involvedNs = ev.involvedObject?.namespace;
  if (involvedNs && involvedNs !== ev.metadata.namespace) {
    causes.push(invalidValue('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  }
  if (ev.type !== undefined && ev.type !== 'Normal' && ev.type !== 'Warning') {
    causes.push(notSupported('type', ev.type, ['Normal', 'Warning']));
  }
  if (typeof ev.count === 'number' && ev.count < 0) causes.push(invalidValue('count', ev.count, 'must be greater than or equal to 0'));
  return causes;
}

export function validateLease(lease: Lease): StatusCause[] {
  const causes: StatusCause[] = [];
  const d = lease.spec?.leaseDurationSeconds;
  if (d !== undefined && d <= 0) causes.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = lease.spec?.leaseTransitions;
  if (t !== undefined && t < 0) causes.push(invalidValue('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  return causes;
}
