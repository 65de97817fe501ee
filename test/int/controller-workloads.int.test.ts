/**
 * The ReplicaSet and Deployment controllers against a real gateway, NATS and Postgres: a
 * controller-manager runs in process, the test stands in for the kubelet through the API (binds,
 * marks pods Ready, finishes terminations). Rollouts are checked on the watched sequence of pod
 * states; restarts of the controller-manager must write nothing for a converged cluster and must
 * finish an interrupted rollout without extra pods.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, pod, type WatchEvent } from '../stack.js';
import {
  controllerOf,
  createNodes,
  eventually,
  getDeployment,
  isActive,
  isReady,
  lastSeq,
  listEvents,
  listPods,
  listReplicaSets,
  patchDeployment,
  quiescent,
  sleep,
  startControllerStack,
  startFakeKubelet,
  type ControllerStack,
  type PodLike,
} from '../controller-stack.js';

const HASH = 'pod-template-hash';
const REVISION = 'deployment.kubernetes.io/revision';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

interface DeploymentShape {
  replicas: number;
  image?: string;
  strategy?: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  paused?: boolean;
}

function deploymentObject(name: string, s: DeploymentShape) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: labels },
      ...(s.paused ? { paused: true } : {}),
      strategy:
        s.strategy === 'Recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: s.maxSurge ?? '25%', maxUnavailable: s.maxUnavailable ?? '25%' } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: s.image ?? 'nginx:1.26' }] } },
    },
  };
}

async function createDeployment(url: string, name: string, s: DeploymentShape): Promise<any> {
  const r = await api(url, 'POST', DEPLOYMENTS, deploymentObject(name, s));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const setImage = (url: string, name: string, image: string) =>
  patchDeployment(url, name, { spec: { template: { spec: { containers: [{ name: 'main', image }] } } } });

/** The Deployment is done: all replicas updated, ready and available, nothing else left. */
async function converged(url: string, name: string, replicas: number, image: string): Promise<{ pods: PodLike[]; rss: any[] }> {
  return eventually(
    `${name} converged to ${replicas} x ${image}`,
    async () => {
      const d = await getDeployment(url, name);
      const s = d.status ?? {};
      if (s.observedGeneration !== d.metadata.generation) return undefined;
      if (s.replicas !== replicas || s.updatedReplicas !== replicas || s.readyReplicas !== replicas || s.availableReplicas !== replicas) return undefined;
      const pods = (await listPods(url, `app=${name}`)).filter(isActive);
      if (pods.length !== replicas || !pods.every((p) => isReady(p) && p.spec.containers[0]!.image === image)) return undefined;
      const rss = await listReplicaSets(url);
      const live = rss.filter((rs) => (rs.spec.replicas ?? 0) > 0);
      if (live.length !== 1 || live[0].status?.replicas !== replicas) return undefined;
      return { pods, rss };
    },
    45_000,
  );
}

/**
 * List the pods, then watch from the list's resourceVersion and check every observed state: active
 * pods ≤ max, ready active pods ≥ min, and (exclusive, for Recreate) never two templates at once.
 * Runs until stop() and reports.
 */
async function watchRollout(url: string, bounds: { max?: number; min?: number; exclusive?: boolean }) {
  const pods = new Map<string, PodLike>();
  const violations: string[] = [];
  let states = 0;
  let maxSeen = 0;
  const list = await api(url, 'GET', '/api/v1/namespaces/default/pods');
  for (const p of list.body.items as PodLike[]) pods.set(p.metadata.name, p);
  const ctl = new AbortController();
  const r = await fetch(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`, { signal: ctl.signal });
  assert.equal(r.status, 200);
  const apply = (ev: WatchEvent) => {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    const p = ev.object as PodLike;
    if (ev.type === 'DELETED') pods.delete(p.metadata.name);
    else pods.set(p.metadata.name, p);
    const active = [...pods.values()].filter(isActive);
    const ready = active.filter(isReady).length;
    states++;
    maxSeen = Math.max(maxSeen, active.length);
    const at = `rv ${p.metadata.resourceVersion}`;
    if (bounds.max !== undefined && active.length > bounds.max) violations.push(`${at}: ${active.length} pods > ${bounds.max}`);
    if (bounds.min !== undefined && ready < bounds.min) violations.push(`${at}: ${ready} ready < ${bounds.min}`);
    if (bounds.exclusive && new Set(active.map((x) => x.metadata.labels?.[HASH])).size > 1) violations.push(`${at}: two templates at once`);
  };
  const running = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) apply(JSON.parse(line) as WatchEvent);
        }
      }
    } catch (e) {
      if (!ctl.signal.aborted) throw e;
    }
  })();
  return {
    async stop() {
      await sleep(300); // let the last events arrive
      ctl.abort();
      await running;
      return { violations, states, maxSeen };
    },
  };
}

async function withStack(tag: string, fn: (cs: ControllerStack) => Promise<void>): Promise<void> {
  const cs = await startControllerStack(tag);
  try {
    await fn(cs);
  } finally {
    await cs.close();
  }
}

describe('ReplicaSet and Deployment controllers', { timeout: 300_000 }, () => {
  it('a Deployment of 5 becomes one ReplicaSet and 5 owned pods, reports status, scales up and down', async () => {
    await withStack('deploy', async (cs) => {
      const { url } = cs;
      await createNodes(url, ['n1', 'n2']);
      const d = await createDeployment(url, 'web', { replicas: 5 });
      const kubelet = startFakeKubelet(url, { nodes: ['n1', 'n2'] });
      try {
        const { pods, rss } = await converged(url, 'web', 5, 'nginx:1.26');
        assert.equal(rss.length, 1);
        const rs = rss[0];
        const hash = rs.metadata.labels[HASH];
        assert.ok(hash, 'pod-template-hash label');
        assert.equal(rs.metadata.name, `web-${hash}`);
        assert.equal(rs.spec.selector.matchLabels[HASH], hash);
        assert.equal(rs.metadata.annotations[REVISION], '1');
        assert.equal(controllerOf(rs)?.uid, d.metadata.uid);
        for (const p of pods) {
          assert.equal(controllerOf(p)?.uid, rs.metadata.uid);
          assert.equal(p.metadata.labels?.[HASH], hash);
          assert.ok(p.spec.nodeName, 'bound');
        }
        const dep = await getDeployment(url, 'web');
        assert.equal(dep.metadata.annotations[REVISION], '1');
        assert.equal(dep.status.availableReplicas, 5);
        assert.equal(dep.status.unavailableReplicas ?? 0, 0);
        assert.equal(dep.status.conditions.find((c: any) => c.type === 'Available')?.status, 'True');
        assert.equal(rs.status.readyReplicas, 5);
        assert.equal(rs.status.availableReplicas, 5);
        assert.equal(rs.status.fullyLabeledReplicas, 5);
        assert.equal(rs.status.observedGeneration, rs.metadata.generation);

        // Scale up to 8: the new pods stay unbound and not ready.
        kubelet.options.ready = false;
        kubelet.options.nodes = [];
        await patchDeployment(url, 'web', { spec: { replicas: 8 } });
        const eight = await eventually('8 pods', async () => {
          const ps = (await listPods(url, 'app=web')).filter(isActive);
          return ps.length === 8 ? ps : undefined;
        });
        assert.equal(eight.filter((p) => !p.spec.nodeName).length, 3);
        assert.equal((await listReplicaSets(url)).length, 1, 'scaling makes no new ReplicaSet');

        // Scale down to 2: the unscheduled, not-ready pods go first, then 3 of the ready ones.
        await patchDeployment(url, 'web', { spec: { replicas: 2 } });
        const two = await eventually('2 pods', async () => {
          const ps = await listPods(url, 'app=web');
          return ps.length === 2 && ps.every(isActive) ? ps : undefined;
        });
        const original = new Set(pods.map((p) => p.metadata.name));
        for (const p of two) assert.ok(original.has(p.metadata.name) && isReady(p) && p.spec.nodeName, `${p.metadata.name} is an original ready pod`);
        const dep2 = await eventually('status 2', async () => {
          const x = await getDeployment(url, 'web');
          return x.status.replicas === 2 && x.status.availableReplicas === 2 ? x : undefined;
        });
        assert.equal(dep2.spec.replicas, 2);

        const events = await listEvents(url);
        const reasons = new Set(events.map((e) => e.reason));
        for (const r of ['SuccessfulCreate', 'SuccessfulDelete', 'ScalingReplicaSet']) assert.ok(reasons.has(r), `an Event ${r}`);
        assert.equal(events.filter((e) => e.reason === 'SuccessfulCreate').length, 8, 'one SuccessfulCreate per pod created');
      } finally {
        await kubelet.stop();
      }
    });
  });

  it('a template change rolls out within maxSurge / maxUnavailable at every observed moment, and rolls back', async () => {
    await withStack('rolling', async (cs) => {
      const { url } = cs;
      await createDeployment(url, 'app', { replicas: 6, maxSurge: 2, maxUnavailable: 1 });
      const kubelet = startFakeKubelet(url, { intervalMs: 150 });
      try {
        const first = await converged(url, 'app', 6, 'nginx:1.26');
        const oldRs = first.rss[0];

        let watch = await watchRollout(url, { max: 8, min: 5 });
        await setImage(url, 'app', 'nginx:1.27');
        const second = await converged(url, 'app', 6, 'nginx:1.27');
        let report = await watch.stop();
        assert.deepEqual(report.violations, []);
        assert.ok(report.maxSeen > 6, `surged (max ${report.maxSeen})`);
        assert.ok(report.states >= 18, `observed ${report.states} states (6 creations, 6 readies, 6 deletions at least)`);
        assert.equal(second.rss.length, 2);
        const newRs = second.rss.find((r) => r.metadata.name !== oldRs.metadata.name);
        assert.equal(newRs.metadata.annotations[REVISION], '2');
        assert.equal(second.rss.find((r) => r.metadata.name === oldRs.metadata.name).spec.replicas, 0);
        assert.equal((await getDeployment(url, 'app')).metadata.annotations[REVISION], '2');

        // Rollback: put the old template back. The old ReplicaSet becomes current, revision 3.
        watch = await watchRollout(url, { max: 8, min: 5 });
        await setImage(url, 'app', 'nginx:1.26');
        const third = await converged(url, 'app', 6, 'nginx:1.26');
        report = await watch.stop();
        assert.deepEqual(report.violations, []);
        assert.equal(third.rss.length, 2, 'no third ReplicaSet');
        const current = third.rss.find((r) => r.spec.replicas === 6);
        assert.equal(current.metadata.name, oldRs.metadata.name);
        assert.equal(current.metadata.annotations[REVISION], '3');
        assert.equal((await getDeployment(url, 'app')).metadata.annotations[REVISION], '3');
        for (const p of third.pods) assert.equal(controllerOf(p)?.uid, oldRs.metadata.uid);
      } finally {
        await kubelet.stop();
      }
    });
  });

  it('a paused Deployment does not roll out until resumed', async () => {
    await withStack('paused', async (cs) => {
      const { url } = cs;
      await createDeployment(url, 'p', { replicas: 3 });
      const kubelet = startFakeKubelet(url);
      try {
        const before = await converged(url, 'p', 3, 'nginx:1.26');
        await patchDeployment(url, 'p', { spec: { paused: true } });
        await setImage(url, 'p', 'nginx:1.27');
        await quiescent(url, 1500);
        const rss = await listReplicaSets(url);
        assert.equal(rss.length, 1, 'no new ReplicaSet while paused');
        const pods = (await listPods(url, 'app=p')).filter(isActive);
        assert.deepEqual(pods.map((x) => x.metadata.name).sort(), before.pods.map((x) => x.metadata.name).sort());
        const d = await getDeployment(url, 'p');
        assert.equal(d.status.observedGeneration, d.metadata.generation);
        assert.equal(d.status.conditions.find((c: any) => c.type === 'Progressing')?.reason, 'DeploymentPaused');

        await patchDeployment(url, 'p', { spec: { paused: false } });
        const after = await converged(url, 'p', 3, 'nginx:1.27');
        assert.equal(after.rss.length, 2);
      } finally {
        await kubelet.stop();
      }
    });
  });

  it('Recreate never runs old and new pods at once', async () => {
    await withStack('recreate', async (cs) => {
      const { url } = cs;
      await createDeployment(url, 'r', { replicas: 3, strategy: 'Recreate' });
      const kubelet = startFakeKubelet(url);
      try {
        await converged(url, 'r', 3, 'nginx:1.26');
        const watch = await watchRollout(url, { max: 3, exclusive: true });
        await setImage(url, 'r', 'nginx:1.27');
        await converged(url, 'r', 3, 'nginx:1.27');
        const report = await watch.stop();
        assert.deepEqual(report.violations, []);
        assert.ok(report.states >= 9, `observed ${report.states} states`);
      } finally {
        await kubelet.stop();
      }
    });
  });

  it('a ReplicaSet adopts a matching orphan and releases a pod whose labels changed', async () => {
    await withStack('adopt', async (cs) => {
      const { url } = cs;
      const orphan = await api(url, 'POST', '/api/v1/namespaces/default/pods', pod('orphan', { app: 'adopt' }));
      assert.equal(orphan.status, 201);
      const labels = { app: 'adopt' };
      const rsRes = await api(url, 'POST', '/apis/apps/v1/namespaces/default/replicasets', {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'rs' },
        spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } } },
      });
      assert.equal(rsRes.status, 201);
      const uid = rsRes.body.metadata.uid;
      const owned = await eventually('2 owned pods', async () => {
        const ps = await listPods(url, 'app=adopt');
        return ps.length === 2 && ps.every((p) => controllerOf(p)?.uid === uid) ? ps : undefined;
      });
      assert.ok(owned.some((p) => p.metadata.name === 'orphan'), 'the orphan was adopted, not replaced');

      // Relabel the adopted pod: released, and replaced.
      const r = await api(url, 'PATCH', '/api/v1/namespaces/default/pods/orphan', { metadata: { labels: { app: 'other' } } }, 'application/merge-patch+json');
      assert.equal(r.status, 200);
      await eventually('released and replaced', async () => {
        const released = (await api(url, 'GET', '/api/v1/namespaces/default/pods/orphan')).body;
        if (released.metadata.ownerReferences?.length) return undefined;
        const ps = await listPods(url, 'app=adopt');
        return ps.length === 2 && ps.every((p) => controllerOf(p)?.uid === uid && p.metadata.name !== 'orphan') ? true : undefined;
      });
      const rs = await eventually('status', async () => {
        const x = (await api(url, 'GET', '/apis/apps/v1/namespaces/default/replicasets/rs')).body;
        return x.status?.replicas === 2 && x.status.fullyLabeledReplicas === 2 ? x : undefined;
      });
      assert.equal(rs.status.observedGeneration, rs.metadata.generation);
    });
  });

  it('a restarted controller-manager writes nothing for a converged cluster', async () => {
    await withStack('idem', async (cs) => {
      const { url } = cs;
      await createNodes(url, ['n1']);
      await createDeployment(url, 'idem', { replicas: 5 });
      const kubelet = startFakeKubelet(url, { nodes: ['n1'] });
      const before = await converged(url, 'idem', 5, 'nginx:1.26');
      await kubelet.stop();
      const seq0 = await quiescent(url, 2000);

      for (let round = 0; round < 2; round++) {
        await cs.stopControllerManager();
        const cm = await cs.startControllerManager();
        await eventually('informers synced', async () => cm.ready());
        await sleep(2500);
        assert.equal(await lastSeq(url), seq0, `round ${round}: no write after a restart from sequence 1`);
      }
      const pods = (await listPods(url, 'app=idem')).map((p) => p.metadata.name).sort();
      assert.deepEqual(pods, before.pods.map((p) => p.metadata.name).sort());
      assert.deepEqual((await listReplicaSets(url)).map((r) => r.metadata.name), before.rss.map((r) => r.metadata.name));
    });
  });

  it('a controller-manager killed mid-rollout is replaced and the rollout finishes with the right counts', async () => {
    await withStack('kill', async (cs) => {
      const { url } = cs;
      await createDeployment(url, 'k', { replicas: 6, maxSurge: 1, maxUnavailable: 1 });
      const kubelet = startFakeKubelet(url, { intervalMs: 300 });
      try {
        await converged(url, 'k', 6, 'nginx:1.26');
        const watch = await watchRollout(url, { max: 7, min: 5 });
        await setImage(url, 'k', 'nginx:1.27');
        // Wait until the rollout is under way: some new pods exist, some old ones still run.
        await eventually('rollout under way', async () => {
          const ps = (await listPods(url, 'app=k')).filter(isActive);
          const images = new Set(ps.map((p) => p.spec.containers[0]!.image));
          return images.size === 2 && ps.filter((p) => p.spec.containers[0]!.image === 'nginx:1.27').length >= 2;
        });
        await cs.stopControllerManager();
        await sleep(500);
        await cs.startControllerManager();
        const done = await converged(url, 'k', 6, 'nginx:1.27');
        const report = await watch.stop();
        assert.deepEqual(report.violations, []);
        assert.equal(done.rss.length, 2);
        assert.equal((await listPods(url, 'app=k')).length, 6, 'no extra pods');
        await kubelet.stop();
        const seq = await quiescent(url, 2000);
        await cs.stopControllerManager();
        await cs.startControllerManager();
        await sleep(2500);
        assert.equal(await lastSeq(url), seq, 'converged after the restart: no further writes');
      } finally {
        await kubelet.stop();
      }
    });
  });
});
