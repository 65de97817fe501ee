/**
 * The cluster CA on disk: `<dir>/ca.crt` and `<dir>/ca.key` (PEM; the key mode 0600, the directory
 * 0700). `ensureClusterCA` loads them, or creates them on first start. Creation is race-safe when
 * several processes start at once on the same directory: the one that creates `<dir>/ca.lock`
 * exclusively writes both files to unique temporary names and renames them into place (the key
 * first, the certificate last, so `ca.crt` present means both are complete); the others wait for
 * `ca.crt` and read the winner's. A lock left by a crashed process is taken over after
 * STALE_LOCK_MS.
 */
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createCA, parseCertificate } from './ca.js';

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
const LOCK_FILE = 'ca.lock';
const STALE_LOCK_MS = 30_000;
const WAIT_MS = 60_000;
const POLL_MS = 25;

export interface ClusterCA {
  readonly certPem: string;
  /** Undefined when the CA came from CLUSTER_CA_FILE (a certificate alone). */
  readonly keyPem?: string;
  readonly certFile: string;
  readonly keyFile?: string;
  /** This call generated it. */
  readonly created: boolean;
}

export interface EnsureOptions {
  readonly now?: () => Date;
  /** How long a loser waits for the winner's files (default 60 s). */
  readonly waitMs?: number;
}

/** Load the CA in `dir`, or create it there (see the module comment). */
export async function ensureClusterCA(dir: string, opts: EnsureOptions = {}): Promise<ClusterCA> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, CA_CERT_FILE);
  const keyFile = join(dir, CA_KEY_FILE);
  const lockFile = join(dir, LOCK_FILE);
  const deadline = Date.now() + (opts.waitMs ?? WAIT_MS);
  for (;;) {
    const existing = await readPair(certFile, keyFile);
    if (existing) return { ...existing, certFile, keyFile, created: false };
    const lock = await open(lockFile, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return undefined;
      throw e;
    });
    if (lock) {
      try {
        // The previous holder may have finished between our read and our lock.
        const late = await readPair(certFile, keyFile);
        if (late) return { ...late, certFile, keyFile, created: false };
        const ca = await createCA(opts.now?.() ?? new Date());
        await writeAtomic(keyFile, ca.keyPem, 0o600);
        await writeAtomic(certFile, ca.certPem, 0o644);
        return { ...ca, certFile, keyFile, created: true };
      } finally {
        await lock.close();
        await unlink(lockFile).catch(() => undefined);
      }
    }
    // Someone else holds the lock: wait for its certificate, or take over a stale lock.
    const age = await stat(lockFile).then((s) => Date.now() - s.mtimeMs, () => undefined);
    if (age !== undefined && age > STALE_LOCK_MS) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for another process to create the cluster CA in ${dir} (remove ${lockFile} if none is running)`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Read a CA certificate alone (CLUSTER_CA_FILE); throws unless it holds a PEM certificate. */
export async function loadCACertificate(file: string): Promise<ClusterCA> {
  const certPem = await readFile(file, 'utf8');
  try {
    parseCertificate(certPem);
  } catch (e) {
    throw new Error(`${file} holds no PEM certificate: ${(e as Error).message}`);
  }
  return { certPem, certFile: file, created: false };
}

/** Both files, or undefined when ca.crt is missing. A certificate without its key is an error, never overwritten. */
async function readPair(certFile: string, keyFile: string): Promise<{ certPem: string; keyPem: string } | undefined> {
  const certPem = await readFile(certFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (certPem === undefined) return undefined;
  const keyPem = await readFile(keyFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new Error(`${certFile} exists but ${keyFile} does not: restore the key, or point CLUSTER_CA_FILE at the certificate alone`);
    throw e;
  });
  try {
    parseCertificate(certPem);
  } catch (e) {
    throw new Error(`${certFile} holds no PEM certificate: ${(e as Error).message}`);
  }
  return { certPem, keyPem };
}

/** Write to a unique temporary name (exclusive, with its final mode), fsync, rename over `file`. */
export async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = await writeTemp(file, data, mode);
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** `data` in a new file next to `file` (exclusive, with its final mode, fsynced): its path. */
export async function writeTemp(file: string, data: string, mode: number): Promise<string> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}
