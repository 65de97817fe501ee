/**
 * The cluster CA: a self-signed ECDSA P-256 certificate (CN jetkube-ca, 10 years, like kubeadm's
 * CA) made with @peculiar/x509 over Node's WebCrypto. `createCA` is pure apart from the key
 * generation; files are handled by store.ts.
 */
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its algorithms with tsyringe, which needs a Reflect metadata polyfill
// loaded first (the library's README says so); ESM evaluates imports in order.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const CA_COMMON_NAME = 'jetkube-ca';
/** kubeadm's CA lives 10 years. */
export const CA_VALIDITY_YEARS = 10;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface CAFiles {
  /** PEM certificate. */
  readonly certPem: string;
  /** PEM PKCS#8 private key. */
  readonly keyPem: string;
}

/** A new self-signed CA valid from `now` (backdated 5 minutes for clock skew, as kubeadm does) for 10 years. */
export async function createCA(now: Date = new Date(), commonName = CA_COMMON_NAME): Promise<CAFiles> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: ensureNewline(cert.toString('pem')), keyPem: ensureNewline(x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')) };
}

/** What a CA certificate says about itself (for logs and tests). */
export interface CAInfo {
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCA: boolean;
}

/** Parse a PEM certificate (the first one of a bundle); throws on anything that is not one. */
export function parseCertificate(pem: string): x509.X509Certificate {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!first) throw new Error('no PEM CERTIFICATE block');
  return new x509.X509Certificate(first[0]);
}

export function caInfo(pem: string): CAInfo {
  const cert = parseCertificate(pem);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return { subject: cert.subject, notBefore: cert.notBefore, notAfter: cert.notAfter, isCA: bc?.ca === true };
}

/** A positive 128-bit serial (the top bit clear, so DER needs no sign byte beyond 16). */
function serialNumber(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

function ensureNewline(s: string): string {
  const t = s.replace(/\r\n/g, '\n');
  return t.endsWith('\n') ? t : `${t}\n`;
}
