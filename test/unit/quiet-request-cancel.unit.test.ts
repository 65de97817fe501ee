import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quietRequestCancel, requestOnePrototype } from '../../shared/eventlog/quiet-request-cancel.js';

/** A stand-in with the shape of nats-core's RequestOne: cancel() always rejects, as shipped. */
function fakeRequestClass() {
  const calls: string[] = [];
  class Req {
    timer = { cancel: () => calls.push('timer') };
    mux = { cancel: () => calls.push('mux') };
    resolver(err: unknown, _msg: unknown) {
      calls.push(err ? 'reject' : 'resolve');
      this.cancel();
    }
    cancel(err?: unknown) {
      calls.push(err ? 'cancel-with-error' : 'cancel-builds-error');
    }
  }
  return { Req, calls };
}

describe('quietRequestCancel', () => {
  it('finds the client RequestOne this build loads', () => {
    assert.ok(requestOnePrototype(), 'nats-core/internal RequestOne not found: the patch would be a no-op');
  });

  const table: { name: string; run: (r: { resolver(e: unknown, m: unknown): void; cancel(e?: unknown): void }) => void; want: string[] }[] = [
    { name: 'an answered request ends without building an error', run: (r) => r.resolver(null, {}), want: ['resolve', 'timer', 'mux'] },
    { name: 'a failed request (already rejected) ends without a second error', run: (r) => r.resolver(new Error('x'), null), want: ['reject', 'timer', 'mux'] },
    { name: 'a request cancelled before an answer behaves as shipped', run: (r) => r.cancel(), want: ['cancel-builds-error'] },
    { name: 'a cancel with an error behaves as shipped', run: (r) => r.cancel(new Error('closed')), want: ['cancel-with-error'] },
  ];
  for (const c of table) {
    it(c.name, () => {
      const { Req, calls } = fakeRequestClass();
      assert.equal(quietRequestCancel(Req.prototype as never), true);
      assert.equal(quietRequestCancel(Req.prototype as never), true, 'installing twice is harmless');
      c.run(new Req());
      assert.deepEqual(calls, c.want);
    });
  }

  it('leaves a client without that shape alone', () => {
    assert.equal(quietRequestCancel(null), false);
  });
});
