/**
 * `kubectl apply` (client-side, three-way strategic merge patch with the last-applied annotation),
 * `kubectl patch` and `kubectl explain` against the gateway: the resulting objects are what
 * Kubernetes would store, and the patches kubectl sends are the ones jkctl computes. Skipped when kubectl is not installed, unless REQUIRE_KUBECTL=1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { lastSeq } from '../harness.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';
import { applyPatch, LAST_APPLIED_ANNOTATION } from '../../services/jkctl/apply.js';
import { resourceByKind } from '../../shared/resources/registry.js';
import type { KObject } from '../../shared/resources/meta.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe('kubectl apply, patch and explain', { skip: KUBECTL_SKIP }, () => {
  const suite = kubectlSuite('kapply');
  const kubectl = suite.kubectl;
  const apply = async (name: string, yaml: string) => {
    const file = join(suite.dir, name);
    await writeFile(file, yaml);
    const r = await kubectl('apply', '-f', file);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const get = async (...args: string[]) => {
    const r = await kubectl('get', ...args, '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };


  const service = (ports: string, labels = 'app: web') =>
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {${labels}}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports:\n${ports}`;
  const HTTP = '  - {name: http, port: 80, targetPort: 8080}\n';
  const HTTPS = '  - {name: https, port: 443, targetPort: 8443}\n';

  it('adds a Service port and keeps the first port and its node port', async () => {
    await apply('svc.yaml', service(HTTP, 'app: web, tier: fe'));
    const first = await get('svc', 'web');
    const nodePort = first.spec.ports[0].nodePort;
    assert.ok(nodePort >= 30000);
    assert.match(await apply('svc.yaml', service(HTTP + HTTPS, 'app: web, tier: fe')), /service\/web configured/);
    const after = await get('svc', 'web');
    assert.deepEqual(after.spec.ports.map((p: { name: string }) => p.name), ['http', 'https']);
    assert.equal(after.spec.ports[0].nodePort, nodePort, 'the first port keeps its node port');
    assert.equal(after.spec.clusterIP, first.spec.clusterIP);
  });

  it('reorders and removes Service ports, drops a label the last apply had', async () => {
    const before = await get('svc', 'web');
    const httpsPort = before.spec.ports[1].nodePort;
    await apply('svc.yaml', service(HTTPS + HTTP, 'app: web, tier: fe'));
    assert.deepEqual((await get('svc', 'web')).spec.ports.map((p: { name: string }) => p.name), ['https', 'http']);
    await apply('svc.yaml', service(HTTPS));
    const after = await get('svc', 'web');
    assert.deepEqual(after.spec.ports.map((p: { name: string; nodePort: number }) => [p.name, p.nodePort]), [['https', httpsPort]]);
    assert.deepEqual(after.metadata.labels, { app: 'web' });
  });

  it('a label added by someone else survives apply; unchanged apply writes nothing', async () => {
    const r = await kubectl('label', 'svc', 'web', 'owner=ops');
    assert.equal(r.code, 0, r.stderr);
    const seq = await lastSeq(suite.stack.cfg);
    assert.match(await apply('svc.yaml', service(HTTPS)), /service\/web unchanged/);
    assert.equal(await lastSeq(suite.stack.cfg), seq, 'no event for an unchanged apply');
    assert.deepEqual((await get('svc', 'web')).metadata.labels, { app: 'web', owner: 'ops' });
  });

  const deployment = (strategy: string, env: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n${strategy}  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n        env: [${env}]\n        ports: [{containerPort: 80}]\n`;

  it('changes the Deployment strategy type (retainKeys drops rollingUpdate) and removes an env var', async () => {
    await apply('deploy.yaml', deployment('', '{name: A, value: "1"}, {name: B, value: "2"}'));
    assert.equal((await get('deploy', 'web')).spec.strategy.type, 'RollingUpdate');
    await apply('deploy.yaml', deployment('  strategy: {type: Recreate}\n', '{name: A, value: "1"}'));
    const d = await get('deploy', 'web');
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('kubectl patch (strategic) merges a container by name and a port by containerPort', async () => {
    const r = await kubectl('patch', 'deploy', 'web', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 9090, name: 'metrics' }] }] } } } }));
    assert.equal(r.code, 0, r.stderr);
    const c = (await get('deploy', 'web')).spec.template.spec.containers;
    assert.equal(c.length, 1);
    assert.equal(c[0].image, 'nginx:1');
    assert.deepEqual(c[0].ports.map((p: { containerPort: number }) => p.containerPort).sort(), [80, 9090]);
    const bad = await kubectl('patch', 'deploy', 'web', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /does not contain declared merge key: name/);
  });

  it('applies every example twice: created, then unchanged', async () => {
    await apply('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: examples}\n');
    for (const f of (await readdir(EXAMPLES)).filter((x) => x.endsWith('.yaml'))) {
      const file = join(EXAMPLES, f);
      const first = await kubectl('apply', '-n', 'examples', '-f', file);
      assert.equal(first.code, 0, `${f}: ${first.stderr}`);
      assert.doesNotMatch(first.stdout, / (configured|unchanged)$/m, `${f}: ${first.stdout}`);
      const docs = YAML.parseAllDocuments(await readFile(file, 'utf8')).filter((d) => d.contents !== null);
      // A PodDisruptionBudget's selector has patch strategy `replace`: kubectl always sends it, so a
      // second apply says `configured` against Kubernetes too (the object is not changed).
      const budgets = docs.filter((d) => d.get('kind') === 'PodDisruptionBudget').length;
      // Likewise a StatefulSet's volumeClaimTemplates (no merge key: replaced whole): the server
      // defaults each template (volumeMode, status.phase Pending), so kubectl sends the list again
      // and says `configured`, as against Kubernetes (the object is not changed).
      const claimSets = docs.filter((d) => d.get('kind') === 'StatefulSet' && d.getIn(['spec', 'volumeClaimTemplates'])).length;
      const seq = await lastSeq(suite.stack.cfg);
      const again = await kubectl('apply', '-n', 'examples', '-f', file);
      assert.equal(again.code, 0, `${f}: ${again.stderr}`);
      assert.equal((again.stdout.match(/ unchanged$/gm) ?? []).length, docs.length - budgets - claimSets, `${f}: ${again.stdout}`);
      assert.equal((again.stdout.match(/^poddisruptionbudget\.policy\/\S+ configured$/gm) ?? []).length, budgets, `${f}: ${again.stdout}`);
      assert.equal((again.stdout.match(/^statefulset\.apps\/\S+ configured$/gm) ?? []).length, claimSets, `${f}: ${again.stdout}`);
      assert.equal(await lastSeq(suite.stack.cfg), seq, `${f}: the second apply writes nothing`);
    }
  });

  /** The body of the PATCH kubectl sent (`-v=8` logs it just before the request line), or undefined. */
  const sentPatch = (stderr: string): unknown => {
    const lines = stderr.split('\n');
    const at = lines.findIndex((l) => /\] PATCH http/.test(l));
    if (at < 0) return undefined;
    const body = /"Request Body" body=(".*")$/.exec(lines.slice(0, at).reverse().find((l) => l.includes('"Request Body"')) ?? '');
    assert.ok(body, stderr);
    return JSON.parse(JSON.parse(body[1]!) as string);
  };

  it('computes the very patch kubectl sends, step by step (Service ports, Deployment strategy and env, labels)', async () => {
    const svc = (ports: string, labels: string) =>
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: oracle\n  labels: {${labels}}\nspec:\n  type: NodePort\n  selector: {app: oracle}\n  ports:\n${ports}`;
    const dep = (strategy: string, env: string, extra = '') =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: oracle, labels: {app: oracle, tier: be}}\nspec:\n  replicas: 1\n${strategy}  selector: {matchLabels: {app: oracle}}\n  template:\n    metadata: {labels: {app: oracle}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n        env: [${env}]\n        ports: [{containerPort: 80}]\n${extra}`;
    const steps: [string, string, string][] = [
      ['svc', 'oracle', svc(HTTP, 'app: oracle, tier: fe')],
      ['svc', 'oracle', svc(HTTP + HTTPS, 'app: oracle, tier: fe')],
      ['svc', 'oracle', svc(HTTPS + HTTP, 'app: oracle, tier: fe')],
      ['svc', 'oracle', svc(HTTPS, 'app: oracle')],
      ['svc', 'oracle', svc(HTTPS, 'app: oracle')],
      ['deploy', 'oracle', dep('', '{name: A, value: "1"}, {name: B, value: "2"}')],
      ['deploy', 'oracle', dep('  strategy: {type: Recreate}\n', '{name: A, value: "1"}, {name: B, value: "2"}')],
      ['deploy', 'oracle', dep('  strategy: {type: Recreate}\n', '{name: A, value: "1"}')],
      ['deploy', 'oracle', dep('  strategy: {type: Recreate}\n', '{name: C, value: "3"}, {name: A, value: "1"}', '      - {name: log, image: busybox}\n')],
    ];
    let compared = 0;
    for (const [i, [kind, name, yaml]] of steps.entries()) {
      const got = await kubectl('get', kind, name, '-o', 'json');
      const live = got.code === 0 ? (JSON.parse(got.stdout) as KObject) : undefined;
      const file = join(suite.dir, `oracle-${i}.yaml`);
      await writeFile(file, yaml);
      const r = await kubectl('apply', '-f', file, '-v=8');
      assert.equal(r.code, 0, r.stderr);
      if (!live) continue;
      const sent = sentPatch(r.stderr) ?? {};
      // kubectl's modified configuration: the manifest in its namespace, with the annotation it recorded.
      const after = (await get(kind, name)) as KObject;
      const manifest = YAML.parse(yaml) as KObject;
      const modified = { ...manifest, metadata: { ...manifest.metadata, namespace: 'default', annotations: { [LAST_APPLIED_ANNOTATION]: after.metadata.annotations![LAST_APPLIED_ANNOTATION]! } } };
      const info = resourceByKind(manifest.kind)!;
      assert.deepEqual(applyPatch(info, modified, live), sent, `step ${i}: ${yaml}`);
      compared++;
    }
    assert.equal(compared, steps.length - 2);
    assert.deepEqual((await get('deploy', 'oracle')).spec.strategy, { type: 'Recreate' });
  });

  it('explains fields from the served schemas', async () => {
    const r = await kubectl('explain', 'deployment.spec.strategy');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+Deployment/);
    assert.match(r.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
    const ports = await kubectl('explain', 'service.spec.ports');
    assert.match(ports.stdout, /port\s+<integer> -required-/);
  });
});
