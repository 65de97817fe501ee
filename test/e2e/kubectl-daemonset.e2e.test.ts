/**
 * DaemonSets with the real kubectl against `jetkube up --nodes 2 --runtime fake` (the kubelets
 * register their nodes and make pods Ready without processes): `kubectl apply` of
 * examples/daemonset.yaml, `kubectl rollout status`, the `kubectl get ds` and controllerrevisions
 * columns, describe and explain, an image change rolled out, `kubectl rollout history` and
 * `kubectl rollout undo`, delete --cascade=orphan then adoption on re-apply, delete with the garbage
 * collector, and a refused DaemonSet.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlUpSuite } from './kubectl-harness.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/daemonset.yaml', import.meta.url));

describe('kubectl and DaemonSets against `jetkube up --nodes 2 --runtime fake`', { skip: KUBECTL_SKIP, timeout: 240_000 }, () => {
  const suite = kubectlUpSuite('kds', 2);
  const { kubectl, ok } = suite;
  const NODE = suite.node;

  it('kubectl apply of examples/daemonset.yaml, then rollout status', async () => {
    assert.equal(await ok('apply', '-f', EXAMPLE), 'daemonset.apps/node-agent created\n');
    assert.equal(await ok('apply', '-f', EXAMPLE), 'daemonset.apps/node-agent unchanged\n');
    const status = await ok('rollout', 'status', 'daemonset/node-agent', '--timeout=90s');
    assert.match(status, /daemon set "node-agent" successfully rolled out\n$/);
  });

  it('kubectl get ds prints the columns of kubectl 1.32; pods land one per node', async () => {
    const out = await ok('get', 'ds');
    assert.match(out, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nnode-agent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\d+s\n$/);
    const wide = await ok('get', 'daemonsets', '-o', 'wide');
    assert.match(wide, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
    assert.match(wide, /node-agent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\d+s\s+agent\s+busybox:1\.36\s+app=node-agent\n$/);
    const pods = JSON.parse(await ok('get', 'pods', '-l', 'app=node-agent', '-o', 'json')).items;
    assert.deepEqual(pods.map((p: any) => p.spec.nodeName).sort(), [`${NODE}-1`, `${NODE}-2`]);
    const revs = await ok('get', 'controllerrevisions');
    assert.match(revs, /^NAME\s+CONTROLLER\s+REVISION\s+AGE\nnode-agent-\S+\s+daemonset\.apps\/node-agent\s+1\s+\d+s\n$/);
    const events = await ok('get', 'events', '--field-selector', 'involvedObject.kind=DaemonSet');
    assert.match(events, /SuccessfulCreate\s+daemonset\/node-agent\s+Created pod: node-agent-/);
  });

  it('kubectl describe and explain', async () => {
    const d = await ok('describe', 'ds', 'node-agent');
    assert.match(d, /^Name:\s+node-agent$/m);
    assert.match(d, /^Selector:\s+app=node-agent$/m);
    assert.match(d, /^Node-Selector:\s+<none>$/m);
    assert.match(d, /^Desired Number of Nodes Scheduled: 2$/m);
    assert.match(d, /^Current Number of Nodes Scheduled: 2$/m);
    assert.match(d, /^Number of Nodes Scheduled with Up-to-date Pods: 2$/m);
    assert.match(d, /^Number of Nodes Scheduled with Available Pods: 2$/m);
    assert.match(d, /^Number of Nodes Misscheduled: 0$/m);
    assert.match(d, /^Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    assert.match(d, /Normal\s+SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: node-agent-/);
    const resources = await ok('api-resources', '--api-group=apps');
    assert.match(resources, /^controllerrevisions\s+apps\/v1\s+true\s+ControllerRevision$/m);
    assert.match(resources, /^daemonsets\s+ds\s+apps\/v1\s+true\s+DaemonSet$/m);
    const explain = await ok('explain', 'daemonset.spec.updateStrategy');
    assert.match(explain, /^GROUP:\s+apps$/m);
    assert.match(explain, /^KIND:\s+DaemonSet$/m);
    assert.match(explain, /rollingUpdate/);
  });

  it('an image change rolls out; rollout history lists two revisions', async () => {
    const file = join(suite.dir, 'ds-v2.yaml');
    await writeFile(file, (await readFile(EXAMPLE, 'utf8')).replace('busybox:1.36', 'busybox:1.37'));
    assert.equal(await ok('apply', '-f', file), 'daemonset.apps/node-agent configured\n');
    await ok('rollout', 'status', 'ds/node-agent', '--timeout=90s');
    const images = JSON.parse(await ok('get', 'pods', '-l', 'app=node-agent', '-o', 'json')).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.containers[0].image);
    assert.deepEqual(images, ['busybox:1.37', 'busybox:1.37']);
    const history = await ok('rollout', 'history', 'daemonset/node-agent');
    assert.match(history, /^daemonset\.apps\/node-agent \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    const rev1 = await ok('rollout', 'history', 'daemonset/node-agent', '--revision=1');
    assert.match(rev1, /Image:\s+busybox:1\.36/);
  });

  it('jkctl rollout status and history work on the DaemonSet too', async () => {
    const jk = async (...args: string[]) => {
      const r = await suite.jkctl(...args);
      assert.equal(r.code, 0, `jkctl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    assert.match(await jk('rollout', 'status', 'ds/node-agent', '--timeout', '60s'), /daemon set "node-agent" successfully rolled out\n$/);
    assert.match(await jk('rollout', 'history', 'daemonset/node-agent'), /^daemonset\.apps\/node-agent \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    assert.match(await jk('rollout', 'history', 'daemonset/node-agent', '--revision', '1'), /Image:\s+busybox:1\.36/);
  });

  it('rollout undo goes back to the first image (revision 3)', async () => {
    assert.match(await ok('rollout', 'undo', 'daemonset/node-agent'), /^daemonset\.apps\/node-agent rolled back\n$/);
    await ok('rollout', 'status', 'daemonset/node-agent', '--timeout=90s');
    const ds = JSON.parse(await ok('get', 'ds', 'node-agent', '-o', 'json'));
    assert.equal(ds.spec.template.spec.containers[0].image, 'busybox:1.36');
    assert.equal(ds.metadata.annotations['deprecated.daemonset.template.generation'], '3');
    const history = await ok('rollout', 'history', 'ds/node-agent');
    assert.match(history, /\n2\s+<none>\n3\s+<none>\n/);
    const jk = await suite.jkctl('rollout', 'undo', 'ds/node-agent', '--to-revision', '3');
    assert.equal(jk.stdout, 'daemonset.apps/node-agent skipped rollback (current template already matches revision 3)\n', jk.stderr);
    // kubectl's "skipped rollback (current template already matches ...)" compares JSON bytes of the
    // revision's data; lists come from the jsonb projection, whose key order differs: not asserted.
  });

  it('delete --cascade=orphan keeps the pods; applied again, the DaemonSet adopts them instead of making new ones', async () => {
    const podNames = async () =>
      JSON.parse(await ok('get', 'pods', '-l', 'app=node-agent', '-o', 'json')).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.metadata.name).sort();
    const before = await podNames();
    assert.equal(before.length, 2);
    assert.equal(await ok('delete', 'ds', 'node-agent', '--cascade=orphan'), 'daemonset.apps "node-agent" deleted\n');
    await eventually('orphaned pods', async () => {
      const pods = JSON.parse(await ok('get', 'pods', '-l', 'app=node-agent', '-o', 'json')).items;
      return pods.length === 2 && pods.every((p: any) => !(p.metadata.ownerReferences ?? []).length) ? true : undefined;
    }, 30_000);
    assert.equal(await ok('apply', '-f', EXAMPLE), 'daemonset.apps/node-agent created\n');
    await ok('rollout', 'status', 'daemonset/node-agent', '--timeout=90s');
    assert.deepEqual(await podNames(), before);
    const pods = JSON.parse(await ok('get', 'pods', '-l', 'app=node-agent', '-o', 'json')).items;
    for (const p of pods) assert.equal(p.metadata.ownerReferences[0].kind, 'DaemonSet');
  });

  it('delete: the garbage collector takes the pods and revisions', async () => {
    assert.equal(await ok('delete', 'daemonset', 'node-agent'), 'daemonset.apps "node-agent" deleted\n');
    await eventually('pods and revisions gone', async () => {
      const pods = await ok('get', 'pods', '-l', 'app=node-agent', '-o', 'name');
      const revs = await ok('get', 'controllerrevisions', '-o', 'name');
      return pods.trim() === '' && revs.trim() === '' ? true : undefined;
    }, 60_000);
  });

  it('a bad DaemonSet is refused with Kubernetes\' message', async () => {
    const file = join(suite.dir, 'bad.yaml');
    await writeFile(file, 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: bad}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: other}}\n    spec: {containers: [{name: a, image: busybox}]}\n');
    const r = await kubectl('apply', '-f', file);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The DaemonSet "bad" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
  });

  it('an unknown field is refused, not ignored', async () => {
    const file = join(suite.dir, 'unknown.yaml');
    await writeFile(file, 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: extra}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: a, image: busybox}]}\n');
    const r = await kubectl('apply', '-f', file);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec\.replicas"/);
  });
});
