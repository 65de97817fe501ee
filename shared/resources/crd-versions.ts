/**
 * The versions of a CustomResourceDefinition, pure: Kubernetes' version priority (the order
 * discovery lists a group's versions in, the first served one preferred), the rules on
 * spec.versions and status.storedVersions with Kubernetes' messages, the deprecation warning a
 * request to a deprecated version earns, and the only conversion `strategy: None` does: an object
 * read or written through a version other than the one it is stored in gets that version's
 * apiVersion, nothing else changes.
 */
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { ResourceInfo } from './registry.js';
import { apiVersionOf } from './registry.js';
import { duplicate, invalidValue, required, tooMany } from './field-errors.js';
import type { JSONSchemaProps } from './crd.js';
import { isPlainObject } from './json.js';

// ---- priority ------------------------------------------------------------------------------------

const KUBE_VERSION = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/;
const STABILITY = { ga: 2, beta: 1, alpha: 0 } as const;

/**
 * Kubernetes' kube-aware version order (apimachinery's CompareKubeAwareVersionStrings), as a sort
 * comparator, highest priority first: GA before beta before alpha, a higher major first, then a
 * higher minor (v2 > v1 > v11beta2 > v10beta3 > v3beta1 > v12alpha1 > v11alpha2), and names that are
 * not Kubernetes versions after all of those, in alphabetical order (foo1 before foo10).
 */
export function compareVersionPriority(a: string, b: string): number {
  const x = KUBE_VERSION.exec(a);
  const y = KUBE_VERSION.exec(b);
  if (!x || !y) {
    if (x) return -1;
    if (y) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const sx = STABILITY[(x[2] ?? 'ga') as keyof typeof STABILITY];
  const sy = STABILITY[(y[2] ?? 'ga') as keyof typeof STABILITY];
  if (sx !== sy) return sy - sx;
  if (x[1] !== y[1]) return Number(y[1]) - Number(x[1]);
  return Number(y[3] ?? 0) - Number(x[3] ?? 0);
}

/** Version names sorted by priority, highest first (a new array). */
export function byVersionPriority(names: readonly string[]): string[] {
  return [...names].sort(compareVersionPriority);
}

// ---- deprecation ---------------------------------------------------------------------------------

interface VersionFlags {
  readonly name: string;
  readonly served: boolean;
  readonly deprecated?: boolean;
  readonly deprecationWarning?: string;
}

/**
 * The warning (Warning: 299 header) a request to a deprecated version earns: its own
 * deprecationWarning, else Kubernetes' default, `<group>/<version> <Kind> is deprecated`, followed
 * by `; use <group>/<v> <Kind>` naming the highest served version that is not deprecated and ranks
 * above it. Undefined for a version that is not deprecated.
 */
export function deprecationWarning(group: string, kind: string, versions: readonly VersionFlags[], version: string): string | undefined {
  const v = versions.find((x) => x.name === version);
  if (!v?.deprecated) return undefined;
  if (typeof v.deprecationWarning === 'string') return v.deprecationWarning;
  const msg = `${group}/${version} ${kind} is deprecated`;
  const better = byVersionPriority(versions.filter((x) => x.served && !x.deprecated && compareVersionPriority(x.name, version) < 0).map((x) => x.name));
  return better.length ? `${msg}; use ${group}/${better[0]} ${kind}` : msg;
}

// ---- validation ----------------------------------------------------------------------------------

/** Kubernetes' rules on a deprecationWarning (validateDeprecationWarning), as messages. */
export function deprecationWarningErrors(deprecated: boolean | undefined, warning: unknown): string[] {
  if (warning === undefined || warning === null) return [];
  if (!deprecated) return ['can only be set for deprecated versions'];
  if (typeof warning !== 'string') return ['must be a string'];
  const errors: string[] = [];
  if (warning.length > 256) errors.push('must be <= 256 characters long');
  if (warning.length === 0) errors.push('must not be an empty string');
  let i = 0;
  for (const ch of warning) {
    if (/\p{Cc}/u.test(ch)) {
      errors.push(`must only contain printable UTF-8 characters; control character found at index ${i}`);
      break;
    }
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]/u.test(ch)) {
      errors.push(`must only contain printable UTF-8 characters; non-printable character found at index ${i}`);
      break;
    }
    i += Buffer.byteLength(ch);
  }
  return errors;
}

/**
 * The rules on spec.versions as a whole (validateCustomResourceDefinitionSpec): unique names,
 * exactly one storage version. The value shown is the list of version names (Kubernetes prints
 * the whole versions as a Go value).
 */
export function versionListCauses(versions: readonly unknown[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = versions.map((v) => (isPlainObject(v) ? v.name : undefined));
  const shown = names;
  if (new Set(names).size !== names.length) causes.push(invalidValue('spec.versions', shown, 'must contain unique version names'));
  const storage = versions.filter((v) => isPlainObject(v) && v.storage === true).length;
  if (storage !== 1) causes.push(invalidValue('spec.versions', shown, 'must have exactly one version marked as storage version'));
  return causes;
}

/**
 * Kubernetes' ValidateCustomResourceDefinitionStoredVersions: at least one stored version, the
 * storage version among them, and every stored version still in spec.versions (a version objects
 * may still be stored in cannot leave spec.versions until a storage migration takes it out of
 * status.storedVersions).
 */
export function storedVersionsCauses(stored: readonly string[], versions: readonly { name: string; storage: boolean }[]): StatusCause[] {
  const at = 'status.storedVersions';
  if (stored.length === 0) return [invalidValue(at, stored, 'must have at least one stored version')];
  const causes: StatusCause[] = [];
  const left = new Map(stored.map((v, i) => [v, i]));
  for (const v of versions) {
    if (v.storage && !left.has(v.name)) causes.push(invalidValue(at, stored, `must have the storage version ${v.name}`));
    left.delete(v.name);
  }
  for (const [v, i] of left) {
    causes.push(invalidValue(`${at}[${i}]`, v, `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`));
  }
  return causes;
}

/** status.storedVersions after a write: the storage version appended when it is not listed yet. */
export function withStorageVersion(stored: readonly string[] | undefined, storage: string | undefined): string[] {
  const out = [...(stored ?? [])];
  if (storage && !out.includes(storage)) out.push(storage);
  return out;
}

// ---- selectable fields --------------------------------------------------------------------------

/** Kubernetes' limit on a version's selectableFields. */
export const MAX_SELECTABLE_FIELDS = 8;
const FIELD_PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** The schema a simple JSON path (`.spec.color`) points to, or undefined when the schema has no such field. */
function schemaAt(schema: JSONSchemaProps, path: readonly string[]): JSONSchemaProps | undefined {
  let s: JSONSchemaProps | undefined = schema;
  for (const p of path) {
    if (!s) return undefined;
    const next: JSONSchemaProps | boolean | undefined = s.properties?.[p] ?? s.additionalProperties;
    s = typeof next === 'object' ? next : undefined;
  }
  return s;
}

/**
 * Kubernetes' rules on a version's selectableFields (ValidateCustomResourceSelectableFields): each
 * a simple path into the version's schema (no array steps), not under metadata, to a string,
 * boolean or integer field; unique; at most 8. `at` is the version's field path.
 */
export function selectableFieldsCauses(fields: readonly unknown[], schema: JSONSchemaProps | undefined, at: string): StatusCause[] {
  const f = `${at}.selectableFields`;
  if (!schema) return [invalidValue(f, '', 'selectableFields may only be set when version.schema.openAPIV3Schema is not included')];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  fields.forEach((x, i) => {
    const p = `${f}[${i}].jsonPath`;
    const jsonPath = isPlainObject(x) ? x.jsonPath : undefined;
    if (typeof jsonPath !== 'string' || jsonPath === '') {
      causes.push(required(p));
      return;
    }
    if (!FIELD_PATH.test(jsonPath)) {
      causes.push(invalidValue(p, jsonPath, 'is an invalid path: must be a simple path of field names (.spec.field)'));
      return;
    }
    const steps = jsonPath.slice(1).split('.');
    const found = schemaAt(schema, steps);
    if (!found) {
      causes.push(invalidValue(p, jsonPath, `is an invalid path: does not refer to a valid field`));
      return;
    }
    if (steps[0] === 'metadata') causes.push(invalidValue(p, jsonPath, 'must not point to fields in metadata'));
    if (!['string', 'boolean', 'integer'].includes(found.type ?? '')) {
      causes.push(invalidValue(p, jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    if (seen.has(jsonPath)) causes.push(duplicate(p, jsonPath));
    seen.add(jsonPath);
  });
  if (seen.size > MAX_SELECTABLE_FIELDS) causes.push(tooMany(f, seen.size, MAX_SELECTABLE_FIELDS));
  return causes;
}

/** The field selector labels a version's selectableFields make (`.spec.color` → `spec.color`). */
export function selectableFieldLabels(fields: readonly { jsonPath: string }[] | undefined): string[] {
  return (fields ?? []).map((f) => f.jsonPath.slice(1));
}

// ---- conversion (strategy None) ------------------------------------------------------------------

/** The apiVersion a kind's objects are stored with: its storage version's for a CRD's kind. */
export function storedApiVersion(info: ResourceInfo): string {
  return info.storageVersion ? `${info.group}/${info.storageVersion}` : apiVersionOf(info);
}

/** A stored custom resource as the version `info` names shows it (conversion None: only apiVersion). */
export function asServedVersion<T extends KObject>(info: ResourceInfo, obj: T): T {
  if (!info.storageVersion) return obj;
  const want = apiVersionOf(info);
  return obj.apiVersion === want ? obj : { ...obj, apiVersion: want };
}

/** A custom resource written through the version `info` names, as it is stored (its storage version's apiVersion). */
export function asStoredVersion<T extends KObject>(info: ResourceInfo, obj: T): T {
  if (!info.storageVersion) return obj;
  const want = storedApiVersion(info);
  return obj.apiVersion === want ? obj : { ...obj, apiVersion: want };
}
