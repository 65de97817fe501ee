/**
 * List and watch options as kube-apiserver answers them: a resourceVersion the log has not reached
 * (504 Too large resource version, Retry-After), `sendInitialEvents` with its closing bookmark,
 * `resourceVersionMatch` (NotOlderThan, and Exact answered from the log, 410 once compacted), and
 * the option combinations Kubernetes refuses (422 on ListOptions).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, collectWatch, configMap, startStack, type Stack } from '../stack.js';
import { lastSeq } from '../harness.js';

describe('list and watch options', () => {
  let s: Stack;
  const call = (method: string, path: string, body?: unknown) => api(s.url, method, path, body);
  const CM = '/api/v1/namespaces/default/configmaps';

  before(async () => {
    s = await startStack('lwopts', { historyPerObject: 2 });
  });
  after(async () => s?.close());

  it('a resourceVersion beyond the newest: 504 Too large resource version after a short wait, for list and watch', async () => {
    const current = await lastSeq(s.cfg);
    const want = current + 1000;
    for (const path of [`${CM}?resourceVersion=${want}`, `${CM}?watch=true&resourceVersion=${want}`]) {
      const started = Date.now();
      const r = await fetch(s.url + path);
      const body = (await r.json()) as { reason: string; message: string; code: number; details: { causes: { reason: string }[]; retryAfterSeconds: number } };
      assert.equal(r.status, 504, path);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(body.reason, 'Timeout');
      assert.match(body.message, new RegExp(`^Too large resource version: ${want}, current: \\d+$`));
      assert.equal(body.details.causes[0]!.reason, 'ResourceVersionTooLarge');
      assert.equal(body.details.retryAfterSeconds, 1);
      assert.ok(Date.now() - started >= 2_500, 'waited for the log first');
    }
  });

  it('sendInitialEvents=true: the current objects, a bookmark marking their end, then changes', async () => {
    for (const n of ['a', 'b']) assert.equal((await call('POST', CM, configMap(`init-${n}`))).status, 201);
    const watching = collectWatch(s.url, `${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=`, (ev) => ev.some((e) => e.type === 'ADDED' && (e.object as { metadata: { name: string } }).metadata.name === 'init-c'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await call('POST', CM, configMap('init-c'))).status, 201);
    const { status, events } = await watching;
    assert.equal(status, 200);
    const names = (i: number) => (events[i]!.object as { metadata: { name: string } }).metadata.name;
    const end = events.findIndex((e) => e.type === 'BOOKMARK');
    assert.ok(end >= 2, JSON.stringify(events.map((e) => e.type)));
    assert.deepEqual(events.slice(0, end).map((e, i) => `${e.type} ${names(i)}`).filter((x) => x.includes('init-')), ['ADDED init-a', 'ADDED init-b']);
    const bm = events[end]!.object as { metadata: { resourceVersion: string; annotations: Record<string, string> } };
    assert.deepEqual(bm.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
    assert.match(bm.metadata.resourceVersion, /^\d+$/);
    assert.equal(`${events.at(-1)!.type} ${names(events.length - 1)}`, 'ADDED init-c');
  });

  it('refuses the combinations Kubernetes refuses, with 422 on ListOptions and nothing served', async () => {
    const cases: [string, string][] = [
      [`${CM}?watch=true&sendInitialEvents=true`, 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
      [`${CM}?watch=true&resourceVersionMatch=NotOlderThan`, 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'],
      [`${CM}?resourceVersionMatch=Exact`, 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
      [`${CM}?resourceVersionMatch=Exact&resourceVersion=0`, 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
      [`${CM}?resourceVersionMatch=Latest&resourceVersion=1`, 'resourceVersionMatch: Unsupported value: "Latest": supported values: "Exact", "NotOlderThan", ""'],
      [`${CM}?sendInitialEvents=true`, 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
    ];
    for (const [path, message] of cases) {
      const r = await call('GET', path);
      assert.equal(r.status, 422, path);
      assert.equal(r.body.reason, 'Invalid');
      assert.equal(r.body.message, `ListOptions.meta.k8s.io "" is invalid: ${message}`);
      assert.equal(r.body.details.kind, 'ListOptions');
      assert.equal(r.body.details.group, 'meta.k8s.io');
    }
  });

  it('resourceVersionMatch=Exact lists the state at that sequence; NotOlderThan lists now', async () => {
    assert.equal((await call('POST', CM, configMap('ex-1', { v: '1' }))).status, 201);
    const gone = await call('POST', CM, configMap('ex-gone'));
    const at = gone.body.metadata.resourceVersion as string;
    const patched = await api(s.url, 'PATCH', `${CM}/ex-1`, { data: { v: '2' } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200);
    assert.equal((await call('DELETE', `${CM}/ex-gone`)).status, 200);
    const later = await call('POST', CM, configMap('ex-later'));
    assert.equal(later.status, 201);

    const exact = await call('GET', `${CM}?resourceVersion=${at}&resourceVersionMatch=Exact&labelSelector=`);
    assert.equal(exact.status, 200);
    assert.equal(exact.body.metadata.resourceVersion, at);
    const byName = Object.fromEntries(exact.body.items.map((o: { metadata: { name: string }; data: unknown }) => [o.metadata.name, o.data]));
    assert.deepEqual(byName['ex-1'], { v: '1' }, 'as it was then');
    assert.ok('ex-gone' in byName, 'deleted later, present then');
    assert.ok(!('ex-later' in byName), 'created later, absent then');

    // NotOlderThan: a state at least as new as the version asked for (here: the newest write).
    const now = await call('GET', `${CM}?resourceVersion=${later.body.metadata.resourceVersion}&resourceVersionMatch=NotOlderThan`);
    const names = now.body.items.map((o: { metadata: { name: string } }) => o.metadata.name);
    assert.ok(names.includes('ex-later') && !names.includes('ex-gone'));
    assert.ok(Number(now.body.metadata.resourceVersion) >= Number(later.body.metadata.resourceVersion));
  });

  it('Exact at a sequence whose state was compacted away: 410 Expired, as kube-apiserver answers', async () => {
    const first = await call('POST', CM, configMap('churn', { n: '0' }));
    const at = first.body.metadata.resourceVersion as string;
    for (let i = 1; i <= 4; i++) {
      assert.equal((await api(s.url, 'PATCH', `${CM}/churn`, { data: { n: String(i) } }, 'application/merge-patch+json')).status, 200);
    }
    const r = await call('GET', `${CM}?resourceVersion=${at}&resourceVersionMatch=Exact`);
    assert.equal(r.status, 410);
    assert.equal(r.body.reason, 'Expired');
    assert.equal(r.body.message, 'The resourceVersion for the provided list is too old.');
  });
});
