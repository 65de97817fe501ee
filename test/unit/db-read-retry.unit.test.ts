import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readRetryingDeadlock } from '../../shared/db/errors.js';

const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('readRetryingDeadlock', () => {
  const cases: ReadonlyArray<readonly [string, readonly (string | 'ok')[], 'ok' | string, number]> = [
    ['a deadlock victim is run again and its second answer returned', ['40P01', 'ok'], 'ok', 2],
    ['three deadlocks in a row: the third is thrown', ['40P01', '40P01', '40P01', 'ok'], '40P01', 3],
    ['any other error is thrown at once', ['42P01', 'ok'], '42P01', 1],
    ['an unreachable database is a 503 at once', ['57P01', 'ok'], 'ServiceUnavailable', 1],
  ];
  for (const [name, outcomes, want, calls] of cases) {
    it(name, async () => {
      let n = 0;
      const run = async () => {
        const o = outcomes[n++]!;
        if (o === 'ok') return 'ok';
        throw pgError(o);
      };
      const got = await readRetryingDeadlock(run).then(
        (v) => v,
        (e: any) => (e.reason as string | undefined) ?? e.code,
      );
      assert.equal(got, want);
      assert.equal(n, calls);
    });
  }
});
