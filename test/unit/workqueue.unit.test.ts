import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, WorkQueue, runController, TerminalError, isTerminal, terminal, ObjectCache, objectKey, splitKey, controllerUidIndex, labelIndex, nodeNameIndex } from '../../shared/informer/index.js';
import { conflict } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';

const silent = createLogger('test', 'silent');

/** get() with a deadline: undefined on shutdown, 'timeout' when nothing came. */
async function getOrTimeout(q: WorkQueue, ms = 50): Promise<string | undefined | 'timeout'> {
  return Promise.race([q.get(), sleep(ms).then(() => 'timeout' as const)]);
}

describe('WorkQueue', () => {
  it('hands keys out in FIFO order and dedupes a key that is already waiting', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len, 0);
  });

  it('never hands a key being processed to a second worker; re-adds it after done()', async () => {
    const q = new WorkQueue();
    q.add('k');
    const k = await q.get();
    assert.equal(k, 'k');
    q.add('k'); // changed while being processed
    q.add('k');
    assert.equal(q.len, 0, 'a key in flight is not queued again');
    let second: string | undefined | 'pending' = 'pending';
    const p = q.get().then((k) => (second = k));
    await sleep(30);
    assert.equal(second, 'pending', 'a second worker does not get it while it is in flight');
    q.done('k');
    await p;
    assert.equal(second, 'k', 're-queued once on done() and handed to the waiting worker');
    q.done('k');
    assert.equal(q.len, 0, 'both adds during processing collapsed into one');
    assert.equal(await getOrTimeout(q), 'timeout');
    q.shutDown();
  });

  it('wakes a waiting worker on add', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    q.add('x');
    assert.equal(q.len, 0, 'x is in flight');
    q.done('x');
    assert.equal(await q.get(), 'x');
  });

  it('runs many workers with no key processed twice at once', async () => {
    const q = new WorkQueue();
    const active = new Set<string>();
    let overlaps = 0;
    let processed = 0;
    const h = runController({
      name: 't',
      queue: q,
      workers: 8,
      log: silent,
      reconcile: async (key) => {
        if (active.has(key)) overlaps++;
        active.add(key);
        await sleep(1 + Math.random() * 3);
        active.delete(key);
        processed++;
      },
    });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) q.add(`k${i}`);
      await sleep(1);
    }
    await sleep(50);
    await h.stop();
    assert.equal(overlaps, 0);
    assert.ok(processed >= 5 && processed <= 100, `processed ${processed}`);
  });

  it('addAfter delivers later, and the earliest of two delays wins', async () => {
    const q = new WorkQueue();
    const t0 = Date.now();
    q.addAfter('late', 60);
    q.addAfter('late', 200); // later: ignored
    q.addAfter('soon', 20);
    assert.equal(q.len, 0);
    assert.equal(await q.get(), 'soon');
    assert.equal(await q.get(), 'late');
    const took = Date.now() - t0;
    assert.ok(took >= 55 && took < 190, `took ${took} ms`);
    q.addAfter('now', 0);
    assert.equal(q.len, 1, 'a non-positive delay adds at once');
  });

  it('addAfter longer than setTimeout allows (2^31-1 ms) waits the whole delay instead of firing at once', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const q = new WorkQueue();
    const month = 40 * 24 * 3600 * 1000; // 40 days > 24.8
    q.addAfter('yearly', month);
    t.mock.timers.tick(1000);
    assert.equal(q.len, 0, 'not after a second');
    t.mock.timers.tick(2 ** 31 - 1);
    assert.equal(q.len, 0, 'not after the first 24.8 days');
    t.mock.timers.tick(month);
    assert.equal(q.len, 1, 'after the whole delay');
    q.shutDown();
  });

  it('addRateLimited backs off exponentially per key; forget() resets', async () => {
    const q = new WorkQueue({ baseMs: 10, capMs: 1000 });
    q.add('k');
    assert.equal(await q.get(), 'k');
    q.addRateLimited('k');
    q.done('k');
    assert.equal(q.numRequeues('k'), 1);
    let t = Date.now();
    assert.equal(await q.get(), 'k');
    const first = Date.now() - t;
    q.addRateLimited('k');
    q.addRateLimited('k');
    q.done('k');
    assert.equal(q.numRequeues('k'), 3);
    t = Date.now();
    assert.equal(await q.get(), 'k');
    const second = Date.now() - t;
    assert.ok(first >= 8 && second >= 18, `first ${first} ms, second ${second} ms`);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.done('k');
    q.shutDown();
  });

  it('shutDown wakes waiting workers with undefined and drops delayed adds', async () => {
    const q = new WorkQueue();
    const a = q.get();
    const b = q.get();
    q.addAfter('later', 30);
    q.shutDown();
    assert.equal(await a, undefined);
    assert.equal(await b, undefined);
    assert.equal(await q.get(), undefined);
    q.add('x');
    assert.equal(q.len, 0, 'adds after shutdown are ignored');
    assert.equal(q.shuttingDown, true);
  });
});

describe('ExponentialBackoff', () => {
  it('doubles from the base and stops at the cap', () => {
    const b = new ExponentialBackoff();
    const seq = Array.from({ length: 16 }, () => b.when('k'));
    assert.deepEqual(seq.slice(0, 5), [5, 10, 20, 40, 80]);
    assert.equal(seq[13], 40_960);
    assert.equal(seq[14], 60_000, 'capped at 60 s');
    assert.equal(seq[15], 60_000);
    for (let i = 0; i < 2000; i++) b.when('k');
    assert.equal(b.when('k'), 60_000, 'no overflow after many failures');
    assert.equal(b.when('other'), 5, 'per key');
    b.forget('k');
    assert.equal(b.when('k'), 5);
  });

  it('takes base and cap', () => {
    const b = new ExponentialBackoff({ baseMs: 100, capMs: 250 });
    assert.deepEqual([b.when('k'), b.when('k'), b.when('k')], [100, 200, 250]);
    assert.throws(() => new ExponentialBackoff({ baseMs: 0 }));
  });
});

describe('runController', () => {
  it('forgets on success, requeues conflicts and failures rate-limited, drops terminal errors', async () => {
    const q = new WorkQueue({ baseMs: 1, capMs: 5 });
    const calls: Record<string, number> = {};
    const seen: string[] = [];
    const h = runController({
      name: 't',
      queue: q,
      workers: 2,
      log: silent,
      reconcile: async (key) => {
        calls[key] = (calls[key] ?? 0) + 1;
        seen.push(key);
        const n = calls[key]!;
        if (key === 'conflict' && n < 3) throw conflict('pods', '', key, 'stale');
        if (key === 'flaky' && n < 4) throw new Error('boom');
        if (key === 'bad') throw new TerminalError('never works');
        if (key === 'bad2') throw terminal(new Error('wrapped'));
        if (key === 'again' && n === 1) return { requeueAfter: 20 };
      },
    });
    for (const k of ['ok', 'conflict', 'flaky', 'bad', 'bad2', 'again']) q.add(k);
    await sleep(120);
    await h.stop();
    assert.deepEqual(calls, { ok: 1, conflict: 3, flaky: 4, bad: 1, bad2: 1, again: 2 });
    for (const k of Object.keys(calls)) assert.equal(q.numRequeues(k), 0, `${k} forgotten`);
  });

  it('stop() waits for in-flight reconciles', async () => {
    const q = new WorkQueue();
    let finished = false;
    const h = runController({
      name: 't',
      queue: q,
      workers: 1,
      log: silent,
      reconcile: async () => {
        await sleep(40);
        finished = true;
      },
    });
    q.add('k');
    await sleep(5);
    await h.stop();
    assert.equal(finished, true);
  });

  it('isTerminal names terminal errors only', () => {
    assert.equal(isTerminal(new TerminalError('x')), true);
    assert.equal(isTerminal(new Error('x')), false);
    const t = terminal('plain');
    assert.equal(t.message, 'plain');
  });
});

const obj = (name: string, seq: number, extra: Partial<KObject['metadata']> = {}, spec: unknown = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', resourceVersion: String(seq), ...extra },
  spec,
});

describe('ObjectCache', () => {
  it('applies in order, ignores anything at or below the newest sequence, and indexes', () => {
    const c = new ObjectCache<KObject>();
    c.addIndexer('labels', labelIndex);
    c.addIndexer('node', nodeNameIndex);
    c.addIndexer('ctl', controllerUidIndex);
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true };
    assert.equal(c.apply({ seq: 1, type: 'ADDED', object: obj('a', 1, { labels: { app: 'x' }, ownerReferences: [owner] }) })?.type, 'add');
    assert.equal(c.apply({ seq: 2, type: 'MODIFIED', object: obj('a', 2, { labels: { app: 'y' } }, { nodeName: 'n1' }) })?.type, 'update');
    assert.equal(c.apply({ seq: 2, type: 'MODIFIED', object: obj('a', 2) }), undefined, 'duplicate');
    assert.equal(c.apply({ seq: 1, type: 'ADDED', object: obj('a', 1) }), undefined, 'stale');
    assert.deepEqual(c.byIndex('labels', 'app=x'), []);
    assert.equal(c.byIndex('labels', 'app=y').length, 1);
    assert.equal(c.byIndex('node', 'n1').length, 1);
    assert.deepEqual(c.byIndex('ctl', 'u1'), [], 'owner dropped on update');
    assert.equal(c.apply({ seq: 3, type: 'DELETED', object: obj('zzz', 3) }), undefined, 'tombstone of an unknown object');
    const d = c.apply({ seq: 4, type: 'DELETED', object: obj('a', 4) });
    assert.equal(d?.type, 'delete');
    assert.equal(c.size, 0);
    assert.deepEqual(c.byIndex('labels', 'app=y'), []);
    assert.equal(c.apply({ seq: 2, type: 'MODIFIED', object: obj('a', 2) }), undefined, 'no resurrection by a replay');
  });

  it('a filtered-out object is a delete of what was cached', () => {
    const c = new ObjectCache<KObject>((o) => (o.spec as { nodeName?: string }).nodeName === 'n1');
    assert.equal(c.apply({ seq: 1, type: 'ADDED', object: obj('a', 1) }), undefined);
    assert.equal(c.apply({ seq: 2, type: 'MODIFIED', object: obj('a', 2, {}, { nodeName: 'n1' }) })?.type, 'add');
    const ch = c.apply({ seq: 3, type: 'MODIFIED', object: obj('a', 3, {}, { nodeName: 'n2' }) });
    assert.equal(ch?.type, 'delete');
    assert.equal(ch?.type === 'delete' && ch.obj.metadata.resourceVersion, '2', 'the last state we had');
  });

  it('a relist reports objects the new snapshot lacks as deleted', () => {
    const c = new ObjectCache<KObject>();
    c.apply({ seq: 10, type: 'ADDED', object: obj('keep', 10) });
    c.apply({ seq: 11, type: 'ADDED', object: obj('gone', 11) });
    c.beginRelist();
    assert.equal(c.apply({ seq: 1, type: 'ADDED', object: obj('keep', 1) })?.type, 'update');
    assert.equal(c.apply({ seq: 2, type: 'ADDED', object: obj('new', 2) })?.type, 'add');
    const gone = c.endRelist();
    assert.deepEqual(gone.map((g) => g.obj.metadata.name), ['gone']);
    assert.deepEqual(c.keys().sort(), ['ns/keep', 'ns/new']);
  });

  it('keys', () => {
    assert.equal(objectKey({ metadata: { name: 'n', namespace: 'ns' } }), 'ns/n');
    assert.equal(objectKey({ metadata: { name: 'node1' } }), 'node1');
    assert.deepEqual(splitKey('ns/n'), { namespace: 'ns', name: 'n' });
    assert.deepEqual(splitKey('node1'), { namespace: '', name: 'node1' });
  });
});
