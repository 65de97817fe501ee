import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EXPECTATIONS_TTL_MS, Expectations } from '../../services/controller-manager/replicaset/index.js';
import { ms } from './controller-fixtures.js';

const KEY = 'default/web-abc';

describe('Expectations', () => {
  it('no expectations: satisfied', () => {
    const e = new Expectations();
    assert.equal(e.satisfied(KEY, ms(0)), true);
    assert.equal(e.get(KEY), undefined);
  });

  it('creations: unsatisfied until every creation is observed', () => {
    const e = new Expectations();
    e.expectCreations(KEY, 3, ms(0));
    assert.equal(e.satisfied(KEY, ms(1)), false);
    e.creationObserved(KEY);
    e.creationObserved(KEY);
    assert.equal(e.satisfied(KEY, ms(1)), false);
    assert.deepEqual(e.get(KEY), { add: 1, del: 0, pendingDeletes: [], setAt: ms(0) });
    e.creationObserved(KEY);
    assert.equal(e.satisfied(KEY, ms(1)), true);
  });

  it('creation observations beyond the expected count do not go negative', () => {
    const e = new Expectations();
    e.expectCreations(KEY, 1, ms(0));
    e.creationObserved(KEY);
    e.creationObserved(KEY); // redelivered ADDED event
    assert.equal(e.get(KEY)?.add, 0);
    e.expectCreations(KEY, 2, ms(1));
    e.creationObserved(KEY);
    assert.equal(e.satisfied(KEY, ms(2)), false, 'an earlier surplus does not pay for new creations');
  });

  it('skipped creations are un-expected in bulk', () => {
    const e = new Expectations();
    e.expectCreations(KEY, 10, ms(0));
    e.creationObserved(KEY, 3); // slow start: 7 succeeded, 3 never attempted
    e.creationObserved(KEY, 7);
    assert.equal(e.satisfied(KEY, ms(0)), true);
  });

  it('deletions are tracked by pod identity', () => {
    const e = new Expectations();
    e.expectDeletions(KEY, ['default/a', 'default/b'], ms(0));
    assert.equal(e.satisfied(KEY, ms(1)), false);
    e.deletionObserved(KEY, 'default/a');
    e.deletionObserved(KEY, 'default/a'); // redelivered: deletionTimestamp update then DELETED
    assert.deepEqual(e.get(KEY), { add: 0, del: 1, pendingDeletes: ['default/b'], setAt: ms(0) });
    e.deletionObserved(KEY, 'default/zzz'); // a pod this controller did not delete
    assert.equal(e.get(KEY)?.del, 1);
    assert.equal(e.satisfied(KEY, ms(1)), false);
    e.deletionObserved(KEY, 'default/b');
    assert.equal(e.satisfied(KEY, ms(1)), true);
    assert.equal(e.get(KEY)?.del, 0);
  });

  it('observations for an unknown key are no-ops', () => {
    const e = new Expectations();
    e.creationObserved(KEY);
    e.deletionObserved(KEY, 'x');
    assert.equal(e.get(KEY), undefined);
    assert.equal(e.satisfied(KEY, ms(0)), true);
  });

  it('setting expectations replaces the old ones', () => {
    const e = new Expectations();
    e.expectDeletions(KEY, ['default/a'], ms(0));
    e.expectCreations(KEY, 1, ms(5));
    assert.deepEqual(e.get(KEY), { add: 1, del: 0, pendingDeletes: [], setAt: ms(5) });
  });

  it('expire after the TTL (strictly more than 5 minutes), clock passed in', () => {
    const e = new Expectations();
    assert.equal(EXPECTATIONS_TTL_MS, 300_000);
    e.expectCreations(KEY, 1, ms(0));
    assert.equal(e.satisfied(KEY, ms(0) + EXPECTATIONS_TTL_MS), false);
    assert.equal(e.satisfied(KEY, ms(0) + EXPECTATIONS_TTL_MS + 1), true);
    assert.equal(e.satisfied(KEY, new Date(ms(301))), true);
  });

  it('custom TTL', () => {
    const e = new Expectations({ ttlMs: 1000 });
    e.expectDeletions(KEY, ['u1'], ms(0));
    assert.equal(e.satisfied(KEY, ms(1)), false);
    assert.equal(e.satisfied(KEY, ms(1) + 1), true);
  });

  it('keys are independent; delete forgets one', () => {
    const e = new Expectations();
    e.expectCreations('ns/a', 1, ms(0));
    e.expectCreations('ns/b', 1, ms(0));
    e.delete('ns/a');
    assert.equal(e.satisfied('ns/a', ms(0)), true);
    assert.equal(e.satisfied('ns/b', ms(0)), false);
    assert.deepEqual(e.keys(), ['ns/b']);
  });
});
