/**
 * The example operator (examples/operator/operator.mjs, @kubernetes/client-node) run unmodified
 * against jetkube, with nothing but a kubeconfig pointing at the gateway.
 *
 * On `jetkube up --runtime fake`: the CRD applied with kubectl, a WebApp applied, its Deployment
 * and Service appear with ownerReferences, the WebApp's status is written through the status
 * subresource (Ready once the fake pods are), a spec change reaches the Deployment, and deleting
 * the WebApp lets the garbage collector remove the children (and their pods).
 * On `jetkube up --runtime process`: the same WebApp's servers really run and answer through the
 * Service's cluster IP, and go when the WebApp is deleted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBECTL_SKIP, kubectlUpSuite } from './kubectl-harness.js';
import { httpGet, startProcessCluster, type ProcessCluster } from './cluster.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A kubeconfig for the gateway (client-node wants insecure-skip-tls-verify for plain HTTP). */
async function writeKubeconfig(file: string, server: string): Promise<void> {
  await writeFile(file, [
    'apiVersion: v1', 'kind: Config', 'current-context: jetkube',
    'clusters:', '- name: jetkube', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
    'users:', '- name: me', '  user: {}',
    'contexts:', '- name: jetkube', '  context:', '    cluster: jetkube', '    user: me', '',
  ].join('\n'));
}

/** The operator as its own process; `output()` is what it printed so far. */
async function startOperator(kubeconfig: string): Promise<{ proc: ChildProcess; output(): string; stop(): Promise<void> }> {
  let out = '';
  const proc = spawn(process.execPath, [join(ROOT, 'examples/operator/operator.mjs')], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await eventually('the operator started', async () => out.includes('webapp operator started') || (proc.exitCode !== null ? Promise.reject(new Error(out)) : false), 60_000);
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await done;
    },
  };
}

describe('the example operator', { skip: KUBECTL_SKIP, timeout: 300_000 }, () => {
  const suite = kubectlUpSuite('operator');
  let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
  const output = () => operator?.output() ?? '';
  after(async () => operator?.stop());
  const json = async (...args: string[]) => JSON.parse(await suite.ok(...args, '-o', 'json'));
  const absent = (what: string, ...args: string[]) =>
    eventually(`${what} to go`, async () => {
      const r = await suite.kubectl('get', ...args);
      return r.code !== 0 && /NotFound|not found/.test(r.stderr);
    }, 60_000);

  it('creates a Deployment and a Service per WebApp, writes its status, and the children go with it', async () => {
    assert.match(await suite.ok('apply', '-f', join(ROOT, 'examples/operator/webapp-crd.yaml')), /webapps\.demo\.jetkube\.dev created/);
    await suite.ok('wait', '--for', 'condition=established', '--timeout=60s', 'crd/webapps.demo.jetkube.dev');

    const kubeconfig = join(suite.dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, suite.base);
    operator = await startOperator(kubeconfig);

    assert.match(await suite.ok('apply', '-f', join(ROOT, 'examples/operator/webapp.yaml')), /webapp\.demo\.jetkube\.dev\/hello created/);
    const wa = await json('get', 'webapp', 'hello');

    const deploy = await eventually('the Deployment', async () => {
      const r = await suite.kubectl('get', 'deployment', 'hello', '-o', 'json');
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    }, 60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}; the operator said:\n${output()}`)));
    const svc = await eventually('the Service', async () => {
      const r = await suite.kubectl('get', 'service', 'hello', '-o', 'json');
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    }, 60_000);
    for (const child of [deploy, svc]) {
      assert.deepEqual(child.metadata.ownerReferences, [
        { apiVersion: 'demo.jetkube.dev/v1', kind: 'WebApp', name: 'hello', uid: wa.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    assert.equal(deploy.spec.replicas, 2);
    assert.equal(svc.spec.ports[0].port, 8080);

    const ready = await eventually('the WebApp Ready', async () => {
      const o = await json('get', 'webapp', 'hello');
      return o.status?.phase === 'Ready' ? o : undefined;
    }, 120_000);
    assert.deepEqual(ready.status, { phase: 'Ready', deployment: 'hello', service: 'hello', readyReplicas: 2, observedGeneration: 1 });
    assert.equal(ready.metadata.generation, 1, 'a status write does not raise the generation');
    const table = await suite.ok('get', 'webapps');
    assert.deepEqual(table.trim().split('\n')[1]!.split(/\s{2,}/).slice(0, 5), ['hello', 'node:22-alpine', '2', '2', 'Ready']);

    await suite.ok('patch', 'webapp', 'hello', '--type', 'merge', '-p', '{"spec":{"replicas":3}}');
    await eventually('the Deployment scaled by the operator', async () => (await json('get', 'deployment', 'hello')).spec.replicas === 3, 60_000);
    await eventually('status for generation 2', async () => {
      const st = (await json('get', 'webapp', 'hello')).status;
      return st.observedGeneration === 2 && st.readyReplicas === 3;
    }, 120_000);

    assert.match(await suite.ok('delete', 'webapp', 'hello'), /webapp\.demo\.jetkube\.dev "hello" deleted/);
    await absent('the Deployment', 'deployment', 'hello');
    await absent('the Service', 'service', 'hello');
    await eventually('the pods to go', async () => (await suite.ok('get', 'pods', '-l', 'app.kubernetes.io/instance=hello', '-o', 'name')).trim() === '', 120_000);
    const warnings = output().split('\n').filter((l) => l.includes('"level":"warn"') && !l.includes('"code":409'));
    assert.deepEqual(warnings, [], 'the operator hit no errors other than conflicts');
  });
});

describe('the example operator on the process runtime', { timeout: 300_000 }, () => {
  let cluster: ProcessCluster | undefined;
  let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
  let dir: string | undefined;
  before(async () => {
    cluster = await startProcessCluster('opproc', 1);
    dir = await mkdtemp(join(tmpdir(), 'jk-opproc-'));
  });
  after(async () => {
    await operator?.stop();
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the WebApp\'s servers run and answer through its Service, and go with it', async () => {
    const base = cluster!.base;
    const crd = parse(await readFile(join(ROOT, 'examples/operator/webapp-crd.yaml'), 'utf8'));
    assert.equal((await api(base, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    const WA = '/apis/demo.jetkube.dev/v1/namespaces/default/webapps';
    await eventually('WebApp served', async () => (await api(base, 'GET', WA)).status === 200, 60_000);
    const kubeconfig = join(dir!, 'kubeconfig');
    await writeKubeconfig(kubeconfig, base);
    operator = await startOperator(kubeconfig);

    const wa = parse(await readFile(join(ROOT, 'examples/operator/webapp.yaml'), 'utf8'));
    assert.equal((await api(base, 'POST', WA, wa)).status, 201);
    const ready = await eventually('the WebApp Ready', async () => {
      const o = (await api(base, 'GET', `${WA}/hello`)).body;
      return o.status?.phase === 'Ready' ? o : undefined;
    }, 180_000).catch((e: Error) => Promise.reject(new Error(`${e.message}; the operator said:\n${operator!.output()}`)));
    assert.equal(ready.status.readyReplicas, 2);

    const svc = (await api(base, 'GET', '/api/v1/namespaces/default/services/hello')).body;
    const seen = new Set<string>();
    await eventually('both pods answer through the Service', async () => {
      seen.add((await httpGet(svc.spec.clusterIP, 8080)).trim());
      return seen.size === 2;
    }, 60_000, 50);
    for (const line of seen) assert.match(line, /^hello from hello-[a-z0-9]+-[a-z0-9]+$/);

    assert.equal((await api(base, 'DELETE', `${WA}/hello`)).status, 200);
    await eventually('the Deployment and Service collected', async () =>
      (await api(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/hello')).status === 404 &&
      (await api(base, 'GET', '/api/v1/namespaces/default/services/hello')).status === 404, 60_000);
    await eventually('the pods gone', async () =>
      (await api(base, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app.kubernetes.io%2Finstance%3Dhello')).body.items.length === 0, 120_000);
    await eventually('the servers stopped', async () => httpGet(svc.spec.clusterIP, 8080, 500).then(() => false, () => true), 60_000);
  });
});
