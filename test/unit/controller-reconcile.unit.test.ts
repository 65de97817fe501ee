/**
 * Reconciles run against the writer port's in-memory twin: caches fed by hand, a manual clock,
 * and the writes counted. The pattern for every controller's reconcile (issue 13).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import { ManualClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Deployment, Endpoints, Lease, Namespace, Node, Pod, ReplicaSet, Service, ServiceAccount } from '../../shared/resources/types.js';
import { replicaSetReconciler } from '../../services/controller-manager/replicaset/controller.js';
import { Expectations } from '../../services/controller-manager/replicaset/index.js';
import { serviceAccountReconciler } from '../../services/controller-manager/serviceaccount/controller.js';
import { deploymentReconciler } from '../../services/controller-manager/deployment/controller.js';
import { deployment } from './deployment-fixtures.js';
import { endpointsReconciler } from '../../services/controller-manager/endpoints/controller.js';
import { nodeLifecycleReconcilers } from '../../services/controller-manager/nodelifecycle/controller.js';
import { garbageCollectorReconciler } from '../../services/controller-manager/gc/controller.js';
import { namespaceReconciler } from '../../services/controller-manager/namespace/controller.js';
import { T0, cacheOf, newNamespace, newObject, newPod, newReplicaSet, ownerRef } from './controller-fixtures.js';

const silent = createLogger('test', 'silent');

/** An EventRecorder stand-in that keeps the reasons. */
function recorder() {
  const reasons: string[] = [];
  return { reasons, record: (_obj: KObject, _type: string, reason: string) => void reasons.push(reason) };
}

describe('ReplicaSet reconcile against the in-memory writer', () => {
  const KEY = 'default/web-abc';

  function setup(replicas: number, podCount: number) {
    const clock = new ManualClock(T0);
    const writer = new MemoryWriter(clock);
    const rs = writer.seed<ReplicaSet>('replicasets', newReplicaSet({ replicas }));
    const pods = Array.from({ length: podCount }, (_, i) =>
      writer.seed<Pod>('pods', newPod({ name: `web-abc-${i}`, labels: { app: 'web' }, ownerReferences: [ownerRef(rs)], phase: 'Running' })),
    );
    const rsCache = cacheOf<ReplicaSet>('replicasets', rs);
    const podCache = cacheOf<Pod>('pods', ...pods);
    const expectations = new Expectations();
    const events = recorder();
    const reconcile = replicaSetReconciler({ replicaSets: rsCache, pods: podCache, writer, clock, expectations, recorder: events, log: silent });
    /** The informers catch up with everything written so far. */
    const catchUp = async () => {
      rsCache.feed(...(await writer.resource<ReplicaSet>('replicasets').listAll('default')));
      podCache.feed(...(await writer.resource<Pod>('pods').listAll('default')));
    };
    return { clock, writer, expectations, events, reconcile, catchUp, rsCache };
  }

  it('3 replicas and 1 pod: 2 creates; a second reconcile with the expectation pending creates nothing', async () => {
    const t = setup(3, 1);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'pods'), 2);
    assert.equal(t.writer.count('updateStatus', 'replicasets'), 1);
    assert.deepEqual(t.events.reasons, ['SuccessfulCreate', 'SuccessfulCreate']);

    // The ReplicaSet informer saw our status write; the pod informer has not seen the new pods yet.
    t.rsCache.feed(await t.writer.resource<ReplicaSet>('replicasets').get('default', 'web-abc'));
    const before = t.writer.writes().length;
    await t.reconcile(KEY);
    assert.equal(t.writer.writes().length, before, 'nothing written while the creations are expected');
    assert.equal(t.writer.count('create', 'pods'), 2);
  });

  it('once the pods are seen, the ReplicaSet is converged: only its status is written, then nothing', async () => {
    const t = setup(3, 1);
    await t.reconcile(KEY);
    t.expectations.creationObserved(KEY, 2); // what the pod informer's handler does for each new pod
    await t.catchUp();
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'pods'), 2);
    const rs = await t.writer.resource<ReplicaSet>('replicasets').get('default', 'web-abc');
    assert.equal(rs.status?.replicas, 3);
    await t.catchUp();
    const before = t.writer.writes().length;
    await t.reconcile(KEY);
    assert.equal(t.writer.writes().length, before);
  });

  it('1 replica and 3 pods: 2 deletes', async () => {
    const t = setup(1, 3);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('delete', 'pods'), 2);
    assert.equal((await t.writer.resource<Pod>('pods').listAll('default')).length, 1);
    assert.deepEqual(t.events.reasons, ['SuccessfulDelete', 'SuccessfulDelete']);
  });

  it('a ReplicaSet gone from the cache: no calls at all', async () => {
    const t = setup(3, 0);
    t.rsCache.drop(t.rsCache.get(KEY)!);
    await t.reconcile(KEY);
    assert.equal(t.writer.calls.length, 0);
  });

  it('a stale cache makes the status write fail with a Conflict (runController requeues it)', async () => {
    const t = setup(3, 3);
    await t.writer.resource<ReplicaSet>('replicasets').patch('default', 'web-abc', { metadata: { labels: { moved: 'on' } } }, 'merge');
    await assert.rejects(t.reconcile(KEY), (e: Error & { reason?: string }) => e.reason === 'Conflict');
  });
});

describe('ServiceAccount reconcile against the in-memory writer', () => {
  function setup(ns: Namespace, ...accounts: ServiceAccount[]) {
    const writer = new MemoryWriter(new ManualClock(T0));
    for (const sa of accounts) writer.seed('serviceaccounts', sa);
    const namespaces = cacheOf<Namespace>('namespaces', ns);
    const accountCache = cacheOf<ServiceAccount>('serviceaccounts', ...accounts);
    return { writer, accountCache, reconcile: serviceAccountReconciler({ namespaces, accounts: accountCache, writer }) };
  }
  const sa = (name: string, namespace = 'team-a'): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });

  it('a new namespace gets default: one create; with the cache caught up a second reconcile writes nothing', async () => {
    const t = setup(newNamespace());
    await t.reconcile('team-a');
    assert.equal(t.writer.count('create', 'serviceaccounts'), 1);
    const [created] = await t.writer.resource<ServiceAccount>('serviceaccounts').listAll('team-a');
    assert.equal(created?.metadata.name, 'default');
    t.accountCache.feed(created!);
    await t.reconcile('team-a');
    assert.equal(t.writer.count('create'), 1);
  });

  it('a cache behind the log: the create answers AlreadyExists and the reconcile succeeds', async () => {
    const t = setup(newNamespace());
    t.writer.seed('serviceaccounts', sa('default'));
    await t.reconcile('team-a');
    assert.equal(t.writer.count('create'), 1);
    assert.equal((await t.writer.resource('serviceaccounts').listAll('team-a')).length, 1);
  });

  it('a namespace that has it, is terminating or is gone: no calls', async () => {
    for (const [ns, key] of [
      [newNamespace(), 'team-a'],
      [newNamespace({ deletionTimestamp: '2024-01-01T00:00:00Z' }), 'team-a'],
      [newNamespace(), 'elsewhere'],
    ] as const) {
      const t = setup(ns, sa('default'));
      await t.reconcile(key);
      assert.equal(t.writer.calls.length, 0, key);
    }
  });
});

describe('Deployment reconcile against the in-memory writer', () => {
  it('a new Deployment: one ReplicaSet created; reconciling until nothing changes writes it no second time', async () => {
    const clock = new ManualClock(T0);
    const writer = new MemoryWriter(clock);
    const d = writer.seed<Deployment>('deployments', deployment({ replicas: 3 }));
    const deployments = cacheOf<Deployment>('deployments', d);
    const replicaSets = cacheOf<ReplicaSet>('replicasets');
    const pods = cacheOf<Pod>('pods');
    const events = recorder();
    const reconcile = deploymentReconciler({ deployments, replicaSets, pods, writer, clock, recorder: events, log: silent });
    const catchUp = async () => {
      deployments.feed(...(await writer.resource<Deployment>('deployments').listAll('default')));
      replicaSets.feed(...(await writer.resource<ReplicaSet>('replicasets').listAll('default')));
    };

    await reconcile('default/foo');
    assert.equal(writer.count('create', 'replicasets'), 1);
    assert.ok(events.reasons.includes('ScalingReplicaSet'), events.reasons.join());
    let writes = -1;
    for (let round = 0; round < 5 && writes !== writer.writes().length; round++) {
      writes = writer.writes().length;
      await catchUp();
      await reconcile('default/foo');
    }
    assert.equal(writes, writer.writes().length, 'converged: a reconcile writes nothing');
    assert.equal(writer.count('create', 'replicasets'), 1);
    const [only] = await writer.resource<ReplicaSet>('replicasets').listAll('default');
    assert.equal(only?.spec.replicas, 3);
    assert.equal(only?.metadata.ownerReferences?.[0]?.uid, d.metadata.uid);
  });
});

describe('Endpoints reconcile against the in-memory writer', () => {
  const service = (selector: Record<string, string> | null = { app: 'web' }): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-svc' },
    spec: { ...(selector ? { selector } : {}), ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
  });
  const readyPod = (name: string, ip: string): Pod => {
    const p = newPod({ name, labels: { app: 'web' }, nodeName: 'node-1', phase: 'Running', ready: true });
    return { ...p, status: { ...p.status, podIP: ip } };
  };

  function setup(svcs: Service[], podList: Pod[], eps: Endpoints[] = []) {
    const writer = new MemoryWriter(new ManualClock(T0));
    for (const s of svcs) writer.seed('services', s);
    const stored = eps.map((e) => writer.seed('endpoints', e));
    const endpoints = cacheOf<Endpoints>('endpoints', ...stored);
    const gone = new Set<string>();
    const reconcile = endpointsReconciler({ services: cacheOf('services', ...svcs), pods: cacheOf('pods', ...podList), endpoints, gone, writer, log: silent });
    return { writer, endpoints, gone, reconcile };
  }

  it('a service selecting two ready pods: one create with both addresses; with the cache caught up, nothing more', async () => {
    const t = setup([service()], [readyPod('a', '10.0.0.1'), readyPod('b', '10.0.0.2')]);
    await t.reconcile('default/web');
    assert.equal(t.writer.count('create', 'endpoints'), 1);
    const ep = await t.writer.resource<Endpoints>('endpoints').get('default', 'web');
    assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => a.ip).sort(), ['10.0.0.1', '10.0.0.2']);
    t.endpoints.feed(ep);
    await t.reconcile('default/web');
    assert.equal(t.writer.writes().length, 1);
  });

  it('a service without a selector: its Endpoints are left alone', async () => {
    const t = setup([service(null)], [readyPod('a', '10.0.0.1')]);
    await t.reconcile('default/web');
    assert.equal(t.writer.calls.length, 0);
  });

  it('the service seen deleted: its Endpoints are deleted once the gateway confirms the service is gone', async () => {
    const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default', uid: 'uid-ep' }, subsets: [] };
    const t = setup([], [], [ep]);
    await t.reconcile('default/web');
    assert.equal(t.writer.calls.length, 0, 'not seen deleted: maybe the user wrote it first');
    t.gone.add('default/web');
    await t.reconcile('default/web');
    assert.equal(t.writer.count('get', 'services'), 1);
    assert.equal(t.writer.count('delete', 'endpoints'), 1);
  });
});

describe('node lifecycle reconciles against the in-memory writer', () => {
  const GRACE_MS = 40_000;
  const node = (): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', uid: 'uid-n1' },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
  });
  const lease = (renewTime: string): Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime },
  });

  function setup() {
    const clock = new ManualClock(T0);
    const writer = new MemoryWriter(clock);
    const n = writer.seed<Node>('nodes', node());
    const nodeEvents = recorder();
    const r = nodeLifecycleReconcilers({
      nodes: cacheOf('nodes', n),
      leases: cacheOf('leases', lease('2024-01-01T00:00:00.000000Z')),
      pods: cacheOf<Pod>('pods'),
      writer,
      clock,
      nodeRecorder: nodeEvents,
      podRecorder: recorder(),
      log: silent,
      graceMs: GRACE_MS,
      defaultTolerationSeconds: 300,
      deleted: new Set(),
      firstSeen: new Map(),
    });
    return { clock, writer, nodeEvents, ...r };
  }

  it('a node renewing its Lease: no writes, and a look again when the heartbeat would expire', async () => {
    const t = setup();
    t.clock.advance(10_000);
    const result = await t.reconcileNode('n1');
    assert.equal(t.writer.calls.length, 0);
    assert.ok(result && result.requeueAfter! > 29_000 && result.requeueAfter! <= 30_100, JSON.stringify(result));
  });

  it('a Lease older than the grace period: status Unknown (one updateStatus), NodeNotReady, then the unreachable taints (one update)', async () => {
    const t = setup();
    t.clock.advance(GRACE_MS + 1000);
    await t.reconcileNode('n1');
    assert.equal(t.writer.count('updateStatus', 'nodes'), 1);
    assert.equal(t.writer.count('update', 'nodes'), 1);
    assert.deepEqual(t.nodeEvents.reasons, ['NodeNotReady']);
    const n = await t.writer.resource<Node>('nodes').get(undefined, 'n1');
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
    assert.ok((n.spec?.taints ?? []).some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute'));
  });
});

describe('garbage collector reconcile against the in-memory writer', () => {
  const owner = newObject('Deployment', { name: 'web', uid: 'u-owner' });
  function setup(ownerCached: boolean) {
    const writer = new MemoryWriter(new ManualClock(T0));
    const dependent = writer.seed('configmaps', newObject('ConfigMap', { name: 'dep', ownerReferences: [ownerRef(owner)] }));
    if (ownerCached) writer.seed('deployments', owner);
    const informers = [cacheOf('configmaps', dependent), cacheOf('deployments', ...(ownerCached ? [owner] : []))];
    return { writer, reconcile: garbageCollectorReconciler({ informers, writer, recorder: recorder(), log: silent }) };
  }

  it('an owner the gateway confirms is gone: its dependent is deleted (one live get, one delete)', async () => {
    const t = setup(false);
    await t.reconcile('u-owner');
    assert.equal(t.writer.count('get', 'deployments'), 1);
    assert.equal(t.writer.count('delete', 'configmaps'), 1);
    assert.equal((await t.writer.resource('configmaps').listAll('default')).length, 0);
  });

  it('an owner alive in the cache: no calls', async () => {
    const t = setup(true);
    await t.reconcile('u-owner');
    assert.equal(t.writer.calls.length, 0);
  });
});

describe('namespace reconcile against the in-memory writer', () => {
  function setup(...inside: KObject[]) {
    const clock = new ManualClock(T0);
    const writer = new MemoryWriter(clock);
    const ns = writer.seed<Namespace>('namespaces', newNamespace({ deletionTimestamp: '2024-01-01T00:00:00Z' }));
    const stored = inside.map((o) => writer.seed('configmaps', o));
    const finalized: string[] = [];
    const reconcile = namespaceReconciler({
      namespaces: cacheOf('namespaces', ns),
      content: [cacheOf('configmaps', ...stored)],
      writer,
      finalize: async (name) => void finalized.push(name),
      clock,
      recorder: recorder(),
      reported: new Map(),
      log: silent,
    });
    return { writer, finalized, reconcile };
  }

  it('a terminating namespace with content: the content is deleted, nothing finalized yet', async () => {
    const t = setup(newObject('ConfigMap', { name: 'c1', namespace: 'team-a' }));
    await t.reconcile('team-a');
    assert.equal(t.writer.count('delete', 'configmaps'), 1);
    assert.deepEqual(t.finalized, []);
  });

  it('an empty terminating namespace: emptiness confirmed with a live list, then finalized once', async () => {
    const t = setup();
    await t.reconcile('team-a');
    assert.equal(t.writer.count('listAll', 'configmaps'), 1);
    assert.deepEqual(t.finalized, ['team-a']);
  });
});
