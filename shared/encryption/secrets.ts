/**
 * Secrets at rest: what the gateway publishes (and the projector stores) and what every reader
 * gets back. `data` (where `stringData` has already been merged) is sealed into one field,
 * `encryptedData`, in the data's place; `apiVersion`, `kind`, `metadata`, `type` and `immutable`
 * stay clear, so subjects, label and field selectors (`type`) and the projections keep working.
 * (Kubernetes encrypts the whole stored object: there, etcd indexes nothing.)
 */
import type { KObject } from '../resources/meta.js';
import { DecryptError, type Encryption } from './envelope.js';

export const SEALED_FIELD = 'encryptedData';
/** The one resource sealed at rest. */
export const SEALED_RESOURCE = 'secrets';
const SECRETS = SEALED_RESOURCE;

/** What binds a ciphertext to its object. */
const aadOf = (o: KObject) => `/${SECRETS}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** Whether objects of `plural` are sealed at rest. */
export const isSealedResource = (plural: string): boolean => plural === SECRETS;

/** The Secret as stored: its data sealed when the envelope encrypts, else as it is. */
export function sealSecret(env: Encryption | undefined, o: KObject): KObject {
  if (!env?.encrypts) return o;
  const data = (o as { data?: unknown }).data;
  const sealed = env.seal(Buffer.from(JSON.stringify({ data: data ?? null })), aadOf(o));
  return replaceField(o, 'data', SEALED_FIELD, sealed);
}

/** The Secret as readers see it: its data opened; DecryptError when no configured key can. */
export function openSecret(env: Encryption | undefined, o: KObject): KObject {
  const sealed = (o as Record<string, unknown>)[SEALED_FIELD];
  if (sealed === undefined) {
    if (env && !env.readsPlain) throw new DecryptError('no matching prefix found: the secret is stored unencrypted and no identity provider is configured');
    return o;
  }
  if (typeof sealed !== 'string') throw new DecryptError(`${SEALED_FIELD} is not a string`);
  if (!env) throw new DecryptError('the secret is encrypted at rest and no ENCRYPTION_PROVIDER_CONFIG is configured');
  const { data } = JSON.parse(env.open(sealed, aadOf(o)).toString('utf8')) as { data: unknown };
  return replaceField(o, SEALED_FIELD, 'data', data ?? undefined);
}

/** Whether a stored Secret would be stored differently now (sealed with another key, or sealed vs plain). */
export function isStaleSecret(env: Encryption | undefined, stored: KObject): boolean {
  const sealed = (stored as Record<string, unknown>)[SEALED_FIELD];
  return env ? env.isStale(typeof sealed === 'string' ? sealed : undefined) : sealed !== undefined;
}

/** `o` with field `from` replaced by `to` = `value` in the same place (left out when undefined). */
function replaceField(o: KObject, from: string, to: string, value: unknown): KObject {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [k, v] of Object.entries(o)) {
    if (k === from) {
      if (value !== undefined) out[to] = value;
      placed = true;
    } else if (k !== to) out[k] = v;
  }
  if (!placed && value !== undefined) out[to] = value;
  return out as KObject;
}
