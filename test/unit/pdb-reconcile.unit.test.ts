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
import { disruptionReconciler, POD_KEY_PREFIX } from '../../services/controller-manager/disruption/controller.js';
import { staleDisruptionCheck } from '../../services/controller-manager/disruption/stale.js';
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

describe('stale DisruptionTarget conditions', () => {
  const target = (since: string, extra: Partial<{ status: 'True' | 'False'; reason: string }> = {}) => ({
    type: 'DisruptionTarget',
    status: extra.status ?? ('True' as const),
    reason: extra.reason ?? 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastTransitionTime: since,
  });
  const podWith = (cond: object | undefined, deleting = false): Pod => {
    const p = newPod({ name: 'web-0', labels: { app: 'web' }, phase: 'Running', ready: true, ...(deleting ? { deletionTimestamp: at(-1) } : {}) });
    return { ...p, status: { ...p.status, conditions: [...(p.status?.conditions ?? []), ...(cond ? [cond as never] : [])] } };
  };
  const cases: [string, Pod, ReturnType<typeof staleDisruptionCheck>][] = [
    ['no condition', podWith(undefined), { stale: false }],
    ['set 30 s ago: stale in 90 s', podWith(target(at(-30))), { stale: true, afterMs: 90_000 }],
    ['set 3 minutes ago: stale now', podWith(target(at(-180))), { stale: true, afterMs: 0 }],
    ['already False', podWith(target(at(-180), { status: 'False' })), { stale: false }],
    ['set by the kubelet', podWith(target(at(-180), { reason: 'TerminationByKubelet' })), { stale: false }],
    ['a finished pod', { ...podWith(target(at(-180))), status: { ...podWith(target(at(-180))).status, phase: 'Failed' } }, { stale: false }],
    ['being deleted', podWith(target(at(-180)), true), { stale: false }],
  ];
  for (const [name, p, want] of cases) it(name, () => assert.deepEqual(staleDisruptionCheck(p, new Date(T0)), want));

  it('reconcile of a pod key: waits, then sets the condition back to False once', async () => {
    const clock = new ManualClock(T0);
    const writer = new MemoryWriter(clock);
    const p = writer.seed<Pod>('pods', podWith(target(at(-60))));
    const pods = cacheOf<Pod>('pods', p);
    const reconcile = disruptionReconciler({
      pdbs: cacheOf<PodDisruptionBudget>('poddisruptionbudgets'),
      pods,
      replicaSets: cacheOf<ReplicaSet>('replicasets'),
      deployments: cacheOf<Deployment>('deployments'),
      writer,
      clock,
      recorder: { record: () => undefined },
      log: silent,
    });
    assert.deepEqual(await reconcile(`${POD_KEY_PREFIX}default/web-0`), { requeueAfter: 60_000 });
    assert.equal(writer.writes().length, 0);
    clock.advance(60_000);
    await reconcile(`${POD_KEY_PREFIX}default/web-0`);
    assert.equal(writer.count('updateStatus', 'pods'), 1);
    const after = await writer.resource<Pod>('pods').get('default', 'web-0');
    const c = after.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    assert.deepEqual(c, { type: 'DisruptionTarget', status: 'False', lastTransitionTime: at(60) });
    pods.feed(after);
    await reconcile(`${POD_KEY_PREFIX}default/web-0`);
    assert.equal(writer.count('updateStatus', 'pods'), 1, 'nothing more to do');
  });
});
