/**
 * The cluster's credential files in its data directory, made on first need and kept:
 *   serving.crt / serving.key          the gateway's serving certificate (SANs: servingSANs)
 *   clients/<name>.crt / <name>.key    client certificates (components, the admin)
 *   sa.key                             the ServiceAccount token signing key (shared/auth/authn)
 * Creation is race-safe across processes: a file is written under a unique name and linked into
 * place (link fails when another process was first; its file wins and is read back).
 */
import { link, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCertificate } from './ca.js';
import { writeTemp } from './store.js';
import { certificateSANs, issueCertificate, type CertRequest, type IssuedCert, type SigningCA } from './issue.js';

export const SERVING_CERT_FILE = 'serving.crt';
export const SERVING_KEY_FILE = 'serving.key';
export const CLIENTS_DIR = 'clients';

/** Renew a kept certificate this long before it expires. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/** Write `data` to `file` unless it exists; answers what is in `file` afterwards. */
export async function writeOnce(file: string, data: string, mode: number): Promise<string> {
  const tmp = await writeTemp(file, data, mode);
  try {
    await link(tmp, file);
    return data;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readFile(file, 'utf8');
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

/** A certificate/key pair at `certFile`/`keyFile`, kept while `usable` says so, else (re)issued. */
async function ensurePair(certFile: string, keyFile: string, ca: SigningCA, req: CertRequest, usable: (certPem: string) => boolean): Promise<IssuedCert & { certFile: string; keyFile: string }> {
  const certPem = await readOrUndefined(certFile);
  const keyPem = await readOrUndefined(keyFile);
  if (certPem && keyPem && usable(certPem)) return { certPem, keyPem, certFile, keyFile };
  const issued = await issueCertificate(ca, req);
  // A stale pair is replaced: removed first, so writeOnce's link can take its place.
  if (certPem || keyPem) await Promise.all([rm(certFile, { force: true }), rm(keyFile, { force: true })]);
  const key = await writeOnce(keyFile, issued.keyPem, 0o600);
  const cert = key === issued.keyPem ? await writeOnce(certFile, issued.certPem, 0o644) : await waitFor(certFile);
  return { certPem: cert, keyPem: key, certFile, keyFile };
}

/** Another process won the key: its certificate follows. */
async function waitFor(file: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const s = await readOrUndefined(file);
    if (s) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${file}`);
}

function fresh(certPem: string, now: Date): boolean {
  try {
    const c = parseCertificate(certPem);
    return c.notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS && c.notBefore.getTime() <= now.getTime();
  } catch {
    return false;
  }
}

/** The gateway's serving certificate: kept while it is fresh and covers every name in `sans`. */
export async function ensureServingCert(dataDir: string, ca: SigningCA, sans: readonly string[], now = new Date()) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return ensurePair(join(dataDir, SERVING_CERT_FILE), join(dataDir, SERVING_KEY_FILE), ca, { commonName: 'jetkube-gateway', sans, usage: 'server', now }, (pem) => {
    if (!fresh(pem, now)) return false;
    const have = new Set(certificateSANs(pem));
    return sans.every((n) => have.has(n));
  });
}

/** A client certificate `clients/<file>.crt` for user `commonName` in `organizations`. */
export async function ensureClientCert(dataDir: string, ca: SigningCA, file: string, commonName: string, organizations: readonly string[] = [], now = new Date()) {
  const dir = join(dataDir, CLIENTS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return ensurePair(join(dir, `${file}.crt`), join(dir, `${file}.key`), ca, { commonName, organizations, usage: 'client', now }, (pem) => {
    if (!fresh(pem, now)) return false;
    const name = parseCertificate(pem).subjectName;
    return name.getField('CN').join() === commonName && [...name.getField('O')].sort().join('\n') === [...organizations].sort().join('\n');
  });
}
