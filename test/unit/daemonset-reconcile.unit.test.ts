/** The DaemonSet reconcile against the writer port's in-memory twin: caches fed by hand, writes counted. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import { ManualClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Node, Pod } from '../../shared/resources/types.js';
import type { ControllerRevision, DaemonSet } from '../../shared/resources/daemonset-types.js';
import { daemonSetReconciler } from '../../services/controller-manager/daemonset/controller.js';
import { T0, cacheOf } from './controller-fixtures.js';
import { newDaemonSet, newNode } from './daemonset-fixtures.js';

const silent = createLogger('test', 'silent');
const KEY = 'default/agent';

function setup(nodeNames: string[]) {
  const clock = new ManualClock(T0);
  const writer = new MemoryWriter(clock);
  const ds = writer.seed<DaemonSet>('daemonsets', newDaemonSet());
  const nodes = nodeNames.map((n) => writer.seed<Node>('nodes', newNode(n)));
  const dsCache = cacheOf<DaemonSet>('daemonsets', ds);
  const nodeCache = cacheOf<Node>('nodes', ...nodes);
  const podCache = cacheOf<Pod>('pods');
  const crCache = cacheOf<ControllerRevision>('controllerrevisions');
  const reasons: string[] = [];
  const recorder = { record: (_o: KObject, _t: string, reason: string) => void reasons.push(reason) };
  const reconcile = daemonSetReconciler({ daemonSets: dsCache, nodes: nodeCache, pods: podCache, revisions: crCache, writer, clock, recorder, log: silent });
  const catchUp = async () => {
    dsCache.feed(...(await writer.resource<DaemonSet>('daemonsets').listAll('default')));
    podCache.feed(...(await writer.resource<Pod>('pods').listAll('default')));
    crCache.feed(...(await writer.resource<ControllerRevision>('controllerrevisions').listAll('default')));
  };
  return { writer, reconcile, catchUp, reasons, nodeCache, podCache, clock };
}

describe('DaemonSet reconcile against the in-memory writer', () => {
  it('3 nodes: a revision, 3 pods, the status; run again on the same (stale) caches: no new pod', async () => {
    const t = setup(['n1', 'n2', 'n3']);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'controllerrevisions'), 1);
    assert.equal(t.writer.count('create', 'pods'), 3);
    assert.equal(t.writer.count('updateStatus', 'daemonsets'), 1);
    assert.deepEqual(t.reasons, ['SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulCreate']);
    // Redelivered event, caches not caught up: the same names are planned and answered AlreadyExists.
    await assert.rejects(t.reconcile(KEY), (e: Error & { reason?: string }) => e.reason === 'Conflict', 'the status write is stale');
    assert.equal((await t.writer.resource<Pod>('pods').listAll('default')).length, 3);
    assert.equal((await t.writer.resource<ControllerRevision>('controllerrevisions').listAll('default')).length, 1);
    assert.deepEqual(t.reasons.length, 3, 'no event for a pod that already existed');
  });

  it('once the caches catch up: converged, nothing more is written', async () => {
    const t = setup(['n1', 'n2', 'n3']);
    await t.reconcile(KEY);
    await t.catchUp();
    await t.reconcile(KEY); // the status now counts the 3 pods
    await t.catchUp();
    const before = t.writer.writes().length;
    await t.reconcile(KEY);
    assert.equal(t.writer.writes().length, before);
    const ds = await t.writer.resource<DaemonSet>('daemonsets').get('default', 'agent');
    assert.equal(ds.status?.desiredNumberScheduled, 3);
    assert.equal(ds.status?.currentNumberScheduled, 3);
  });

  it('a fourth node: one more pod', async () => {
    const t = setup(['n1', 'n2', 'n3']);
    await t.reconcile(KEY);
    await t.catchUp();
    t.nodeCache.feed(t.writer.seed<Node>('nodes', newNode('n4')));
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'pods'), 4);
    const pods = await t.writer.resource<Pod>('pods').listAll('default');
    const targets = pods.map((p) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0]).sort();
    assert.deepEqual(targets, ['n1', 'n2', 'n3', 'n4']);
  });

  it('a failed pod is deleted (FailedDaemonPod), its replacement failing at once waits for the back-off', async () => {
    const t = setup(['n1']);
    await t.reconcile(KEY);
    await t.catchUp();
    const pods = t.writer.resource<Pod>('pods');
    const fail = async () => {
      const [p] = await pods.listAll('default');
      await pods.updateStatus({ ...p!, status: { phase: 'Failed' } });
      await t.catchUp();
    };
    await fail();
    await t.reconcile(KEY);
    assert.equal(t.writer.count('delete', 'pods'), 1);
    assert.ok(t.reasons.includes('FailedDaemonPod'));
    t.podCache.drop(t.podCache.list()[0]!);
    await t.reconcile(KEY); // the replacement, under the same name
    assert.equal(t.writer.count('create', 'pods'), 2);
    await t.catchUp();
    await fail();
    const r = await t.reconcile(KEY);
    assert.equal(t.writer.count('delete', 'pods'), 1, 'in back-off: not deleted');
    assert.equal((r as { requeueAfter?: number } | undefined)?.requeueAfter, 1000);
    t.clock.advance(1000);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('delete', 'pods'), 2);
  });

  it('an orphan pod matching the selector is adopted and counts for its node; a pod no longer matching is released', async () => {
    const t = setup(['n1', 'n2']);
    const orphan = t.writer.seed<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', namespace: 'default', uid: 'uid-stray', labels: { app: 'agent' } },
      spec: { nodeName: 'n1', containers: [{ name: 'agent', image: 'agent:1' }] },
      status: { phase: 'Running' },
    });
    t.podCache.feed(orphan);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('patch', 'pods'), 1);
    const adopted = await t.writer.resource<Pod>('pods').get('default', 'stray');
    assert.equal(adopted.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
    assert.equal(adopted.metadata.ownerReferences?.[0]?.controller, true);
    const created = (await t.writer.resource<Pod>('pods').listAll('default')).filter((p) => p.metadata.name !== 'stray');
    assert.equal(created.length, 1, 'only n2 gets a new pod');
    await t.catchUp();
    const relabelled = { ...adopted, metadata: { ...adopted.metadata, labels: { app: 'other' } } };
    t.podCache.feed(await t.writer.resource<Pod>('pods').update(relabelled));
    await t.reconcile(KEY);
    const released = await t.writer.resource<Pod>('pods').get('default', 'stray');
    assert.deepEqual(released.metadata.ownerReferences ?? [], []);
  });

  it('a DaemonSet gone from the cache: no calls', async () => {
    const t = setup(['n1']);
    await t.reconcile('default/other');
    assert.equal(t.writer.calls.length, 0);
  });
});
