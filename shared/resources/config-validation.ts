/**
 * Semantic validation of ConfigMaps and Secrets: key syntax, base64 values, size limits,
 * per-type required keys and the `immutable` flag.
 */
import type { StatusCause } from '../errors.js';
import type { ConfigMap, Secret } from './types.js';
import { forbidden, immutable, invalidValue, key, required, tooLong } from './field-errors.js';
import { configMapKeyErrors } from './names.js';
import { deepEqual } from './json.js';

/** Kubernetes' limit on the total size of a ConfigMap's or Secret's data (1 MiB). */
export const MAX_DATA_SIZE = 1024 * 1024;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const REDACTED = '<secret contents redacted>';

/** Keys that a Secret of each well-known type must carry in `data`. */
const SECRET_TYPE_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
};

export function isBase64(s: string): boolean {
  return BASE64_RE.test(s);
}

function validateKeys(map: Readonly<Record<string, unknown>> | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const k of Object.keys(map ?? {})) for (const m of configMapKeyErrors(k)) causes.push(invalidValue(key(path, k), k, m));
  return causes;
}

function size(...maps: (Readonly<Record<string, string>> | undefined)[]): number {
  let n = 0;
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

export function validateConfigMap(cm: ConfigMap, old?: ConfigMap): StatusCause[] {
  const causes = [...validateKeys(cm.data, 'data'), ...validateKeys(cm.binaryData, 'binaryData')];
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    if (cm.data && Object.prototype.hasOwnProperty.call(cm.data, k)) {
      causes.push(invalidValue(key('binaryData', k), k, 'duplicate of key present in data'));
    }
    if (!isBase64(v)) causes.push(invalidValue(key('binaryData', k), '<binary data>', 'must be a valid base64 string'));
  }
  if (size(cm.data, cm.binaryData) > MAX_DATA_SIZE) causes.push(tooLong('data', MAX_DATA_SIZE));
  if (old) causes.push(...validateImmutableData(cm, old, ['data', 'binaryData']));
  return causes;
}

export function validateSecret(s: Secret, old?: Secret): StatusCause[] {
  const causes = [...validateKeys(s.data, 'data'), ...validateKeys(s.stringData, 'stringData')];
  for (const [k, v] of Object.entries(s.data ?? {})) {
    if (!isBase64(v)) causes.push(invalidValue(key('data', k), REDACTED, 'must be a valid base64 string'));
  }
  const keys = new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]);
  for (const k of SECRET_TYPE_KEYS[s.type ?? ''] ?? []) if (!keys.has(k)) causes.push(required(key('data', k)));
  if (size(s.data, s.stringData) > MAX_DATA_SIZE) causes.push(tooLong('data', MAX_DATA_SIZE));
  if (old) {
    if ((s.type ?? 'Opaque') !== (old.type ?? 'Opaque')) causes.push(immutable('type', s.type ?? ''));
    causes.push(...validateImmutableData(s, old, ['data', 'stringData']));
  }
  return causes;
}

/** Once `immutable: true` is set, neither the data nor the flag may change. */
function validateImmutableData<T extends ConfigMap | Secret>(obj: T, old: T, fields: readonly (keyof T & string)[]): StatusCause[] {
  if (old.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (obj.immutable !== true) causes.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) causes.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return causes;
}
