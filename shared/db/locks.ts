/**
 * Postgres advisory locks, all in the two-int4 key space (class, hashtext(prefix)) so they never
 * collide with kysely's own single-bigint migration lock.
 */
import { sql, type Kysely, type Transaction } from 'kysely';

export const LockClass = {
  /** Session lock held by the one active projector of a prefix. */
  projector: 0x4a4b_0001,
  /** Transaction lock taken by every projector batch and by replay's schema swap. */
  batch: 0x4a4b_0002,
  /** Session lock around migrations of one schema. */
  migrate: 0x4a4b_0003,
  /** Session lock: one replay per prefix at a time. */
  replay: 0x4a4b_0004,
} as const;
export type LockClass = (typeof LockClass)[keyof typeof LockClass];

/** Serialise with the projector's batches (and replay's swap) until the transaction ends. */
export async function lockBatches<DB>(trx: Transaction<DB>, prefix: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(LockClass.batch)}, hashtext(${prefix}))`.execute(trx);
}

/** Try a session lock on the connection `db` is bound to (use db.connection()). */
export async function tryLock<DB>(db: Kysely<DB>, cls: LockClass, key: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${sql.lit(cls)}, hashtext(${key})) as ok`.execute(db);
  return r.rows[0]?.ok === true;
}

export async function lock<DB>(db: Kysely<DB>, cls: LockClass, key: string): Promise<void> {
  await sql`select pg_advisory_lock(${sql.lit(cls)}, hashtext(${key}))`.execute(db);
}

export async function unlock<DB>(db: Kysely<DB>, cls: LockClass, key: string): Promise<void> {
  await sql`select pg_advisory_unlock(${sql.lit(cls)}, hashtext(${key}))`.execute(db);
}

/** The batch lock as SQL text (for multi-statement transactions sent in one round trip). */
export function batchLockSql(prefix: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`invalid prefix "${prefix}"`);
  return `select pg_advisory_xact_lock(${LockClass.batch}, hashtext('${prefix}'))`;
}
