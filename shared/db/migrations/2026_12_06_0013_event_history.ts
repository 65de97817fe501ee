/**
 * The history API's index over the events mirror: per event the object's generation, labels and
 * owner uids (so deleted objects are findable by label or owner without reading the log), and the
 * indexes one object's revisions, a uid, and a time range are read by.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('generation', 'bigint')
    .addColumn('labels', 'jsonb')
    .addColumn('owner_uids', sql`text[]`)
    .execute();
  await db.schema.createIndex('events_object_idx').on('events').columns(['kind', 'namespace', 'name', 'sequence']).execute();
  await db.schema.createIndex('events_uid_idx').on('events').column('uid').execute();
  await db.schema.createIndex('events_time_idx').on('events').column('time').execute();
  await sql`create index events_owner_uids_idx on events using gin (owner_uids)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const i of ['events_object_idx', 'events_uid_idx', 'events_time_idx', 'events_owner_uids_idx']) await db.schema.dropIndex(i).ifExists().execute();
  await db.schema.alterTable('events').dropColumn('generation').dropColumn('labels').dropColumn('owner_uids').execute();
}
