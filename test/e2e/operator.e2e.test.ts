/**
 * The example operator (examples/operator/operator.mjs, @kubernetes/client-node) run unmodified
 * against `jetkube up --runtime fake`, with nothing but a kubeconfig pointing at the gateway: the
 * CRD applied with kubectl, a WebApp applied, its Deployment and Service appear with
 * ownerReferences, the WebApp's status is written through the status subresource (Ready once the
 * fake pods are), a spec change reaches the Deployment, and deleting the WebApp lets the garbage
 * collector remove the children (and their pods).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBECTL_SKIP, kubectlUpSuite } from './kubectl-harness.js';
import { eventually } from '../wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the example operator', { skip: KUBECTL_SKIP, timeout: 300_000 }, () => {
  const suite = kubectlUpSuite('operator');
  let operator: ChildProcess | undefined;
  let output = '';
  after(async () => {
    if (operator && operator.exitCode === null) {
      const done = new Promise((r) => operator!.once('exit', r));
      operator.kill('SIGTERM');
      await done;
    }
  });
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
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: jetkube',
      'clusters:', '- name: jetkube', '  cluster:', `    server: ${suite.base}`, '    insecure-skip-tls-verify: true',
      'users:', '- name: me', '  user: {}',
      'contexts:', '- name: jetkube', '  context:', '    cluster: jetkube', '    user: me', '',
    ].join('\n'));
    operator = spawn(process.execPath, [join(ROOT, 'examples/operator/operator.mjs')], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    operator.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    operator.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await eventually('the operator started', async () => output.includes('webapp operator started') || (operator!.exitCode !== null ? Promise.reject(new Error(output)) : false), 60_000);

    assert.match(await suite.ok('apply', '-f', join(ROOT, 'examples/operator/webapp.yaml')), /webapp\.demo\.jetkube\.dev\/hello created/);
    const wa = await json('get', 'webapp', 'hello');

    const deploy = await eventually('the Deployment', async () => {
      const r = await suite.kubectl('get', 'deployment', 'hello', '-o', 'json');
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    }, 60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}; the operator said:\n${output}`)));
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
    const warnings = output.split('\n').filter((l) => l.includes('"level":"warn"') && !l.includes('"code":409'));
    assert.deepEqual(warnings, [], 'the operator hit no errors other than conflicts');
  });
});
