/**
 * PodDisruptionBudgets and evictions on a real gateway, NATS and Postgres, with the ReplicaSet,
 * Deployment and disruption controllers running in process and the test standing in for the
 * kubelet (binds pods, marks them Ready, finishes terminations).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../stack.js';
import {
  createNodes,
  eventually,
  isActive,
  isReady,
  lastSeq,
  listPods,
  quiescent,
  sleep,
  startControllerStack,
  startFakeKubelet,
} from '../controller-stack.js';

const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
const NS = '/api/v1/namespaces/default';

function deployment(name: string, replicas: number) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } },
  };
}

const budget = (name: string, app: string, spec: object) => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name },
  spec: { selector: { matchLabels: { app } }, ...spec },
});

const evict = (url: string, pod: string) =>
  api(url, 'POST', `${NS}/pods/${pod}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' } });

const getPdb = async (url: string, name: string) => (await api(url, 'GET', `${PDBS}/${name}`)).body;

/** The budget's status once it reads `want` for its current generation. */
function statusIs(url: string, name: string, want: { currentHealthy: number; desiredHealthy: number; expectedPods: number; disruptionsAllowed: number }) {
  return eventually(`${name} status ${JSON.stringify(want)}`, async () => {
    const b = await getPdb(url, name);
    const s = b.status ?? {};
    if (s.observedGeneration !== b.metadata.generation) return undefined;
    for (const [k, v] of Object.entries(want)) if (s[k] !== v) return undefined;
    return b;
  }, 30_000);
}

const readyPods = async (url: string, app: string) => (await listPods(url, `app=${app}`)).filter((p) => isActive(p) && isReady(p));

describe('PodDisruptionBudget and eviction', { timeout: 240_000 }, () => {
  it('a Deployment of 3 with minAvailable 2: one eviction at a time, refused with 429 until the replacement is Ready', async () => {
    const cs = await startControllerStack('pdb', ['replicaset', 'deployment', 'disruption']);
    const { url } = cs;
    const kubelet = startFakeKubelet(url, { nodes: ['pdb-n1'] });
    try {
      await createNodes(url, ['pdb-n1']);
      assert.equal((await api(url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web', 3))).status, 201);
      const created = await api(url, 'POST', PDBS, budget('web', 'web', { minAvailable: 2 }));
      assert.equal(created.status, 201, JSON.stringify(created.body));

      const b = await statusIs(url, 'web', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
      const cond = b.status.conditions.find((c: any) => c.type === 'DisruptionAllowed');
      assert.deepEqual([cond.status, cond.reason], ['True', 'SufficientPods']);
      const rows = await api(url, 'GET', `${PDBS}?limit=10`);
      assert.equal(rows.body.items.length, 1);

      // Replacements stay unready for now: the budget cannot recover behind our back.
      kubelet.options.ready = false;
      const [first, second] = (await readyPods(url, 'web')).map((p) => p.metadata.name);
      const ok = await evict(url, first!);
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal(ok.body.status, 'Success');
      const spent = await getPdb(url, 'web');
      assert.equal(spent.status.disruptionsAllowed, 0);

      const refused = await evict(url, second!);
      assert.equal(refused.status, 429, JSON.stringify(refused.body));
      assert.equal(refused.body.reason, 'TooManyRequests');
      assert.equal(refused.body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.equal(refused.body.details.causes[0].reason, 'DisruptionBudget');
      assert.match(refused.body.details.causes[0].message, /^The disruption budget web needs 2 healthy pods and has \d currently$/);
      assert.ok((await listPods(url, 'app=web')).some((p) => p.metadata.name === second && !p.metadata.deletionTimestamp), 'the refused pod is untouched');

      // The evicted pod leaves; the budget forgets it; its replacement is not Ready: nothing allowed.
      await eventually('evicted pod gone', async () => !(await listPods(url, 'app=web')).some((p) => p.metadata.name === first));
      await statusIs(url, 'web', { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0 });
      const after = await getPdb(url, 'web');
      assert.equal(after.status.disruptedPods, undefined);
      assert.deepEqual(after.status.conditions.map((c: any) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'False', 'InsufficientPods']]);
      assert.equal((await evict(url, second!)).status, 429);

      // The replacement becomes Ready: one disruption allowed again.
      kubelet.options.ready = true;
      await statusIs(url, 'web', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
      const again = await evict(url, second!);
      assert.equal(again.status, 201, JSON.stringify(again.body));
      await eventually('second evicted pod gone', async () => !(await listPods(url, 'app=web')).some((p) => p.metadata.name === second));
      await statusIs(url, 'web', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });

      // A second budget over the same pods: the eviction subresource does not support it.
      assert.equal((await api(url, 'POST', PDBS, budget('web-2', 'web', { maxUnavailable: '34%' }))).status, 201);
      await statusIs(url, 'web-2', { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2 });
      const [any] = (await readyPods(url, 'web')).map((p) => p.metadata.name);
      const two = await evict(url, any!);
      assert.equal(two.status, 500);
      assert.equal(two.body.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
      assert.equal((await api(url, 'DELETE', `${PDBS}/web-2`)).status, 200);

      // Replays: a restarted controller-manager re-reads every event and writes nothing.
      const seq = await quiescent(url, 2000);
      const before = await getPdb(url, 'web');
      await cs.stopControllerManager();
      const cm = await cs.startControllerManager();
      await eventually('informers synced', async () => cm.ready());
      await sleep(2500);
      assert.equal(await lastSeq(url), seq, 'no write after a restart');
      assert.deepEqual((await getPdb(url, 'web')).status, before.status);
    } finally {
      await kubelet.stop();
      await cs.close();
    }
  });

  it('evictions without a budget, of finished pods, and validation of budgets', async () => {
    const cs = await startControllerStack('pdbmisc', ['disruption']);
    const { url } = cs;
    try {
      const pod = (name: string, labels: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      assert.equal((await api(url, 'POST', `${NS}/pods`, pod('lone', { app: 'lone' }))).status, 201);
      assert.equal((await evict(url, 'lone')).status, 201);
      assert.equal((await evict(url, 'lone')).status, 404);

      // A budget that allows nothing does not hold a pod that finished.
      assert.equal((await api(url, 'POST', PDBS, budget('all', 'done', { minAvailable: '100%' }))).status, 201);
      const created = await api(url, 'POST', `${NS}/pods`, pod('done', { app: 'done' }));
      const st = await api(url, 'PUT', `${NS}/pods/done/status`, { ...created.body, status: { phase: 'Succeeded' } });
      assert.equal(st.status, 200, JSON.stringify(st.body));
      assert.equal((await evict(url, 'done')).status, 201);

      // A Running, Ready pod on a node (no kubelet here: a graceful delete leaves it terminating).
      assert.equal((await api(url, 'POST', PDBS, budget('one', 'guarded', { maxUnavailable: 1 }))).status, 201);
      const g = await api(url, 'POST', `${NS}/pods`, { ...pod('guarded', { app: 'guarded' }), spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
      const ready = await api(url, 'PUT', `${NS}/pods/guarded/status`, { ...g.body, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
      assert.equal(ready.status, 200, JSON.stringify(ready.body));
      // maxUnavailable needs the pods' controller's scale: an unmanaged pod gives 0 expected pods.
      await eventually('budget one synced', async () => (await getPdb(url, 'one')).status?.observedGeneration === 1);
      assert.equal((await evict(url, 'guarded')).status, 429);
      const patched = await api(url, 'PATCH', `${PDBS}/one`, { spec: { maxUnavailable: null, minAvailable: 0 } }, 'application/merge-patch+json');
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      await eventually('budget one allows 1', async () => {
        const b = await getPdb(url, 'one');
        return b.status?.observedGeneration === 2 && b.status.disruptionsAllowed === 1;
      });
      const seq = await lastSeq(url);
      const dry = await api(url, 'POST', `${NS}/pods/guarded/eviction?dryRun=All`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' } });
      assert.equal(dry.status, 201, JSON.stringify(dry.body));
      assert.equal(await lastSeq(url), seq, 'a dry run writes nothing');
      assert.equal((await evict(url, 'guarded')).status, 201);
      const evicted = (await api(url, 'GET', `${NS}/pods/guarded`)).body;
      assert.ok(evicted.metadata.deletionTimestamp, 'terminating');
      const target = evicted.status.conditions.find((c: any) => c.type === 'DisruptionTarget');
      assert.deepEqual([target.status, target.reason, target.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']);

      const both = await api(url, 'POST', PDBS, budget('bad', 'x', { minAvailable: 1, maxUnavailable: '120%' }));
      assert.equal(both.status, 422);
      assert.deepEqual(both.body.details.causes.map((c: any) => c.field), ['spec', 'spec.maxUnavailable']);
      assert.match(both.body.message, /minAvailable and maxUnavailable cannot be both set/);
    } finally {
      await cs.close();
    }
  });
});
