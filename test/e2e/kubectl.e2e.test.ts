/**
 * kubectl (v1.32), a client nobody here wrote, pointed at the gateway: create -f, get (with the
 * server-side Table columns), get -o yaml, replace -f, delete. Skipped when kubectl is not
 * installed, unless REQUIRE_KUBECTL=1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';


describe('kubectl against the gateway', { skip: KUBECTL_SKIP }, () => {
  const suite = kubectlSuite('kubectl');
  const kubectl = suite.kubectl;


  it('creates every kind from a multi-document file', async () => {
    const file = join(suite.dir, 'all.yaml');
    await writeFile(
      file,
      [
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports:\n        - containerPort: 80',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast',
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: shop\nstringData:\n  password: hunter2',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: 80',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\n  namespace: shop\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    command: ["sleep", "3600"]',
      ].join('\n---\n'),
    );
    const r = await kubectl('create', '-f', file);
    assert.equal(r.code, 0, r.stderr);
    for (const line of ['namespace/shop created', 'deployment.apps/web created', 'configmap/settings created', 'secret/creds created', 'service/web created', 'pod/solo created']) {
      assert.ok(r.stdout.includes(line), `${line} in ${r.stdout}`);
    }
    const again = await kubectl('create', '-f', file);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /AlreadyExists|already exists/);
  });

  it('gets lists and single objects', async () => {
    const list = await kubectl('get', 'deployments', '-n', 'shop');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\b/m);
    assert.match(list.stdout, /\bweb\b/);
    const pods = await kubectl('get', 'po', '-n', 'shop');
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout, /\bsolo\b/);
    const ns = await kubectl('get', 'ns');
    assert.match(ns.stdout, /\bdefault\b/);
    assert.match(ns.stdout, /\bshop\b/);
    const y = await kubectl('get', 'deploy', 'web', '-n', 'shop', '-o', 'yaml');
    assert.equal(y.code, 0, y.stderr);
    const obj = YAML.parse(y.stdout);
    assert.equal(obj.kind, 'Deployment');
    assert.equal(obj.spec.replicas, 2);
    assert.match(obj.metadata.resourceVersion, /^\d+$/);
    const missing = await kubectl('get', 'deploy', 'nope', '-n', 'shop');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound|not found/);
  });

  it('prints the server-side columns (Table) for pods, wide ones with -o wide', async () => {
    const r = await kubectl('get', 'pods', '-n', 'shop');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    assert.match(r.stdout, /^solo\s+0\/1\s+Pending\s+0\s+\d+s$/m, 'no scheduler in this stack: the pod stays Pending');
    const wide = await kubectl('get', 'pods', '-n', 'shop', '-o', 'wide');
    assert.match(wide.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/);
    assert.match(wide.stdout, /^solo\s.*<none>\s+<none>\s+<none>\s+<none>$/m);
    const all = await kubectl('get', 'deploy', '-A');
    assert.match(all.stdout, /^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    assert.match(all.stdout, /^shop\s+web\s+0\/2\s+0\s+0\s/m);
    const svc = await kubectl('get', 'svc', 'web', '-n', 'shop');
    assert.match(svc.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
    assert.match(svc.stdout, /^web\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s/m);
  });

  it('replaces from a file (the output of get -o yaml, edited)', async () => {
    const y = await kubectl('get', 'deploy', 'web', '-n', 'shop', '-o', 'yaml');
    const obj = YAML.parse(y.stdout);
    obj.spec.replicas = 4;
    const file = join(suite.dir, 'replace.yaml');
    await writeFile(file, YAML.stringify(obj));
    const r = await kubectl('replace', '-f', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/web replaced/);
    const after = YAML.parse((await kubectl('get', 'deploy', 'web', '-n', 'shop', '-o', 'yaml')).stdout);
    assert.equal(after.spec.replicas, 4);
    assert.equal(after.metadata.generation, 2);
    // The same file again carries a stale resourceVersion: Conflict.
    const stale = await kubectl('replace', '-f', file);
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /Conflict|modified/);
  });

  it('deletes objects', async () => {
    const r = await kubectl('delete', 'configmap', 'settings', '-n', 'shop');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configmap "settings" deleted/);
    const gone = await kubectl('get', 'cm', 'settings', '-n', 'shop');
    assert.notEqual(gone.code, 0);
    const d = await kubectl('delete', 'deployment', 'web', '-n', 'shop');
    assert.equal(d.code, 0, d.stderr);
  });
});
