/**
 * One active projector per prefix: the holder of a session-level advisory lock on a dedicated
 * connection. Others wait as standbys, retrying every second. Losing the connection loses the lock,
 * so `lost` aborts on any connection error and on a failed keep-alive ping.
 */
import pg from 'pg';
import type { Logger } from '../../shared/log.js';
import { LockClass } from '../../shared/db/index.js';
import { Backoff, sleep } from './backoff.js';

export interface Leadership {
  /** Aborts when the lock may be gone. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface LeaderOptions {
  readonly databaseUrl: string;
  readonly prefix: string;
  readonly log: Logger;
  readonly pollMs?: number;
  readonly pingMs?: number;
  readonly onStandby?: () => void;
}

/** Wait until this process holds the lock; undefined if `signal` aborted first. */
export async function acquireLeadership(opts: LeaderOptions, signal: AbortSignal): Promise<Leadership | undefined> {
  const backoff = new Backoff(500, 5_000);
  let standby = false;
  while (!signal.aborted) {
    const client = new pg.Client({
      connectionString: opts.databaseUrl,
      application_name: 'jetkube-projector-lock',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    const lost = new AbortController();
    client.on('error', (err) => lost.abort(err));
    client.on('end', () => lost.abort(new Error('lock connection ended')));
    try {
      await client.connect();
      while (!signal.aborted && !lost.signal.aborted) {
        const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int, hashtext($2)) as ok', [
          LockClass.projector,
          opts.prefix,
        ]);
        if (r.rows[0]?.ok) return hold(client, lost, opts);
        if (!standby) {
          standby = true;
          opts.log.info({ prefix: opts.prefix }, 'another projector is active; waiting as standby');
          opts.onStandby?.();
        }
        await sleep(opts.pollMs ?? 1_000, signal);
      }
    } catch (err) {
      opts.log.warn({ err }, 'projector lock: cannot reach Postgres; retrying');
    }
    await client.end().catch(() => undefined);
    await sleep(backoff.next(), signal);
  }
  return undefined;
}

function hold(client: pg.Client, lost: AbortController, opts: LeaderOptions): Leadership {
  const ping = setInterval(() => {
    client.query('select 1').catch((err: unknown) => {
      lost.abort(err);
      void client.end().catch(() => undefined);
    });
  }, opts.pingMs ?? 5_000);
  ping.unref();
  lost.signal.addEventListener('abort', () => clearInterval(ping));
  return {
    lost: lost.signal,
    async release() {
      clearInterval(ping);
      // Ending the session releases the lock.
      await client.end().catch(() => undefined);
    },
  };
}
