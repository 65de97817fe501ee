import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy } from '@nats-io/jetstream';
import { EventLog, encodeEnvelope, resourceFilter, toStoredEvent } from '../../shared/eventlog/index.js';
import {
  Indexes,
  Informer,
  controllerUidIndex,
  labelIndex,
  nodeNameIndex,
  ownerUidIndex,
  type EventHandler,
} from '../../shared/informer/index.js';
import { GatewayClient } from '../../shared/client/index.js';
import { freePort, hasNatsServer, kill, NATS_BIN, startNats } from '../private-nats.js';
import type { KObject } from '../../shared/resources/meta.js';
import { createLogger } from '../../shared/log.js';
import { dropPrefix, testConfig } from '../harness.js';
import { pod, startStack, type Stack } from '../stack.js';

const logger = createLogger('test', process.env.LOG_LEVEL || 'silent');

interface Seen {
  readonly type: 'add' | 'update' | 'delete';
  readonly name: string;
  readonly rv: string;
}

/** A handler that records what it was told (handlers in services only enqueue keys). */
function recorder(): { events: Seen[]; handler: EventHandler<KObject>; clear(): void } {
  const events: Seen[] = [];
  const rec = (type: Seen['type'], o: KObject) => events.push({ type, name: o.metadata.name!, rv: o.metadata.resourceVersion! });
  return {
    events,
    handler: {
      onAdd: (o) => rec('add', o),
      onUpdate: (_old, o) => rec('update', o),
      onDelete: (o) => rec('delete', o),
    },
    clear: () => void events.splice(0),
  };
}

async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(25);
    }
  }
}

const podIn = (name: string, labels: Record<string, string> = {}, extra: Partial<KObject['metadata']> = {}): KObject => {
  const p = pod(name, labels) as unknown as KObject;
  return { ...p, metadata: { ...p.metadata, ...extra } };
};

describe('informer over the real log (gateway writes)', () => {
  let s: Stack;
  let client: GatewayClient;
  let el: EventLog;
  const informers: Informer[] = [];
  const newInformer = (opts: Partial<ConstructorParameters<typeof Informer<KObject>>[0]> = {}) => {
    const inf = new Informer<KObject>({ log: el, plural: 'pods', logger, streamCheckMs: 500, pullExpiresMs: 2000, ...opts });
    informers.push(inf);
    return inf;
  };

  before(async () => {
    s = await startStack('inf');
    client = new GatewayClient({ url: s.url });
    el = await EventLog.connect({ natsUrl: s.cfg.natsUrl, prefix: s.cfg.prefix, historyPerObject: s.cfg.historyPerObject, name: 'informer-test' });
    await client.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } } as never);
  });
  after(async () => {
    for (const i of informers) await i.stop();
    await el?.close();
    await client?.close();
    await s?.close();
  });

  it('an informer on an empty type syncs at once', async () => {
    const inf = new Informer<KObject>({ log: el, plural: 'replicasets', logger });
    informers.push(inf);
    await inf.start();
    await inf.waitForSync(AbortSignal.timeout(5000));
    assert.equal(inf.hasSynced(), true);
    assert.deepEqual(inf.list(), []);
  });

  it('syncs the current state (no tombstones, newest versions), then sees live adds, updates and deletes', async () => {
    const pods = client.resource<KObject>('pods');
    await pods.create('default', podIn('a', { app: 'x' }));
    const b1 = await pods.create('default', podIn('b'));
    const b2 = await pods.update({ ...b1, metadata: { ...b1.metadata, labels: { v: '2' } } });
    await pods.create('default', podIn('gone'));
    await pods.delete('default', 'gone', { gracePeriodSeconds: 0 });

    const inf = newInformer();
    const r = recorder();
    inf.addEventHandler(r.handler);
    await inf.start();
    await inf.waitForSync(AbortSignal.timeout(5000));
    assert.deepEqual(inf.keys().sort(), ['default/a', 'default/b']);
    assert.equal(inf.get('default/b')!.metadata.resourceVersion, b2.metadata.resourceVersion, 'newest version, rv = sequence');
    assert.deepEqual(inf.get('default/b')!.metadata.labels, { v: '2' });
    assert.deepEqual(r.events.map((e) => `${e.type}:${e.name}`).sort(), ['add:a', 'add:b'], 'one add per live object; no tombstone');

    r.clear();
    const c = await pods.create('default', podIn('c'));
    await eventually(() => assert.equal(inf.get('default/c')?.metadata.resourceVersion, c.metadata.resourceVersion));
    const c2 = await pods.patch('default', 'c', { metadata: { labels: { changed: 'yes' } } });
    await eventually(() => assert.equal(inf.get('default/c')?.metadata.resourceVersion, c2.metadata.resourceVersion));
    await pods.delete('default', 'c', { gracePeriodSeconds: 0 });
    await eventually(() => assert.equal(inf.get('default/c'), undefined));
    assert.deepEqual(
      r.events.map((e) => `${e.type}:${e.name}`),
      ['add:c', 'update:c', 'delete:c'],
    );
    assert.equal(r.events[0]!.rv, c.metadata.resourceVersion);
    assert.ok(Number(r.events[2]!.rv) > Number(c2.metadata.resourceVersion), 'the delete carries the tombstone sequence');
    assert.ok(inf.lastSeq >= Number(r.events[2]!.rv));

    // A handler added late gets the cached objects replayed as adds.
    const late = recorder();
    inf.addEventHandler(late.handler);
    assert.deepEqual(late.events.map((e) => `${e.type}:${e.name}`).sort(), ['add:a', 'add:b']);
  });

  it('ignores redelivered and replayed events: handlers fire once per change', async () => {
    const pods = client.resource<KObject>('pods');
    const inf = newInformer();
    const r = recorder();
    inf.addEventHandler(r.handler);
    await inf.start();
    await inf.waitForSync(AbortSignal.timeout(5000));
    const before = inf.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
    r.clear();

    // Re-run the whole history from sequence 1 into the informer.
    const consumer = await el.js.consumers.get(el.stream, { filter_subjects: resourceFilter(el.root, 'pods'), deliver_policy: DeliverPolicy.All });
    const { lastSeq } = await el.state();
    let replayed = 0;
    for (;;) {
      const m = await consumer.next({ expires: 2000 });
      if (!m) break;
      inf.ingest(toStoredEvent(el.root, m));
      replayed++;
      if (m.info.pending === 0 || m.seq >= lastSeq) break;
    }
    await consumer.delete();
    assert.ok(replayed >= 7, `replayed ${replayed} events`);
    assert.equal(r.events.length, 0, 'no handler fired for a replay');
    assert.deepEqual(inf.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort(), before);

    // A second informer on the same log builds the same state and does not disturb the first.
    const second = newInformer();
    await second.start();
    await second.waitForSync(AbortSignal.timeout(5000));
    assert.deepEqual(second.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort(), before);
    assert.equal(r.events.length, 0);

    // A consumer deleted under the informer is recreated from the last delivered sequence: nothing twice, nothing lost.
    const mine = (await el.jsm.consumers.list(el.stream).next()).filter(
      (c) => c.config.mem_storage && c.config.filter_subject === resourceFilter(el.root, 'pods'),
    );
    assert.ok(mine.length >= 2, 'an ordered consumer per running informer');
    for (const c of mine) await el.jsm.consumers.delete(el.stream, c.name);
    await pods.create('default', podIn('after-reset'));
    await eventually(() => assert.ok(inf.get('default/after-reset')), 30_000);
    await eventually(() => assert.ok(second.get('default/after-reset')), 30_000);
    assert.deepEqual(r.events.map((e) => `${e.type}:${e.name}`), ['add:after-reset']);
  });

  it('indexes by controller owner, any owner, node name and label; indexes follow updates', async () => {
    const pods = client.resource<KObject>('pods');
    const ctl = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true };
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' };
    const inf = newInformer();
    inf.addIndexer(Indexes.controllerUid, controllerUidIndex);
    inf.addIndexer(Indexes.ownerUid, ownerUidIndex);
    await pods.create('default', podIn('owned', { tier: 'web' }, { ownerReferences: [ctl, other] }));
    await inf.start();
    await inf.waitForSync(AbortSignal.timeout(5000));
    // Indexers added after start index what is cached.
    inf.addIndexer(Indexes.nodeName, nodeNameIndex);
    inf.addIndexer(Indexes.labels, labelIndex);
    assert.deepEqual(inf.byIndex(Indexes.controllerUid, 'rs-uid').map((o) => o.metadata.name), ['owned']);
    assert.deepEqual(inf.byIndex(Indexes.controllerUid, 'cm-uid'), []);
    assert.deepEqual(inf.byIndex(Indexes.ownerUid, 'cm-uid').map((o) => o.metadata.name), ['owned']);
    assert.deepEqual(inf.byIndex(Indexes.labels, 'tier=web').map((o) => o.metadata.name), ['owned']);
    assert.deepEqual(inf.byIndex(Indexes.nodeName, 'node-1'), []);

    await client.bind('default', 'owned', 'node-1');
    await pods.patch('default', 'owned', { metadata: { labels: { tier: 'db' } } });
    await eventually(() => assert.deepEqual(inf.byIndex(Indexes.labels, 'tier=db').map((o) => o.metadata.name), ['owned']));
    assert.deepEqual(inf.byIndex(Indexes.labels, 'tier=web'), []);
    assert.deepEqual(inf.byIndex(Indexes.nodeName, 'node-1').map((o) => o.metadata.name), ['owned']);
    await pods.delete('default', 'owned', { gracePeriodSeconds: 0 });
    await eventually(() => assert.deepEqual(inf.byIndex(Indexes.nodeName, 'node-1'), []));
    assert.deepEqual(inf.byIndex(Indexes.controllerUid, 'rs-uid'), []);
    assert.throws(() => inf.byIndex('nope', 'x'));
  });

  it('restricts to one namespace (server side) and by a predicate (client side)', async () => {
    const pods = client.resource<KObject>('pods');
    await pods.create('other', podIn('o1'));
    const onlyOther = newInformer({ namespace: 'other' });
    const r = recorder();
    onlyOther.addEventHandler(r.handler);
    await onlyOther.start();
    await onlyOther.waitForSync(AbortSignal.timeout(5000));
    assert.deepEqual(onlyOther.keys(), ['other/o1']);
    assert.deepEqual(onlyOther.listByNamespace('other').map((o) => o.metadata.name), ['o1']);
    assert.deepEqual(onlyOther.listByNamespace('default'), []);

    const onNode = newInformer({ filter: (o) => (o.spec as { nodeName?: string }).nodeName === 'node-7' });
    const rn = recorder();
    onNode.addEventHandler(rn.handler);
    await onNode.start();
    await onNode.waitForSync(AbortSignal.timeout(5000));
    assert.deepEqual(onNode.list(), []);

    await pods.create('default', podIn('d1'));
    await pods.create('other', podIn('o2', { keep: 'yes' }));
    await client.bind('other', 'o2', 'node-7');
    await eventually(() => assert.deepEqual(onlyOther.keys().sort(), ['other/o1', 'other/o2']));
    await eventually(() => assert.deepEqual(onNode.keys(), ['other/o2']));
    assert.equal(onlyOther.get('default/d1'), undefined, 'other namespaces never reach it');
    assert.deepEqual(rn.events.map((e) => `${e.type}:${e.name}`), ['add:o2'], 'added when it starts matching');

    // Stops matching → reported deleted.
    const byLabel = newInformer({ namespace: 'other', filter: (o) => o.metadata.labels?.keep === 'yes' });
    const rl = recorder();
    byLabel.addEventHandler(rl.handler);
    await byLabel.start();
    await byLabel.waitForSync(AbortSignal.timeout(5000));
    assert.deepEqual(byLabel.keys(), ['other/o2']);
    await pods.patch('other', 'o2', { metadata: { labels: { keep: 'no' } } });
    await eventually(() => assert.deepEqual(byLabel.keys(), []));
    assert.deepEqual(rl.events.map((e) => `${e.type}:${e.name}`), ['add:o2', 'delete:o2']);
  });

  it('resyncs: onUpdate(obj, obj) for every cached object, periodically', async () => {
    const inf = newInformer({ namespace: 'other', resyncMs: 100 });
    const same: string[] = [];
    inf.addEventHandler({ onUpdate: (old, obj) => old === obj && same.push(obj.metadata.name!) });
    await inf.start();
    await inf.waitForSync(AbortSignal.timeout(5000));
    const n = inf.list().length;
    assert.ok(n >= 2);
    await eventually(() => assert.ok(same.length >= 2 * n, `resynced ${same.length}`), 3000);
    await inf.stop();
    const after = same.length;
    await sleep(250);
    assert.equal(same.length, after, 'no resync after stop');
  });

  it('waitForSync honours an abort signal and stop()', async () => {
    const inf = newInformer();
    await assert.rejects(inf.waitForSync(AbortSignal.abort(new Error('nope'))), /nope/);
    const w = inf.waitForSync();
    await inf.stop();
    await assert.rejects(w, /stopped/);
  });
});

// ------------------------------------------------------------------------------------------------
// Direct log writes (no gateway): a stream reset, and a NATS server restart.

const obj = (name: string, v: string): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  data: { v },
});

async function put(el: EventLog, name: string, v: string): Promise<number> {
  const subject = el.subjectFor('configmaps', 'default', name);
  const last = await el.getLast(subject);
  return el.append(subject, last && last.type !== 'DELETED' ? 'MODIFIED' : 'ADDED', obj(name, v), last?.seq ?? 0);
}

async function remove(el: EventLog, name: string): Promise<number> {
  const subject = el.subjectFor('configmaps', 'default', name);
  const last = await el.getLast(subject);
  return el.append(subject, 'DELETED', obj(name, 'x'), last!.seq);
}

describe('informer: stream reset → relist', () => {
  it('relists when the stream is deleted and recreated, reporting vanished objects as deleted', async () => {
    const cfg = await testConfig('infreset');
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 8 });
    const inf = new Informer<KObject>({ log: el, plural: 'configmaps', logger, streamCheckMs: 200, pullExpiresMs: 2000 });
    const r = recorder();
    try {
      await put(el, 'keep', '1');
      await put(el, 'vanish', '1');
      inf.addEventHandler(r.handler);
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(5000));
      assert.deepEqual(inf.keys().sort(), ['default/keep', 'default/vanish']);
      r.clear();

      await el.jsm.streams.delete(el.stream);
      await el.ensureStream();
      const keepSeq = await put(el, 'keep', '2');
      await put(el, 'fresh', '1');
      await eventually(() => assert.deepEqual(inf.keys().sort(), ['default/fresh', 'default/keep']));
      assert.equal(inf.get('default/keep')!.metadata.resourceVersion, String(keepSeq));
      assert.equal((inf.get('default/keep') as { data?: { v?: string } }).data?.v, '2');
      const got = r.events.map((e) => `${e.type}:${e.name}`).sort();
      assert.deepEqual(got, ['add:fresh', 'delete:vanish', 'update:keep']);

      // And it keeps following the new stream.
      r.clear();
      await remove(el, 'fresh');
      await eventually(() => assert.equal(inf.get('default/fresh'), undefined));
      assert.deepEqual(r.events.map((e) => `${e.type}:${e.name}`), ['delete:fresh']);
    } finally {
      await inf.stop();
      await el.close();
      await dropPrefix(cfg);
    }
  });
});

describe('informer: stream check while events flow', () => {
  it('does not relist when the cache applies newer events while the stream-info request is in flight', async () => {
    const cfg = await testConfig('infcheck');
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 8 });
    const iel = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 8 });
    const inf = new Informer<KObject>({ log: iel, plural: 'configmaps', logger, streamCheckMs: 50, pullExpiresMs: 2000 });
    // Every stream-info reply is held back until the informer has applied events published after it
    // was taken: exactly the interleaving a busy cluster produces by chance.
    const streams = iel.jsm.streams as { info: typeof iel.jsm.streams.info };
    const realInfo = streams.info.bind(iel.jsm.streams);
    let inject = false;
    let interleaved = 0;
    let n = 0;
    streams.info = (async (...args: Parameters<typeof realInfo>) => {
      const info = await realInfo(...args);
      if (inject) {
        const seq = await put(el, `flow-${n++ % 4}`, String(n));
        await eventually(() => assert.ok(inf.lastSeq >= seq), 5000);
        assert.ok(inf.lastSeq > info.state.last_seq);
        interleaved++;
      }
      return info;
    }) as typeof realInfo;
    try {
      await put(el, 'a', '1');
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(5000));
      inject = true;
      await eventually(() => assert.ok(interleaved >= 6), 15_000);
      inject = false;
      assert.equal(inf.relists, 0);
      assert.deepEqual(inf.keys().sort(), ['default/a', 'default/flow-0', 'default/flow-1', 'default/flow-2', 'default/flow-3']);
    } finally {
      await inf.stop();
      await iel.close();
      await el.close();
      await dropPrefix(cfg);
    }
  });

  it('does not relist while events flow concurrently with frequent checks (history 1: heavy compaction)', async () => {
    const cfg = await testConfig('infflow');
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 1 });
    const inf = new Informer<KObject>({ log: el, plural: 'configmaps', logger, streamCheckMs: 5, pullExpiresMs: 2000 });
    try {
      await put(el, 'a', '0');
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(5000));
      let last = 0;
      for (let round = 0; round < 40; round++) {
        const seqs = await Promise.all(
          Array.from({ length: 25 }, async (_, i) =>
            (await el.js.publish(el.subjectFor('configmaps', 'default', `c${i}`), encodeEnvelope('MODIFIED', obj(`c${i}`, String(round))))).seq,
          ),
        );
        last = Math.max(last, ...seqs);
      }
      await eventually(() => assert.ok(inf.lastSeq >= last));
      assert.equal(inf.relists, 0);
    } finally {
      await inf.stop();
      await el.close();
      await dropPrefix(cfg);
    }
  });

  it('relists when the stream is purged, reporting the purged objects as deleted', async () => {
    const cfg = await testConfig('infpurge');
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 8 });
    const inf = new Informer<KObject>({ log: el, plural: 'configmaps', logger, streamCheckMs: 100, pullExpiresMs: 2000 });
    const r = recorder();
    try {
      await put(el, 'keep', '1');
      await put(el, 'vanish', '1');
      inf.addEventHandler(r.handler);
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(5000));
      r.clear();

      await el.jsm.streams.purge(el.stream);
      const keepSeq = await put(el, 'keep', '2');
      await eventually(() => assert.deepEqual(inf.keys(), ['default/keep']));
      assert.equal(inf.get('default/keep')!.metadata.resourceVersion, String(keepSeq));
      assert.equal(inf.relists, 1);
      assert.ok(r.events.some((e) => e.type === 'delete' && e.name === 'vanish'));
    } finally {
      await inf.stop();
      await el.close();
      await dropPrefix(cfg);
    }
  });
});

describe('informer: NATS server restart', { skip: hasNatsServer ? false : `${NATS_BIN} not installed` }, () => {
  it('resumes after the server is killed and restarted: no event lost, none applied twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jk-nats-'));
    const port = await freePort();
    let server = await startNats(port, dir);
    const url = `nats://127.0.0.1:${port}`;
    const el = await EventLog.connect({ natsUrl: url, prefix: 'restart', historyPerObject: 8, name: 'informer' });
    const inf = new Informer<KObject>({ log: el, plural: 'configmaps', logger, streamCheckMs: 500, pullExpiresMs: 2000 });
    const r = recorder();
    let writer: EventLog | undefined;
    try {
      for (let i = 0; i < 5; i++) await put(el, `cm${i}`, '1');
      inf.addEventHandler(r.handler);
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(5000));
      assert.equal(inf.list().length, 5);
      r.clear();

      await kill(server);
      await sleep(300);
      server = await startNats(port, dir);
      // Write at once, from another connection, before the informer has reconnected.
      writer = await EventLog.connect({ natsUrl: url, prefix: 'restart', historyPerObject: 8, name: 'writer' });
      const seqs: number[] = [];
      seqs.push(await put(writer, 'cm0', '2'));
      seqs.push(await remove(writer, 'cm1'));
      seqs.push(await put(writer, 'cm5', '1'));
      await eventually(() => assert.equal(inf.lastSeq, seqs[2]), 30_000);
      // More after it is back.
      seqs.push(await put(writer, 'cm2', '2'));
      await eventually(() => assert.equal(inf.lastSeq, seqs[3]), 10_000);

      assert.deepEqual(
        r.events.map((e) => `${e.type}:${e.name}@${e.rv}`),
        [`update:cm0@${seqs[0]}`, `delete:cm1@${seqs[1]}`, `add:cm5@${seqs[2]}`, `update:cm2@${seqs[3]}`],
      );
      assert.deepEqual(inf.keys().sort(), ['default/cm0', 'default/cm2', 'default/cm3', 'default/cm4', 'default/cm5']);
    } finally {
      await inf.stop();
      await writer?.close();
      await el.close();
      await kill(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
