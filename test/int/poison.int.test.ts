/**
 * Poison messages (DESIGN.md, "The event log"): messages published straight to the stream,
 * bypassing the gateway, that no consumer can use. None of them stops a consumer or touches
 * another object: the projector records them as dead letters and goes on (continuous and replay
 * alike), watches pass over them, informers skip them, GET fails for that object only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemaName, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { EventLog, encodeEnvelope } from '../../shared/eventlog/index.js';
import { createDb, diffSchemas } from '../../shared/db/index.js';
import { Informer } from '../../shared/informer/index.js';
import type { KObject } from '../../shared/resources/meta.js';
import { replay, runProjector, type RunningProjector } from '../../services/projector/index.js';
import { dropPrefix, lastSeq, querySchema, testConfig } from '../harness.js';
import { eventually } from '../wait.js';
import { api, collectWatch, pod, startStack, type Stack } from '../stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const enc = new TextEncoder();

const query = querySchema;

async function checkpoint(cfg: Config): Promise<number> {
  return Number((await query<{ last_seq: string }>(cfg, 'select last_seq from checkpoint'))[0]!.last_seq);
}

async function deadLetters(cfg: Config): Promise<{ sequence: number; subject: string; reason: string }[]> {
  const rows = await query<{ sequence: string; subject: string; reason: string }>(cfg, 'select sequence, subject, reason from dead_letters order by sequence');
  return rows.map((r) => ({ ...r, sequence: Number(r.sequence) }));
}

async function waitForCheckpoint(cfg: Config, seq: number): Promise<void> {
  await eventually(`checkpoint ${seq}`, async () => (await checkpoint(cfg)) >= seq, 20_000);
}

const podObject = (name: string, extra: Record<string, unknown> = {}): KObject =>
  ({ ...pod(name), metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra } }) as unknown as KObject;

describe('poison messages on the stream', () => {
  let s: Stack;
  let el: EventLog;
  const poison: { seq: number; subject: string; why: RegExp }[] = [];
  let validLast = 0;
  let beforePoison = 0;

  before(async () => {
    s = await startStack('poison');
    el = await EventLog.connect({ natsUrl: s.cfg.natsUrl, prefix: s.cfg.prefix, historyPerObject: s.cfg.historyPerObject });
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('victim', { who: 'victim' }))).status, 201);
    beforePoison = await lastSeq(s.cfg);

    const publish = async (name: string, data: Uint8Array, why: RegExp) => {
      const subject = el.subjectFor('pods', 'default', name);
      const ack = await el.js.publish(subject, data);
      poison.push({ seq: ack.seq, subject, why });
    };
    // (1) A body naming another object than its subject does.
    await publish('mallory', encodeEnvelope('MODIFIED', podObject('victim', { labels: { who: 'mallory' } })), /names "victim".*"mallory"/);
    // (2) Garbage bytes.
    await publish('garbage', Uint8Array.from([0xff, 0xfe, 0x00, 0x7b, 0x22]), /not UTF-8|not JSON/);
    // (3) Valid JSON the database cannot store: a lone surrogate escape in a string.
    const text = JSON.stringify({ v: 1, type: 'ADDED', object: podObject('surrogate', { annotations: { note: 'SURROGATE' } }) }).replace(
      'SURROGATE',
      '\\udfff',
    );
    await publish('surrogate', enc.encode(text), /surrogate/);

    // Valid events after them, through the gateway.
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('after', { who: 'after' }))).status, 201);
    const up = await api(s.url, 'PATCH', '/api/v1/namespaces/default/pods/victim', { metadata: { labels: { v: '2' } } }, 'application/merge-patch+json');
    assert.equal(up.status, 200);
    validLast = Number(up.body.metadata.resourceVersion);
    assert.equal(validLast, await lastSeq(s.cfg));
  });
  after(async () => {
    await el?.close();
    await s?.close();
  });

  it('the projector records the three as dead letters, projects exactly the valid objects and reaches the last sequence', async () => {
    await waitForCheckpoint(s.cfg, validLast);
    assert.equal(await checkpoint(s.cfg), validLast);
    const pods = await query<{ name: string; labels: Record<string, string>; rv: string }>(
      s.cfg,
      `select name, labels, resource_version as rv from pods order by name`,
    );
    assert.deepEqual(
      pods.map((p) => p.name),
      ['after', 'victim'],
    );
    const victim = pods.find((p) => p.name === 'victim')!;
    assert.deepEqual(victim.labels, { who: 'victim', v: '2' }, 'the victim row is never overwritten by a body from another subject');
    assert.equal(Number(victim.rv), validLast);

    const dead = await deadLetters(s.cfg);
    assert.deepEqual(
      dead.map((d) => [d.sequence, d.subject]),
      poison.map((p) => [p.seq, p.subject]),
    );
    for (const [i, p] of poison.entries()) assert.match(dead[i]!.reason, p.why);
    const mirrored = await query<{ n: number }>(s.cfg, `select count(*)::int as n from events where sequence in (${poison.map((p) => p.seq).join(',')})`);
    assert.equal(mirrored[0]!.n, 0);
  });

  it('GET fails for a poison object only, with a clear InternalError; lists hold the valid objects', async () => {
    for (const name of ['mallory', 'garbage', 'surrogate']) {
      const r = await api(s.url, 'GET', `/api/v1/namespaces/default/pods/${name}`);
      assert.equal(r.status, 500, name);
      assert.equal(r.body.kind, 'Status');
      assert.equal(r.body.reason, 'InternalError');
      assert.match(r.body.message, /stored event at sequence \d+ on .* is unreadable/);
    }
    const v = await api(s.url, 'GET', '/api/v1/namespaces/default/pods/victim');
    assert.equal(v.status, 200);
    assert.deepEqual(v.body.metadata.labels, { who: 'victim', v: '2' });
    const l = await api(s.url, 'GET', '/api/v1/namespaces/default/pods');
    assert.equal(l.status, 200);
    assert.deepEqual(l.body.items.map((i: any) => i.metadata.name).sort(), ['after', 'victim']);
  });

  it('a watch over pods passes over them, keeps delivering later events and never sends ERROR, also on resume', async () => {
    const done = (e: { type: string; object: any }[]) => e.some((x) => x.object?.metadata?.resourceVersion === String(validLast));
    for (const from of [beforePoison, poison[0]!.seq, poison[1]!.seq]) {
      const w = await collectWatch(s.url, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${from}`, done);
      assert.equal(w.status, 200);
      assert.deepEqual(w.events.filter((e) => e.type === 'ERROR'), [], `no ERROR resuming from ${from}`);
      assert.deepEqual(
        w.events.map((e) => `${e.type}:${e.object.metadata.name}`),
        ['ADDED:after', 'MODIFIED:victim'],
      );
    }
    // A live watch sees the next valid event after more poison arrives.
    const watching = collectWatch(s.url, `/api/v1/pods?watch=true&resourceVersion=${validLast}`, (e) => e.length >= 1);
    await el.js.publish(el.subjectFor('pods', 'default', 'garbage2'), Uint8Array.from([1, 2, 3]));
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('later'))).status, 201);
    const w = await watching;
    assert.deepEqual(
      w.events.map((e) => `${e.type}:${e.object.metadata.name}`),
      ['ADDED:later'],
    );
  });

  it('an informer caches only the valid objects, keyed by subject, and counts the poison', async () => {
    const inf = new Informer<KObject>({ log: el, plural: 'pods', logger: silent, streamCheckMs: 0 });
    try {
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(10_000));
      assert.deepEqual(inf.keys().sort(), ['default/after', 'default/later', 'default/victim']);
      assert.deepEqual(inf.get('default/victim')!.metadata.labels, { who: 'victim', v: '2' });
      assert.equal(inf.poisonMessages, 4);
    } finally {
      await inf.stop();
    }
  });

  it('replay builds identical tables and the same dead letters', async () => {
    const last = await lastSeq(s.cfg);
    await waitForCheckpoint(s.cfg, last);
    const live = schemaName(s.cfg.prefix);
    const copy = `${live}_snap_poison`;
    const tables = await query<{ tablename: string }>(s.cfg, `select tablename from pg_tables where schemaname = '${live}'`);
    await query(
      s.cfg,
      [`create schema "${copy}"`, ...tables.map((t) => `create table "${copy}"."${t.tablename}" as select * from "${live}"."${t.tablename}"`)].join(';\n'),
    );
    const res = await replay(s.cfg, { window: 2 });
    assert.equal(res.lastSeq, last);
    const db = createDb(s.cfg.databaseUrl, live, { max: 1 });
    try {
      assert.deepEqual(await diffSchemas(db, copy, live), []);
    } finally {
      await db.destroy();
    }
    assert.equal((await deadLetters(s.cfg)).length, 4);
  });
});

describe('a batch the database refuses for one message', () => {
  let cfg: Config;
  let el: EventLog;
  let run: RunningProjector;

  before(async () => {
    cfg = await testConfig('refuse');
    el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject });
    run = await runProjector(cfg, silent, { port: 0, host: '127.0.0.1', maxBatch: 50 });
  });
  after(async () => {
    await run?.close();
    await el?.close();
    if (cfg) await dropPrefix(cfg);
  });

  it('bisects the batch, records the refused message as a dead letter, applies the rest and goes on', async () => {
    const first = await el.append(el.subjectFor('pods', 'default', 'p0'), 'ADDED', podObject('p0'), 0);
    await waitForCheckpoint(cfg, first);
    // The database refuses one object for its content (SQLSTATE 23514, class 23).
    await query(cfg, `alter table pods add constraint test_refuse check (name <> 'refused')`);

    await run.close(); // so that the next messages arrive as one batch
    const seqs: number[] = [];
    for (const name of ['p1', 'p2', 'refused', 'p3', 'p4']) {
      seqs.push(await el.append(el.subjectFor('pods', 'default', name), 'ADDED', podObject(name), 0));
    }
    run = await runProjector(cfg, silent, { port: 0, host: '127.0.0.1', maxBatch: 50 });
    const last = seqs[seqs.length - 1]!;
    await waitForCheckpoint(cfg, last);

    const names = (await query<{ name: string }>(cfg, 'select name from pods order by name')).map((r) => r.name);
    assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4']);
    const dead = await deadLetters(cfg);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.sequence, seqs[2]);
    assert.match(dead[0]!.reason, /refused by the database: SQLSTATE 23514/);

    // /readyz reports the dead letters as information; the projector stays ready.
    await eventually('ready', async () => (await fetch(`${run.url}/readyz`)).status === 200, 10_000);
    const ready = (await (await fetch(`${run.url}/readyz`)).json()) as { ready: boolean; deadLetters: number };
    assert.equal(ready.ready, true);
    assert.equal(ready.deadLetters, 1);
    const metrics = await (await fetch(`${run.url}/metrics`)).text();
    assert.match(metrics, /jetkube_projector_poison_messages_total 1/);

    // And it keeps projecting.
    const next = await el.append(el.subjectFor('pods', 'default', 'p5'), 'ADDED', podObject('p5'), 0);
    await waitForCheckpoint(cfg, next);
    assert.equal((await query(cfg, `select 1 from pods where name = 'p5'`)).length, 1);
  });
});

describe('a dead letter whose message was compacted away', () => {
  it('replay keeps it: the same dead letters as the continuous projection', async () => {
    const s = await startStack('poisoncompact', { historyPerObject: 1 });
    const el = await EventLog.connect({ natsUrl: s.cfg.natsUrl, prefix: s.cfg.prefix, historyPerObject: 1 });
    try {
      const subject = el.subjectFor('pods', 'default', 'g');
      const bad = (await el.js.publish(subject, Uint8Array.from([0xff]))).seq;
      await waitForCheckpoint(s.cfg, bad);
      // A valid event on the same subject: with history 1 the garbage is compacted away.
      // (Straight to the log: the gateway refuses writes over a poison object, see the report of GET.)
      const last = await el.append(subject, 'ADDED', podObject('g'), bad);
      await waitForCheckpoint(s.cfg, last);
      assert.equal(await el.getBySeq(bad).catch(() => null), null);
      const before = await deadLetters(s.cfg);
      assert.deepEqual(before.map((d) => d.sequence), [bad]);
      await replay(s.cfg);
      assert.deepEqual(await deadLetters(s.cfg), before);
      assert.deepEqual((await query<{ name: string }>(s.cfg, 'select name from pods')).map((r) => r.name), ['g']);
    } finally {
      await el.close();
      await s.close();
    }
  });
});
