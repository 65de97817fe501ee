/**
 * StatefulSets with the real kubectl against `jetkube up --runtime fake` (the kubelet makes pods
 * Ready without processes): `kubectl apply` of examples/statefulset.yaml (a headless Service and a
 * StatefulSet of 3), `kubectl rollout status`, the `kubectl get sts` columns of kubectl 1.32,
 * `kubectl scale`, an image change rolled out, `kubectl rollout history` and `undo`, and a set
 * with volumeClaimTemplates refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlUpSuite } from './kubectl-harness.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/statefulset.yaml', import.meta.url));

describe('kubectl and StatefulSets against `jetkube up --runtime fake`', { skip: KUBECTL_SKIP, timeout: 300_000 }, () => {
  const suite = kubectlUpSuite('ksts', 1);
  const { kubectl, ok } = suite;
  const activePods = async () =>
    JSON.parse(await ok('get', 'pods', '-l', 'app=store', '-o', 'json'))
      .items.filter((p: any) => !p.metadata.deletionTimestamp)
      .map((p: any) => `${p.metadata.name}:${p.spec.containers[0].image}`)
      .sort();

  it('kubectl apply of examples/statefulset.yaml, then rollout status', async () => {
    assert.equal(await ok('apply', '-f', EXAMPLE), 'service/store created\nstatefulset.apps/store created\n');
    assert.equal(await ok('apply', '-f', EXAMPLE), 'service/store unchanged\nstatefulset.apps/store unchanged\n');
    const status = await ok('rollout', 'status', 'sts/store', '--timeout=120s');
    // The default updateStrategy carries rollingUpdate.partition 0: kubectl's partitioned message.
    assert.match(status, /partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/);
    assert.deepEqual(await activePods(), ['store-0:nginx:1.27', 'store-1:nginx:1.27', 'store-2:nginx:1.27']);
    const pod = JSON.parse(await ok('get', 'pod', 'store-2', '-o', 'json'));
    assert.equal(pod.spec.hostname, 'store-2');
    assert.equal(pod.spec.subdomain, 'store');
  });

  it('kubectl get sts prints the columns of kubectl 1.32', async () => {
    assert.match(await ok('get', 'sts'), /^NAME\s+READY\s+AGE\nstore\s+3\/3\s+\d+s\n$/);
    assert.match(await ok('get', 'statefulsets', '-o', 'wide'), /^NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\nstore\s+3\/3\s+\d+s\s+nginx\s+nginx:1\.27\n$/);
    const resources = await ok('api-resources', '--api-group=apps');
    assert.match(resources, /^statefulsets\s+sts\s+apps\/v1\s+true\s+StatefulSet$/m);
    const events = await ok('get', 'events', '--field-selector', 'involvedObject.kind=StatefulSet');
    assert.match(events, /SuccessfulCreate\s+statefulset\/store\s+create Pod store-0 in StatefulSet store successful/);
    const revs = await ok('get', 'controllerrevisions');
    assert.match(revs, /^NAME\s+CONTROLLER\s+REVISION\s+AGE\nstore-\S+\s+statefulset\.apps\/store\s+1\s+\d+s\n$/);
  });

  it('kubectl describe sts; the headless Service\'s endpoints carry the pods\' hostnames', async () => {
    const d = await ok('describe', 'sts', 'store');
    assert.match(d, /^Name:\s+store$/m);
    assert.match(d, /^Selector:\s+app=store$/m);
    assert.match(d, /^Replicas:\s+3 desired \| 3 total$/m);
    assert.match(d, /^Update Strategy:\s+RollingUpdate$/m);
    assert.match(d, /^\s+Partition:\s+0$/m);
    assert.match(d, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    assert.match(d, /^Volume Claims:\s+<none>$/m);
    assert.match(d, /Normal\s+SuccessfulCreate\s+\S+\s+statefulset-controller\s+create Pod store-0 in StatefulSet store successful/);
    const hostnames = await eventually(
      'endpoints store with 3 hostnames',
      async () => {
        const ep = JSON.parse(await ok('get', 'endpoints', 'store', '-o', 'json'));
        const names = (ep.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.hostname)).sort();
        return names.length === 3 ? names : undefined;
      },
      60_000,
    );
    assert.deepEqual(hostnames, ['store-0', 'store-1', 'store-2']);
  });

  it('kubectl scale: up to 4 adds store-3, down to 2 removes store-3 and store-2', async () => {
    assert.equal(await ok('scale', 'sts', 'store', '--replicas=4'), 'statefulset.apps/store scaled\n');
    await ok('rollout', 'status', 'sts/store', '--timeout=120s');
    assert.deepEqual(await activePods(), ['store-0:nginx:1.27', 'store-1:nginx:1.27', 'store-2:nginx:1.27', 'store-3:nginx:1.27']);
    assert.equal(await ok('scale', 'statefulset/store', '--replicas=2'), 'statefulset.apps/store scaled\n');
    await eventually('two store pods', async () => ((await activePods()).length === 2 ? true : undefined), 60_000);
    assert.deepEqual(await activePods(), ['store-0:nginx:1.27', 'store-1:nginx:1.27']);
    await eventually('READY 2/2', async () => (/store\s+2\/2\s/.test(await ok('get', 'sts', 'store')) ? true : undefined), 60_000);
  });

  it('an image change rolls out; rollout history lists two revisions', async () => {
    const file = join(suite.dir, 'sts-v2.yaml');
    await writeFile(file, (await readFile(EXAMPLE, 'utf8')).replace('nginx:1.27', 'nginx:1.28').replace('replicas: 3', 'replicas: 2'));
    assert.equal(await ok('apply', '-f', file), 'service/store unchanged\nstatefulset.apps/store configured\n');
    await ok('rollout', 'status', 'statefulset/store', '--timeout=120s');
    await eventually('both pods at nginx:1.28', async () => ((await activePods()).join(',') === 'store-0:nginx:1.28,store-1:nginx:1.28' ? true : undefined), 60_000);
    const history = await ok('rollout', 'history', 'statefulset/store');
    assert.match(history, /^statefulset\.apps\/store \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    assert.match(await ok('rollout', 'history', 'sts/store', '--revision=1'), /Image:\s+nginx:1\.27/);
  });

  it('jkctl rollout status and history work on the StatefulSet too', async () => {
    const jk = async (...args: string[]) => {
      const r = await suite.jkctl(...args);
      assert.equal(r.code, 0, `jkctl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    assert.match(await jk('rollout', 'status', 'sts/store', '--timeout', '60s'), /partitioned roll out complete: 2 new pods have been updated\.\.\.\n$/);
    assert.match(await jk('rollout', 'history', 'statefulset/store'), /^statefulset\.apps\/store \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    assert.match(await jk('rollout', 'history', 'sts/store', '--revision', '1'), /Image:\s+nginx:1\.27/);
  });

  it('rollout undo goes back to the first image (revision 3)', async () => {
    assert.match(await ok('rollout', 'undo', 'statefulset/store'), /^statefulset\.apps\/store rolled back\n$/);
    await ok('rollout', 'status', 'sts/store', '--timeout=120s');
    await eventually('both pods at nginx:1.27', async () => ((await activePods()).join(',') === 'store-0:nginx:1.27,store-1:nginx:1.27' ? true : undefined), 60_000);
    const sts = JSON.parse(await ok('get', 'sts', 'store', '-o', 'json'));
    assert.equal(sts.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.match(await ok('rollout', 'history', 'sts/store'), /\n2\s+<none>\n3\s+<none>\n/);
  });

  it('kubectl rollout restart replaces the pods (a new revision) and rolls out', async () => {
    const before = JSON.parse(await ok('get', 'pods', '-l', 'app=store', '-o', 'json')).items.map((p: any) => p.metadata.uid).sort();
    assert.equal(await ok('rollout', 'restart', 'sts/store'), 'statefulset.apps/store restarted\n');
    await ok('rollout', 'status', 'sts/store', '--timeout=120s');
    const pods = await eventually(
      'both pods replaced',
      async () => {
        const items = JSON.parse(await ok('get', 'pods', '-l', 'app=store', '-o', 'json')).items.filter((p: any) => !p.metadata.deletionTimestamp);
        return items.length === 2 && items.every((p: any) => !before.includes(p.metadata.uid)) ? items : undefined;
      },
      60_000,
    );
    for (const p of pods) assert.ok(p.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
    assert.match(await ok('rollout', 'history', 'sts/store'), /\n3\s+<none>\n4\s+<none>\n/);
  });

  it('volumeClaimTemplates: one claim per pod, <template>-<set>-<ordinal>, bound by the local-path provisioner', async () => {
    const file = join(suite.dir, 'claims.yaml');
    await writeFile(
      file,
      'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: a, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}]}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n',
    );
    assert.equal(await ok('apply', '-f', file), 'statefulset.apps/db created\n');
    await eventually('data-db-0 Bound', async () => (await ok('get', 'pvc', 'data-db-0', '-o', 'jsonpath={.status.phase}')) === 'Bound' || undefined, 60_000);
    assert.equal(await ok('delete', 'sts', 'db'), 'statefulset.apps "db" deleted\n');
  });

  it('delete: the garbage collector takes the pods and revisions', async () => {
    assert.equal(await ok('delete', 'sts', 'store'), 'statefulset.apps "store" deleted\n');
    await eventually('pods and revisions gone', async () => {
      const pods = await ok('get', 'pods', '-l', 'app=store', '-o', 'name');
      const revs = await ok('get', 'controllerrevisions', '-l', 'app=store', '-o', 'name');
      return pods.trim() === '' && revs.trim() === '' ? true : undefined;
    }, 60_000);
  });
});
