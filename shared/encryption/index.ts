/**
 * Encryption at rest (kube-apiserver's EncryptionConfiguration): config.ts reads the
 * configuration, envelope.ts seals and opens values, secrets.ts applies them to Secrets.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeOnce } from '../pki/files.js';
import { ENCRYPTION_CONFIG_FILE } from '../config.js';
import { newEncryptionConfigYaml, parseEncryptionConfig } from './config.js';
import { Encryption } from './envelope.js';

export { parseEncryptionConfig, newEncryptionConfigYaml, type EncryptionConfig, type Provider, type AesGcmKey } from './config.js';
export { Encryption, DecryptError, isDecryptError, AESGCM_PREFIX } from './envelope.js';
export { sealSecret, openSecret, isSealedResource, isStaleSecret, SEALED_FIELD, SEALED_RESOURCE } from './secrets.js';

export { ENCRYPTION_CONFIG_FILE };

/** The envelope of ENCRYPTION_PROVIDER_CONFIG (a file), or undefined (none: secrets are stored as they are). */
export async function loadEncryption(file: string | undefined): Promise<Encryption | undefined> {
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`ENCRYPTION_PROVIDER_CONFIG ${file}: ${(e as Error).message}`);
  }
  try {
    return new Encryption(parseEncryptionConfig(text).providers);
  } catch (e) {
    throw new Error(`ENCRYPTION_PROVIDER_CONFIG ${file}: ${(e as Error).message}`);
  }
}

/** `<dataDir>/encryption-config.yaml`, made with a fresh key if missing (race-safe, mode 0600); answers its path. */
export async function ensureEncryptionConfig(dataDir: string): Promise<string> {
  const file = join(dataDir, ENCRYPTION_CONFIG_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeOnce(file, newEncryptionConfigYaml(randomBytes(32)), 0o600);
  return file;
}
