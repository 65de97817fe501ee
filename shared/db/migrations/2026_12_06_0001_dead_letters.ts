/**
 * Dead letters: stream messages the projector could not project (poison: undecodable, body
 * disagreeing with its subject, or refused by the database for its content). Kept with the sequence,
 * the subject, the reason and the message's stream time, so a replay records the very same rows.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dead_letters')
    .addColumn('sequence', 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'timestamptz', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dead_letters').ifExists().execute();
}
