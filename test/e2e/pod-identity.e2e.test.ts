/**
 * Pods get their identity, end to end: `jetkube up --secure --runtime process`; a pod's container
 * runs node with @kubernetes/client-node's `loadFromCluster(process.env.JETKUBE_ROOT)` (on the
 * process runtime the pod's directory stands for the container's root, so the token, ca.crt and
 * namespace are under $JETKUBE_ROOT/var/run/secrets/kubernetes.io/serviceaccount/) and lists the
 * pods of its namespace through KUBERNETES_SERVICE_HOST:443 (the `kubernetes` Service, forwarded
 * by the proxy to the gateway over TLS): 403 until its ServiceAccount is bound to `view`, then its
 * own pod in the list. The token is bound to the pod and lives 3607 s. A pod with
 * `automountServiceAccountToken: false` gets no volume and no files; a missing ServiceAccount
 * refuses the pod.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../shared/config.js';
import { dropPrefix, freeDnsPort, testConfig } from '../harness.js';
import { freePort } from '../private-nats.js';
import { eventually } from '../wait.js';
import { envFor, run, stop, spawnSecureUp } from './cli.js';
import { killContainers } from './cluster.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const RUN = Math.random().toString(36).slice(2, 7);
const NODE = `podid-${RUN}`;
const NS = `podid-${RUN}`;
const CLIENT_NODE = fileURLToPath(import.meta.resolve('@kubernetes/client-node'));

/** The in-cluster client: list the namespace's pods every second, print what happened. */
const CLIENT = `
const k8s = await import(process.env.CLIENT_NODE);
const fs = await import('node:fs');
const root = process.env.JETKUBE_ROOT;
const dir = root + '/var/run/secrets/kubernetes.io/serviceaccount';
const payload = JSON.parse(Buffer.from(fs.readFileSync(dir + '/token', 'utf8').split('.')[1], 'base64url').toString());
console.log('CLAIMS ' + JSON.stringify({ life: payload.exp - payload.iat, sub: payload.sub, pod: payload['kubernetes.io']?.pod?.name }));
console.log('ENV ' + process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT);
const kc = new k8s.KubeConfig();
kc.loadFromCluster(root);
const api = kc.makeApiClient(k8s.CoreV1Api);
const ns = fs.readFileSync(dir + '/namespace', 'utf8');
for (let i = 0; i < 300; i++) {
  try {
    const list = await api.listNamespacedPod({ namespace: ns });
    console.log('PODS ' + list.items.map((p) => p.metadata.name).join(','));
  } catch (e) {
    console.log('ERR ' + (e.code ?? e.message));
  }
  await new Promise((r) => setTimeout(r, 1000));
}
`;

describe('pods get their identity: an in-cluster client on the process runtime, secure mode', { skip: KUBECTL_SKIP }, () => {
  let cfg: Config;
  let dir: string;
  let up: ChildProcess | undefined;
  let output = '';
  let kubeconfig = '';
  let env: NodeJS.ProcessEnv;
  const kubectl = (args: string[], input?: string) => run('kubectl', ['--request-timeout=20s', `--kubeconfig=${kubeconfig}`, ...args], env, input);
  const ok = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    cfg = await testConfig('podid', { port: await freePort() });
    dir = await mkdtemp(join(tmpdir(), 'jetkube-podid-e2e-'));
    const upEnv = {
      ...envFor(cfg),
      JETKUBE_DATA_DIR: dir,
      NODE_NAME: NODE,
      KUBELET_PORT: String(await freePort()),
      KUBELET_ROOT_DIR: join(dir, 'node'),
      KUBELET_RELIST_MS: '200',
      SERVICE_CLUSTER_IP_RANGE: `127.13.${1 + Math.floor(Math.random() * 250)}.0/24`,
      CLUSTER_DNS: `127.0.0.1:${await freeDnsPort()}`,
      NODEPORT_ADDRESSES: '127.0.0.1',
    };
    env = { ...process.env, HOME: dir, KUBECONFIG: '/dev/null' };
    ({ child: up, kubeconfig } = await spawnSecureUp(['up', '--secure', '--nodes', '1', '--runtime', 'process'], upEnv, (d) => (output += d)));
    await eventually('the node Ready', async () => new RegExp(`^${NODE}\\s+Ready\\s`, 'm').test((await kubectl(['get', 'nodes'])).stdout), 120_000);
    await ok(['create', 'namespace', NS]);
  });
  after(async () => {
    if (up) await stop(up);
    const nodeRoot = dir && join(dir, 'node');
    if (nodeRoot && existsSync(nodeRoot)) for (const d of readdirSync(nodeRoot)) killContainers(join(nodeRoot, d));
    if (nodeRoot) killContainers(nodeRoot);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the kubernetes Service in default: ClusterIP, 443, Endpoints naming the gateway', async () => {
    const svc = JSON.parse(await ok(['get', 'service', 'kubernetes', '-n', 'default', '-o', 'json']));
    assert.match(svc.spec.clusterIP, /^127\.13\.\d+\.1$/);
    assert.deepEqual(svc.spec.ports.map((p: { port: number; name: string }) => [p.name, p.port]), [['https', 443]]);
    const ep = JSON.parse(await ok(['get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'json']));
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: cfg.port, protocol: 'TCP' }] }]);
  });

  it('a pod lists pods with loadFromCluster: 403 until its ServiceAccount is bound to view, then its own pod', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client', namespace: NS },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'node:20', command: [process.execPath, '--input-type=module', '-e', CLIENT], env: [{ name: 'CLIENT_NODE', value: CLIENT_NODE }] }],
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(manifest));
    const pod = JSON.parse(await ok(['get', 'pod', 'client', '-n', NS, '-o', 'json']));
    assert.equal(pod.spec.serviceAccountName, 'default');
    const vol = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    assert.match(vol?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    const logs = async () => (await kubectl(['logs', 'client', '-n', NS])).stdout;
    await eventually('the client to be refused (403)', async () => /^ERR 403$/m.test(await logs()), 120_000);
    const out = await logs();
    assert.match(out, /^ENV 127\.13\.\d+\.1:443$/m);
    const claims = JSON.parse(/^CLAIMS (.*)$/m.exec(out)![1]!);
    assert.deepEqual(claims, { life: 3607, sub: `system:serviceaccount:${NS}:default`, pod: 'client' });
    await ok(['create', 'rolebinding', 'client-view', '--clusterrole=view', `--serviceaccount=${NS}:default`, '-n', NS]);
    await eventually('the client to list its own pod', async () => /^PODS (.*,)?client(,.*)?$/m.test(await logs()), 60_000);
  });

  it('automountServiceAccountToken: false gives no volume and no files', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nomount', namespace: NS },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'ls "$JETKUBE_ROOT/var/run/secrets/kubernetes.io/serviceaccount" 2>&1 || echo NONE'] }],
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(manifest));
    const pod = JSON.parse(await ok(['get', 'pod', 'nomount', '-n', NS, '-o', 'json']));
    assert.equal(pod.spec.volumes, undefined);
    assert.equal(pod.spec.containers[0].volumeMounts, undefined);
    await eventually('the pod to finish', async () => (await ok(['get', 'pod', 'nomount', '-n', NS, '-o', 'jsonpath={.status.phase}'])) === 'Succeeded', 60_000);
    assert.match((await kubectl(['logs', 'nomount', '-n', NS])).stdout, /NONE/);
  });

  it('a pod naming a ServiceAccount that does not exist is refused', async () => {
    const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost', namespace: NS }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'busybox' }] } };
    const r = await kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`pods "ghost" is forbidden: error looking up service account ${NS}/ghost: serviceaccount "ghost" not found`));
  });
});
