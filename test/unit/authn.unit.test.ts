/**
 * Authentication's pure parts: the token file format, ServiceAccount JWT claims and validation,
 * the authenticator chain's order and outcomes, serving-certificate SANs and leaf certificates,
 * kubeconfig writing and resolving.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair, exportPKCS8 } from 'jose';
import {
  ANONYMOUS,
  bearerToken,
  createAuthenticator,
  DEFAULT_ISSUER,
  ensureSigningKey,
  kubeconfigYaml,
  parseKubeconfig,
  parseTokenFile,
  resolveKubeconfig,
  signToken,
  signingKeyFromPem,
  tokenClaims,
  userFromClaims,
  verifyToken,
  authConfigFromEnv,
  type AuthenticatorOptions,
  type Credentials,
  type SigningKey,
} from '../../shared/auth/authn/index.js';
import { certificateSANs, createCA, ensureClientCert, ensureServingCert, issueCertificate, servingSANs } from '../../shared/pki/index.js';
import { tokenRequestSpec, selfSubjectReview } from '../../services/gateway/authn-api.js';
import { targetOf } from '../../services/jkctl/context.js';
import { ApiError, isApiError } from '../../shared/errors.js';
import { errorLine } from '../../services/jkctl/errors.js';
import { errorFromResponse } from '../../shared/client/status-error.js';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'jetkube-authn-'));
  dirs.push(d);
  return d;
};
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('parseTokenFile (--token-auth-file)', () => {
  const cases: { name: string; text: string; want?: Record<string, { username: string; uid?: string; groups: string[] }>; error?: RegExp }[] = [
    { name: 'token,user,uid', text: 'abc,alice,1\n', want: { abc: { username: 'alice', uid: '1', groups: [] } } },
    { name: 'quoted groups', text: 'abc,alice,1,"dev,ops"\n', want: { abc: { username: 'alice', uid: '1', groups: ['dev', 'ops'] } } },
    { name: 'one unquoted group', text: 'abc,alice,1,dev', want: { abc: { username: 'alice', uid: '1', groups: ['dev'] } } },
    { name: 'empty uid', text: 'abc,alice,,dev', want: { abc: { username: 'alice', groups: ['dev'] } } },
    { name: 'comments and blank lines', text: '# tokens\n\nabc,alice,1\n\ndef,bob,2,"a"\n', want: { abc: { username: 'alice', uid: '1', groups: [] }, def: { username: 'bob', uid: '2', groups: ['a'] } } },
    { name: 'CRLF', text: 'abc,alice,1\r\n', want: { abc: { username: 'alice', uid: '1', groups: [] } } },
    { name: 'too few columns', text: 'abc,alice\n', error: /:1: expected token,user,uid/ },
    { name: 'empty token', text: ',alice,1\n', error: /empty token/ },
    { name: 'empty user', text: 'abc,,1\n', error: /empty user name/ },
    { name: 'duplicate token, named by line', text: 'abc,alice,1\nabc,bob,2\n', error: /:2: duplicate token/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) return assert.throws(() => parseTokenFile(c.text, 'tokens.csv'), c.error);
      const got = Object.fromEntries([...parseTokenFile(c.text)].map(([k, v]) => [k, { ...v, groups: [...v.groups] }]));
      assert.deepEqual(got, c.want);
    });
  }
});

describe('bearerToken', () => {
  for (const [header, want] of [
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['  Bearer   abc  ', 'abc'],
    ['Basic YWJj', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ] as const) {
    it(`${JSON.stringify(header)} → ${JSON.stringify(want)}`, () => assert.equal(bearerToken(header), want));
  }
});

describe('ServiceAccount tokens', async () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const key = signingKeyFromPem(await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey));
  const other = signingKeyFromPem(await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey));
  const base = { namespace: 'ns1', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, issuer: DEFAULT_ISSUER, now, jti: 'j1' };
  const opts = { issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], now };

  it("has Kubernetes' claims", () => {
    const c = tokenClaims({ ...base, pod: { name: 'p', uid: 'pod-uid' } });
    assert.deepEqual(c, {
      iss: DEFAULT_ISSUER,
      sub: 'system:serviceaccount:ns1:robot',
      aud: [DEFAULT_ISSUER],
      iat: 1796083200,
      nbf: 1796083200,
      exp: 1796083200 + 3600,
      jti: 'j1',
      'kubernetes.io': { namespace: 'ns1', serviceaccount: { name: 'robot', uid: 'sa-uid' }, pod: { name: 'p', uid: 'pod-uid' } },
    });
    assert.deepEqual(userFromClaims(c), {
      username: 'system:serviceaccount:ns1:robot',
      uid: 'sa-uid',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'],
      extra: {
        'authentication.kubernetes.io/credential-id': ['JTI=j1'],
        'authentication.kubernetes.io/pod-name': ['p'],
        'authentication.kubernetes.io/pod-uid': ['pod-uid'],
      },
    });
  });

  it('a node in the claims adds node-name and node-uid to extra', () => {
    const u = userFromClaims(tokenClaims({ ...base, pod: { name: 'p', uid: 'pod-uid' }, node: { name: 'n1', uid: 'node-uid' } }));
    assert.deepEqual(u.extra?.['authentication.kubernetes.io/node-name'], ['n1']);
    assert.deepEqual(u.extra?.['authentication.kubernetes.io/node-uid'], ['node-uid']);
    const noUid = tokenClaims({ ...base, node: { name: 'n1', uid: '' } });
    assert.deepEqual(noUid['kubernetes.io'].node, { name: 'n1' });
  });

  it('the header names ES256 and the key id (SHA-256 of the public key)', async () => {
    const t = await signToken(key, tokenClaims(base));
    const header = JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()) as { alg: string; kid: string };
    assert.deepEqual(header, { alg: 'ES256', kid: key.kid });
    assert.match(key.kid, /^[A-Za-z0-9_-]{43}$/);
  });

  const table: { name: string; token: () => Promise<string>; at?: Date; audiences?: string[]; ok?: boolean; reason?: RegExp }[] = [
    { name: 'valid', token: () => signToken(key, tokenClaims(base)), ok: true },
    { name: 'valid within the 60 s leeway after exp', token: () => signToken(key, tokenClaims(base)), at: new Date(now.getTime() + 3630_000), ok: true },
    { name: 'expired', token: () => signToken(key, tokenClaims(base)), at: new Date(now.getTime() + 3700_000), reason: /expired/ },
    { name: 'not yet valid', token: () => signToken(key, tokenClaims(base)), at: new Date(now.getTime() - 120_000), reason: /nbf|iat/ },
    { name: 'another audience', token: () => signToken(key, tokenClaims({ ...base, audiences: ['vault'] })), reason: /aud/ },
    { name: 'one of several audiences matches', token: () => signToken(key, tokenClaims({ ...base, audiences: ['vault', DEFAULT_ISSUER] })), ok: true },
    { name: 'asked audience', token: () => signToken(key, tokenClaims({ ...base, audiences: ['vault'] })), audiences: ['vault'], ok: true },
    { name: 'another issuer', token: () => signToken(key, tokenClaims({ ...base, issuer: 'https://elsewhere' })), reason: /iss/ },
    { name: 'signed by another key', token: () => signToken(other, tokenClaims(base)), reason: /signature/ },
    { name: 'not a JWT', token: async () => 'abc.def.ghi', reason: /invalid bearer token/ },
    {
      name: 'no kubernetes.io claim',
      token: () => new SignJWT({ sub: 'system:serviceaccount:a:b', aud: [DEFAULT_ISSUER], iss: DEFAULT_ISSUER, exp: 1796083200 + 60 }).setProtectedHeader({ alg: 'ES256' }).sign(key.privateKey),
      reason: /malformed/,
    },
    {
      name: 'sub disagrees with the kubernetes.io claim',
      token: async () => signToken(key, { ...tokenClaims(base), sub: 'system:serviceaccount:ns1:admin' }),
      reason: /sub does not match/,
    },
  ];
  for (const c of table) {
    it(c.name, async () => {
      const r = await verifyToken(key, await c.token(), { ...opts, ...(c.at ? { now: c.at } : {}), ...(c.audiences ? { audiences: c.audiences } : {}) });
      if (c.ok) assert.equal(r.ok, true, JSON.stringify(r));
      else {
        assert.equal(r.ok, false);
        assert.match((r as { reason: string }).reason, c.reason!);
      }
    });
  }

  it('ensureSigningKey makes the key once and keeps it', async () => {
    const dir = await tempDir();
    const [a, b] = await Promise.all([ensureSigningKey(dir), ensureSigningKey(dir)]);
    const c = await ensureSigningKey(dir);
    assert.equal(a.kid, b.kid);
    assert.equal(a.kid, c.kid);
    assert.match(await readFile(join(dir, 'sa.key'), 'utf8'), /BEGIN PRIVATE KEY/);
  });
});

describe('the authenticator chain', async () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const key: SigningKey = signingKeyFromPem(await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey));
  const live = new Map([
    ['ServiceAccount/ns1/robot', 'sa-uid'],
    ['Pod/ns1/web', 'pod-uid'],
    ['Secret/ns1/s', 'secret-uid'],
    ['Node//n1', 'node-uid'],
  ]);
  const opts = (over: Partial<AuthenticatorOptions> = {}): AuthenticatorOptions => ({
    tokens: parseTokenFile('static-token,alice,a1,"dev,ops"\n'),
    serviceAccounts: {
      key,
      issuer: DEFAULT_ISSUER,
      audiences: [DEFAULT_ISSUER],
      liveUid: async (kind, ns, n) => live.get(`${kind}/${ns}/${n}`),
    },
    anonymous: false,
    now: () => now,
    ...over,
  });
  const sa = (over: Partial<Parameters<typeof tokenClaims>[0]> = {}) =>
    signToken(key, tokenClaims({ namespace: 'ns1', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, issuer: DEFAULT_ISSUER, now, ...over }));
  const cert = (over: Partial<NonNullable<Credentials['clientCert']>> = {}): Credentials['clientCert'] => ({ verified: true, commonName: 'bob', organizations: ['team'], extKeyUsage: ['1.3.6.1.5.5.7.3.2'], ...over });

  const cases: { name: string; creds: () => Promise<Credentials>; anonymous?: boolean; user?: string; groups?: string[]; method?: string; reason?: RegExp }[] = [
    { name: 'client certificate: CN user, O groups', creds: async () => ({ clientCert: cert() }), user: 'bob', groups: ['team', 'system:authenticated'], method: 'x509' },
    { name: 'client certificate wins over a token', creds: async () => ({ clientCert: cert(), bearerToken: 'static-token' }), user: 'bob', method: 'x509' },
    { name: 'a certificate the CA did not sign', creds: async () => ({ clientCert: cert({ verified: false, verifyError: 'SELF_SIGNED' }) }), reason: /unknown authority/ },
    { name: 'a server-only certificate', creds: async () => ({ clientCert: cert({ extKeyUsage: ['1.3.6.1.5.5.7.3.1'] }) }), reason: /key usage/ },
    { name: 'token file', creds: async () => ({ bearerToken: 'static-token' }), user: 'alice', groups: ['dev', 'ops', 'system:authenticated'], method: 'token-file' },
    { name: 'unknown token', creds: async () => ({ bearerToken: 'nope' }), reason: /invalid bearer token/ },
    { name: 'unknown token with anonymous on is still 401', creds: async () => ({ bearerToken: 'nope' }), anonymous: true, reason: /invalid bearer token/ },
    {
      name: 'ServiceAccount token',
      creds: async () => ({ bearerToken: await sa() }),
      user: 'system:serviceaccount:ns1:robot',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
      method: 'serviceaccount',
    },
    { name: 'ServiceAccount deleted', creds: async () => ({ bearerToken: await sa({ serviceAccount: { name: 'gone', uid: 'x' } }) }), reason: /has been deleted/ },
    { name: 'ServiceAccount recreated (uid differs)', creds: async () => ({ bearerToken: await sa({ serviceAccount: { name: 'robot', uid: 'old' } }) }), reason: /does not match claim/ },
    { name: 'bound pod alive', creds: async () => ({ bearerToken: await sa({ pod: { name: 'web', uid: 'pod-uid' } }) }), method: 'serviceaccount' },
    { name: 'bound pod gone', creds: async () => ({ bearerToken: await sa({ pod: { name: 'old', uid: 'u' } }) }), reason: /pod ns1\/old has been deleted/ },
    { name: 'bound pod recreated', creds: async () => ({ bearerToken: await sa({ pod: { name: 'web', uid: 'older' } }) }), reason: /pod ns1\/web: UID \(pod-uid\) does not match claim \(older\)/ },
    { name: "bound pod alive, its node gone (the node is only named)", creds: async () => ({ bearerToken: await sa({ pod: { name: 'web', uid: 'pod-uid' }, node: { name: 'gone', uid: '' } }) }), method: 'serviceaccount' },
    { name: 'bound secret alive', creds: async () => ({ bearerToken: await sa({ secret: { name: 's', uid: 'secret-uid' } }) }), method: 'serviceaccount' },
    { name: 'bound secret gone', creds: async () => ({ bearerToken: await sa({ secret: { name: 'x', uid: 'u' } }) }), reason: /secret ns1\/x has been deleted/ },
    { name: 'bound node alive', creds: async () => ({ bearerToken: await sa({ node: { name: 'n1', uid: 'node-uid' } }) }), method: 'serviceaccount' },
    { name: 'bound node recreated', creds: async () => ({ bearerToken: await sa({ node: { name: 'n1', uid: 'old' } }) }), reason: /node n1: UID/ },
    { name: 'expired ServiceAccount token', creds: async () => ({ bearerToken: await sa({ now: new Date(now.getTime() - 7200_000) }) }), reason: /expired/ },
    { name: 'no credentials, anonymous off', creds: async () => ({}), reason: /no credentials/ },
    { name: 'no credentials, anonymous on', creds: async () => ({}), anonymous: true, user: 'system:anonymous', groups: ['system:unauthenticated'], method: 'anonymous' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await createAuthenticator(opts({ anonymous: c.anonymous ?? false }))(await c.creds());
      if (c.reason) {
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.match((r as { reason: string }).reason, c.reason);
        return;
      }
      assert.equal(r.ok, true, JSON.stringify(r));
      if (!r.ok) return;
      if (c.user) assert.equal(r.user.username, c.user);
      if (c.groups) assert.deepEqual([...r.user.groups], c.groups);
      if (c.method) assert.equal(r.method, c.method);
    });
  }

  it("TokenReview's audiences: a ServiceAccount token is checked against those asked; other credentials are good for the gateway's own only", async () => {
    const authn = createAuthenticator(opts());
    const vault = await sa({ audiences: ['vault', 'other'] });
    const r1 = await authn({ bearerToken: vault }, ['vault']);
    assert.equal(r1.ok, true);
    assert.deepEqual(r1.ok && r1.audiences, ['vault']);
    assert.equal((await authn({ bearerToken: vault })).ok, false, 'not for the gateway itself');
    const r2 = await authn({ bearerToken: 'static-token' }, ['vault']);
    assert.deepEqual(r2, { ok: false, reason: 'token audiences is invalid for the target audiences' });
    const r3 = await authn({ bearerToken: 'static-token' }, ['vault', DEFAULT_ISSUER]);
    assert.deepEqual(r3.ok && r3.audiences, [DEFAULT_ISSUER]);
    const r4 = await authn({ bearerToken: 'static-token' });
    assert.deepEqual(r4.ok && r4.audiences, [DEFAULT_ISSUER]);
  });

  it('anonymous is system:anonymous in system:unauthenticated only', () => {
    assert.deepEqual(ANONYMOUS, { username: 'system:anonymous', groups: ['system:unauthenticated'] });
  });
});

describe('certificates', () => {
  it("servingSANs: kubeadm's names, the host, extras; deduplicated; no wildcard host", () => {
    const base = ['localhost', '127.0.0.1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
    assert.deepEqual(servingSANs('127.0.0.1'), base);
    assert.deepEqual(servingSANs('0.0.0.0'), base);
    assert.deepEqual(servingSANs('::'), base);
    assert.deepEqual(servingSANs('10.1.2.3', ['gw.example.com', 'localhost']), [...base, '10.1.2.3', 'gw.example.com']);
    assert.deepEqual(servingSANs('127.0.0.1', [], 'corp.local').at(-1), 'kubernetes.default.svc.corp.local');
  });

  it('a serving certificate carries its SANs (IPs as IPs) and serverAuth, signed by the CA', async () => {
    const ca = await createCA();
    const c = await issueCertificate(ca, { commonName: 'jetkube-gateway', sans: ['localhost', '127.0.0.1', '::1'], usage: 'server' });
    const x = new X509Certificate(c.certPem);
    assert.ok(x.verify(new X509Certificate(ca.certPem).publicKey), 'signed by the CA');
    assert.equal(x.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(x.ca, false);
    assert.deepEqual(certificateSANs(c.certPem), ['localhost', '127.0.0.1', '::1']);
  });

  it('a client certificate: CN the user, one O per group, clientAuth', async () => {
    const ca = await createCA();
    const c = await issueCertificate(ca, { commonName: 'system:node:n1', organizations: ['system:nodes', 'a,b'], usage: 'client' });
    const x = new X509Certificate(c.certPem);
    // As TLS's getPeerCertificate() shows it to the authenticator.
    const subject = x.toLegacyObject().subject as unknown as { O: string[]; CN: string };
    assert.deepEqual({ O: subject.O, CN: subject.CN }, { O: ['system:nodes', 'a,b'], CN: 'system:node:n1' });
    assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  it('ensureServingCert keeps a certificate that covers the names, and reissues when a name is added', async () => {
    const dir = await tempDir();
    const ca = await createCA();
    const a = await ensureServingCert(dir, ca, servingSANs('127.0.0.1'));
    const b = await ensureServingCert(dir, ca, servingSANs('127.0.0.1'));
    assert.equal(a.certPem, b.certPem);
    const c = await ensureServingCert(dir, ca, servingSANs('127.0.0.1', ['gw.example']));
    assert.notEqual(c.certPem, a.certPem);
    assert.ok(certificateSANs(c.certPem).includes('gw.example'));
  });

  it('ensureClientCert keeps one per file and reissues when the subject changes', async () => {
    const dir = await tempDir();
    const ca = await createCA();
    const [a, b] = await Promise.all([ensureClientCert(dir, ca, 'admin', 'kubernetes-admin', ['system:masters']), ensureClientCert(dir, ca, 'admin', 'kubernetes-admin', ['system:masters'])]);
    assert.equal(a.certPem, b.certPem);
    const c = await ensureClientCert(dir, ca, 'admin', 'someone-else', []);
    assert.notEqual(c.certPem, a.certPem);
    assert.equal(new X509Certificate(c.certPem).subject, 'CN=someone-else');
  });
});

describe('kubeconfig', () => {
  const files = (...texts: string[]) => texts.map((t, i) => parseKubeconfig(t, `/d${i}`));

  it('the admin kubeconfig round-trips: server, CA, client certificate', () => {
    const text = kubeconfigYaml({ server: 'https://127.0.0.1:6443', caPem: 'CA\n', certPem: 'CERT\n', keyPem: 'KEY\n', clusterName: 'jetkube', userName: 'kubernetes-admin' });
    assert.deepEqual(resolveKubeconfig(files(text)), { context: 'kubernetes-admin@jetkube', server: 'https://127.0.0.1:6443', caPem: 'CA\n', certPem: 'CERT\n', keyPem: 'KEY\n' });
  });

  const a = `
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c1
  cluster: { server: "https://one:6443/", certificate-authority: ca.crt }
- name: c2
  cluster: { server: "https://two:6443", insecure-skip-tls-verify: true }
users:
- name: u1
  user: { token: t1 }
- name: u2
  user: { tokenFile: tok, client-certificate: /abs/c.crt, client-key: k.key }
contexts:
- name: a
  context: { cluster: c1, user: u1, namespace: team }
- name: b
  context: { cluster: c2, user: u2 }
- name: broken
  context: { cluster: nope, user: u1 }
`;
  const b = `
current-context: b
clusters:
- name: c1
  cluster: { server: "https://shadowed:6443" }
contexts:
- name: z
  context: { cluster: c1, user: missing }
`;
  const read = (p: string) => `contents of ${p}\n`;

  const cases: { name: string; texts: string[]; context?: string; want?: object; error?: RegExp }[] = [
    { name: 'current context: server, relative CA file, token, namespace', texts: [a], want: { context: 'a', server: 'https://one:6443', caPem: 'contents of /d0/ca.crt\n', token: 't1', namespace: 'team' } },
    {
      name: '--context: token file, absolute certificate, relative key',
      texts: [a],
      context: 'b',
      want: { context: 'b', server: 'https://two:6443', certPem: 'contents of /abs/c.crt\n', keyPem: 'contents of /d0/k.key\n', token: 'contents of /d0/tok', insecureSkipTLSVerify: true },
    },
    { name: 'the first file to set current-context wins, and its clusters', texts: [a, b], want: { context: 'a', server: 'https://one:6443' } },
    { name: 'a later file fills in what the first lacks', texts: [b, a], context: 'a', want: { context: 'a', server: 'https://shadowed:6443' } },
    { name: 'a user that is missing: no credentials', texts: [b], context: 'z', want: { context: 'z', server: 'https://shadowed:6443' } },
    { name: 'unknown context', texts: [a], context: 'nope', error: /context was not found for specified context: nope/ },
    { name: 'unknown cluster', texts: [a], context: 'broken', error: /cluster "nope" not found/ },
    { name: 'no current context', texts: ['apiVersion: v1\n'] },
    { name: 'an empty file (/dev/null)', texts: [''] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) return assert.throws(() => resolveKubeconfig(files(...c.texts), c.context, read), c.error);
      const got = resolveKubeconfig(files(...c.texts), c.context, read);
      if (!c.want) return assert.equal(got, undefined);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual((got as unknown as Record<string, unknown>)[k], v, k);
    });
  }

  it('jkctl: --server/GATEWAY_URL win; the kubeconfig credentials only go to its own server', () => {
    const kc = { context: 'a', server: 'https://one:6443', caPem: 'CA', token: 't', namespace: 'team' };
    const load = () => kc;
    assert.deepEqual(targetOf({}, {}, load), { server: 'https://one:6443', credentials: { caPem: 'CA', token: 't' }, namespace: 'team' });
    assert.deepEqual(targetOf({ server: 'http://127.0.0.1:8080' }, {}, load), { server: 'http://127.0.0.1:8080' });
    assert.deepEqual(targetOf({}, { GATEWAY_URL: 'http://x:1' }, load), { server: 'http://x:1' });
    assert.deepEqual(targetOf({ server: 'https://one:6443/' }, {}, load).credentials, { caPem: 'CA', token: 't' });
    assert.deepEqual(targetOf({}, {}, () => undefined), { server: 'http://127.0.0.1:8080' });
  });
});

describe('TokenRequest spec', () => {
  const aud = [DEFAULT_ISSUER];
  it('defaults: the gateway audiences, one hour', () => {
    assert.deepEqual(tokenRequestSpec({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }, aud), { audiences: aud, expirationSeconds: 3600 });
    assert.deepEqual(tokenRequestSpec(undefined, aud), { audiences: aud, expirationSeconds: 3600 });
  });
  it('keeps what is asked', () => {
    assert.deepEqual(tokenRequestSpec({ spec: { audiences: ['vault'], expirationSeconds: 7200, boundObjectRef: { kind: 'Pod', name: 'p' } } }, aud), {
      audiences: ['vault'],
      expirationSeconds: 7200,
      boundObjectRef: { kind: 'Pod', name: 'p' },
    });
  });
  for (const [exp, message] of [
    [599, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'],
    [2 ** 32 + 1, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds'],
  ] as const) {
    it(`expirationSeconds ${exp} is 422`, () => {
      assert.throws(
        () => tokenRequestSpec({ spec: { expirationSeconds: exp } }, aud),
        (e: unknown) => isApiError(e) && e.code === 422 && e.message === message,
      );
    });
  }
  it('600 and 2^32 are the bounds, inclusive', () => {
    assert.equal(tokenRequestSpec({ spec: { expirationSeconds: 600 } }, aud).expirationSeconds, 600);
    assert.equal(tokenRequestSpec({ spec: { expirationSeconds: 2 ** 32 } }, aud).expirationSeconds, 2 ** 32);
  });
  it('SelfSubjectReview carries the user', () => {
    assert.deepEqual(selfSubjectReview({ username: 'u', uid: '1', groups: ['g'] }), {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: 'u', uid: '1', groups: ['g'] } },
    });
  });
});

describe('authConfigFromEnv', () => {
  it('off by default; JETKUBE_AUTH, TOKEN_AUTH_FILE, ANONYMOUS_AUTH, issuer, audiences, TLS_SAN', () => {
    assert.deepEqual(authConfigFromEnv({}), { secure: false, anonymous: false, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], extraSANs: [] });
    assert.deepEqual(
      authConfigFromEnv({ JETKUBE_AUTH: 'on', TOKEN_AUTH_FILE: '/t.csv', ANONYMOUS_AUTH: 'true', SERVICE_ACCOUNT_ISSUER: 'https://iss', API_AUDIENCES: 'a, b', TLS_SAN: 'x,y' }),
      { secure: true, tokenAuthFile: '/t.csv', anonymous: true, issuer: 'https://iss', audiences: ['a', 'b'], extraSANs: ['x', 'y'] },
    );
    assert.throws(() => authConfigFromEnv({ JETKUBE_AUTH: 'maybe' }), /JETKUBE_AUTH must be on or off/);
  });
});

describe('401 on the client side', () => {
  it('the Status body is an ApiError Unauthorized, code 401; jkctl prints kubectl\'s line', () => {
    const e = errorFromResponse(401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }, 'GET /api/v1/pods');
    assert.equal(e.reason, 'Unauthorized');
    assert.equal(e.code, 401);
    assert.equal(errorFromResponse(401, 'nope', 'GET /').reason, 'Unauthorized');
    assert.equal(errorLine(new ApiError('Unauthorized', 'Unauthorized'), 'https://127.0.0.1:6443'), 'error: You must be logged in to the server (Unauthorized)');
    assert.deepEqual(new ApiError('Unauthorized', 'Unauthorized').toStatus(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });
});
