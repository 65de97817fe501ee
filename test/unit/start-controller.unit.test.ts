/** startController: the one start/stop wiring every controller shares, and Informer.ensureIndexer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue, controllerUidIndex, startController, type Syncable } from '../../shared/informer/index.js';
import { createLogger } from '../../shared/log.js';
import { cacheOf, newPod, newReplicaSet, ownerRef } from './controller-fixtures.js';

const silent = createLogger('test', 'silent');

/** An informer stand-in that syncs when told to (or fails to). */
function syncable(): Syncable & { sync(): void; fail(e: Error): void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const p = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  p.catch(() => undefined);
  return { waitForSync: () => p, sync: () => resolve(), fail: (e) => reject(e) };
}

describe('startController', () => {
  it('runs no reconcile before every informer has synced; onSynced runs first, then the workers', async () => {
    const a = syncable();
    const b = syncable();
    const queue = new WorkQueue();
    const seen: string[] = [];
    const c = startController({
      name: 't',
      informers: [a, b],
      queue,
      workers: 2,
      log: silent,
      onSynced: () => seen.push('synced'),
      reconcile: async (key) => void seen.push(key),
    });
    queue.add('k1');
    a.sync();
    await sleep(10);
    assert.deepEqual(seen, [], 'one informer still syncing');
    b.sync();
    await sleep(10);
    assert.deepEqual(seen, ['synced', 'k1']);
    await c.stop();
    assert.equal(c.name, 't');
  });

  it('stop() before the sync: nothing ever runs and stop returns', async () => {
    const a = syncable();
    const queue = new WorkQueue();
    let ran = 0;
    const c = startController({ name: 't', informers: [a], queue, workers: 1, log: silent, reconcile: async () => void ran++ });
    queue.add('k');
    await c.stop();
    a.sync();
    await sleep(10);
    assert.equal(ran, 0);
  });

  it('an informer that never syncs (stopped): stop still returns', async () => {
    const a = syncable();
    const c = startController({ name: 't', informers: [a], queue: new WorkQueue(), workers: 1, log: silent, reconcile: async () => undefined });
    a.fail(new Error('informer pods stopped before it synced'));
    await sleep(5);
    await c.stop();
  });

  it('stop() unregisters the handlers, waits for in-flight reconciles and flushes every recorder, but not for longer than flushMs', async () => {
    const a = syncable();
    a.sync();
    const queue = new WorkQueue();
    const order: string[] = [];
    const quick = { flush: async () => void order.push('quick flushed') };
    const stuck = { flush: () => new Promise<void>(() => undefined) };
    const c = startController({
      name: 't',
      informers: [a],
      queue,
      workers: 1,
      log: silent,
      recorder: [quick, stuck],
      flushMs: 50,
      handlers: [() => order.push('unregistered')],
      reconcile: async () => {
        await sleep(30);
        order.push('reconciled');
      },
    });
    await sleep(5);
    queue.add('k');
    await sleep(5);
    const t0 = Date.now();
    await c.stop();
    assert.deepEqual(order, ['unregistered', 'reconciled', 'quick flushed']);
    assert.ok(Date.now() - t0 < 1000, 'a stuck flush does not hold stop() up');
  });
});

describe('Informer.ensureIndexer', () => {
  it('adds an index once; asking again with the same name is a no-op; existing objects are indexed', () => {
    const rs = newReplicaSet();
    const pods = cacheOf('pods', newPod({ name: 'p1', ownerReferences: [ownerRef(rs)] }));
    pods.ensureIndexer('byOwner', controllerUidIndex);
    pods.ensureIndexer('byOwner', () => ['other']);
    assert.deepEqual(pods.byIndex('byOwner', rs.metadata.uid!).map((p) => p.metadata.name), ['p1']);
    assert.throws(() => pods.addIndexer('byOwner', controllerUidIndex), /already exists/);
  });
});
