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
  await db.schema
    .alterTable('events')
    .dropColumn('user_name')
    .dropColumn('user_groups')
    .dropColumn('user_uid')
    .dropColumn('impersonated_user')
    .dropColumn('impersonated_groups')
    .dropColumn('field_manager')
    .dropColumn('user_agent')
    .dropColumn('request_id')
    .execute();
}
