/**
 * StatefulSets on real NATS and Postgres: gateway + projector + controller-manager (statefulset,
 * garbage collector) + the scheduler; a kubelet stand-in finishes deletions, and the test plays
 * the kubelet's readiness by hand where order matters (one pod Running and Ready at a time). A set
 * of 3 comes up in order, scale-down takes the highest ordinal first, a rolling update replaces
 * pods from the highest ordinal down, a partition keeps the lower ordinals, restarts of the
 * controller-manager mid-work (every object replayed) never duplicate a pod, and
 * volumeClaimTemplates get one claim per ordinal, mounted by its pod.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startScheduler, type RunningScheduler } from '../../services/scheduler/index.js';
import { api } from '../stack.js';
import {
  createNodes,
  eventually,
  isActive,
  isReady,
  listEvents,
  listPods,
  markReady,
  quiescent,
  startControllerStack,
  startFakeKubelet,
  type ControllerStack,
  type FakeKubelet,
  type PodLike,
} from '../controller-stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const STS = '/apis/apps/v1/namespaces/default/statefulsets';

function statefulSet(name: string, replicas: number, image: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...extra,
    },
  };
}

async function getSts(url: string, name: string): Promise<any> {
  const r = await api(url, 'GET', `${STS}/${name}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Active pods of the set: name → image. */
async function active(url: string, app: string): Promise<Map<string, PodLike>> {
  const m = new Map<string, PodLike>();
  for (const p of (await listPods(url, `app=${app}`)).filter(isActive)) m.set(p.metadata.name, p);
  return m;
}

const imageOf = (p: PodLike | undefined) => p?.spec.containers[0]?.image;

/** `name:image` of each active pod, sorted: what the test compares. */
async function shape(url: string, app: string): Promise<string[]> {
  return [...(await active(url, app)).values()].map((p) => `${p.metadata.name}:${imageOf(p)}`).sort();
}

/** Wait for pod `name` (bound by the scheduler, with `image`), let the cluster go quiet, then mark it Running and Ready. */
async function readyOne(url: string, name: string, image: string): Promise<void> {
  await eventually(
    `${name} Running and Ready with ${image}`,
    async () => {
      const p = (await active(url, name.replace(/-[0-9]+$/, ''))).get(name);
      if (!p || imageOf(p) !== image || !p.spec.nodeName) return undefined;
      if (isReady(p)) return true;
      await markReady(url, p);
      return undefined;
    },
    30_000,
  );
}

/** Every replica Ready with `image`, and the status saying so. */
async function settled(url: string, name: string, replicas: number, image: string): Promise<any> {
  return eventually(
    `${name}: ${replicas} ready with ${image}`,
    async () => {
      const pods = await active(url, name);
      if (pods.size !== replicas || ![...pods.values()].every((p) => isReady(p) && imageOf(p) === image)) return undefined;
      const s = await getSts(url, name);
      const st = s.status ?? {};
      if (st.observedGeneration !== s.metadata.generation || (st.readyReplicas ?? 0) !== replicas || st.replicas !== replicas) return undefined;
      if ((st.updatedReplicas ?? 0) !== replicas || st.currentRevision !== st.updateRevision) return undefined;
      return s;
    },
    45_000,
  );
}

describe('StatefulSet controller on NATS and Postgres', { timeout: 300_000 }, () => {
  let cs: ControllerStack;
  let sched: RunningScheduler;
  let kubelet: FakeKubelet;

  before(async () => {
    cs = await startControllerStack('sts', ['statefulset', 'garbagecollector']);
    sched = await startScheduler({ ...cs.stack.cfg, gatewayUrl: cs.url }, silent, { backoffBaseMs: 50, backoffCapMs: 500, leaderElection: { enabled: false } });
    // Finishes deletions; readiness is played by the test where order matters.
    kubelet = startFakeKubelet(cs.url, { intervalMs: 100, ready: false });
    await createNodes(cs.url, ['sts-n1', 'sts-n2']);
  });
  after(async () => {
    await kubelet?.stop();
    await sched?.close();
    await cs?.close();
  });

  it('a set of 3 comes up in order: web-1 only once web-0 is Ready, web-2 only once web-1 is', async () => {
    const r = await api(cs.url, 'POST', STS, statefulSet('web', 3, 'web:1'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(r.body.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(r.body.spec.revisionHistoryLimit, 10);
    for (const [i, name] of ['web-0', 'web-1', 'web-2'].entries()) {
      await eventually(`${name} created`, async () => ((await active(cs.url, 'web')).has(name) ? true : undefined), 30_000);
      await quiescent(cs.url);
      assert.deepEqual(
        await shape(cs.url, 'web'),
        ['web-0', 'web-1', 'web-2'].slice(0, i + 1).map((n) => `${n}:web:1`),
        `only ${name} is new while the pods before it are Ready`,
      );
      await readyOne(cs.url, name, 'web:1');
    }
    const s = await settled(cs.url, 'web', 3, 'web:1');
    assert.equal(s.status.availableReplicas, 3);
    const pod = (await api(cs.url, 'GET', '/api/v1/namespaces/default/pods/web-1')).body;
    assert.equal(pod.spec.hostname, 'web-1');
    assert.equal(pod.spec.subdomain, 'web');
    assert.equal(pod.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(pod.metadata.labels['controller-revision-hash'], s.status.updateRevision);
    const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Dweb')).body.items;
    assert.equal(revs.length, 1);
    assert.equal(revs[0].revision, 1);
    const created = (await listEvents(cs.url)).filter((e) => e.involvedObject?.kind === 'StatefulSet' && e.reason === 'SuccessfulCreate').map((e) => e.message);
    for (const n of ['web-0', 'web-1', 'web-2']) assert.ok(created.includes(`create Pod ${n} in StatefulSet web successful`), JSON.stringify(created));
  });

  it('the scale subresource: scale down to 1 removes web-2 before web-1', async () => {
    const scale = await api(cs.url, 'GET', `${STS}/web/scale`);
    assert.equal(scale.status, 200);
    assert.deepEqual(scale.body.spec, { replicas: 3 });
    assert.equal(scale.body.status.selector, 'app=web');
    const r = await api(cs.url, 'PATCH', `${STS}/web/scale`, { spec: { replicas: 1 } }, 'application/merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const seen: string[] = [];
    await eventually(
      'web scaled to 1',
      async () => {
        const now = (await shape(cs.url, 'web')).join(',');
        if (seen[seen.length - 1] !== now) seen.push(now);
        return now === 'web-0:web:1' ? true : undefined;
      },
      30_000,
      20,
    );
    assert.ok(!seen.includes('web-0:web:1,web-2:web:1'), `web-1 went before web-2: ${JSON.stringify(seen)}`);
    const deleted = (await listEvents(cs.url)).filter((e) => e.involvedObject?.kind === 'StatefulSet' && e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.ok(deleted.includes('delete Pod web-2 in StatefulSet web successful'), JSON.stringify(deleted));
    // back to 3, in order again
    assert.equal((await api(cs.url, 'PATCH', `${STS}/web/scale`, { spec: { replicas: 3 } }, 'application/merge-patch+json')).status, 200);
    await readyOne(cs.url, 'web-1', 'web:1');
    await readyOne(cs.url, 'web-2', 'web:1');
    await settled(cs.url, 'web', 3, 'web:1');
  });

  it('a rolling update replaces the pods in reverse order: web-2, then web-1, then web-0', async () => {
    const r = await api(cs.url, 'PATCH', `${STS}/web`, { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:2' }] } } } }, 'application/strategic-merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const expected = [
      ['web-0:web:1', 'web-1:web:1', 'web-2:web:2'],
      ['web-0:web:1', 'web-1:web:2', 'web-2:web:2'],
      ['web-0:web:2', 'web-1:web:2', 'web-2:web:2'],
    ];
    for (const [i, name] of ['web-2', 'web-1', 'web-0'].entries()) {
      await eventually(`${name} recreated with web:2`, async () => (imageOf((await active(cs.url, 'web')).get(name)) === 'web:2' ? true : undefined), 30_000);
      await quiescent(cs.url);
      assert.deepEqual(await shape(cs.url, 'web'), expected[i], `after ${name} was replaced, nothing else moves until it is Ready`);
      await readyOne(cs.url, name, 'web:2');
    }
    const s = await settled(cs.url, 'web', 3, 'web:2');
    const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Dweb')).body.items;
    assert.deepEqual(revs.map((x: any) => x.revision).sort(), [1, 2]);
    assert.equal(revs.find((x: any) => x.revision === 2).metadata.name, s.status.updateRevision);
  });

  it('a partition of 2 updates web-2 only; web-0 and web-1 keep the current revision', async () => {
    kubelet.options.ready = true;
    const r = await api(
      cs.url,
      'PATCH',
      `${STS}/web`,
      { spec: { updateStrategy: { rollingUpdate: { partition: 2 } }, template: { spec: { containers: [{ name: 'main', image: 'web:3' }] } } } },
      'application/strategic-merge-patch+json',
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const s = await eventually(
      'web-2 at web:3, status counting it',
      async () => {
        const pods = await active(cs.url, 'web');
        if (imageOf(pods.get('web-2')) !== 'web:3' || !isReady(pods.get('web-2')!)) return undefined;
        const set = await getSts(cs.url, 'web');
        return set.status?.updatedReplicas === 1 && set.status?.readyReplicas === 3 && set.status?.observedGeneration === set.metadata.generation ? set : undefined;
      },
      45_000,
    );
    await quiescent(cs.url);
    assert.deepEqual(await shape(cs.url, 'web'), ['web-0:web:2', 'web-1:web:2', 'web-2:web:3']);
    assert.notEqual(s.status.currentRevision, s.status.updateRevision, 'the rollout is partial');
    assert.equal(s.status.currentReplicas, 2);
  });

  it('controller-manager restarted mid-work and every object replayed: no duplicate pod', async () => {
    await cs.stopControllerManager();
    assert.equal((await api(cs.url, 'POST', STS, statefulSet('db', 3, 'db:1', { podManagementPolicy: 'Parallel' }))).status, 201);
    await cs.startControllerManager();
    await eventually('a first db pod', async () => ((await listPods(cs.url, 'app=db')).length > 0 ? true : undefined), 30_000, 20);
    await cs.stopControllerManager();
    await cs.startControllerManager();
    await settled(cs.url, 'db', 3, 'db:1');
    const seq = await quiescent(cs.url);
    const before = (await listPods(cs.url, 'app=db')).map((p) => `${p.metadata.name}/${p.metadata.uid}`).sort();
    assert.equal(before.length, 3);
    // Converged: the replay to a new controller-manager writes nothing at all.
    await cs.stopControllerManager();
    await cs.startControllerManager();
    assert.equal(await quiescent(cs.url), seq);
    assert.deepEqual((await listPods(cs.url, 'app=db')).map((p) => `${p.metadata.name}/${p.metadata.uid}`).sort(), before);
    const created = (await listEvents(cs.url)).filter((e) => e.involvedObject?.name === 'db' && e.reason === 'SuccessfulCreate');
    assert.equal(created.reduce((n, e) => n + (e.count ?? 1), 0), 3, 'one create per pod');
  });

  it('deleted with propagationPolicy Orphan, then created again: the pods and the revision are adopted, none made anew', async () => {
    const uids = async () => (await listPods(cs.url, 'app=db')).map((p) => `${p.metadata.name}/${p.metadata.uid}`).sort();
    const before = await uids();
    const r = await api(cs.url, 'DELETE', `${STS}/db`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await eventually(
      'db pods and revision orphaned',
      async () => {
        const pods = await listPods(cs.url, 'app=db');
        const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Ddb')).body.items;
        const free = (o: any) => !(o.metadata.ownerReferences ?? []).length;
        if (pods.length === 3 && pods.every(free) && revs.length === 1 && revs.every(free)) return true;
        // What is still owned, for the timeout's message.
        throw new Error(`pods ${pods.map((p: any) => `${p.metadata.name}${free(p) ? '' : '(owned)'}`).join(',')}; revisions ${revs.map((r: any) => `${r.metadata.name}${free(r) ? '' : '(owned)'}`).join(',')}; set ${(await api(cs.url, 'GET', `${STS}/db`)).status}`);
      },
      90_000,
    );
    const created = await api(cs.url, 'POST', STS, statefulSet('db', 3, 'db:1', { podManagementPolicy: 'Parallel' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await eventually(
      'db pods and revision adopted',
      async () => {
        const pods = await listPods(cs.url, 'app=db');
        const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Ddb')).body.items;
        const mine = (o: any) => o.metadata.ownerReferences?.some((x: any) => x.controller && x.uid === created.body.metadata.uid);
        return pods.every(mine) && revs.length === 1 && revs.every(mine) ? true : undefined;
      },
      45_000,
    );
    await settled(cs.url, 'db', 3, 'db:1');
    assert.deepEqual(await uids(), before, 'the same pods, adopted');
  });

  it('volumeClaimTemplates: one claim per ordinal, named <template>-<set>-<ordinal>, mounted by its pod', async () => {
    const body = statefulSet('withclaims', 1, 'db:1', {
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
    const r = await api(cs.url, 'POST', STS, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    const claim = await eventually('claim data-withclaims-0', async () => {
      const c = await api(cs.url, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/data-withclaims-0');
      return c.status === 200 && c.body;
    });
    assert.equal(claim.metadata.labels.app, 'withclaims');
    assert.equal(claim.metadata.ownerReferences, undefined, 'Retain/Retain: no owner');
    const pod = await eventually('pod withclaims-0', async () => (await active(cs.url, 'withclaims')).get('withclaims-0'));
    const vols = (pod.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] }).volumes ?? [];
    assert.deepEqual(vols.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'data-withclaims-0' });
    const bad = await api(cs.url, 'POST', STS, statefulSet('badclaims', 1, 'db:1', { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] }));
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.match(bad.body.message, /spec\.volumeClaimTemplates\[0\]\.spec\.resources\[storage\]: Required value/);
    assert.equal((await api(cs.url, 'DELETE', `${STS}/withclaims`)).status, 200);
  });

  it('deleting the set takes its pods and revisions with it (garbage collector)', async () => {
    assert.equal((await api(cs.url, 'DELETE', `${STS}/db`)).status, 200);
    await eventually(
      'db pods and revisions gone',
      async () => {
        const pods = await listPods(cs.url, 'app=db');
        const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Ddb')).body.items;
        return pods.length === 0 && revs.length === 0 ? true : undefined;
      },
      45_000,
    );
    assert.equal((await active(cs.url, 'web')).size, 3, 'the other set keeps its pods');
  });
});
