/**
 * `resourceVersionMatch=Exact` lists below what the log keeps: the answer is complete or 410
 * Expired ("The resourceVersion for the provided list is too old.", as kube-apiserver answers for a
 * compacted revision), never a list that silently misses an object. Two ways a past state is lost:
 * the body of an object's newest revision at the sequence was compacted after the projector mirrored
 * it (hot), or the projector first read the object's history after its early revisions were
 * compacted, so the mirror has no row for it at the sequence at all (cold).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, compactedConfigMaps, configMap, startStack, type Stack } from '../stack.js';

const NS = '/api/v1/namespaces/default';
const TOO_OLD = 'The resourceVersion for the provided list is too old.';

const ok = (r: { status: number; body: any }, code = 200) => {
  assert.equal(r.status, code, JSON.stringify(r.body));
  return r.body;
};
const exact = (path: string, seq: number) => `${path}${path.includes('?') ? '&' : '?'}resourceVersion=${seq}&resourceVersionMatch=Exact`;
const dataOf = (list: any) => list.items.map((o: any) => [o.metadata.name, o.data.v]).sort();

describe('Exact list below what the log keeps', () => {
  let s: Stack;
  const hot: number[] = [];
  const cold: number[] = [];
  /** A consistent list: returns once the projector has mirrored everything written so far. */
  const mirrored = async () => ok(await api(s.url, 'GET', `${NS}/configmaps`));
  before(async () => {
    s = await startStack('exactgone', { historyPerObject: 2 });
    // steady: one revision, always held.
    ok(await api(s.url, 'POST', `${NS}/configmaps`, configMap('steady', { v: 's' })), 201);
    const written = await compactedConfigMaps(s, mirrored);
    hot.push(...written.hot);
    cold.push(...written.cold);
  });
  after(async () => {
    await s?.close();
  });

  it('answers 410 Expired when the state at the sequence is no longer complete', async () => {
    const cases: ReadonlyArray<readonly [string, string, number]> = [
      ['hot body compacted', `${NS}/configmaps`, hot[1]!],
      ['hot body compacted, all namespaces', '/api/v1/configmaps', hot[1]!],
      ['cold never mirrored at the sequence', `${NS}/configmaps`, cold[1]!],
      ['cold never mirrored, all namespaces', '/api/v1/configmaps', cold[1]!],
      ['cold never mirrored, before its creation', `${NS}/configmaps`, cold[0]! - 1],
      ['cold never mirrored, with a selector that excludes it', `${NS}/configmaps?labelSelector=app%3Dnone`, cold[1]!],
    ];
    for (const [what, path, seq] of cases) {
      const r = await api(s.url, 'GET', exact(path, seq));
      assert.equal(r.status, 410, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.kind, 'Status', what);
      assert.equal(r.body.reason, 'Expired', what);
      assert.equal(r.body.message, TOO_OLD, what);
    }
  });

  it('answers the whole list at any sequence whose state the log and the mirror still hold', async () => {
    // cold[2] is the first revision the mirror has of cold; hot[2] is still on the log.
    const at2 = ok(await api(s.url, 'GET', exact(`${NS}/configmaps`, cold[2]!)));
    assert.equal(at2.metadata.resourceVersion, String(cold[2]));
    assert.deepEqual(dataOf(at2), [['cold', '2'], ['hot', '3'], ['steady', 's']]);
    const at3 = ok(await api(s.url, 'GET', exact('/api/v1/configmaps', cold[3]!)));
    assert.deepEqual(dataOf(at3), [['cold', '3'], ['hot', '3'], ['steady', 's']]);
    assert.deepEqual(dataOf(at3), dataOf(await mirrored()));
  });
});
