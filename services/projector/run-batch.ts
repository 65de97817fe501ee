/** Send one multi-statement transaction (`begin; ...; select previous ...; commit`) on a pooled client. */
import type pg from 'pg';
import { asContentRejected, isCheckpointWentBack } from '../../shared/db/index.js';

/**
 * Runs `text`; returns `previous` from the result that has it. Rolls back on any error. A refusal
 * for the data's content is thrown as ContentRejectedError (by SQLSTATE, see shared/db/errors.ts).
 */
export async function runBatch(pool: pg.Pool, text: string): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const results = (await client.query(text)) as unknown as pg.QueryResult<{ previous?: number | string }>[];
    const row = results.map((r) => r.rows?.[0]).find((r) => r && r.previous !== undefined);
    if (!row) throw new Error('batch statement returned no checkpoint');
    return Number(row.previous);
  } catch (err) {
    try {
      await client.query('rollback');
    } catch (e) {
      broken = e as Error;
    }
    if (isCheckpointWentBack(err)) {
      throw new Error(`projection checkpoint is behind this session (database restored?): ${(err as Error).message}`, { cause: err });
    }
    throw asContentRejected(err);
  } finally {
    client.release(broken);
  }
}
