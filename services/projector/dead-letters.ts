/** Reading the dead_letters table (messages the projector recorded instead of projecting). */
import type { Kysely } from 'kysely';
import type { Database, DeadLetter } from '../../shared/db/index.js';

export async function countDeadLetters(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('dead_letters').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function listDeadLetters(db: Kysely<Database>): Promise<DeadLetter[]> {
  return db.selectFrom('dead_letters').selectAll().orderBy('sequence').execute();
}
