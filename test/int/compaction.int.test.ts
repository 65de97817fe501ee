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
  /**
   * An informer on `plural` syncs two objects; its consumer ends (as when a connection is lost for
   * good) and, before it reopens, `hot` changes three times, so its first change after what the
   * informer saw is compacted away. Answers the informer's relists and hot's last label.
   */
  async function resumeAcrossCompaction(tag: string, plural: string, kind: string, reads?: ReturnType<typeof readScopeOf>) {
    const cfg = await testConfig(tag, { historyPerObject: 2 });
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 2, ...(reads ? { reads } : {}) });
    const inf = new Informer<KObject>({ log: el, plural, logger: silent, streamCheckMs: 0 });
    const put = async (name: string, v: string) => {
      const subject = el.subjectFor(plural, 'default', name);
      const last = await el.getLast(subject);
      const obj = { apiVersion: 'v1', kind, metadata: { name, namespace: 'default', labels: { v } } } as unknown as KObject;
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
      return { relists: inf.relists, keys: inf.keys().sort(), hot: inf.get('default/hot')?.metadata.labels?.v };
    } finally {
      await inf.stop();
      await el.close();
      await dropPrefix(cfg);
    }
  }

  it('relists instead of resuming with a gap', async () => {
    const r = await resumeAcrossCompaction('infcompact', 'configmaps', 'ConfigMap');
    assert.deepEqual(r, { relists: 1, keys: ['default/hot', 'default/other'], hot: '3' });
  });

  it('a scoped reader (no unfiltered consumer) resumes past interior compaction: the cache still ends right', async () => {
    // The newest message of every subject survives compaction: nothing to relist for.
    const r = await resumeAcrossCompaction('infcompactscoped', 'services', 'Service', readScopeOf('proxy')!);
    assert.deepEqual(r, { relists: 0, keys: ['default/hot', 'default/other'], hot: '3' });
  });
});
