/** The cluster CA: what createCA makes, how ensureClusterCA keeps it on disk, where the data directory is. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { spawn } from 'node:child_process';
import { CA_COMMON_NAME, caInfo, createCA, ensureClusterCA, loadCACertificate, loadClusterCA } from '../../shared/pki/index.js';
import { pkiConfigFromEnv } from '../../shared/config.js';
import * as x509 from '@peculiar/x509';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'jetkube-pki-'));
  dirs.push(d);
  return d;
};
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('createCA', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('is a self-signed ECDSA P-256 CA, CN jetkube-ca, 10 years, with the CA extensions critical', async () => {
    const ca = await createCA(now);
    const cert = new x509.X509Certificate(ca.certPem);
    assert.equal(cert.subject, `CN=${CA_COMMON_NAME}`);
    assert.equal(cert.issuer, cert.subject);
    assert.ok(await cert.isSelfSigned(), 'self-signed');
    assert.equal((cert.publicKey.algorithm as { namedCurve?: string }).namedCurve, 'P-256');
    assert.ok(cert.notBefore.getTime() <= now.getTime());
    assert.equal(cert.notAfter.toISOString(), '2036-01-01T00:00:00.000Z');

    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    assert.ok(bc, 'basicConstraints');
    assert.equal(bc.ca, true);
    assert.equal(bc.critical, true);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    assert.ok(ku, 'keyUsage');
    assert.equal(ku.critical, true);
    assert.equal(ku.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature);
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
    assert.ok(ski && ski.keyId.length > 0, 'subjectKeyIdentifier');
  });

  it('Node’s own X509Certificate reads it as a CA whose key is the PEM key', async () => {
    const ca = await createCA(now);
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.ok(cert.checkIssued(cert));
    assert.ok(cert.verify(cert.publicKey));
    const key = createPrivateKey(ca.keyPem);
    assert.equal(key.asymmetricKeyType, 'ec');
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(cert.checkPrivateKey(key));
    assert.deepEqual(createPublicKey(key).export({ type: 'spki', format: 'der' }), cert.publicKey.export({ type: 'spki', format: 'der' }));
  });

  it('two CAs differ (keys and serials)', async () => {
    const [a, b] = await Promise.all([createCA(now), createCA(now)]);
    assert.notEqual(a.certPem, b.certPem);
    assert.notEqual(new X509Certificate(a.certPem).serialNumber, new X509Certificate(b.certPem).serialNumber);
  });
});

describe('ensureClusterCA', () => {
  it('creates ca.crt and ca.key (0600) on first start, then loads the same files', async () => {
    const dir = join(await tempDir(), 'nested', 'data');
    const first = await ensureClusterCA(dir);
    assert.equal(first.created, true);
    assert.equal(first.certFile, join(dir, 'ca.crt'));
    assert.equal(await readFile(first.certFile, 'utf8'), first.certPem);
    assert.equal(await readFile(join(dir, 'ca.key'), 'utf8'), first.keyPem);
    assert.equal((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.deepEqual((await readdir(dir)).sort(), ['ca.crt', 'ca.key'], 'no lock or temporary file left');
    assert.equal(caInfo(first.certPem).isCA, true);

    const again = await ensureClusterCA(dir);
    assert.equal(again.created, false);
    assert.equal(again.certPem, first.certPem);
    assert.equal(again.keyPem, first.keyPem);
  });

  it('concurrent first starts in one directory make one CA, and every caller gets it', async () => {
    const dir = await tempDir();
    const results = await Promise.all(Array.from({ length: 6 }, () => ensureClusterCA(dir)));
    assert.equal(results.filter((r) => r.created).length, 1);
    const onDisk = await readFile(join(dir, 'ca.crt'), 'utf8');
    for (const r of results) assert.equal(r.certPem, onDisk);
    assert.deepEqual((await readdir(dir)).sort(), ['ca.crt', 'ca.key']);
  });

  it('processes starting at once on one directory make one CA (exclusive lock, rename), and each reads it', async () => {
    const dir = await tempDir();
    const pki = new URL('../../shared/pki/index.js', import.meta.url).href;
    const script = `const { ensureClusterCA } = await import(${JSON.stringify(pki)}); const ca = await ensureClusterCA(process.argv[1]); process.stdout.write(JSON.stringify({ created: ca.created, certPem: ca.certPem }));`;
    const runOne = () =>
      new Promise<{ created: boolean; certPem: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${err}`))));
      });
    const results = await Promise.all([runOne(), runOne(), runOne()]);
    assert.equal(results.filter((r) => r.created).length, 1, 'one process made it');
    const onDisk = await readFile(join(dir, 'ca.crt'), 'utf8');
    for (const r of results) assert.equal(r.certPem, onDisk);
    assert.deepEqual((await readdir(dir)).sort(), ['ca.crt', 'ca.key']);
  });

  it('keeps a CA it did not make (an existing pair is loaded as is)', async () => {
    const dir = await tempDir();
    const mine = await createCA();
    await writeFile(join(dir, 'ca.crt'), mine.certPem);
    await writeFile(join(dir, 'ca.key'), mine.keyPem, { mode: 0o600 });
    const got = await ensureClusterCA(dir);
    assert.equal(got.created, false);
    assert.equal(got.certPem, mine.certPem);
  });

  it('refuses a certificate without its key rather than replace it', async () => {
    const dir = await tempDir();
    const mine = await createCA();
    await writeFile(join(dir, 'ca.crt'), mine.certPem);
    await assert.rejects(ensureClusterCA(dir), /ca\.key does not/);
    assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), mine.certPem);
  });

  it('replaces a key left without a certificate (a crash between the two renames)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ca.key'), 'half-made', { mode: 0o600 });
    const got = await ensureClusterCA(dir);
    assert.equal(got.created, true);
    assert.notEqual(await readFile(join(dir, 'ca.key'), 'utf8'), 'half-made');
  });

  it('refuses a ca.crt that holds no certificate', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ca.crt'), 'not a certificate');
    await writeFile(join(dir, 'ca.key'), 'x');
    await assert.rejects(ensureClusterCA(dir), /no PEM certificate/);
  });
});

describe('CLUSTER_CA_FILE and the data directory', () => {
  it('data dir: JETKUBE_DATA_DIR as given, else $XDG_DATA_HOME/jetkube/<prefix>, else ~/.local/share/jetkube/<prefix>', () => {
    assert.equal(pkiConfigFromEnv({ JETKUBE_DATA_DIR: '/srv/jk' }, 'p', '/home/u').dataDir, '/srv/jk');
    assert.equal(pkiConfigFromEnv({ XDG_DATA_HOME: '/x/data' }, 'p', '/home/u').dataDir, '/x/data/jetkube/p');
    assert.equal(pkiConfigFromEnv({ XDG_DATA_HOME: 'relative' }, 'p', '/home/u').dataDir, '/home/u/.local/share/jetkube/p');
    assert.equal(pkiConfigFromEnv({}, 'jetkube', '/home/u').dataDir, '/home/u/.local/share/jetkube/jetkube');
    assert.equal(pkiConfigFromEnv({}, 'p', '/home/u').clusterCAFile, undefined);
    assert.equal(pkiConfigFromEnv({ CLUSTER_CA_FILE: '/etc/ca.pem' }, 'p', '/home/u').clusterCAFile, '/etc/ca.pem');
  });

  it('CLUSTER_CA_FILE is used instead of the data directory, which is left untouched', async () => {
    const dir = await tempDir();
    const file = join(dir, 'external.pem');
    const mine = await createCA();
    await writeFile(file, mine.certPem);
    const dataDir = join(dir, 'data');
    const got = await loadClusterCA({ dataDir, clusterCAFile: file });
    assert.equal(got.certPem, mine.certPem);
    assert.equal(got.keyPem, undefined);
    await assert.rejects(stat(dataDir), { code: 'ENOENT' });
  });

  it('CLUSTER_CA_FILE without a certificate in it is an error', async () => {
    const file = join(await tempDir(), 'bad.pem');
    await writeFile(file, 'hello');
    await assert.rejects(loadCACertificate(file), /holds no PEM certificate/);
  });
});
