/**
 * `jetkube up --secure` as a user runs it (fake runtime): it prints where the admin kubeconfig is;
 * kubectl with that kubeconfig lists nodes over TLS (so the kubelet, controller-manager and
 * scheduler authenticated with their client certificates and did their work); `kubectl auth
 * whoami`; `kubectl create token default` and kubectl with that token alone; a wrong token is
 * 401; @kubernetes/client-node loads the same kubeconfig; jkctl reads it; `jetkube kubeconfig` makes one for another user; a
 * kubelet run alone joins with `--kubeconfig`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig } from '../harness.js';
import { freePort } from '../private-nats.js';
import { eventually } from '../wait.js';
import { envFor, JETKUBE, JKCTL, run, stop, spawnSecureUp } from './cli.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const NODE = `authn-${Math.random().toString(36).slice(2, 7)}`;

describe('jetkube up --secure with kubectl', { skip: KUBECTL_SKIP }, () => {
  let cfg: Config;
  let dir: string;
  let up: ChildProcess | undefined;
  let kubeconfig = '';
  let output = '';
  let env: NodeJS.ProcessEnv;
  const kubectl = (args: string[], extra: NodeJS.ProcessEnv = {}) => run('kubectl', ['--request-timeout=20s', ...args], { ...env, ...extra });
  const server = () => `https://127.0.0.1:${cfg.port}`;
  /** kubectl with no kubeconfig: only the server, the CA and what `args` add. */
  const bare = (args: string[]) => kubectl(['--kubeconfig=/dev/null', `--server=${server()}`, `--certificate-authority=${join(dir, 'ca.crt')}`, ...args]);

  before(async () => {
    cfg = await testConfig('authne2e', { port: await freePort() });
    dir = await mkdtemp(join(tmpdir(), 'jetkube-authn-e2e-'));
    const upEnv = { ...envFor(cfg), JETKUBE_DATA_DIR: dir, NODE_NAME: NODE, KUBELET_PORT: '0', METRICS_RESOLUTION: '5', CLUSTER_DNS: `127.0.0.1:${await freePort()}` };
    env = { ...process.env, HOME: dir, KUBECONFIG: '/dev/null' };
    ({ child: up, kubeconfig } = await spawnSecureUp(['up', '--secure', '--nodes', '1', '--runtime', 'fake'], upEnv, (d) => (output += d)));
  });
  after(async () => {
    if (up) await stop(up);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes an admin kubeconfig in the data directory: https server, CA data, a client certificate', async () => {
    assert.equal(kubeconfig, join(dir, 'admin.kubeconfig'));
    assert.match(output, new RegExp(`KUBECONFIG=${kubeconfig} kubectl get nodes`));
    const doc = parse(await readFile(kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[]; users: { name: string; user: Record<string, string> }[]; 'current-context': string };
    assert.equal(doc.clusters[0]!.cluster.server, server());
    assert.equal(Buffer.from(doc.clusters[0]!.cluster['certificate-authority-data']!, 'base64').toString(), await readFile(join(dir, 'ca.crt'), 'utf8'));
    assert.equal(doc.users[0]!.name, 'kubernetes-admin');
    assert.ok(doc.users[0]!.user['client-certificate-data'] && doc.users[0]!.user['client-key-data']);
    assert.equal(doc['current-context'], 'kubernetes-admin@jetkube');
  });

  it('kubectl with that kubeconfig lists the node, Ready, over TLS', async () => {
    await eventually(
      'the node Ready',
      async () => {
        const r = await kubectl(['get', 'nodes'], { KUBECONFIG: kubeconfig });
        return r.code === 0 && new RegExp(`^${NODE}\\s+Ready\\s`, 'm').test(r.stdout);
      },
      120_000,
    );
  });

  it('a pod is scheduled and runs (the scheduler and the kubelet authenticated as themselves)', async () => {
    const r = await kubectl(['run', 'web', '--image=nginx:1.27'], { KUBECONFIG: kubeconfig });
    assert.equal(r.code, 0, r.stderr);
    await eventually(
      'pod web Running on the node',
      async () => {
        const g = await kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.spec.nodeName} {.status.phase}'], { KUBECONFIG: kubeconfig });
        return g.stdout === `${NODE} Running`;
      },
      60_000,
    );
  });

  it('@kubernetes/client-node loads the kubeconfig and lists nodes over TLS; with a wrong token it gets 401', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
    assert.ok(nodes.items.some((n) => n.metadata?.name === NODE));
    const bad = new k8s.KubeConfig();
    bad.loadFromOptions({
      clusters: [{ name: 'c', server: server(), caFile: join(dir, 'ca.crt') }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await assert.rejects(bad.makeApiClient(k8s.CoreV1Api).listNode(), (e: unknown) => (e as { code?: number }).code === 401);
  });

  it('kubectl auth whoami: kubernetes-admin in system:masters', async () => {
    const r = await kubectl(['auth', 'whoami', '-o', 'json'], { KUBECONFIG: kubeconfig });
    assert.equal(r.code, 0, r.stderr);
    const review = JSON.parse(r.stdout) as { kind: string; status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(review.kind, 'SelfSubjectReview');
    assert.deepEqual(review.status.userInfo, { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
  });

  it('jetkube kubeconfig --user --group: a kubeconfig for another user', async () => {
    const r = await run(process.execPath, [JETKUBE, 'kubeconfig', '--user', 'jane', '--group', 'devs', '--group', 'qa'], { ...envFor(cfg), JETKUBE_DATA_DIR: dir });
    assert.equal(r.code, 0, r.stderr);
    const file = join(dir, 'jane.kubeconfig');
    await writeFile(file, r.stdout);
    const who = await kubectl(['auth', 'whoami'], { KUBECONFIG: file });
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /Username\s+jane/);
    assert.match(who.stdout, /Groups\s+\[devs qa system:authenticated\]/);
  });

  it('kubectl create token default, then kubectl with that token alone', async () => {
    // The controller-manager (authenticated as itself) gives the namespace its default ServiceAccount.
    await eventually('the default ServiceAccount', async () => (await kubectl(['get', 'serviceaccount', 'default'], { KUBECONFIG: kubeconfig })).code === 0, 60_000);
    const created = await kubectl(['create', 'token', 'default', '--duration', '2h'], { KUBECONFIG: kubeconfig });
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number };
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.equal(claims.exp - claims.iat, 7200);

    const who = await bare(['--token', token, 'auth', 'whoami']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /Username\s+system:serviceaccount:default:default/);
    assert.match(who.stdout, /Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]/);
    // Secure mode authorizes with RBAC: the ServiceAccount holds no role, so it may not list nodes until bound to one.
    const refused = await bare(['--token', token, 'get', 'nodes']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /nodes is forbidden: User "system:serviceaccount:default:default" cannot list resource "nodes" in API group "" at the cluster scope/);
    const bind = await kubectl(['create', 'clusterrolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default'], { KUBECONFIG: kubeconfig });
    assert.equal(bind.code, 0, bind.stderr);
    const pods = await eventually('the token may list pods once bound to view', async () => {
      const r = await bare(['--token', token, 'get', 'pods', '-A']);
      return r.code === 0 && r;
    }, 30_000);
    assert.match(pods.stdout, /NAMESPACE\s+NAME/);
  });

  it('kubectl create token refuses a duration under 10 minutes', async () => {
    const r = await kubectl(['create', 'token', 'default', '--duration', '1m'], { KUBECONFIG: kubeconfig });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
  });

  it('RBAC is on in secure mode, and every component does its work with its own least-privilege role: a StatefulSet gets bound claims, an HPA reads metrics and scales, a DaemonSet and a Job run; nothing is refused', async () => {
    const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
    for (const f of ['stateful.yaml', 'cpu-hungry.yaml', 'daemonset.yaml', 'job.yaml']) {
      const r = await kubectl(['apply', '-f', join(examples, f)], { KUBECONFIG: kubeconfig });
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    }
    const jsonpath = async (args: string[], path: string) => (await kubectl(['get', ...args, '-o', `jsonpath=${path}`], { KUBECONFIG: kubeconfig })).stdout;
    await eventually('the claims Bound', async () => /^(Bound ?)+$/.test((await jsonpath(['pvc'], '{.items[*].status.phase}')).trim()), 120_000);
    await eventually('the HPA scaled cpu-hungry up', async () => Number(await jsonpath(['hpa', 'cpu-hungry'], '{.status.desiredReplicas}')) > 1, 120_000);
    await eventually('the DaemonSet ready', async () => (await jsonpath(['ds'], '{.items[0].status.numberReady}')) === '1', 120_000);
    const can = await kubectl(['auth', 'can-i', 'create', 'persistentvolumeclaims', '--as', 'system:kube-controller-manager'], { KUBECONFIG: kubeconfig });
    assert.equal(can.stdout.trim(), 'yes', 'RBAC answers for the controller-manager');
    const cannot = await kubectl(['auth', 'can-i', 'delete', 'nodes', '--as', 'system:kube-scheduler'], { KUBECONFIG: kubeconfig });
    assert.equal(cannot.stdout.trim(), 'no', 'and refuses what its role does not hold');
    assert.doesNotMatch(output, /is forbidden/, 'no component was refused');
  });

  it('a wrong token is 401: kubectl says to log in', async () => {
    const r = await bare(['--token', 'not-a-token', 'get', 'pods']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: You must be logged in to the server \(Unauthorized\)/);
    const forged = await bare(['--token', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'get', 'pods']);
    assert.match(forged.stderr, /Unauthorized/);
  });

  it('a kubelet run alone reaches the secure gateway with --kubeconfig', async () => {
    const name = `${NODE}-alone`;
    const kubelet = spawn(process.execPath, [JETKUBE, 'kubelet', '--node-name', name, '--runtime', 'fake', '--kubeconfig', kubeconfig], {
      env: { ...envFor(cfg), JETKUBE_DATA_DIR: dir, KUBELET_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    kubelet.stdout!.on('data', (d) => (out += d));
    kubelet.stderr!.on('data', (d) => (out += d));
    try {
      await eventually(
        'the second node Ready',
        async () => {
          if (kubelet.exitCode !== null) throw new Error(`jetkube kubelet exited ${kubelet.exitCode}: ${out}`);
          const r = await kubectl(['get', 'node', name], { KUBECONFIG: kubeconfig });
          return r.code === 0 && /\sReady\s/.test(r.stdout);
        },
        120_000,
      );
    } finally {
      await stop(kubelet);
    }
    await kubectl(['delete', 'node', name], { KUBECONFIG: kubeconfig });
  });

  it('jkctl reads the kubeconfig (KUBECONFIG, and --kubeconfig)', async () => {
    const jenv = { ...env, GATEWAY_URL: '' };
    const a = await run(process.execPath, [JKCTL, 'get', 'nodes'], { ...jenv, KUBECONFIG: kubeconfig });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, new RegExp(`^${NODE}\\s+Ready`, 'm'));
    const b = await run(process.execPath, [JKCTL, '--kubeconfig', kubeconfig, 'get', 'serviceaccounts'], jenv);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /^default\s/m);
    // No credentials for the secure gateway: kubectl's words.
    const c = await run(process.execPath, [JKCTL, '--server', server(), 'get', 'nodes'], { ...jenv, KUBECONFIG: '/dev/null', NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt') });
    assert.equal(c.code, 1);
    assert.equal(c.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
  });
});
