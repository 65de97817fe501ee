/**
 * Serving certificates: a key pair and a certificate for TLS servers of the cluster, signed by the
 * cluster CA when its key is at hand (so clients that trust the CA can verify the chain), else
 * self-signed (the CA-signed case is issue.ts'). The ingress controller's default certificate (ingress-nginx's "Kubernetes Ingress
 * Controller Fake Certificate", for ingress.local) is one of these.
 */
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { issueCertificate } from './issue.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface ServingCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** True when the cluster CA signed it; false when self-signed. */
  readonly signedByCA: boolean;
}

export interface ServingCertificateRequest {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  /** Validity from `now` (backdated 5 minutes for clock skew); default 365 days. */
  readonly days?: number;
  readonly now?: Date;
}

/**
 * Issue a serving certificate (serverAuth, the DNS names as SANs). `ca` with its ECDSA P-256 key
 * (the cluster CA made by createCA) signs it; without a key it is self-signed.
 */
export async function issueServingCertificate(
  req: ServingCertificateRequest,
  ca?: { readonly certPem: string; readonly keyPem?: string },
): Promise<ServingCertificate> {
  if (ca?.keyPem) {
    const c = await issueCertificate({ certPem: ca.certPem, keyPem: ca.keyPem }, { commonName: req.commonName, sans: req.dnsNames, usage: 'server', validityDays: req.days ?? 365, ...(req.now ? { now: req.now } : {}) });
    return { ...c, signedByCA: true };
  }
  const now = req.now ?? new Date();
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const notAfter = new Date(now.getTime() + (req.days ?? 365) * 86_400_000);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(req.dnsNames.map((value) => ({ type: 'dns' as const, value }))),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: serialNumber(), name: `CN=${req.commonName}`, notBefore, notAfter, signingAlgorithm: ALG, keys, extensions });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: `${cert.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`, keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY').replace(/\r\n/g, '\n').trimEnd()}\n`, signedByCA: false };
}

function serialNumber(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}
