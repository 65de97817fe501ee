/**
 * The ingress controller's default TLS certificate: signed by the cluster CA (made in memory here),
 * named as ingress-nginx names its fake one (CN "Kubernetes Ingress Controller Fake Certificate",
 * SAN ingress.local), served when the client's SNI matches no Ingress TLS Secret and when it sends
 * no SNI at all; a request through it to a host no rule matches is the controller's 404. Without
 * the CA's key the certificate is self-signed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { createLogger } from '../../shared/log.js';
import { createCA, type CAFiles } from '../../shared/pki/index.js';
import { DEFAULT_CERT_COMMON_NAME, startIngress, type RunningIngress } from '../../services/ingress/index.js';
import { startStack, type Stack } from '../stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

/** The certificate a TLS handshake presents (servername undefined: no SNI), verified against `ca`. */
function handshake(port: number, servername: string | undefined, ca: string): Promise<{ authorized: boolean; error?: string; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, rejectUnauthorized: false, checkServerIdentity: () => undefined, ...(servername ? { servername } : {}) }, () => {
      const raw = sock.getPeerX509Certificate();
      sock.end();
      if (!raw) return reject(new Error('no peer certificate'));
      resolve({ authorized: sock.authorized, ...(sock.authorizationError ? { error: String(sock.authorizationError) } : {}), cert: raw });
    });
    sock.on('error', reject);
  });
}

describe('ingress default TLS certificate', () => {
  let stack: Stack;
  let ca: CAFiles;
  let signed: RunningIngress | undefined;
  let selfSigned: RunningIngress | undefined;
  const start = (clusterCA?: { certPem: string; keyPem?: string }) =>
    startIngress({ ...stack.cfg, gatewayUrl: stack.url }, silent, { http: null, https: { host: '127.0.0.1', port: 0 }, port: 0, host: '127.0.0.1', syncDelayMs: 10, ...(clusterCA ? { clusterCA } : {}) });

  before(async () => {
    stack = await startStack('ingdefcert');
    ca = await createCA();
    signed = await start(ca);
    selfSigned = await start({ certPem: ca.certPem });
  });
  after(async () => {
    await signed?.close();
    await selfSigned?.close();
    await stack?.close();
  });

  it('an SNI that matches no Secret gets the default certificate, signed by the cluster CA', async () => {
    const port = signed!.addresses.https!.port;
    const r = await handshake(port, 'nothing-here.example.test', ca.certPem);
    assert.equal(r.authorized, true, r.error);
    assert.equal(r.cert.subject, `CN=${DEFAULT_CERT_COMMON_NAME}`);
    assert.equal(r.cert.subjectAltName, 'DNS:ingress.local');
    assert.equal(r.cert.issuer, 'CN=jetkube-ca');
    assert.ok(r.cert.verify(new X509Certificate(ca.certPem).publicKey), 'the CA signed it');
    assert.equal(r.cert.checkHost('ingress.local'), 'ingress.local');
  });

  it('a client that sends no SNI gets it too, and an unmatched request is the controller 404', async () => {
    const port = signed!.addresses.https!.port;
    const r = await handshake(port, undefined, ca.certPem);
    assert.equal(r.cert.subject, `CN=${DEFAULT_CERT_COMMON_NAME}`);
    assert.equal(r.authorized, true, r.error);
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', servername: 'ingress.local', ca: ca.certPem, headers: { host: 'ingress.local' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 404);
  });

  it('without the CA key the default certificate is self-signed', async () => {
    const r = await handshake(selfSigned!.addresses.https!.port, 'nothing-here.example.test', ca.certPem);
    assert.equal(r.authorized, false);
    assert.equal(r.cert.subject, `CN=${DEFAULT_CERT_COMMON_NAME}`);
    assert.equal(r.cert.issuer, r.cert.subject);
  });
});
