/** RecentWrites: the gateway's own newest message per subject, by sequence, within a byte budget. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentWrites } from '../../shared/eventlog/recent-writes.js';

const msg = (seq: number, bytes = 10) => ({ seq, time: new Date(0), data: new Uint8Array(bytes) });

describe('RecentWrites', () => {
  const cases: { name: string; run: (r: RecentWrites) => void; max: number; get: [string, number]; hit: boolean }[] = [
    { name: 'the sequence put is found', max: 100, run: (r) => r.put('a', msg(5)), get: ['a', 5], hit: true },
    { name: 'another sequence of the subject is not', max: 100, run: (r) => r.put('a', msg(5)), get: ['a', 4], hit: false },
    { name: 'a later put replaces the earlier', max: 100, run: (r) => (r.put('a', msg(5)), r.put('a', msg(9))), get: ['a', 5], hit: false },
    { name: 'another subject is not', max: 100, run: (r) => r.put('a', msg(5)), get: ['b', 5], hit: false },
    { name: 'a deleted subject is forgotten', max: 100, run: (r) => (r.put('a', msg(5)), r.delete('a')), get: ['a', 5], hit: false },
    { name: 'the oldest goes first when over budget', max: 25, run: (r) => (r.put('a', msg(1)), r.put('b', msg(2)), r.put('c', msg(3))), get: ['a', 1], hit: false },
    { name: 'newer ones stay within the budget', max: 25, run: (r) => (r.put('a', msg(1)), r.put('b', msg(2)), r.put('c', msg(3))), get: ['c', 3], hit: true },
    { name: 'a re-put subject counts as newest', max: 25, run: (r) => (r.put('a', msg(1)), r.put('b', msg(2)), r.put('a', msg(4)), r.put('c', msg(3))), get: ['a', 4], hit: true },
    { name: 'a message over the whole budget is not kept', max: 5, run: (r) => r.put('a', msg(1)), get: ['a', 1], hit: false },
    { name: 'a zero budget keeps nothing', max: 0, run: (r) => r.put('a', msg(1, 1)), get: ['a', 1], hit: false },
    { name: 'clear forgets everything', max: 100, run: (r) => (r.put('a', msg(1)), r.clear()), get: ['a', 1], hit: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = new RecentWrites(c.max);
      c.run(r);
      assert.equal(r.get(...c.get) !== undefined, c.hit);
      assert.ok(r.sizeBytes <= c.max, `${r.sizeBytes} bytes kept over a budget of ${c.max}`);
    });
  }

  it('keeps the byte count exact through replacements and evictions', () => {
    const r = new RecentWrites(1000);
    for (let i = 0; i < 500; i++) r.put(`s${i % 37}`, msg(i, 1 + (i % 50)));
    let sum = 0;
    for (let i = 0; i < 37; i++) for (let s = 0; s < 500; s++) sum += r.get(`s${i}`, s)?.data.length ?? 0;
    assert.equal(r.sizeBytes, sum);
    assert.ok(r.sizeBytes <= 1000);
  });
});
