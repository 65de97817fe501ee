import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { streamReset, type BeforeCheck, type CacheAfter, type StreamState } from '../../shared/informer/stream-reset.js';

const T0 = '2026-12-06T10:00:00Z';
const T1 = '2026-12-06T11:00:00Z';

describe('streamReset', () => {
  const cases: {
    name: string;
    before: BeforeCheck;
    state: StreamState;
    after: CacheAfter;
    want: ReturnType<typeof streamReset>;
  }[] = [
    {
      name: 'cache applied newer events while the request was in flight: no reset',
      before: { created: T0, applied: 100 },
      state: { created: T0, firstSeq: 1, lastSeq: 105 },
      after: { applied: 140, relisting: false, oldestSeq: 3 },
      want: { reset: false },
    },
    {
      name: 'reply older than what the cache applied after it, but not than before: no reset',
      before: { created: T0, applied: 105 },
      state: { created: T0, firstSeq: 1, lastSeq: 105 },
      after: { applied: 200, relisting: false, oldestSeq: 3 },
      want: { reset: false },
    },
    {
      name: 'last sequence below what was applied before the request: reset',
      before: { created: T0, applied: 100 },
      state: { created: T0, firstSeq: 1, lastSeq: 40 },
      after: { applied: 100, relisting: false, oldestSeq: 3 },
      want: { reset: true, reason: 'backwards' },
    },
    {
      name: 'stream recreated: reset, even with a higher last sequence',
      before: { created: T0, applied: 10 },
      state: { created: T1, firstSeq: 1, lastSeq: 500 },
      after: { applied: 10, relisting: false, oldestSeq: 3 },
      want: { reset: true, reason: 'recreated' },
    },
    {
      name: 'creation time not known yet: not a recreation',
      before: { created: undefined, applied: 0 },
      state: { created: T1, firstSeq: 1, lastSeq: 5 },
      after: { applied: 5, relisting: false, oldestSeq: 1 },
      want: { reset: false },
    },
    {
      name: 'caught up and a cached object older than the first retained message: suspect a purge',
      before: { created: T0, applied: 20 },
      state: { created: T0, firstSeq: 21, lastSeq: 20 },
      after: { applied: 20, relisting: false, oldestSeq: 4 },
      want: { reset: false, suspectPurge: true },
    },
    {
      name: 'not caught up with the reply yet: the newer message may be on its way',
      before: { created: T0, applied: 20 },
      state: { created: T0, firstSeq: 21, lastSeq: 30 },
      after: { applied: 25, relisting: false, oldestSeq: 4 },
      want: { reset: false },
    },
    {
      name: 'relisting: old objects are expected until the snapshot ends',
      before: { created: T0, applied: 20 },
      state: { created: T0, firstSeq: 21, lastSeq: 20 },
      after: { applied: 20, relisting: true, oldestSeq: 4 },
      want: { reset: false },
    },
    {
      name: 'empty cache: nothing to lose',
      before: { created: T0, applied: 20 },
      state: { created: T0, firstSeq: 21, lastSeq: 20 },
      after: { applied: 20, relisting: false, oldestSeq: undefined },
      want: { reset: false },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(streamReset(c.before, c.state, c.after), c.want));
  }
});
