import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../shared/config.js';
import { EventLog } from '../../shared/eventlog/index.js';
import type { KObject } from '../../shared/resources/meta.js';
import { Allocator, type Holder } from '../../services/gateway/allocator.js';
import { dropPrefix, testConfig } from '../harness.js';

describe('allocator: reservations on their own subjects, against real NATS', () => {
  let cfg: Config;
  let a: EventLog;
  let b: EventLog;
  const connect = (name: string) => EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject, name });
  const values = (n: number, p = 'v') => Array.from({ length: n }, (_, i) => `${p}${i}`);
  let n = 0;
  const holder = (name = `owner-${n++}`): Holder => ({ kind: 'Node', name, uid: `uid-${name}-${n++}` });
  const node = (h: Holder): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: h.name, uid: h.uid }, spec: {} });
  const nodeSubject = (name: string) => a.subjectFor('nodes', undefined, name);
  const count = async () => (await a.state()).messages;

  before(async () => {
    cfg = await testConfig('alloc');
    a = await connect('alloc-a');
    b = await connect('alloc-b');
  });
  after(async () => {
    await a?.close();
    await b?.close();
    if (cfg) await dropPrefix(cfg);
  });

  it('never hands out one value twice, however the reservations race', async () => {
    const [x, y] = [new Allocator(a), new Allocator(b)];
    const cands = values(60, 'race');
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? x : y).reserve('race', holder(), cands)));
    assert.ok(got.every((v) => v !== undefined), 'everyone got a value');
    assert.equal(new Set(got).size, 50, `50 distinct values: ${got.join(' ')}`);
    // And the subjects agree: 50 reservations, each naming one holder.
    for (const v of got) assert.ok((await x.get('race', v!))?.holder);
  });

  it('answers undefined when every candidate is held', async () => {
    const al = new Allocator(a);
    assert.equal(await al.reserve('full', holder(), ['f0']), 'f0');
    assert.equal(await al.reserve('full', holder(), ['f0']), undefined);
  });

  it('reuses a value already held by the same owner (a retried create takes one, not two)', async () => {
    const al = new Allocator(a);
    const h = holder('retry');
    const first = await al.reserve('reuse', h, values(5, 'r'));
    const again = await new Allocator(b).reserve('reuse', h, values(5, 'r'));
    assert.equal(first, 'r0');
    assert.equal(again, 'r0');
    assert.equal((await al.get('reuse', 'r1')), undefined, 'no second value taken');
    assert.equal(await al.reserve('reuse', { ...h, uid: 'someone-else' }, ['r0']), undefined, 'another uid does not share it');
  });

  it('takes over a value whose owner was deleted or recreated with another uid', async () => {
    const al = new Allocator(a);
    // Deleted: the owner was written, then its tombstone, after the reservation.
    const gone = holder('gone');
    assert.equal(await al.reserve('stale', gone, ['s0']), 's0');
    const added = await a.append(nodeSubject(gone.name), 'ADDED', node(gone), 0);
    assert.equal(await al.reserve('stale', holder(), ['s0']), undefined, 'held while its owner lives');
    await a.append(nodeSubject(gone.name), 'DELETED', node(gone), added);
    const heir = holder('heir');
    assert.equal(await new Allocator(b).reserve('stale', heir, ['s0']), 's0', 'taken over');
    assert.equal((await al.get('stale', 's0'))!.holder!.uid, heir.uid);

    // Recreated under the same name with another uid.
    const old = holder('twice');
    assert.equal(await al.reserve('stale', old, ['s1']), 's1');
    await a.append(nodeSubject(old.name), 'ADDED', node({ ...old, uid: 'the-new-one' }), 0);
    assert.equal(await al.reserve('stale', holder(), ['s1']), 's1');
  });

  it('lets exactly one of many racing owners take over a stale value', async () => {
    const gone = holder('stale-race');
    assert.equal(await new Allocator(a).reserve('takeover', gone, ['t0']), 't0');
    await a.append(nodeSubject(gone.name), 'DELETED', node(gone), 0);
    const got = await Promise.all(Array.from({ length: 10 }, (_, i) => new Allocator(i % 2 ? a : b).reserve('takeover', holder(), ['t0'])));
    assert.equal(got.filter((v) => v === 't0').length, 1, `one winner: ${got.join(' ')}`);
  });

  it('keeps a reservation whose owner has not appeared yet for the grace period, then frees it', async () => {
    const h = holder('pending');
    assert.equal(await new Allocator(a).reserve('pending', h, ['p0']), 'p0');
    assert.equal(await new Allocator(b).reserve('pending', holder(), ['p0']), undefined, 'a create in flight keeps it');
    const later = new Allocator(b, { pendingGraceMs: 60_000, now: () => Date.now() + 61_000 });
    assert.equal(await later.reserve('pending', holder(), ['p0']), 'p0', 'an owner that never came lets go');
  });

  it('checks without writing in dry-run', async () => {
    const al = new Allocator(a);
    assert.equal(await al.reserve('dry', holder(), ['d0', 'd1']), 'd0');
    const before = await count();
    assert.equal(await al.reserve('dry', holder(), ['d0', 'd1'], { dryRun: true }), 'd1');
    assert.equal(await count(), before, 'nothing written');
    assert.equal(await al.get('dry', 'd1'), undefined);
  });

  it('releases by purging the subject, only for the holder that still has it', async () => {
    const al = new Allocator(a);
    const h = holder('rel');
    assert.equal(await al.reserve('rel', h, ['x0']), 'x0');
    assert.equal(await al.release('rel', 'x0', 'not-the-holder'), false);
    assert.ok(await al.get('rel', 'x0'));
    const before = await a.state();
    assert.equal(await al.release('rel', 'x0', h.uid), true);
    assert.equal(await al.get('rel', 'x0'), undefined);
    const st = await a.state();
    assert.equal(st.messages, before.messages, 'the reservation is purged; a release marker takes its place');
    // The newest message of the stream is one that exists (the marker), so consumers reach last_seq.
    const last = await a.getLastRaw(`${a.root}.alloc.rel.x0`);
    assert.equal(last!.seq, st.lastSeq);
    assert.equal(await al.release('rel', 'x0'), false, 'nothing left to release');
    // Free again: the next owner takes it with expected-sequence 0.
    const next = holder('rel-next');
    assert.equal(await new Allocator(b).reserve('rel', next, ['x0']), 'x0');
    // A late release by the previous holder does not purge the new one.
    assert.equal(await al.release('rel', 'x0', h.uid), false);
    assert.equal((await al.get('rel', 'x0'))!.holder!.uid, next.uid);
    assert.equal(await al.release('rel', 'x0'), true, 'an unconditional release purges whatever is there');
  });
});
