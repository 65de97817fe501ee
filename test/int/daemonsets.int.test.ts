/**
 * DaemonSets on real NATS and Postgres: gateway + projector + controller-manager (daemonset) +
 * the scheduler; Node objects are created through the API and a kubelet stand-in marks pods Ready
 * and finishes deletions. A pod lands on each node (bound by the scheduler through the node-name
 * affinity), a node added later gets one, a tainted node does not, a rolling update replaces them
 * one node at a time, `rollout undo`'s patch brings the first revision back, and restarts of the
 * controller-manager mid-work never leave two pods on a node, and the garbage collector takes a
 * deleted DaemonSet's pods and revisions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startScheduler, type RunningScheduler } from '../../services/scheduler/index.js';
import { api } from '../stack.js';
import {
  eventually,
  isActive,
  isReady,
  listEvents,
  listPods,
  quiescent,
  startControllerStack,
  startFakeKubelet,
  type ControllerStack,
  type FakeKubelet,
  type PodLike,
} from '../controller-stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const DS = '/apis/apps/v1/namespaces/default/daemonsets';

function nodeObject(name: string, taints?: { key: string; value?: string; effect: string }[]) {
  const capacity = { cpu: '8', memory: '16Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: taints ? { taints } : {},
    status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node' }] },
  };
}

function daemonSet(name: string, image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image }] } },
    },
  };
}

async function addNode(url: string, name: string, taints?: { key: string; value?: string; effect: string }[]) {
  const r = await api(url, 'POST', '/api/v1/nodes', nodeObject(name, taints));
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

/** Active pods of the DaemonSet by node; throws when a node has two (never allowed here without surge). */
async function podsByNode(url: string, app: string): Promise<Map<string, PodLike>> {
  const m = new Map<string, PodLike>();
  for (const p of (await listPods(url, `app=${app}`)).filter(isActive)) {
    const node = p.spec.nodeName;
    if (!node) continue;
    if (m.has(node)) throw new Error(`two pods of ${app} on ${node}: ${m.get(node)!.metadata.name}, ${p.metadata.name}`);
    m.set(node, p);
  }
  return m;
}

async function getDs(url: string, name: string): Promise<any> {
  const r = await api(url, 'GET', `${DS}/${name}`);
  assert.equal(r.status, 200);
  return r.body;
}

/** One ready pod of `image` on exactly `nodes`, and the status saying so. */
async function settled(url: string, name: string, nodes: readonly string[], image: string) {
  return eventually(
    `${name} on ${nodes.join(',')} with ${image}`,
    async () => {
      const byNode = await podsByNode(url, name);
      if ([...byNode.keys()].sort().join(',') !== [...nodes].sort().join(',')) return undefined;
      if (![...byNode.values()].every((p) => isReady(p) && p.spec.containers[0]!.image === image)) return undefined;
      const ds = await getDs(url, name);
      const s = ds.status ?? {};
      const n = nodes.length;
      if (s.observedGeneration !== ds.metadata.generation) return undefined;
      if (s.desiredNumberScheduled !== n || s.currentNumberScheduled !== n || s.numberReady !== n || s.updatedNumberScheduled !== n || s.numberAvailable !== n) return undefined;
      return { byNode, ds };
    },
    45_000,
  );
}

describe('DaemonSet controller on NATS and Postgres', { timeout: 240_000 }, () => {
  let cs: ControllerStack;
  let sched: RunningScheduler;
  let kubelet: FakeKubelet;

  before(async () => {
    cs = await startControllerStack('ds', ['daemonset', 'garbagecollector']);
    sched = await startScheduler({ ...cs.stack.cfg, gatewayUrl: cs.url }, silent, { backoffBaseMs: 50, backoffCapMs: 500, leaderElection: { enabled: false } });
    kubelet = startFakeKubelet(cs.url, { intervalMs: 100 });
    for (const n of ['ds-n1', 'ds-n2', 'ds-n3']) await addNode(cs.url, n);
  });
  after(async () => {
    await kubelet?.stop();
    await sched?.close();
    await cs?.close();
  });

  it('a pod lands on each of 3 nodes, created with the node-name affinity and bound by the scheduler', async () => {
    const r = await api(cs.url, 'POST', DS, daemonSet('agent', 'agent:1'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.metadata.annotations['deprecated.daemonset.template.generation'], '1');
    assert.deepEqual(r.body.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const { byNode } = await settled(cs.url, 'agent', ['ds-n1', 'ds-n2', 'ds-n3'], 'agent:1');
    for (const [node, p] of byNode) {
      const full = (await api(cs.url, 'GET', `/api/v1/namespaces/default/pods/${p.metadata.name}`)).body;
      assert.deepEqual(full.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] },
      ]);
      assert.ok(full.metadata.labels['controller-revision-hash']);
      assert.equal(full.metadata.labels['pod-template-generation'], '1');
    }
    const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions')).body.items;
    assert.equal(revs.length, 1);
    assert.equal(revs[0].revision, 1);
    const events = (await listEvents(cs.url)).filter((e) => e.involvedObject?.kind === 'DaemonSet' && e.reason === 'SuccessfulCreate');
    assert.ok(events.length >= 1);
  });

  it('a fourth node added later gets one; a node tainted NoSchedule without toleration gets none', async () => {
    await addNode(cs.url, 'ds-n4');
    await addNode(cs.url, 'ds-tainted', [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    await settled(cs.url, 'agent', ['ds-n1', 'ds-n2', 'ds-n3', 'ds-n4'], 'agent:1');
    await quiescent(cs.url);
    const byNode = await podsByNode(cs.url, 'agent');
    assert.equal(byNode.has('ds-tainted'), false);
    assert.equal((await getDs(cs.url, 'agent')).status.desiredNumberScheduled, 4);
  });

  it('a rolling update replaces them one node at a time; a second revision appears', async () => {
    const r = await api(cs.url, 'PATCH', `${DS}/agent`, { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } }, 'application/strategic-merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.metadata.annotations['deprecated.daemonset.template.generation'], '2');
    // maxUnavailable 1: never fewer than 3 ready pods of 4 (sampled while it rolls).
    let minReady = 4;
    const { ds } = await eventually(
      'agent:2 everywhere',
      async () => {
        const byNode = await podsByNode(cs.url, 'agent');
        minReady = Math.min(minReady, [...byNode.values()].filter(isReady).length);
        if (byNode.size !== 4 || ![...byNode.values()].every((p) => isReady(p) && p.spec.containers[0]!.image === 'agent:2')) return undefined;
        const d = await getDs(cs.url, 'agent');
        return d.status?.updatedNumberScheduled === 4 && d.status?.numberAvailable === 4 && d.status?.observedGeneration === d.metadata.generation ? { ds: d } : undefined;
      },
      60_000,
      50,
    );
    assert.ok(minReady >= 3, `ready pods went down to ${minReady}`);
    assert.equal(ds.status.numberUnavailable ?? 0, 0);
    const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Dagent')).body.items;
    assert.deepEqual(revs.map((x: any) => x.revision).sort(), [1, 2]);
  });

  it('maxSurge 1: a new pod starts next to the old one before it goes; never fewer ready pods than nodes', async () => {
    const body = daemonSet('surge', 'surge:1');
    (body.spec as Record<string, unknown>).updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
    assert.equal((await api(cs.url, 'POST', DS, body)).status, 201);
    await settled(cs.url, 'surge', ['ds-n1', 'ds-n2', 'ds-n3', 'ds-n4'], 'surge:1');
    const r = await api(cs.url, 'PATCH', `${DS}/surge`, { spec: { template: { spec: { containers: [{ name: 'agent', image: 'surge:2' }] } } } }, 'application/strategic-merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    let minReady = 4;
    let maxActive = 0;
    await eventually(
      'surge:2 everywhere',
      async () => {
        const active = (await listPods(cs.url, 'app=surge')).filter(isActive);
        maxActive = Math.max(maxActive, active.length);
        minReady = Math.min(minReady, new Set(active.filter(isReady).map((p) => p.spec.nodeName)).size);
        if (active.length !== 4 || !active.every((p) => isReady(p) && p.spec.containers[0]!.image === 'surge:2')) return undefined;
        const d = await getDs(cs.url, 'surge');
        return d.status?.updatedNumberScheduled === 4 && d.status?.numberAvailable === 4 ? true : undefined;
      },
      60_000,
      50,
    );
    assert.equal(minReady, 4, 'every node kept a ready pod');
    assert.ok(maxActive <= 5, `at most one surge pod at a time, saw ${maxActive} active pods`);
    assert.equal((await api(cs.url, 'DELETE', `${DS}/surge`)).status, 200);
  });

  it("rollout undo's patch (the revision's data) brings revision 1's template back as revision 3", async () => {
    const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions')).body.items;
    const first = revs.find((x: any) => x.revision === 1);
    const r = await api(cs.url, 'PATCH', `${DS}/agent`, first.data, 'application/strategic-merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await settled(cs.url, 'agent', ['ds-n1', 'ds-n2', 'ds-n3', 'ds-n4'], 'agent:1');
    const after = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Dagent')).body.items;
    const renumbered = after.find((x: any) => x.metadata.name === first.metadata.name);
    assert.equal(renumbered.revision, 3);
    assert.equal(after.length, 2);
  });

  it('controller-manager restarts mid-work: every node ends with exactly one pod, no duplicate', async () => {
    await cs.stopControllerManager();
    const r = await api(cs.url, 'POST', DS, daemonSet('logs', 'logs:1'));
    assert.equal(r.status, 201);
    await cs.startControllerManager();
    // Stop as soon as the first pod exists (some creates done, others not), then start again.
    await eventually('a first logs pod', async () => ((await listPods(cs.url, 'app=logs')).length > 0 ? true : undefined), 30_000, 20);
    await cs.stopControllerManager();
    await cs.startControllerManager();
    await settled(cs.url, 'logs', ['ds-n1', 'ds-n2', 'ds-n3', 'ds-n4'], 'logs:1');
    // And once more on a converged cluster: every object is replayed to the new controller-manager,
    // which writes nothing at all (no pod, no status, no event: the stream does not move).
    const seq = await quiescent(cs.url);
    const before = (await listPods(cs.url, 'app=logs')).map((p) => p.metadata.name).sort();
    await cs.stopControllerManager();
    await cs.startControllerManager();
    assert.equal(await quiescent(cs.url), seq);
    const afterNames = (await listPods(cs.url, 'app=logs')).map((p) => p.metadata.name).sort();
    assert.deepEqual(afterNames, before);
    assert.equal(before.length, 4);
  });

  it('a node deleted loses its pod', async () => {
    assert.equal((await api(cs.url, 'DELETE', '/api/v1/nodes/ds-n4')).status, 200);
    await settled(cs.url, 'logs', ['ds-n1', 'ds-n2', 'ds-n3'], 'logs:1');
  });

  it('deleting the DaemonSet takes its pods and revisions with it (garbage collector)', async () => {
    assert.equal((await api(cs.url, 'DELETE', `${DS}/logs`)).status, 200);
    await eventually(
      'logs pods and revisions gone',
      async () => {
        const pods = await listPods(cs.url, 'app=logs');
        const revs = (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Dlogs')).body.items;
        return pods.length === 0 && revs.length === 0 ? true : undefined;
      },
      45_000,
    );
    assert.equal((await podsByNode(cs.url, 'agent')).size, 3, 'the other DaemonSet keeps its pods');
  });
});
