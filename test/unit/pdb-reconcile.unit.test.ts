/** The disruption controller's reconcile against the in-memory writer: writes counted, a manual clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import { ManualClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/log.js';
import { isConflict } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Deployment, Pod, ReplicaSet } from '../../shared/resources/types.js';
import type { PodDisruptionBudget } from '../../shared/resources/pdb.js';
import { disruptionReconciler } from '../../services/controller-manager/disruption/controller.js';
import { T0, at, cacheOf, newPod } from './controller-fixtures.js';

const silent = createLogger('test', 'silent');
const KEY = 'default/web';

function setup(pods: number) {
  const clock = new ManualClock(T0);
  const writer = new MemoryWriter(clock);
  const pdb = writer.seed<PodDisruptionBudget>('poddisruptionbudgets', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-pdb', generation: 1 },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
  });
  const podList = Array.from({ length: pods }, (_, i) => writer.seed<Pod>('pods', newPod({ name: `web-${i}`, labels: { app: 'web' }, phase: 'Running', ready: true })));
  const pdbCache = cacheOf<PodDisruptionBudget>('poddisruptionbudgets', pdb);
  const podCache = cacheOf<Pod>('pods', ...podList);
  const events: string[] = [];
  const reconcile = disruptionReconciler({
    pdbs: pdbCache,
    pods: podCache,
    replicaSets: cacheOf<ReplicaSet>('replicasets'),
    deployments: cacheOf<Deployment>('deployments'),
    writer,
    clock,
    recorder: { record: (o: KObject, _t: string, reason: string) => void events.push(`${o.metadata.name}:${reason}`) },
    log: silent,
  });
  const budgets = writer.resource<PodDisruptionBudget>('poddisruptionbudgets');
  const catchUp = async () => pdbCache.feed(await budgets.get('default', 'web'));
  return { clock, writer, reconcile, catchUp, budgets, events, pdbCache };
}

describe('disruption reconcile against the in-memory writer', () => {
  it('3 Ready pods, minAvailable 2: one status write with 1 allowed; replays write nothing', async () => {
    const t = setup(3);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('updateStatus', 'poddisruptionbudgets'), 1);
    const b = await t.budgets.get('default', 'web');
    assert.deepEqual(
      [b.status?.currentHealthy, b.status?.desiredHealthy, b.status?.expectedPods, b.status?.disruptionsAllowed, b.status?.observedGeneration],
      [3, 2, 3, 1, 1],
    );
    await t.catchUp();
    const before = t.writer.writes().length;
    for (let i = 0; i < 3; i++) await t.reconcile(KEY);
    assert.equal(t.writer.writes().length, before);
  });

  it('an eviction recorded in disruptedPods: not counted, looked at again when it expires, then dropped with NotDeleted', async () => {
    const t = setup(3);
    await t.reconcile(KEY);
    await t.catchUp();
    // What the eviction subresource writes.
    const b = await t.budgets.get('default', 'web');
    await t.budgets.updateStatus({ ...b, status: { ...b.status!, disruptionsAllowed: 0, disruptedPods: { 'web-0': at(0) } } });
    await t.catchUp();
    const r1 = await t.reconcile(KEY);
    const s1 = (await t.budgets.get('default', 'web')).status!;
    assert.deepEqual([s1.currentHealthy, s1.disruptionsAllowed, s1.disruptedPods], [2, 0, { 'web-0': at(0) }]);
    assert.deepEqual(r1, { requeueAfter: 120_001 });
    await t.catchUp();
    t.clock.advance(121_000);
    await t.reconcile(KEY);
    const s2 = (await t.budgets.get('default', 'web')).status!;
    assert.deepEqual([s2.currentHealthy, s2.disruptionsAllowed, s2.disruptedPods], [3, 1, undefined]);
    assert.deepEqual(t.events, ['web-0:NotDeleted']);
  });

  it('a stale cache loses the CAS: 409, the controller requeues', async () => {
    const t = setup(3);
    await t.reconcile(KEY);
    // The cache still holds the budget as seeded; the stored one moved on.
    await assert.rejects(t.reconcile(KEY), (e: unknown) => isConflict(e));
  });

  it('a budget that is gone: nothing to do', async () => {
    const t = setup(1);
    t.pdbCache.drop(t.pdbCache.get(KEY)!);
    assert.equal(await t.reconcile(KEY), undefined);
    assert.equal(t.writer.writes().length, 0);
  });
});
