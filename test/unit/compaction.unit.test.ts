import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resumeFromCount, resumeFromState, type LogState } from '../../shared/eventlog/index.js';

describe('compaction watermark', () => {
  const state = (firstSeq: number, lastSeq: number, numDeleted: number): LogState => ({ firstSeq, lastSeq, numDeleted });
  const fromState: { name: string; after: number; s: LogState; want: ReturnType<typeof resumeFromState> }[] = [
    { name: 'at the head: nothing can be missing', after: 50, s: state(1, 50, 9), want: 'ok' },
    { name: 'past the head (a newer gateway saw more)', after: 60, s: state(1, 50, 9), want: 'ok' },
    { name: 'below the first retained message', after: 3, s: state(10, 50, 0), want: 'gone' },
    { name: 'just below the first retained message: nothing before it matters', after: 9, s: state(10, 50, 0), want: 'ok' },
    { name: 'no interior removals', after: 20, s: state(1, 50, 0), want: 'ok' },
    { name: 'interior removals somewhere: count above', after: 20, s: state(1, 50, 3), want: 'count' },
  ];
  for (const c of fromState) it(`from the state: ${c.name}`, () => assert.equal(resumeFromState(c.after, c.s), c.want));

  const fromCount: { name: string; after: number; pending: number; before: number; afterLast: number; want: ReturnType<typeof resumeFromCount> }[] = [
    { name: 'every sequence above is held', after: 20, pending: 30, before: 50, afterLast: 50, want: 'ok' },
    { name: 'one is missing', after: 20, pending: 29, before: 50, afterLast: 50, want: 'gone' },
    { name: 'writes in between, still every sequence held', after: 20, pending: 32, before: 50, afterLast: 52, want: 'ok' },
    { name: 'writes in between, fewer than even before them', after: 20, pending: 29, before: 50, afterLast: 52, want: 'gone' },
    { name: 'writes in between, cannot tell', after: 20, pending: 31, before: 50, afterLast: 52, want: 'retry' },
  ];
  for (const c of fromCount) {
    it(`from a count: ${c.name}`, () => assert.equal(resumeFromCount(c.after, c.pending, c.before, c.afterLast), c.want));
  }
});
