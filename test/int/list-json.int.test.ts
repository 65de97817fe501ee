/**
 * Lists answered as JSON text (the items spliced in as Postgres returns them, shared/db/list.ts
 * listObjectsJson): the same lists as the parsed objects listObjects reads, page by page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDb, listObjects, type Database } from '../../shared/db/index.js';
import { schemaName } from '../../shared/config.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { parseLabelSelector } from '../../shared/resources/selectors.js';
import type { Kysely } from 'kysely';
import { api, pod, startStack, type Stack } from '../stack.js';

describe('gateway lists as JSON text', () => {
  let s: Stack;
  let db: Kysely<Database>;
  const info = resourceByPlural('pods')!;

  before(async () => {
    s = await startStack('listjson');
    db = createDb(s.cfg.databaseUrl, schemaName(s.cfg.prefix));
    for (let i = 0; i < 7; i++) {
      const r = await api(s.url, 'POST', '/api/v1/namespaces/default/pods', { ...pod(`p${i}`, { app: i % 2 ? 'odd' : 'even' }), metadata: { name: `p${i}`, labels: { app: i % 2 ? 'odd' : 'even' }, annotations: { note: 'a "quoted" \\ ünïcode ✓ line\nbreak' } } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });
  after(async () => {
    await db?.destroy();
    await s?.close();
  });

  it('answers every item as listObjects reads it, with the list metadata', async () => {
    const r = await api(s.url, 'GET', '/api/v1/namespaces/default/pods');
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, 'PodList');
    assert.equal(r.body.apiVersion, 'v1');
    const direct = await listObjects(db, info, { namespace: 'default' });
    assert.deepEqual(r.body.items, direct.items);
    assert.equal(r.body.items.length, 7);
    assert.ok(Number(r.body.metadata.resourceVersion) > 0);
  });

  it('pages with limit and continue, and filters by label', async () => {
    const seen: string[] = [];
    let cont: string | undefined;
    do {
      const r = await api(s.url, 'GET', `/api/v1/namespaces/default/pods?limit=3${cont ? `&continue=${cont}` : ''}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length <= 3);
      seen.push(...r.body.items.map((p: any) => p.metadata.name));
      cont = r.body.metadata.continue;
      if (cont) assert.equal(r.body.metadata.remainingItemCount, 7 - seen.length);
    } while (cont);
    assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    const odd = await api(s.url, 'GET', '/api/v1/pods?labelSelector=app%3Dodd');
    const direct = await listObjects(db, info, { labels: parseLabelSelector('app=odd') });
    assert.deepEqual(odd.body.items, direct.items);
    assert.deepEqual(odd.body.items.map((p: any) => p.metadata.annotations.note), Array(3).fill('a "quoted" \\ ünïcode ✓ line\nbreak'));
  });

  it('counts remainingItemCount up to remainingCountMax past the page, and leaves it out beyond', async () => {
    const exact = await listObjects(db, info, { namespace: 'default', limit: 2, remainingCountMax: 5 });
    assert.equal(exact.remainingItemCount, 5);
    assert.ok(exact.continueToken);
    const beyond = await listObjects(db, info, { namespace: 'default', limit: 2, remainingCountMax: 4 });
    assert.equal(beyond.remainingItemCount, undefined);
    assert.equal(beyond.items.length, 2);
    assert.ok(beyond.continueToken, 'paging goes on without the count');
    const next = await listObjects(db, info, { namespace: 'default', limit: 2, remainingCountMax: 4, continueToken: beyond.continueToken! });
    assert.deepEqual(next.items.map((p) => p.metadata.name), ['p2', 'p3']);
    assert.equal(next.remainingItemCount, 3);
  });

  it('leaves remainingItemCount out of a page with a label or field selector, as kube-apiserver does', async () => {
    const cases: [string, string][] = [
      ['label selector', 'labelSelector=app%3Deven'],
      ['field selector', 'fieldSelector=metadata.namespace%3Ddefault'],
      ['set-based label selector', 'labelSelector=app%20in%20(even,odd)'],
    ];
    for (const [label, q] of cases) {
      const r = await api(s.url, 'GET', `/api/v1/namespaces/default/pods?limit=2&${q}`);
      assert.equal(r.status, 200, label);
      assert.equal(r.body.items.length, 2, label);
      assert.ok(r.body.metadata.continue, `${label}: a continue token`);
      assert.equal(r.body.metadata.remainingItemCount, undefined, label);
      const next = await api(s.url, 'GET', `/api/v1/namespaces/default/pods?limit=2&${q}&continue=${r.body.metadata.continue}`);
      assert.equal(next.status, 200, label);
      assert.equal(next.body.metadata.remainingItemCount, undefined, label);
    }
    const plain = await api(s.url, 'GET', '/api/v1/namespaces/default/pods?limit=2');
    assert.equal(plain.body.metadata.remainingItemCount, 5);
  });
});
