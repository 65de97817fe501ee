/**
 * Authentication at a real gateway (secure mode, HTTPS from the cluster CA) over real NATS and
 * Postgres: each authenticator (client certificate, token file, ServiceAccount token, anonymous
 * refused), the exact 401 Status for a missing or bad credential, health without credentials,
 * TokenRequest, SelfSubjectReview and TokenReview; and the default mode (plain HTTP, every
 * request system:admin) unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { CONSOLE_DIR } from '../../services/gateway/console.js';
import { Agent, request } from 'undici';
import { request as httpsRequest } from 'node:https';
import { createLogger } from '../../shared/log.js';
import { startGateway, type RunningGateway } from '../../services/gateway/index.js';
import { startProjector } from '../../services/projector/index.js';
import { dropPrefix, testConfig } from '../harness.js';
import { createCA, ensureClusterCA, issueCertificate } from '../../shared/pki/index.js';
import { authConfigFromEnv, DEFAULT_ISSUER, ensureSigningKey, signToken, tokenClaims } from '../../shared/auth/authn/index.js';
import { GatewayClient } from '../../shared/client/index.js';
import { collectMessages, openWebSocket } from '../websocket-client.js';
import type { Config, GatewayCredentials } from '../../shared/config.js';

const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('gateway authentication (secure mode)', () => {
  let dir: string;
  let cfg: Config;
  let gw: RunningGateway;
  let projector: { close(): Promise<void> } | undefined;
  let ca: { certPem: string; keyPem: string };
  const agents: Agent[] = [];
  /** Another gateway of the cluster to call instead of `gw` (empty: gw). */
  let base = '';

  const call = async (method: string, path: string, creds: GatewayCredentials = {}, body?: unknown): Promise<Answer> => {
    const agent = new Agent({ connect: { ca: creds.caPem ?? ca.certPem, ...(creds.certPem ? { cert: creds.certPem, key: creds.keyPem } : {}) } });
    agents.push(agent);
    const res = await request((base || gw.url) + path, {
      method: method as 'GET',
      dispatcher: agent,
      headers: { accept: 'application/json', ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.statusCode, body: parsed };
  };
  const whoami = async (creds: GatewayCredentials) => call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', creds, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  const clientCert = async (cn: string, orgs: string[] = [], signer = ca) => {
    const c = await issueCertificate(signer, { commonName: cn, organizations: orgs, usage: 'client' });
    return { certPem: c.certPem, keyPem: c.keyPem };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jetkube-authn-int-'));
    // The gateway finds the CA, its serving certificate and the signing key in the data directory.
    process.env.JETKUBE_DATA_DIR = dir;
    const made = await ensureClusterCA(dir);
    ca = { certPem: made.certPem, keyPem: made.keyPem! };
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(tokenFile, '# static tokens\nstatic-alice,alice,u-1,"dev,ops"\n');
    cfg = await testConfig('authn');
    const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
    projector = await startProjector(cfg, silent);
    gw = await startGateway(cfg, silent, { auth: authConfigFromEnv({ JETKUBE_AUTH: 'on', TOKEN_AUTH_FILE: tokenFile }), authorizationMode: 'AlwaysAllow', serviceAccountAdmission: false });
  });
  after(async () => {
    await gw?.close().catch(() => undefined);
    await projector?.close().catch(() => undefined);
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    if (cfg) await dropPrefix(cfg);
    delete process.env.JETKUBE_DATA_DIR;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with a certificate the cluster CA signed', async () => {
    assert.match(gw.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    // Trusting another CA fails the handshake.
    const other = await createCA();
    await assert.rejects(call('GET', '/version', { caPem: other.certPem }), /self-signed certificate|unable to verify/);
  });

  it('answers 401 with Kubernetes\' Status when there is no credential', async () => {
    const r = await call('GET', '/api/v1/namespaces');
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, UNAUTHORIZED);
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', {}, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).status, 401);
  });

  it('answers health and version without credentials (as anonymous)', async () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) assert.equal((await call('GET', p)).status, 200, p);
    assert.equal((await call('GET', '/metrics')).status, 401);
  });

  it('serves the web console (/ui) without credentials: static files, no API; the API calls it makes still need them', async () => {
    const built = existsSync(join(CONSOLE_DIR, 'index.html'));
    for (const p of ['/ui', '/ui/', '/ui/pods']) {
      const r = await call('GET', p);
      assert.equal(r.status, built ? 200 : 404, p);
      if (built) assert.match(String(r.body), /<div id="root">/);
    }
    assert.equal((await call('GET', '/api/v1/pods')).status, 401);
  });

  it('refuses an exec upgrade without credentials with the same 401 (before looking at the pod)', async () => {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const u = new URL(`${gw.url}/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true`);
      const req = httpsRequest({
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        ca: ca.certPem,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v5.channel.k8s.io' },
      });
      req.on('response', (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
      });
      req.on('upgrade', () => reject(new Error('upgraded without credentials')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 401);
    assert.deepEqual(JSON.parse(text), UNAUTHORIZED);
  });

  it('a watch over WebSocket authenticates with a bearer token in a subprotocol (a browser\'s way); a bad or lone one is 401', async () => {
    const bearer = (token: string) => `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url')}`;
    const path = '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1';
    const ok = await openWebSocket(gw.url, path, [bearer('static-alice'), 'binary.k8s.io'], { ca: ca.certPem });
    assert.ok(ok.ws, JSON.stringify(ok.refused));
    // The token's protocol is not echoed: the other one is.
    assert.equal(ok.protocol, 'binary.k8s.io');
    assert.equal((await collectMessages(ok, () => false)).closeCode, 1000);
    const refusals: [string, string[]][] = [
      ['no credential', ['binary.k8s.io']],
      ['an unknown token', [bearer('nobody'), 'binary.k8s.io']],
      ['the token alone (nothing to echo)', [bearer('static-alice')]],
      ['two tokens', [bearer('static-alice'), bearer('static-bob'), 'binary.k8s.io']],
      ['not base64url', ['base64url.bearer.authorization.k8s.io.c3RhdGljLWFsaWNl!', 'binary.k8s.io']],
    ];
    for (const [what, protocols] of refusals) {
      const r = await openWebSocket(gw.url, path, protocols, { ca: ca.certPem });
      assert.equal(r.refused?.status, 401, what);
      assert.deepEqual(r.refused?.body, UNAUTHORIZED, what);
    }
  });

  it('refuses a port-forward upgrade without credentials with the same 401 (SPDY and the WebSocket tunnel)', async () => {
    for (const headers of [
      { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' },
      { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' },
    ]) {
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const u = new URL(`${gw.url}/api/v1/namespaces/default/pods/nope/portforward`);
        const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', ca: ca.certPem, headers });
        req.on('response', (res) => {
          let t = '';
          res.on('data', (d) => (t += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
        });
        req.on('upgrade', () => reject(new Error('upgraded without credentials')));
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 401, headers.upgrade);
      assert.deepEqual(JSON.parse(text), UNAUTHORIZED);
    }
  });

  it('client certificate: CN is the user, O the groups', async () => {
    const r = await whoami(await clientCert('bob', ['team-a', 'team-b']));
    assert.equal(r.status, 201);
    assert.deepEqual(r.body, {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: 'bob', groups: ['team-a', 'team-b', 'system:authenticated'] } },
    });
  });

  it('a client certificate from another CA is 401, even with a good token', async () => {
    const other = await createCA();
    const r = await whoami({ ...(await clientCert('mallory', ['system:masters'], other)), token: 'static-alice' });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, UNAUTHORIZED);
  });

  it('token file: user, uid and groups', async () => {
    const r = await whoami({ token: 'static-alice' });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.status.userInfo, { username: 'alice', uid: 'u-1', groups: ['dev', 'ops', 'system:authenticated'] });
  });

  it('an unknown token is 401', async () => {
    const r = await call('GET', '/api/v1/pods', { token: 'not-a-token' });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, UNAUTHORIZED);
  });

  it('TokenRequest issues a ServiceAccount token that authenticates until the ServiceAccount is deleted', async () => {
    const admin = await clientCert('kubernetes-admin', ['system:masters']);
    assert.equal((await call('POST', '/api/v1/namespaces/default/serviceaccounts', admin, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } })).status, 201);
    const sa = (await call('GET', '/api/v1/namespaces/default/serviceaccounts/robot', admin)).body;
    const tr = await call('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', admin, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    assert.equal(tr.status, 201);
    assert.equal(tr.body.kind, 'TokenRequest');
    assert.deepEqual(tr.body.spec, { audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, boundObjectRef: null });
    const token = tr.body.status.token as string;
    const exp = Date.parse(tr.body.status.expirationTimestamp);
    assert.ok(Math.abs(exp - Date.now() - 3600_000) < 120_000, `expires in about an hour: ${tr.body.status.expirationTimestamp}`);

    const me = await whoami({ token });
    assert.equal(me.status, 201);
    assert.equal(me.body.status.userInfo.username, 'system:serviceaccount:default:robot');
    assert.equal(me.body.status.userInfo.uid, sa.metadata.uid);
    assert.deepEqual(me.body.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps', { token })).status, 200);

    // TokenReview says the same.
    const review = await call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', admin, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    assert.equal(review.status, 201);
    assert.equal(review.body.status.authenticated, true);
    assert.equal(review.body.status.user.username, 'system:serviceaccount:default:robot');
    assert.deepEqual(review.body.status.audiences, [DEFAULT_ISSUER]);
    // Asked for another audience than the token's: not authenticated.
    const elsewhere = await call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', admin, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: ['vault'] } });
    assert.equal(elsewhere.body.status.authenticated, undefined);
    assert.match(elsewhere.body.status.error, /aud/);
    const bad = await call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', admin, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'nope' } });
    assert.equal(bad.body.status.authenticated, undefined);
    assert.match(bad.body.status.error, /invalid bearer token/);

    // Deleted (and recreated under the same name): the old token no longer authenticates.
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/serviceaccounts/robot', admin)).status, 200);
    assert.deepEqual((await whoami({ token })).body, UNAUTHORIZED);
    assert.equal((await call('POST', '/api/v1/namespaces/default/serviceaccounts', admin, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } })).status, 201);
    assert.equal((await whoami({ token })).status, 401);
  });

  it('TokenRequest refuses a too short duration (422), a missing ServiceAccount (404), an unsupported binding (400)', async () => {
    const admin = await clientCert('kubernetes-admin', ['system:masters']);
    const short = await call('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', admin, { spec: { expirationSeconds: 60 } });
    assert.equal(short.status, 422);
    assert.equal(short.body.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    assert.deepEqual(short.body.details.causes, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: 'Invalid value: 60: may not specify a duration less than 10 minutes' }]);
    const missing = await call('POST', '/api/v1/namespaces/default/serviceaccounts/ghost/token', admin, { spec: {} });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'serviceaccounts "ghost" not found');
    const cmBound = await call('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', admin, { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 's' } } });
    assert.equal(cmBound.status, 400);
    assert.equal(cmBound.body.message, 'cannot bind token to object of type /v1, Kind=ConfigMap');
  });

  it('binds a token to a Pod of the ServiceAccount (and names its node) or a Secret; it stops authenticating when that object is deleted', async () => {
    const admin = await clientCert('kubernetes-admin', ['system:masters']);
    const mk = (path: string, obj: object) => call('POST', path, admin, obj);
    assert.equal((await mk('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'runner' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } })).status, 201);
    assert.equal((await mk('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })).status, 201);
    assert.equal((await mk('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bind-me' } })).status, 201);
    const tokenPath = '/api/v1/namespaces/default/serviceaccounts/robot/token';

    const wrongSa = await mk(tokenPath, { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other' } } });
    assert.equal(wrongSa.status, 400);
    assert.equal(wrongSa.body.message, 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.');
    const wrongUid = await mk(tokenPath, { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner', uid: 'not-it' } } });
    assert.equal(wrongUid.status, 409);
    assert.match(wrongUid.body.message, /the UID in the bound object reference \(not-it\) does not match the UID in record/);

    const podTr = await mk(tokenPath, { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner' } } });
    assert.equal(podTr.status, 201, JSON.stringify(podTr.body));
    const pod = (await call('GET', '/api/v1/namespaces/default/pods/runner', admin)).body;
    assert.deepEqual(podTr.body.spec.boundObjectRef, { kind: 'Pod', apiVersion: 'v1', name: 'runner', uid: pod.metadata.uid });
    const me = await whoami({ token: podTr.body.status.token });
    assert.equal(me.status, 201);
    assert.deepEqual(me.body.status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['runner']);

    const secretTr = await mk(tokenPath, { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bind-me' } } });
    assert.equal(secretTr.status, 201);
    assert.equal((await whoami({ token: secretTr.body.status.token })).status, 201);

    assert.equal((await call('DELETE', '/api/v1/namespaces/default/secrets/bind-me', admin)).status, 200);
    assert.deepEqual((await whoami({ token: secretTr.body.status.token })).body, UNAUTHORIZED);
    // A pod being deleted no longer vouches for its tokens.
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/pods/runner', admin)).status, 200);
    assert.deepEqual((await whoami({ token: podTr.body.status.token })).body, UNAUTHORIZED);
  });

  it('an expired ServiceAccount token, or one for another audience, is 401', async () => {
    const admin = await clientCert('kubernetes-admin', ['system:masters']);
    const sa = (await call('GET', '/api/v1/namespaces/default/serviceaccounts/robot', admin)).body;
    const key = await ensureSigningKey(dir);
    const claims = { namespace: 'default', serviceAccount: { name: 'robot', uid: sa.metadata.uid as string }, expirationSeconds: 600, issuer: DEFAULT_ISSUER };
    const expired = await signToken(key, tokenClaims({ ...claims, audiences: [DEFAULT_ISSUER], now: new Date(Date.now() - 3600_000) }));
    assert.deepEqual((await whoami({ token: expired })).body, UNAUTHORIZED);
    const vault = await signToken(key, tokenClaims({ ...claims, audiences: ['vault'], now: new Date() }));
    assert.deepEqual((await whoami({ token: vault })).body, UNAUTHORIZED);
    const good = await signToken(key, tokenClaims({ ...claims, audiences: [DEFAULT_ISSUER], now: new Date() }));
    assert.equal((await whoami({ token: good })).status, 201);
  });

  it('ANONYMOUS_AUTH=on: no credential is system:anonymous in system:unauthenticated; a bad one is still 401', async () => {
    // A second gateway of the same cluster, with anonymous on.
    const anon = await startGateway(cfg, createLogger('test', 'silent'), { auth: authConfigFromEnv({ JETKUBE_AUTH: 'on', ANONYMOUS_AUTH: 'true' }), authorizationMode: 'AlwaysAllow' });
    try {
      base = anon.url;
      try {
        const r = await whoami({});
        assert.equal(r.status, 201);
        assert.deepEqual(r.body.status.userInfo, { username: 'system:anonymous', groups: ['system:unauthenticated'] });
        assert.deepEqual((await whoami({ token: 'not-a-token' })).body, UNAUTHORIZED);
      } finally {
        base = '';
      }
    } finally {
      await anon.close();
    }
  });

  it('the gateway client authenticates with a client certificate over TLS', async () => {
    const client = new GatewayClient({ url: gw.url, credentials: { caPem: ca.certPem, ...(await clientCert('system:kube-controller-manager')) } });
    try {
      const list = await client.namespaces.list();
      assert.ok(list.items.some((n) => n.metadata.name === 'default'));
    } finally {
      await client.close();
    }
    const anonymous = new GatewayClient({ url: gw.url, credentials: { caPem: ca.certPem } });
    try {
      await assert.rejects(anonymous.namespaces.list(), (e: unknown) => (e as { code?: number }).code === 401);
    } finally {
      await anonymous.close();
    }
  });
});

describe('gateway authentication (default mode)', () => {
  let cfg: Config;
  let gw: RunningGateway;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jetkube-authn-int-'));
    process.env.JETKUBE_DATA_DIR = dir;
    cfg = await testConfig('authnoff');
    gw = await startGateway(cfg, createLogger('test', 'silent'), { auth: authConfigFromEnv({}) });
  });
  after(async () => {
    await gw?.close().catch(() => undefined);
    if (cfg) await dropPrefix(cfg);
    delete process.env.JETKUBE_DATA_DIR;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves plain HTTP and every request is system:admin in system:masters', async () => {
    assert.match(gw.url, /^http:\/\//);
    const r = await fetch(`${gw.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 201);
    assert.deepEqual(((await r.json()) as { status: unknown }).status, { userInfo: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] } });
    // A token is not looked at.
    assert.equal((await fetch(`${gw.url}/api/v1/namespaces/default`, { headers: { authorization: 'Bearer nonsense' } })).status, 200);
  });
});
