/** The benchmarks' Prometheus helpers: samples from a text exposition, a quantile's bucket between two scrapes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bucketQuantile, promSamples } from '../../bench/report.js';

const scrape = (counts: readonly number[]) =>
  promSamples(
    [
      '# HELP d delay',
      '# TYPE d histogram',
      `d_bucket{le="0.01"} ${counts[0]}`,
      `d_bucket{le="0.1"} ${counts[1]}`,
      `d_bucket{le="1"} ${counts[2]}`,
      `d_bucket{le="+Inf"} ${counts[3]}`,
      `d_sum 1.5`,
      `d_count ${counts[3]}`,
      'lag_p99_seconds 0.012',
    ].join('\n'),
  );

describe('bench report: Prometheus helpers', () => {
  it('reads samples by name and labels', () => {
    const s = scrape([1, 2, 3, 4]);
    assert.equal(s.get('d_bucket{le="0.1"}'), 2);
    assert.equal(s.get('lag_p99_seconds'), 0.012);
    assert.equal(s.has('# HELP d delay'), false);
  });
  const cases: { name: string; before: number[] | null; after: number[]; q: number; want: { le: number; count: number } }[] = [
    { name: 'all in the first bucket', before: null, after: [10, 10, 10, 10], q: 0.99, want: { le: 0.01, count: 10 } },
    { name: 'p50 in the middle', before: null, after: [2, 6, 10, 10], q: 0.5, want: { le: 0.1, count: 10 } },
    { name: 'only what came between the scrapes', before: [100, 100, 100, 100], after: [100, 150, 200, 200], q: 0.99, want: { le: 1, count: 100 } },
    { name: 'past the last finite bucket', before: null, after: [0, 0, 0, 5], q: 0.5, want: { le: Infinity, count: 5 } },
    { name: 'nothing observed', before: [3, 3, 3, 3], after: [3, 3, 3, 3], q: 0.99, want: { le: NaN, count: 0 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(bucketQuantile(c.before ? scrape(c.before) : new Map(), scrape(c.after), 'd', c.q), c.want);
    });
  }
});
