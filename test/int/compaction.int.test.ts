/**
 * Watch = every change or 410 (DESIGN.md, "The event log"): with a per-subject history limit the
 * stream loses messages in its middle; a watch (or an informer resuming) after a sequence whose
 * later messages were compacted away gets 410 Gone (relists), never a silent subset.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { EventLog } from '../../shared/eventlog/index.js';
import { Informer } from '../../shared/informer/index.js';
import { readScopeOf } from '../../shared/nats-lock/reads.js';
import type { KObject } from '../../shared/resources/meta.js';
import { dropPrefix, testConfig } from '../harness.js';
import { eventually, sleep } from '../wait.js';
import { api, collectWatch, configMap, startStack, type Stack } from '../stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const NS = '/api/v1/namespaces/default';

describe('watch from a resourceVersion whose later events were compacted', () => {
  let s: Stack;
  const seq: Record<string, number> = {};
  before(async () => {
    s = await startStack('compact', { historyPerObject: 2 });
    const rv = (r: { status: number; body: any }) => {
      assert.ok(r.status < 300, JSON.stringify(r.body));
      return Number(r.body.metadata.resourceVersion);
    };
    seq.a = rv(await api(s.url, 'POST', `${NS}/configmaps`, configMap('hot', { v: '0' })));
    seq.b = rv(await api(s.url, 'POST', `${NS}/configmaps`, configMap('other')));
    for (const [k, v] of [['c', '1'], ['d', '2'], ['e', '3']] as const) {
      seq[k] = rv(await api(s.url, 'PATCH', `${NS}/configmaps/hot`, { data: { v } }, 'application/merge-patch+json'));
    }
    // History 2: hot keeps d and e; a (the stream's first) and c (in the middle) are gone.
  });
  after(async () => {
    await s?.close();
  });

  it('answers 410 Gone when a later event was compacted, in the middle as well as at the start', async () => {
    for (const from of [seq.a!, seq.b!]) {
      const w = await collectWatch(s.url, `${NS}/configmaps?watch=true&resourceVersion=${from}`, () => true);
      assert.equal(w.status, 410, `from ${from}`);
      assert.equal(w.events[0]!.object.reason, 'Gone');
      assert.match(w.events[0]!.object.message, /too old resource version/);
    }
  });

  it('delivers every change from a resourceVersion after the compacted events', async () => {
    const w = await collectWatch(s.url, `${NS}/configmaps?watch=true&resourceVersion=${seq.c}`, (e) => e.length >= 2);
    assert.equal(w.status, 200);
    assert.deepEqual(
      w.events.map((e) => [e.type, Number(e.object.metadata.resourceVersion)]),
      [
        ['MODIFIED', seq.d],
        ['MODIFIED', seq.e],
      ],
    );
    const head = await collectWatch(s.url, `${NS}/configmaps?watch=true&resourceVersion=${seq.e}&timeoutSeconds=1`, () => false, 5000);
    assert.equal(head.status, 200);
  });
});

describe('informer resuming after compacted events', () => {
  it('relists instead of resuming with a gap', async () => {
    const cfg = await testConfig('infcompact', { historyPerObject: 2 });
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 2 });
    const inf = new Informer<KObject>({ log: el, plural: 'configmaps', logger: silent, streamCheckMs: 0 });
    const put = async (name: string, v: string) => {
      const subject = el.subjectFor('configmaps', 'default', name);
      const last = await el.getLast(subject);
      const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } } as unknown as KObject;
      return el.append(subject, last ? 'MODIFIED' : 'ADDED', obj, last?.seq ?? 0);
    };
    try {
      await put('hot', '0');
      await put('other', '0');
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(5000));
      // The consumer ends (as when a connection is lost for good); before the informer reopens
      // it, hot changes three times and its first change after what the informer saw is compacted.
      await (inf as unknown as { messages: { close(): Promise<void> } }).messages.close();
      let last = 0;
      for (const v of ['1', '2', '3']) last = await put('hot', v);
      await eventually('the informer to catch up', async () => inf.lastSeq >= last, 10_000);
      await sleep(50);
      assert.equal(inf.relists, 1);
      assert.deepEqual(inf.keys().sort(), ['default/hot', 'default/other']);
      assert.equal((inf.get('default/hot') as unknown as { data: { v: string } }).data.v, '3');
    } finally {
      await inf.stop();
      await el.close();
      await dropPrefix(cfg);
    }
  });

  it('a scoped reader (no unfiltered consumer) resumes past interior compaction: the cache still ends right', async () => {
    const cfg = await testConfig('infcompactscoped', { historyPerObject: 2 });
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 2, reads: readScopeOf('proxy')! });
    const inf = new Informer<KObject>({ log: el, plural: 'services', logger: silent, streamCheckMs: 0 });
    const put = async (name: string, v: string) => {
      const subject = el.subjectFor('services', 'default', name);
      const last = await el.getLast(subject);
      const obj = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { v } }, spec: {} } as unknown as KObject;
      return el.append(subject, last ? 'MODIFIED' : 'ADDED', obj, last?.seq ?? 0);
    };
    try {
      await put('hot', '0');
      await put('other', '0');
      await inf.start();
      await inf.waitForSync(AbortSignal.timeout(5000));
      await (inf as unknown as { messages: { close(): Promise<void> } }).messages.close();
      let last = 0;
      for (const v of ['1', '2', '3']) last = await put('hot', v);
      await eventually('the informer to catch up', async () => inf.lastSeq >= last, 10_000);
      await sleep(50);
      assert.equal(inf.relists, 0, 'the newest message of every subject survives compaction: nothing to relist for');
      assert.deepEqual(inf.keys().sort(), ['default/hot', 'default/other']);
      assert.equal(inf.get('default/hot')?.metadata.labels?.v, '3');
    } finally {
      await inf.stop();
      await el.close();
      await dropPrefix(cfg);
    }
  });
});
