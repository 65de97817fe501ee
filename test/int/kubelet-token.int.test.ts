/**
 * The kubelet's serviceAccountToken source against a real gateway (NATS, Postgres): the token
 * manager asks TokenRequest for a pod-bound token (audience and expirationSeconds as the
 * projection says, or the API's default audience), keeps it until 80% of its life, then asks
 * again; a missing ServiceAccount is the gateway's message, planned as `failed to fetch token`.
 * The gateway's `kubernetes` Service and its Endpoints are there from its start.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayClient } from '../../shared/client/index.js';
import type { Pod } from '../../shared/resources/types.js';
import { refreshAtMs, TokenManager } from '../../services/kubelet/volumes/token-manager.js';
import { planVolumes } from '../../services/kubelet/volumes/plan.js';
import { tokenVolume } from '../../services/gateway/service-account-admission.js';
import { api, startStack, type Stack } from '../stack.js';

const NS = '/api/v1/namespaces/default';
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, any>;

describe('kubelet token manager against a real gateway', () => {
  let s: Stack;
  let client: GatewayClient;
  let pod: Pod;
  let nowMs = 0;

  before(async () => {
    s = await startStack('ktoken');
    client = new GatewayClient({ url: s.url });
    assert.equal((await api(s.url, 'POST', `${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } })).status, 201);
    const volumes = [tokenVolume('kube-api-access-abcde'), { name: 'vault', projected: { sources: [{ serviceAccountToken: { path: 'vault-token', audience: 'vault', expirationSeconds: 600 } }] } }];
    const r = await api(s.url, 'POST', `${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'robot', volumes, containers: [{ name: 'c', image: 'x' }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    pod = r.body as Pod;
  });
  after(async () => {
    await client?.close();
    await s?.close();
  });

  it('the kubernetes Service and its Endpoints exist from the gateway start', async () => {
    const svc = await api(s.url, 'GET', `${NS}/services/kubernetes`);
    assert.equal(svc.status, 200);
    assert.equal(svc.body.spec.clusterIP, '127.10.0.1');
    const ep = await api(s.url, 'GET', `${NS}/endpoints/kubernetes`);
    assert.deepEqual(ep.body.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: Number(new URL(s.url).port), protocol: 'TCP' }] }]);
  });

  it('fetches pod-bound tokens, plans them into the volume, refreshes at 80% of their life', async () => {
    const tokens = new TokenManager(client, () => new Date(nowMs));
    nowMs = Date.now();
    const issuedAt = nowMs;
    const due = await tokens.prepare(pod);
    const plan = planVolumes(pod, { configMap: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } }), secret: () => undefined, serviceAccountToken: (p, src) => tokens.lookup(p, src) }, { nodeCpu: '1', nodeMemory: '1Gi' });
    assert.ok(plan.ok, plan.ok ? '' : plan.message);
    const files = Object.fromEntries(plan.volumes.flatMap((v) => (v.kind === 'payload' ? v.files.map((f) => [f.path, f.data.toString()]) : [])));
    assert.deepEqual(Object.keys(files).sort(), ['ca.crt', 'namespace', 'token', 'vault-token']);
    const main = claims(files.token!);
    assert.equal(main.sub, 'system:serviceaccount:default:robot');
    assert.deepEqual(main['kubernetes.io'].pod, { name: 'p', uid: pod.metadata.uid });
    assert.equal(main.exp - main.iat, 3607);
    const vault = claims(files['vault-token']!);
    assert.deepEqual(vault.aud, ['vault']);
    assert.equal(vault.exp - vault.iat, 600);
    assert.notDeepEqual(main.aud, ['vault'], 'no audience asked: the API default');
    // The earliest refresh is the 600 s token's: 80% of its life, from when the kubelet got it to its expiry.
    assert.equal(due, refreshAtMs({ issuedAtMs: issuedAt, expiresAtMs: vault.exp * 1000 }));
    const first = tokens.lookup(pod, { audience: 'vault', expirationSeconds: 600 });
    nowMs = due! - 1000;
    await tokens.prepare(pod);
    assert.deepEqual(tokens.lookup(pod, { audience: 'vault', expirationSeconds: 600 }), first, 'not due yet: the same token');
    nowMs = due!;
    // The gateway signs with its own clock: wait for a new second so the new token differs.
    await new Promise((r) => setTimeout(r, 1100));
    await tokens.prepare(pod);
    const second = tokens.lookup(pod, { audience: 'vault', expirationSeconds: 600 });
    assert.ok(second?.ok && first?.ok && second.token !== first.token, 'past 80%: a new token');
    assert.deepEqual(tokens.lookup(pod, { audience: '', expirationSeconds: 3607 }), { ok: true, token: files.token }, 'the 3607 s token is not due yet');
  });

  it('a ServiceAccount that is gone: failed to fetch token, with the gateway\'s message', async () => {
    const ghost = { ...pod, metadata: { ...pod.metadata, uid: 'other-uid' }, spec: { ...pod.spec, serviceAccountName: 'ghost' } } as Pod;
    const tokens = new TokenManager(client);
    await tokens.prepare(ghost);
    const plan = planVolumes(ghost, { configMap: () => undefined, secret: () => undefined, serviceAccountToken: (p, src) => tokens.lookup(p, src) }, { nodeCpu: '1', nodeMemory: '1Gi' });
    assert.equal(plan.ok, false);
    if (!plan.ok) assert.equal(plan.message, 'MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: serviceaccounts "ghost" not found');
  });
});
