/**
 * Leaf certificates signed by the cluster CA: the gateway's serving certificate and the client
 * certificates components and the admin kubeconfig authenticate with (CN = user, O = groups, as
 * Kubernetes' x509 authenticator reads them). ECDSA P-256 like the CA; a year of validity, like
 * kubeadm's leaf certificates. Pure apart from key generation.
 */
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import './ca.js'; // sets the crypto provider (and loads reflect-metadata first)
import * as x509 from '@peculiar/x509';
import { parseCertificate } from './ca.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const LEAF_VALIDITY_DAYS = 365;

export type CertUsage = 'server' | 'client';

export interface CertRequest {
  readonly commonName: string;
  /** Organizations (O=): the groups of a client certificate. */
  readonly organizations?: readonly string[];
  /** DNS names and IP addresses (serving certificates). */
  readonly sans?: readonly string[];
  readonly usage: CertUsage;
  readonly now?: Date;
  readonly validityDays?: number;
}

export interface IssuedCert {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface SigningCA {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * The names kube-apiserver's serving certificate carries (kubeadm's list), plus this gateway's
 * configured host: localhost and 127.0.0.1 always, `kubernetes`, `kubernetes.default`,
 * `kubernetes.default.svc` and `kubernetes.default.svc.<domain>`, and any extra names given.
 * Deduplicated, order kept; an all-interfaces host (0.0.0.0, ::) adds nothing.
 */
export function servingSANs(host: string, extra: readonly string[] = [], clusterDomain = 'cluster.local'): string[] {
  const names = ['localhost', '127.0.0.1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`];
  if (host && host !== '0.0.0.0' && host !== '::') names.push(host);
  names.push(...extra);
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))];
}

/** Escape a value for an RFC 4514 distinguished name. */
function dnValue(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
}

export function subjectName(commonName: string, organizations: readonly string[] = []): string {
  // O first, CN last, as openssl and kubeadm print them; a name with several O= carries several groups.
  return [...organizations.map((o) => `O=${dnValue(o)}`), `CN=${dnValue(commonName)}`].join(', ');
}

export async function issueCertificate(ca: SigningCA, req: CertRequest): Promise<IssuedCert> {
  const caCert = parseCertificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), ALG, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = req.now ?? new Date();
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const notAfter = new Date(now.getTime() + (req.validityDays ?? LEAF_VALIDITY_DAYS) * 86_400_000);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([req.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  if (req.sans?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(req.sans.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: subjectName(req.commonName, req.organizations),
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: nl(cert.toString('pem')), keyPem: nl(x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')) };
}

/** The SANs of a certificate (DNS names and IPs), for checks and tests. */
export function certificateSANs(pem: string): string[] {
  const ext = parseCertificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  return ext ? ext.names.items.map((n) => n.value) : [];
}

function serial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

function nl(s: string): string {
  const t = s.replace(/\r\n/g, '\n');
  return t.endsWith('\n') ? t : `${t}\n`;
}
