/**
 * CustomResourceDefinition (apiextensions.k8s.io/v1), the pure part: its defaults, the essentials
 * of Kubernetes' validation of it (with Kubernetes' field paths and messages), the resource row a
 * served CRD becomes, the name conflicts that keep one from being served, and the status
 * (conditions, acceptedNames) a gateway writes once it serves it.
 *
 * What jetkube cannot honour is refused (422) rather than accepted and ignored: conversion
 * webhooks (several versions are served with conversion None: crd-versions.ts) and CEL rules
 * calling functions jetkube doesn't have (x-kubernetes-validations: crd-cel.ts).
 */
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { ResourceInfo } from './registry.js';
import { dns1035LabelErrors, dns1123SubdomainErrors } from './names.js';
import { forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { isPlainObject } from './json.js';
import { schemaCompileError } from './cr-schema.js';
import { ruleCompileCauses } from './crd-cel.js';
import { re2SyntaxError } from './re2.js';
import { CUSTOM_OBJECTS } from '../db/custom-objects.js';
import { encodeToken } from '../eventlog/subjects.js';
import { byVersionPriority, deprecationWarning, deprecationWarningErrors, selectableFieldsCauses, storedVersionsCauses, versionListCauses, withStorageVersion } from './crd-versions.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_KIND = 'CustomResourceDefinition';
/** Kubernetes' finalizer on a CRD being deleted: its objects go first. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  multipleOf?: number;
  uniqueItems?: boolean;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: unknown[];
}

export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: {
    status?: Record<string, never>;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: PrinterColumn[];
  deprecated?: boolean;
  deprecationWarning?: string;
  selectableFields?: { jsonPath: string }[];
}

export interface CrdCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface Crd extends KObject {
  spec: {
    group: string;
    names: CrdNames;
    scope: 'Namespaced' | 'Cluster';
    versions: CrdVersion[];
    conversion?: { strategy: string; webhook?: unknown };
    preserveUnknownFields?: boolean;
  };
  status?: {
    conditions?: CrdCondition[];
    acceptedNames?: CrdNames;
    storedVersions?: string[];
  };
}

// ---- defaults ------------------------------------------------------------------------------------

/** SetDefaults for a CRD: singular and listKind from the kind, conversion None. */
export function defaultCrd(o: Record<string, unknown>): void {
  const spec = o.spec;
  if (!isPlainObject(spec)) return;
  const names = spec.names;
  if (isPlainObject(names) && typeof names.kind === 'string' && names.kind) {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = `${names.kind}List`;
  }
  if (!isPlainObject(spec.conversion)) spec.conversion = { strategy: 'None' };
}

// ---- validation ----------------------------------------------------------------------------------

const KIND_RE = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const PRINTER_TYPES = ['array', 'boolean', 'date', 'integer', 'number', 'object', 'string'];
const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
/** The JSONPath subset jetkube prints: `.a.b`, `.a[0].b`, `.a['b.c']`. */
export const SIMPLE_JSON_PATH = /^(\.[A-Za-z0-9_-]+|\[\d+\]|\['[^']+'\])+$/;

/** Kubernetes' validation of a CRD, the essentials; with `old`, also what may not change. */
export function validateCrd(crd: Crd, old?: Crd): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = crd.spec;
  if (!isPlainObject(spec)) return [required('spec')];
  const names = (isPlainObject(spec.names) ? spec.names : {}) as Partial<CrdNames>;

  if (!spec.group) causes.push(required('spec.group'));
  else {
    for (const m of dns1123SubdomainErrors(spec.group)) causes.push(invalidValue('spec.group', spec.group, m));
    if (spec.group.split('.').length < 2) causes.push(invalidValue('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  const want = `${names.plural ?? ''}.${spec.group ?? ''}`;
  if (crd.metadata.name !== want) causes.push(invalidValue('metadata.name', crd.metadata.name, `must be spec.names.plural+"."+spec.group`));

  if (!['Namespaced', 'Cluster'].includes(spec.scope)) {
    causes.push(spec.scope ? notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']) : required('spec.scope'));
  }
  causes.push(...validateNames(names, 'spec.names'));

  const conv = spec.conversion;
  if (conv && conv.strategy !== 'None') {
    if (conv.strategy === 'Webhook') {
      causes.push(forbidden('spec.conversion.strategy', 'jetkube does not call conversion webhooks: use "None" (objects are stored in the storage version and served in every served version with only apiVersion changed)'));
    } else causes.push(conv.strategy ? notSupported('spec.conversion.strategy', conv.strategy, ['None', 'Webhook']) : required('spec.conversion.strategy'));
  } else if (conv) {
    for (const f of ['webhook', 'webhookClientConfig', 'conversionReviewVersions'] as const) {
      if ((conv as Record<string, unknown>)[f] !== undefined) causes.push(forbidden(`spec.conversion.${f}`, 'should not be set when strategy is not set to Webhook'));
    }
  }
  if (spec.preserveUnknownFields === true) {
    causes.push(invalidValue('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));
  }

  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) causes.push(required('spec.versions', 'must have exactly one version marked as storage version'));
  else {
    causes.push(...versionListCauses(versions));
    if (!versions.some((v) => isPlainObject(v) && v.served === true)) causes.push(invalidValue('spec.versions', versions.map((v) => v?.name), 'must have at least one served version'));
  }
  versions.forEach((v, i) => causes.push(...validateVersion(v, `spec.versions[${i}]`)));
  const stored = crd.status?.storedVersions;
  if (Array.isArray(stored) && versions.every(isPlainObject)) causes.push(...storedVersionsCauses(stored, versions));

  if (old) {
    if (old.spec?.scope && spec.scope !== old.spec.scope) causes.push(invalidValue('spec.scope', spec.scope, 'field is immutable'));
    if (old.spec?.group && spec.group !== old.spec.group) causes.push(invalidValue('spec.group', spec.group, 'field is immutable'));
    if (old.spec?.names?.plural && names.plural !== old.spec.names.plural) causes.push(invalidValue('spec.names.plural', names.plural, 'field is immutable'));
    if (old.spec?.names?.kind && names.kind !== old.spec.names.kind) causes.push(invalidValue('spec.names.kind', names.kind, 'field is immutable'));
  }
  return causes;
}

function validateNames(n: Partial<CrdNames>, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!n.plural) causes.push(required(`${at}.plural`));
  else for (const m of dns1035LabelErrors(n.plural)) causes.push(invalidValue(`${at}.plural`, n.plural, m));
  if (n.singular) for (const m of dns1035LabelErrors(n.singular)) causes.push(invalidValue(`${at}.singular`, n.singular, m));
  if (!n.kind) causes.push(required(`${at}.kind`));
  else if (!KIND_RE.test(n.kind)) causes.push(invalidValue(`${at}.kind`, n.kind, `may have mixed case, but should otherwise match: ${KIND_RE.source.slice(1, -1)}`));
  if (!n.listKind) causes.push(required(`${at}.listKind`));
  else {
    if (!KIND_RE.test(n.listKind)) causes.push(invalidValue(`${at}.listKind`, n.listKind, `may have mixed case, but should otherwise match: ${KIND_RE.source.slice(1, -1)}`));
    if (n.kind && n.listKind === n.kind) causes.push(invalidValue(`${at}.listKind`, n.listKind, 'kind and listKind may not be the same'));
  }
  (n.shortNames ?? []).forEach((s, i) => {
    for (const m of dns1035LabelErrors(s)) causes.push(invalidValue(`${at}.shortNames[${i}]`, s, m));
  });
  (n.categories ?? []).forEach((s, i) => {
    for (const m of dns1035LabelErrors(s)) causes.push(invalidValue(`${at}.categories[${i}]`, s, m));
  });
  return causes;
}

function validateVersion(v: CrdVersion, at: string): StatusCause[] {
  if (!isPlainObject(v)) return [required(at)];
  const causes: StatusCause[] = [];
  if (!v.name) causes.push(required(`${at}.name`));
  else for (const m of dns1035LabelErrors(v.name)) causes.push(invalidValue(`${at}.name`, v.name, m));
  for (const m of deprecationWarningErrors(v.deprecated, v.deprecationWarning)) causes.push(invalidValue(`${at}.deprecationWarning`, v.deprecationWarning, m));
  if (Array.isArray(v.selectableFields) && v.selectableFields.length) {
    const schema = v.schema?.openAPIV3Schema;
    causes.push(...selectableFieldsCauses(v.selectableFields, isPlainObject(schema) ? schema : undefined, at));
  }
  const schema = v.schema?.openAPIV3Schema;
  if (!isPlainObject(schema)) causes.push(required(`${at}.schema.openAPIV3Schema`, 'schemas are required'));
  else {
    const structural = validateStructural(schema, `${at}.schema.openAPIV3Schema`, true);
    causes.push(...structural);
    const err = structural.length ? undefined : schemaCompileError(schema);
    if (err) causes.push({ reason: 'FieldValueInvalid', field: `${at}.schema.openAPIV3Schema`, message: `Invalid value: "object": the schema cannot be compiled: ${err}` });
    if (!structural.length) causes.push(...ruleCompileCauses(schema, `${at}.schema.openAPIV3Schema`));
  }
  const scale = v.subresources?.scale;
  if (scale) {
    const s = `${at}.subresources.scale`;
    if (!scale.specReplicasPath) causes.push(required(`${s}.specReplicasPath`));
    else if (!/^\.spec\.[A-Za-z0-9_.-]+$/.test(scale.specReplicasPath)) causes.push(invalidValue(`${s}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
    if (!scale.statusReplicasPath) causes.push(required(`${s}.statusReplicasPath`));
    else if (!/^\.status\.[A-Za-z0-9_.-]+$/.test(scale.statusReplicasPath)) causes.push(invalidValue(`${s}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    if (scale.labelSelectorPath && !/^\.(spec|status)\.[A-Za-z0-9_.-]+$/.test(scale.labelSelectorPath)) {
      causes.push(invalidValue(`${s}.labelSelectorPath`, scale.labelSelectorPath, 'should be a json path under either .spec or .status'));
    }
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const p = `${at}.additionalPrinterColumns[${i}]`;
    if (!c.name) causes.push(required(`${p}.name`));
    if (!PRINTER_TYPES.includes(c.type)) causes.push(c.type ? notSupported(`${p}.type`, c.type, PRINTER_TYPES) : required(`${p}.type`));
    if (!c.jsonPath) causes.push(required(`${p}.JSONPath`));
    else if (!SIMPLE_JSON_PATH.test(c.jsonPath)) causes.push(invalidValue(`${p}.JSONPath`, c.jsonPath, 'jetkube prints simple field paths only (.spec.x, .items[0].y)'));
  });
  return causes;
}

/**
 * A short subset of Kubernetes' structural-schema rules (apiextensions structural/validation.go),
 * with its messages: every specified field has a type (objects, root included), the root is an
 * object, properties and additionalProperties exclude each other, preserve-unknown-fields is only
 * true, int-or-string has no type. CEL rules (x-kubernetes-validations) are compiled by crd-cel.ts.
 */
export function validateStructural(s: JSONSchemaProps, at: string, root = false): StatusCause[] {
  const causes: StatusCause[] = [];
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  if (!s.type) {
    if (!intOrString && !s['x-kubernetes-preserve-unknown-fields']) {
      causes.push(required(`${at}.type`, root ? 'must not be empty at the root' : 'must not be empty for specified object fields'));
    }
  } else if (!SCHEMA_TYPES.includes(s.type)) causes.push(notSupported(`${at}.type`, s.type, SCHEMA_TYPES));
  else if (intOrString) causes.push(forbidden(`${at}.type`, 'must be empty if x-kubernetes-int-or-string is true'));
  if (root && s.type && s.type !== 'object') causes.push(invalidValue(`${at}.type`, s.type, 'must be object at the root'));
  if (s['x-kubernetes-preserve-unknown-fields'] === false) causes.push(invalidValue(`${at}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    causes.push(forbidden(`${at}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (s.type === 'array' && !s.items) causes.push(required(`${at}.items`, 'must be specified'));
  if (s['x-kubernetes-list-map-keys'] && s['x-kubernetes-list-type'] !== 'map') {
    causes.push(invalidValue(`${at}.x-kubernetes-list-type`, s['x-kubernetes-list-type'] ?? '', 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (s['x-kubernetes-list-type'] === 'map' && !s['x-kubernetes-list-map-keys']?.length) {
    causes.push(required(`${at}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  }
  if (s.pattern !== undefined) {
    const err = typeof s.pattern === 'string' ? re2SyntaxError(s.pattern) : 'not a string';
    if (err) causes.push(invalidValue(`${at}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${err}`));
  }
  for (const k of ['allOf', 'anyOf', 'oneOf', 'not'] as const) {
    if (s[k] !== undefined) causes.push(forbidden(`${at}.${k}`, 'jetkube does not validate with allOf, anyOf, oneOf or not yet'));
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (root && k === 'metadata' && isPlainObject(v) && v.properties && Object.keys(v.properties).some((p) => p !== 'name' && p !== 'generateName')) {
      causes.push(forbidden(`${at}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
    if (isPlainObject(v)) causes.push(...validateStructural(v, `${at}.properties[${k}]`));
  }
  if (isPlainObject(s.items)) causes.push(...validateStructural(s.items, `${at}.items`));
  if (isPlainObject(s.additionalProperties)) causes.push(...validateStructural(s.additionalProperties, `${at}.additionalProperties`));
  return causes;
}

// ---- serving -------------------------------------------------------------------------------------

/** The CRD's served versions, highest priority first (discovery's order; the first is preferred). */
export function servedVersions(crd: Crd): CrdVersion[] {
  const served = crd.spec.versions.filter((v) => v.served);
  const order = byVersionPriority(served.map((v) => v.name));
  return order.map((n) => served.find((v) => v.name === n)!);
}

/** The version a CRD prefers (the first served one by priority); undefined when none is served. */
export function servedVersion(crd: Crd): CrdVersion | undefined {
  return servedVersions(crd)[0];
}

/** The CRD's version of this name. */
export function crdVersion(crd: Crd, name: string): CrdVersion | undefined {
  return crd.spec.versions.find((v) => v.name === name);
}

/** The version objects are stored in (the one marked storage). */
export function storageVersion(crd: Crd): CrdVersion | undefined {
  return crd.spec.versions.find((v) => v.storage);
}

/**
 * The resource row a CRD's kind is served under: the preferred version's, with one row per served
 * version (`versions`: each with its own subresources and deprecation warning) and the storage
 * version the objects are kept in.
 */
export function crdResourceInfo(crd: Crd): ResourceInfo {
  const n = crd.spec.names;
  const storage = storageVersion(crd)?.name ?? servedVersion(crd)!.name;
  const rows = servedVersions(crd).map((v): ResourceInfo => {
    const warning = deprecationWarning(crd.spec.group, n.kind, crd.spec.versions, v.name);
    return {
      kind: n.kind,
      plural: n.plural,
      singular: n.singular || n.kind.toLowerCase(),
      group: crd.spec.group,
      version: v.name,
      storageVersion: storage,
      namespaced: crd.spec.scope === 'Namespaced',
      shortNames: n.shortNames ?? [],
      categories: n.categories ?? [],
      table: CUSTOM_OBJECTS,
      subresources: [...(v.subresources?.status ? (['status'] as const) : []), ...(v.subresources?.scale ? (['scale'] as const) : [])],
      ...(warning !== undefined ? { deprecationWarning: warning } : {}),
      subjectToken: encodeToken(`${n.plural}.${crd.spec.group}`),
    };
  });
  return { ...rows[0]!, versions: rows };
}

/** The names of a CRD the naming check may refuse one by one (acceptedNames keeps the old value of a refused one). */
export type CrdNameField = 'plural' | 'singular' | 'shortNames' | 'kind' | 'listKind';

export interface NamesAcceptance {
  /** The last conflict found, as Kubernetes' naming controller reports it (NamesAccepted False); undefined: none. */
  readonly conflict?: { readonly reason: string; readonly message: string };
  /** The names refused. */
  readonly rejected: readonly CrdNameField[];
}

/**
 * Kubernetes' naming controller over what is served now (`served` excludes this CRD's own row):
 * resource names (plural, singular, short names) are checked against the others' resource names,
 * kind and listKind against the others' kinds and list kinds; each refused name is a conflict
 * (`"x" is already in use`), checked in the order plural, singular, short names, kind, listKind, and
 * the last one is the condition's reason. As in Kubernetes, only the kinds of the CRD's own group
 * count: the same plural or kind in two groups are two resources (their subjects, rows and
 * strategies are keyed by group: registry.ts).
 */
export function namesAcceptance(crd: Crd, served: readonly ResourceInfo[]): NamesAcceptance {
  const n = crd.spec.names;
  const others = served.filter((r) => r.group === crd.spec.group && !(r.kind === n.kind && r.plural === n.plural));
  const resourceNames = new Set(others.flatMap((r) => [r.plural, r.singular, ...r.shortNames]));
  const kinds = new Set(others.flatMap((r) => [r.kind, `${r.kind}List`]));
  const accepted = crd.status?.acceptedNames;
  /** Kubernetes' equalToAcceptedOrFresh: the name is already ours, or nobody else's. */
  const fresh = (requested: string | undefined, ours: string | undefined, taken: Set<string>) => !requested || requested === ours || !taken.has(requested);
  const rejected: CrdNameField[] = [];
  let conflict: { reason: string; message: string } | undefined;
  const refuse = (field: CrdNameField, reason: string, name: string) => {
    rejected.push(field);
    conflict = { reason, message: `"${name}" is already in use` };
  };
  if (!fresh(n.plural, accepted?.plural, resourceNames)) refuse('plural', 'PluralConflict', n.plural);
  if (!fresh(n.singular, accepted?.singular, resourceNames)) refuse('singular', 'SingularConflict', n.singular!);
  const oursShort = new Set(accepted?.shortNames ?? []);
  const takenShort = (n.shortNames ?? []).filter((x) => !oursShort.has(x) && resourceNames.has(x));
  if (takenShort.length) {
    rejected.push('shortNames');
    // Kubernetes aggregates the errors: one message, or "[a, b]" for several.
    const msgs = takenShort.map((x) => `"${x}" is already in use`);
    conflict = { reason: 'ShortNamesConflict', message: msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]` };
  }
  if (!fresh(n.kind, accepted?.kind, kinds)) refuse('kind', 'KindConflict', n.kind);
  if (!fresh(n.listKind, accepted?.listKind, kinds)) refuse('listKind', 'ListKindConflict', n.listKind!);
  return { ...(conflict ? { conflict } : {}), rejected };
}

/** Why a CRD's names can't be served beside what is served now (namesAcceptance's conflict); undefined when they can. */
export function namesConflict(crd: Crd, served: readonly ResourceInfo[]): { reason: string; message: string } | undefined {
  return namesAcceptance(crd, served).conflict;
}

/**
 * The status a gateway writes for a CRD: NamesAccepted and Established (both True once served, or
 * NamesAccepted False with the conflict), acceptedNames, storedVersions. Transition times stay
 * when a condition's status does not change, so writing it again changes nothing (idempotent).
 */
export function crdStatus(
  crd: Crd,
  conflict: { reason: string; message: string } | undefined,
  now: string,
  rejected: readonly CrdNameField[] = conflict ? ['plural', 'singular', 'shortNames', 'kind', 'listKind'] : [],
): NonNullable<Crd['status']> {
  const old = crd.status ?? {};
  const prev = new Map((old.conditions ?? []).map((c) => [c.type, c]));
  const cond = (type: string, status: CrdCondition['status'], reason: string, message: string): CrdCondition => {
    const p = prev.get(type);
    return { type, status, lastTransitionTime: p && p.status === status ? p.lastTransitionTime ?? now : now, reason, message };
  };
  // Established is never set back to False (the names accepted before are still served).
  const wasEstablished = prev.get('Established')?.status === 'True';
  const conditions: CrdCondition[] = conflict
    ? [cond('NamesAccepted', 'False', conflict.reason, conflict.message), wasEstablished ? prev.get('Established')! : cond('Established', 'False', 'NotAccepted', 'not all names are accepted')]
    : [cond('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'), wasEstablished ? prev.get('Established')! : cond('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted')];
  const terminating = prev.get('Terminating');
  if (terminating) conditions.push(terminating);
  const n = crd.spec.names;
  const requested: CrdNames = {
    plural: n.plural,
    singular: n.singular ?? n.kind.toLowerCase(),
    ...(n.shortNames?.length ? { shortNames: n.shortNames } : {}),
    kind: n.kind,
    listKind: n.listKind ?? `${n.kind}List`,
    ...(n.categories?.length ? { categories: n.categories } : {}),
  };
  // Each refused name keeps what was accepted before; the others are taken as requested.
  const before: Partial<CrdNames> = old.acceptedNames ?? {};
  const keep = new Set(rejected);
  const pick = <K extends CrdNameField>(k: K): CrdNames[K] | undefined => (keep.has(k) ? before[k] : requested[k]);
  const shortNames = pick('shortNames');
  const acceptedNames: CrdNames = {
    plural: pick('plural') ?? '',
    ...(pick('singular') ? { singular: pick('singular')! } : {}),
    ...(shortNames?.length ? { shortNames } : {}),
    kind: pick('kind') ?? '',
    ...(pick('listKind') ? { listKind: pick('listKind')! } : {}),
    ...(requested.categories ? { categories: requested.categories } : {}),
  };
  const stored = withStorageVersion(old.storedVersions, storageVersion(crd)?.name);
  return { conditions, acceptedNames, storedVersions: stored };
}

/** On delete: Kubernetes' cleanup finalizer and the Terminating condition (once). */
export function markCrdDeleting(crd: Crd, now: string): void {
  const st = (crd.status ??= {});
  const conds = (st.conditions ??= []);
  if (conds.some((c) => c.type === 'Terminating')) return;
  const fin = new Set(crd.metadata.finalizers ?? []);
  fin.add(CRD_CLEANUP_FINALIZER);
  crd.metadata.finalizers = [...fin];
  conds.push({ type: 'Terminating', status: 'True', lastTransitionTime: now, reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
}

/** True when the CRD's condition of this type is True. */
export function hasCondition(crd: Crd, type: string): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** PrepareForCreate / PrepareForUpdate of a CRD: the storage version is recorded in status.storedVersions. */
export function recordStorageVersion(crd: Crd): void {
  if (!isPlainObject(crd.spec) || !Array.isArray(crd.spec.versions)) return;
  const storage = crd.spec.versions.find((v) => isPlainObject(v) && v.storage === true)?.name;
  if (!storage) return;
  const st = (crd.status ??= {});
  st.storedVersions = withStorageVersion(st.storedVersions, storage);
}
