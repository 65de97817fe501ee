/**
 * The aesgcm envelope, as kube-apiserver stores an encrypted value: the text
 * `k8s:enc:aesgcm:v1:<key name>:` followed (here, base64) by a random 12-byte nonce, the AES-GCM
 * ciphertext and its 16-byte tag. The associated data binds a ciphertext to the object it was made
 * for (its resource, namespace and name): moved onto another object, it does not decrypt.
 * Writes use the first provider's first key; reads try every key whose prefix matches.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AesGcmKey, Provider } from './config.js';

export const AESGCM_PREFIX = 'k8s:enc:aesgcm:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A stored value no configured provider can read (wrong or missing key, tampered, or plain text without identity). */
export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}
export const isDecryptError = (e: unknown): e is DecryptError => e instanceof DecryptError;

export class Encryption {
  constructor(private readonly providers: readonly Provider[]) {}

  /** Whether writes are encrypted (the first provider is aesgcm) or stored as they are (identity, or none). */
  get encrypts(): boolean {
    return this.providers[0]?.type === 'aesgcm';
  }

  /** Whether a value stored unencrypted may be read (identity is a provider, or none is configured). */
  get readsPlain(): boolean {
    return this.providers.length === 0 || this.providers.some((p) => p.type === 'identity');
  }

  /** Whether a stored value (undefined: stored plain) is not what a write would store now: another key, or plain vs sealed. */
  isStale(sealed: string | undefined): boolean {
    const first = this.providers[0];
    if (first?.type !== 'aesgcm') return sealed !== undefined;
    return sealed === undefined || !sealed.startsWith(`${AESGCM_PREFIX}${first.keys[0]!.name}:`);
  }

  /** `plain` sealed with the first provider's first key; undefined when the first provider is identity. */
  seal(plain: Buffer, aad: string): string | undefined {
    const first = this.providers[0];
    if (first?.type !== 'aesgcm') return undefined;
    const key = first.keys[0]!;
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv(cipherName(key), key.secret, nonce);
    c.setAAD(Buffer.from(aad));
    const body = Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
    return `${AESGCM_PREFIX}${key.name}:${body.toString('base64')}`;
  }

  /** The plaintext of a sealed value; DecryptError when no configured key opens it. */
  open(sealed: string, aad: string): Buffer {
    if (!sealed.startsWith(AESGCM_PREFIX)) throw new DecryptError('no matching prefix found');
    const rest = sealed.slice(AESGCM_PREFIX.length);
    const colon = rest.indexOf(':');
    const name = colon < 0 ? '' : rest.slice(0, colon);
    const keys = this.providers.flatMap((p) => (p.type === 'aesgcm' ? p.keys.filter((k) => k.name === name) : []));
    if (!keys.length) throw new DecryptError(`no matching prefix found: no aesgcm key named ${JSON.stringify(name)} is configured`);
    const body = Buffer.from(rest.slice(colon + 1), 'base64');
    if (body.length < NONCE_BYTES + TAG_BYTES) throw new DecryptError(`the data encrypted with key ${JSON.stringify(name)} is too short`);
    for (const key of keys) {
      try {
        const d = createDecipheriv(cipherName(key), key.secret, body.subarray(0, NONCE_BYTES));
        d.setAAD(Buffer.from(aad));
        d.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([d.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)), d.final()]);
      } catch {
        // not this key (or tampered): try the next of that name
      }
    }
    throw new DecryptError(`failed to decrypt with key ${JSON.stringify(name)}: cipher: message authentication failed`);
  }
}

const cipherName = (k: AesGcmKey) => `aes-${k.secret.length * 8}-gcm` as 'aes-256-gcm';
