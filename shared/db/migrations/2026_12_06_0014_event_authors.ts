/**
 * The author of each event in the events mirror, copied from the message's headers
 * (shared/eventlog/author.ts): who made the change, whom they impersonated, with which field
 * manager and user agent, in which request. Null for events published without author headers.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('user_name', 'text')
    .addColumn('user_groups', sql`text[]`)
    .addColumn('user_uid', 'text')
    .addColumn('impersonated_user', 'text')
    .addColumn('impersonated_groups', sql`text[]`)
    .addColumn('field_manager', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .execute();
  await db.schema.createIndex('events_user_name_idx').on('events').column('user_name').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_user_name_idx').ifExists().execute();
  let t = db.schema.alterTable('events') as unknown as { dropColumn(c: string): typeof t; execute(): Promise<void> };
  for (const c of ['user_name', 'user_groups', 'user_uid', 'impersonated_user', 'impersonated_groups', 'field_manager', 'user_agent', 'request_id']) t = t.dropColumn(c);
  await t.execute();
}
