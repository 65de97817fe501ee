import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyMessage, encodeEnvelope, resourceSubject } from '../../shared/eventlog/index.js';
import { ContentRejectedError, asContentRejected, isContentError, isContentRejected, sqlState } from '../../shared/db/index.js';
import { applyBisecting } from '../../services/projector/bisect.js';
import type { KObject } from '../../shared/resources/meta.js';

const ROOT = 'jk';
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));
const pod = (name: string, namespace = 'default', extra: Record<string, unknown> = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, ...extra }) as unknown as KObject;
const node = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) as unknown as KObject;
const podSubject = (name: string, ns = 'default') => resourceSubject(ROOT, 'pods', ns, name);

describe('classifyMessage', () => {
  const cases: { name: string; subject: string; data: Uint8Array; want: 'event' | 'other' | RegExp }[] = [
    { name: 'a valid pod event', subject: podSubject('web'), data: encodeEnvelope('ADDED', pod('web')), want: 'event' },
    { name: 'a valid cluster-scoped event', subject: resourceSubject(ROOT, 'nodes', undefined, 'n1'), data: encodeEnvelope('MODIFIED', node('n1')), want: 'event' },
    { name: 'a name with dots, encoded in the subject', subject: podSubject('a.b.c'), data: encodeEnvelope('ADDED', pod('a.b.c')), want: 'event' },
    { name: 'a tombstone', subject: podSubject('web'), data: encodeEnvelope('DELETED', pod('web')), want: 'event' },
    { name: 'an allocation subject', subject: `${ROOT}.alloc.ips.10-0-0-1`, data: enc.encode('x'), want: 'other' },
    { name: 'another root', subject: 'other.res.pods.default.web', data: encodeEnvelope('ADDED', pod('web')), want: 'other' },
    { name: 'garbage bytes', subject: podSubject('g'), data: Uint8Array.from([0xff, 0xfe, 0x00]), want: /not UTF-8/ },
    { name: 'not JSON', subject: podSubject('g'), data: enc.encode('{"v":1,'), want: /not JSON/ },
    { name: 'a JSON string', subject: podSubject('g'), data: json('hello'), want: /not a JSON object/ },
    { name: 'a JSON array', subject: podSubject('g'), data: json([1]), want: /not a JSON object/ },
    { name: 'another schema version', subject: podSubject('g'), data: json({ v: 2, type: 'ADDED', object: pod('g') }), want: /schema version 2/ },
    { name: 'an unknown event type', subject: podSubject('g'), data: json({ v: 1, type: 'BOOKMARK', object: pod('g') }), want: /event type "BOOKMARK"/ },
    { name: 'no object', subject: podSubject('g'), data: json({ v: 1, type: 'ADDED', object: null }), want: /no object/ },
    { name: 'no metadata', subject: podSubject('g'), data: json({ v: 1, type: 'ADDED', object: { kind: 'Pod' } }), want: /no metadata/ },
    { name: 'no name', subject: podSubject('g'), data: json({ v: 1, type: 'ADDED', object: { kind: 'Pod', metadata: { namespace: 'default' } } }), want: /no metadata.name/ },
    { name: 'a body naming another object', subject: podSubject('mallory'), data: encodeEnvelope('MODIFIED', pod('victim')), want: /names "victim" but the subject names "mallory"/ },
    { name: 'a body in another namespace', subject: podSubject('web', 'prod'), data: encodeEnvelope('ADDED', pod('web', 'default')), want: /namespace "default" disagrees with the subject's "prod"/ },
    { name: 'a body without a namespace on a namespaced subject', subject: podSubject('web'), data: json({ v: 1, type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'web' } } }), want: /namespace "" disagrees/ },
    { name: 'a namespaced body on a cluster-scoped subject', subject: resourceSubject(ROOT, 'nodes', undefined, 'n1'), data: encodeEnvelope('ADDED', pod('n1', 'default', { kind: 'Node' })), want: /namespace "default" disagrees/ },
    { name: 'a body of another kind', subject: podSubject('web'), data: encodeEnvelope('ADDED', pod('web', 'default', { kind: 'Secret' })), want: /kind "Secret" disagrees with the subject's resource pods/ },
    {
      name: 'a lone surrogate escape in a string',
      subject: podSubject('s'),
      data: enc.encode(JSON.stringify({ v: 1, type: 'ADDED', object: pod('s', 'default', { data: { x: 'LONE' } }) }).replace('LONE', '\\udfff')),
      want: /lone UTF-16 surrogate/,
    },
    {
      name: 'a surrogate pair escape is fine',
      subject: podSubject('s'),
      data: enc.encode(JSON.stringify({ v: 1, type: 'ADDED', object: pod('s', 'default', { data: { x: 'PAIR' } }) }).replace('PAIR', '\\ud83d\\ude00')),
      want: 'event',
    },
    {
      name: 'an escaped backslash before "udfff" is fine',
      subject: podSubject('s'),
      data: json({ v: 1, type: 'ADDED', object: pod('s', 'default', { data: { x: '\\udfff' } }) }),
      want: 'event',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = classifyMessage(ROOT, c.subject, c.data);
      if (c.want === 'event' || c.want === 'other') assert.equal(r.result, c.want, JSON.stringify(r));
      else {
        assert.equal(r.result, 'poison');
        assert.match((r as { reason: string }).reason, c.want);
      }
    });
  }

  it('a writer never produces a lone surrogate: encodeEnvelope replaces it by U+FFFD, as Go does', () => {
    const o = pod('s', 'default', { data: { lone: 'a\udfffb', hi: '\ud83d', pair: '\ud83d\ude00', literal: '\\udfff' } });
    const r = classifyMessage(ROOT, podSubject('s'), encodeEnvelope('ADDED', o));
    assert.equal(r.result, 'event');
    if (r.result === 'event') {
      assert.deepEqual((r.object as unknown as { data: unknown }).data, { lone: 'a\ufffdb', hi: '\ufffd', pair: '\ud83d\ude00', literal: '\\udfff' });
    }
  });

  it('takes the identity from the subject', () => {
    const r = classifyMessage(ROOT, podSubject('a.b'), encodeEnvelope('ADDED', pod('a.b')));
    assert.equal(r.result, 'event');
    if (r.result === 'event') assert.deepEqual([r.plural, r.namespace, r.name, r.info?.kind], ['pods', 'default', 'a.b', 'Pod']);
  });
});

describe('Postgres errors by SQLSTATE', () => {
  const pgErr = (code: string, message = 'boom') => Object.assign(new Error(message), { code });
  const cases: { code: string; content: boolean }[] = [
    { code: '22P05', content: true }, // untranslatable character (jsonb \u escapes)
    { code: '22003', content: true }, // numeric value out of range
    { code: '23514', content: true }, // check violation
    { code: '23505', content: true }, // unique violation
    { code: '08006', content: false }, // connection failure
    { code: '57P01', content: false }, // admin shutdown
    { code: '40001', content: false }, // serialization failure
    { code: 'ECONNRESET', content: false }, // a socket error, not a SQLSTATE
  ];
  for (const c of cases) {
    it(`${c.code} is ${c.content ? '' : 'not '}a content error`, () => {
      assert.equal(isContentError(pgErr(c.code)), c.content);
      assert.equal(isContentRejected(asContentRejected(pgErr(c.code))), c.content);
    });
  }
  it('finds the SQLSTATE through causes', () => {
    assert.equal(sqlState(new Error('wrapped', { cause: pgErr('23514') })), '23514');
  });
  it('the checkpoint guard (22P02 with its marker) is not a content error', () => {
    const e = pgErr('22P02', 'invalid input syntax for type integer: "3 < 5: checkpoint went back"');
    assert.equal(isContentRejected(asContentRejected(e)), false);
  });
});

describe('applyBisecting', () => {
  const refusal = new ContentRejectedError('23514', 'SQLSTATE 23514: refused');
  /** A fake database that refuses any slice holding a bad item, and records what it applied. */
  function fakeDb(bad: ReadonlySet<number>) {
    const applied: number[][] = [];
    const rejected: number[] = [];
    return {
      applied,
      rejected,
      apply: async (slice: readonly number[]) => {
        if (slice.some((x) => bad.has(x))) throw new ContentRejectedError('23514', `refused ${slice.join(',')}`);
        applied.push([...slice]);
      },
      reject: async (x: number) => void rejected.push(x),
    };
  }

  const cases: { name: string; items: number[]; bad: number[] }[] = [
    { name: 'nothing bad: one apply', items: [1, 2, 3, 4], bad: [] },
    { name: 'one bad in the middle', items: [1, 2, 3, 4, 5, 6, 7], bad: [4] },
    { name: 'the first and the last', items: [1, 2, 3, 4, 5, 6, 7, 8], bad: [1, 8] },
    { name: 'all bad', items: [1, 2, 3], bad: [1, 2, 3] },
    { name: 'a single bad item', items: [9], bad: [9] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const db = fakeDb(new Set(c.bad));
      await applyBisecting(c.items, db);
      assert.deepEqual(db.rejected, c.bad);
      // Every good item applied exactly once, in order.
      assert.deepEqual(db.applied.flat(), c.items.filter((x) => !c.bad.includes(x)));
      if (c.bad.length === 0) assert.equal(db.applied.length, 1);
    });
  }

  it('does not send again a batch already refused', async () => {
    const db = fakeDb(new Set([2]));
    let calls = 0;
    await applyBisecting([1, 2], { apply: (s) => (calls++, db.apply(s)), reject: db.reject }, refusal);
    assert.equal(calls, 2); // [1] and [2], never [1, 2]
    assert.deepEqual(db.rejected, [2]);
  });

  it('rethrows anything that is not a content refusal', async () => {
    const lost = Object.assign(new Error('connection terminated'), { code: '57P01' });
    await assert.rejects(
      applyBisecting([1, 2], { apply: async () => Promise.reject(lost), reject: async () => undefined }),
      /connection terminated/,
    );
  });
});
