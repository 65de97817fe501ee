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
import type { Deployment, Namespace, Pod, ReplicaSet, ServiceAccount } from '../../shared/resources/types.js';
import { replicaSetReconciler } from '../../services/controller-manager/replicaset/controller.js';
import { Expectations } from '../../services/controller-manager/replicaset/index.js';
import { serviceAccountReconciler } from '../../services/controller-manager/serviceaccount/controller.js';
import { deploymentReconciler } from '../../services/controller-manager/deployment/controller.js';
import { deployment } from './deployment-fixtures.js';
import { T0, cacheOf, newNamespace, newPod, newReplicaSet, ownerRef } from './controller-fixtures.js';

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
