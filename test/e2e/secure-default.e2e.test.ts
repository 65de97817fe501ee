/**
 * Secure by default, as a new user meets it (the README's Quick start without Docker): `jetkube up
 * --nodes 1 --runtime process` with no flag and no JETKUBE_AUTH serves HTTPS with authentication
 * and RBAC and prints where the admin kubeconfig is; plain HTTP and anonymous requests get nothing;
 * the real kubectl with that kubeconfig lists the node, applies examples/web.yaml and sees it
 * roll out Ready; jkctl with no setup at all (no KUBECONFIG, no ~/.kube/config) finds the same
 * kubeconfig in the data directory. `jetkube init`, then the gateway, the projector and a kubelet
 * run alone as the compose stack runs them (each component with the kubeconfig init wrote). Also
 * the CLI's refusals: both flags at once, a component run alone without a kubeconfig.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../shared/config.js';
import { dropPrefix, freeDnsPort, testConfig, testPort } from '../harness.js';
import { certificateSANs } from '../../shared/pki/index.js';
import { eventually } from '../wait.js';
import { envFor, JETKUBE, JKCTL, run, stop, spawnSecureUp, configuredPodManifest } from './cli.js';
import { killContainers } from './cluster.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const WEB = fileURLToPath(new URL('../../../examples/web.yaml', import.meta.url));
const rand = (lo: number, n: number) => lo + Math.floor(Math.random() * n);

/** GET `path` over HTTPS trusting `ca`, with no credentials: the status code. */
function httpsStatus(port: number, path: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Without JETKUBE_AUTH, whatever the test runner's environment says: the default is what is tested. */
function withoutAuthSetting(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { JETKUBE_AUTH: _, ...rest } = env;
  return rest;
}

describe('jetkube up with no flags is secure; kubectl and jkctl use the kubeconfig it writes', { skip: KUBECTL_SKIP }, () => {
  let cfg: Config;
  let dir: string;
  let home: string;
  let up: ChildProcess | undefined;
  let output = '';
  let kubeconfig = '';
  const node = `secdef-${Math.random().toString(36).slice(2, 7)}`;
  const kubectl = (...args: string[]) => run('kubectl', ['--request-timeout=20s', ...args], { ...process.env, HOME: home, KUBECONFIG: kubeconfig });

  before(async () => {
    cfg = await testConfig('secdef', { port: await testPort() });
    dir = await mkdtemp(join(tmpdir(), 'jetkube-secdef-'));
    home = await mkdtemp(join(tmpdir(), 'jetkube-secdef-home-'));
    const env = withoutAuthSetting({
      ...envFor(cfg),
      JETKUBE_DATA_DIR: join(dir, 'data'),
      NODE_NAME: node,
      KUBELET_ROOT_DIR: join(dir, 'node'),
      KUBELET_PORT: '0',
      KUBELET_RELIST_MS: '200',
      SERVICE_CLUSTER_IP_RANGE: `127.14.${rand(1, 250)}.0/24`,
      CLUSTER_DNS: `127.0.0.1:${await freeDnsPort()}`,
      // web.yaml's node port 30080, on an address of this run's own
      NODEPORT_ADDRESSES: `127.15.${rand(1, 250)}.${rand(1, 250)}`,
    });
    ({ child: up, kubeconfig } = await spawnSecureUp(['up', '--nodes', '1', '--runtime', 'process'], env, (d) => (output += d)));
  });
  after(async () => {
    if (up) await stop(up);
    // The node's root is <dir>/<node name> (KUBELET_ROOT_DIR's directory): its containers outlive the kubelet.
    for (const d of dir && existsSync(dir) ? readdirSync(dir) : []) killContainers(join(dir, d));
    if (cfg) await dropPrefix(cfg);
    for (const d of [dir, home]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('prints the kubeconfig path and the kubectl line, and no insecure warning', () => {
    assert.equal(kubeconfig, join(dir, 'data', 'admin.kubeconfig'));
    assert.ok(output.includes(`KUBECONFIG=${kubeconfig} kubectl get nodes`), output);
    assert.doesNotMatch(output, /WARNING: insecure/);
  });

  it('serves HTTPS only, and nothing to a request without credentials', async () => {
    const ca = await readFile(join(dir, 'data', 'ca.crt'), 'utf8');
    await assert.rejects(fetch(`http://127.0.0.1:${cfg.port}/api/v1/namespaces`), 'plain HTTP gets no answer');
    assert.equal(await httpsStatus(cfg.port, '/readyz', ca), 200);
    assert.equal(await httpsStatus(cfg.port, '/api/v1/namespaces', ca), 401);
  });

  it('kubectl with the kubeconfig: the node Ready, web.yaml applied and rolled out', async () => {
    await eventually('the node Ready', async () => new RegExp(`^${node}\\s+Ready\\s`, 'm').test((await kubectl('get', 'nodes')).stdout), 120_000);
    const applied = await kubectl('apply', '-f', WEB);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /deployment\.apps\/web created\nservice\/web created/);
    const status = await run('kubectl', ['rollout', 'status', 'deployment/web', '--timeout=120s'], { ...process.env, HOME: home, KUBECONFIG: kubeconfig });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /deployment "web" successfully rolled out/);
    const whoami = await kubectl('auth', 'whoami');
    assert.match(whoami.stdout, /kubernetes-admin/);
  });

  it('a pod reads a mounted Secret and a ConfigMap variable: the node got them through the gateway as itself', async () => {
    const manifest = join(dir, 'config-pod.yaml');
    await writeFile(manifest, configuredPodManifest(true));
    const applied = await kubectl('apply', '-f', manifest);
    assert.equal(applied.code, 0, applied.stderr);
    const phase = await eventually('the pod finished', async () => {
      const p = (await kubectl('get', 'pod', 'configured', '-o', 'jsonpath={.status.phase}')).stdout;
      return p === 'Succeeded' || p === 'Failed' ? p : undefined;
    }, 60_000);
    const logs = await kubectl('logs', 'configured');
    assert.equal(phase, 'Succeeded', logs.stdout + logs.stderr);
    assert.equal(logs.stdout, 'fast s3cret\n');
  });

  it('jkctl with no KUBECONFIG and no ~/.kube/config finds the admin kubeconfig in the data directory', async () => {
    const env = withoutAuthSetting({ ...process.env, HOME: home, JETKUBE_DATA_DIR: join(dir, 'data'), JETKUBE_PREFIX: cfg.prefix });
    delete env.KUBECONFIG;
    delete env.GATEWAY_URL;
    const r = await run(process.execPath, [JKCTL, 'get', 'pods', '-l', 'app=web', '--no-headers'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => /^web-\S+\s+1\/1\s+Running/.test(l)).length, 3, r.stdout);
  });
});

describe('jetkube init, then components run alone with its kubeconfigs (the compose stack without Docker)', { skip: KUBECTL_SKIP }, () => {
  let cfg: Config;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const procs: ChildProcess[] = [];
  const node = `secinit-${Math.random().toString(36).slice(2, 7)}`;
  const data = () => join(dir, 'data');
  const kubectl = (kubeconfig: string, ...args: string[]) => run('kubectl', ['--request-timeout=20s', '--kubeconfig', kubeconfig, ...args], { ...process.env, HOME: dir });
  const start = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [JETKUBE, ...args], { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] });
    procs.push(child);
    return child;
  };

  before(async () => {
    cfg = await testConfig('secinit', { port: await testPort() });
    dir = await mkdtemp(join(tmpdir(), 'jetkube-secinit-'));
    // What the compose file gives init and the services: the data directory, the HTTPS gateway URL, TLS_SAN.
    env = withoutAuthSetting({ ...envFor(cfg), JETKUBE_DATA_DIR: data(), GATEWAY_URL: `https://127.0.0.1:${cfg.port}`, TLS_SAN: 'gateway' });
  });
  after(async () => {
    for (const p of procs.reverse()) await stop(p);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('init writes the CA, the serving certificate and a kubeconfig per component and node', async () => {
    const r = await run(process.execPath, [JETKUBE, 'init', '--node', node], env);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'jetkube-dns', 'jetkube-ingress', `node-${node}`]) {
      assert.ok(r.stdout.includes(join(data(), 'kubeconfigs', `${f}.kubeconfig`)), `${f}: ${r.stdout}`);
    }
    assert.ok(r.stdout.includes(`admin kubeconfig written to ${join(data(), 'admin.kubeconfig')}`));
    const sans = certificateSANs(await readFile(join(data(), 'serving.crt'), 'utf8'));
    for (const n of ['localhost', '127.0.0.1', 'gateway', 'kubernetes.default.svc']) assert.ok(sans.includes(n), `${n} in ${sans.join(', ')}`);
    // Run again (every `docker compose up` does): what is there is kept.
    const before = await readFile(join(data(), 'clients', 'kube-scheduler.crt'), 'utf8');
    assert.equal((await run(process.execPath, [JETKUBE, 'init', '--node', node], env)).code, 0);
    assert.equal(await readFile(join(data(), 'clients', 'kube-scheduler.crt'), 'utf8'), before);
  });

  it('the gateway (secure by default), the projector and a kubelet with its kubeconfig: the node Ready, each component is itself', async () => {
    start(['gateway']);
    start(['projector'], { PROJECTOR_PORT: String(await testPort()) });
    const ca = await readFile(join(data(), 'ca.crt'), 'utf8');
    await eventually('the gateway ready over HTTPS', async () => (await httpsStatus(cfg.port, '/readyz', ca).catch(() => 0)) === 200, 60_000, 200);
    start(['kubelet', '--runtime', 'fake', '--node-name', node, '--kubeconfig', join(data(), 'kubeconfigs', `node-${node}.kubeconfig`)], { KUBELET_PORT: '0' });
    const admin = join(data(), 'admin.kubeconfig');
    await eventually('the node Ready', async () => new RegExp(`^${node}\\s+Ready\\s`, 'm').test((await kubectl(admin, 'get', 'nodes')).stdout), 90_000);
    const who = await kubectl(join(data(), 'kubeconfigs', 'kube-scheduler.kubeconfig'), 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}');
    assert.equal(who.stdout, 'system:kube-scheduler', who.stderr);
    const denied = await kubectl(join(data(), 'kubeconfigs', 'kube-scheduler.kubeconfig'), 'get', 'secrets');
    assert.notEqual(denied.code, 0, 'the scheduler may not read Secrets');
    assert.match(denied.stderr, /forbidden: User "system:kube-scheduler" cannot list resource "secrets"/);
  });
});

describe('the jetkube CLI refuses what cannot be secure', () => {
  it('--secure and --insecure together', async () => {
    const r = await run(process.execPath, [JETKUBE, 'up', '--secure', '--insecure'], process.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--secure and --insecure contradict each other/);
  });

  it('--insecure says so first (a usage error after it: no cluster needed to see the line)', async () => {
    const r = await run(process.execPath, [JETKUBE, 'up', '--insecure', '--services', 'nothing'], process.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^jetkube: WARNING: insecure mode \(--insecure \/ JETKUBE_AUTH=off\): plain HTTP, no authentication/);
    assert.match(r.stderr, /unknown service\(s\): nothing/);
  });

  it('a component run alone without --kubeconfig, unless JETKUBE_AUTH=off', async () => {
    const r = await run(process.execPath, [JETKUBE, 'scheduler'], withoutAuthSetting(process.env));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /jetkube scheduler needs --kubeconfig <file>: the gateway is secure by default/);
  });
});
