/**
 * kube-apiserver's encryption at rest configuration (`--encryption-provider-config`): an
 * `apiserver.config.k8s.io/v1` `EncryptionConfiguration` naming, per resource, an ordered list of
 * providers. The first provider encrypts every write; every provider is tried on reads, so a key
 * is rotated by adding the new one first, restarting, rewriting every object, then dropping the
 * old one. jetkube implements the `aesgcm` and `identity` providers for `secrets`; anything else
 * is refused at start (never read and ignored).
 *
 * Pure: text in, providers out (or an Error naming what is wrong).
 */
import { parse } from 'yaml';

export type Provider =
  | { readonly type: 'aesgcm'; readonly keys: readonly AesGcmKey[] }
  | { readonly type: 'identity' };

export interface AesGcmKey {
  readonly name: string;
  /** 16, 24 or 32 bytes (AES-128, -192, -256). */
  readonly secret: Buffer;
}

/** The providers for secrets, in the configuration's order (empty: the configuration names none for secrets). */
export interface EncryptionConfig {
  readonly providers: readonly Provider[];
}

export const ENCRYPTION_CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1';
export const ENCRYPTION_CONFIG_KIND = 'EncryptionConfiguration';
const SUPPORTED_RESOURCES = new Set(['secrets']);
const KNOWN_PROVIDERS = ['aesgcm', 'identity', 'aescbc', 'secretbox', 'kms'];

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function parseEncryptionConfig(text: string): EncryptionConfig {
  const doc: unknown = parse(text);
  if (!isRecord(doc)) throw new Error('not a YAML or JSON object');
  if (doc.apiVersion !== ENCRYPTION_CONFIG_API_VERSION || doc.kind !== ENCRYPTION_CONFIG_KIND) {
    throw new Error(`expected apiVersion ${ENCRYPTION_CONFIG_API_VERSION} and kind ${ENCRYPTION_CONFIG_KIND}, got ${JSON.stringify(doc.apiVersion)} ${JSON.stringify(doc.kind)}`);
  }
  unknownFields(doc, ['apiVersion', 'kind', 'resources'], '');
  if (!Array.isArray(doc.resources) || doc.resources.length === 0) throw new Error('resources: Required value: at least one entry');
  let providers: Provider[] | undefined;
  doc.resources.forEach((r: unknown, i: number) => {
    const at = `resources[${i}]`;
    if (!isRecord(r)) throw new Error(`${at}: must be an object`);
    unknownFields(r, ['resources', 'providers'], at);
    if (!Array.isArray(r.resources) || r.resources.length === 0) throw new Error(`${at}.resources: Required value`);
    for (const name of r.resources) {
      if (typeof name !== 'string' || !SUPPORTED_RESOURCES.has(name)) {
        throw new Error(`${at}.resources: Unsupported value: ${JSON.stringify(name)}: jetkube encrypts "secrets" only`);
      }
    }
    if (providers) throw new Error(`${at}.resources: Duplicate value: "secrets"`);
    if (!Array.isArray(r.providers) || r.providers.length === 0) throw new Error(`${at}.providers: Required value`);
    providers = r.providers.map((p: unknown, j: number) => provider(p, `${at}.providers[${j}]`));
  });
  const names = new Set<string>();
  for (const p of providers ?? []) {
    if (p.type !== 'aesgcm') continue;
    for (const k of p.keys) {
      if (names.has(k.name)) throw new Error(`key name ${JSON.stringify(k.name)}: Duplicate value: names must be unique across providers`);
      names.add(k.name);
    }
  }
  return { providers: providers ?? [] };
}

function provider(p: unknown, at: string): Provider {
  if (!isRecord(p)) throw new Error(`${at}: must be an object`);
  const kinds = Object.keys(p);
  if (kinds.length !== 1) throw new Error(`${at}: exactly one provider per entry, got ${kinds.length ? kinds.join(', ') : 'none'}`);
  const kind = kinds[0]!;
  if (kind === 'identity') {
    if (!isRecord(p.identity) && p.identity !== null) throw new Error(`${at}.identity: must be an object ({})`);
    if (isRecord(p.identity)) unknownFields(p.identity, [], `${at}.identity`);
    return { type: 'identity' };
  }
  if (kind === 'aesgcm') {
    const c = p.aesgcm;
    if (!isRecord(c)) throw new Error(`${at}.aesgcm: must be an object`);
    unknownFields(c, ['keys'], `${at}.aesgcm`);
    if (!Array.isArray(c.keys) || c.keys.length === 0) throw new Error(`${at}.aesgcm.keys: Required value`);
    return { type: 'aesgcm', keys: c.keys.map((k: unknown, i: number) => aesKey(k, `${at}.aesgcm.keys[${i}]`)) };
  }
  if (KNOWN_PROVIDERS.includes(kind)) throw new Error(`${at}: Unsupported value: ${JSON.stringify(kind)}: jetkube implements the "aesgcm" and "identity" providers`);
  throw new Error(`${at}: unknown provider ${JSON.stringify(kind)}`);
}

const KEY_NAME_RE = /^[A-Za-z0-9_.-]+$/;

function aesKey(k: unknown, at: string): AesGcmKey {
  if (!isRecord(k)) throw new Error(`${at}: must be an object`);
  unknownFields(k, ['name', 'secret'], at);
  if (typeof k.name !== 'string' || k.name === '') throw new Error(`${at}.name: Required value`);
  // The name sits between colons in the stored prefix: no colon in it.
  if (!KEY_NAME_RE.test(k.name)) throw new Error(`${at}.name: Invalid value: ${JSON.stringify(k.name)}: letters, digits, '-', '_' and '.' only`);
  if (typeof k.secret !== 'string' || k.secret === '') throw new Error(`${at}.secret: Required value`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(k.secret)) throw new Error(`${at}.secret: Invalid value: REDACTED: secret is not base64`);
  const secret = Buffer.from(k.secret, 'base64');
  if (![16, 24, 32].includes(secret.length)) {
    throw new Error(`${at}.secret: Invalid value: REDACTED: secret is not of the expected length, got ${secret.length}, expected one of [16 24 32]`);
  }
  return { name: k.name, secret };
}

function unknownFields(o: Record<string, unknown>, known: readonly string[], at: string): void {
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) throw new Error(`${at ? `${at}: ` : ''}unknown field${extra.length > 1 ? 's' : ''} ${extra.map((e) => JSON.stringify(e)).join(', ')}`);
}

/** A new configuration: one fresh AES-256 key `key1` (aesgcm) first, identity second (reads what was stored before). */
export function newEncryptionConfigYaml(secret: Buffer): string {
  return [
    `apiVersion: ${ENCRYPTION_CONFIG_API_VERSION}`,
    `kind: ${ENCRYPTION_CONFIG_KIND}`,
    'resources:',
    '  - resources:',
    '      - secrets',
    '    providers:',
    '      - aesgcm:',
    '          keys:',
    '            - name: key1',
    `              secret: ${secret.toString('base64')}`,
    '      - identity: {}',
    '',
  ].join('\n');
}
