/**
 * One object table as every kind's projection has it: identity and metadata columns, the kind's
 * own typed columns, the whole object as jsonb, and the label and owner indexes. Migrations that
 * add a kind call this with the columns of that moment; changing it changes no existing table.
 */
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';

export type Col = readonly [name: string, type: string, notNullDefault?: string];

/** `scope`: leading text columns of the primary key, for a table several kinds share (custom_objects). */
export async function createObjectTable(db: Kysely<unknown>, table: string, columns: readonly Col[], scope: readonly string[] = []): Promise<void> {
  // Typed with every column name a string: the columns vary with the caller.
  let t: CreateTableBuilder<string, string> = db.schema.createTable(table);
  for (const name of scope) t = t.addColumn(name, 'text', (c) => c.notNull());
  t = t
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('uid', 'text')
    .addColumn('resource_version', 'bigint', (c) => c.notNull())
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('annotations', 'jsonb')
    .addColumn('owner_kind', 'text')
    .addColumn('owner_name', 'text')
    .addColumn('owner_uid', 'text')
    .addColumn('creation_timestamp', 'timestamptz')
    .addColumn('deletion_timestamp', 'timestamptz');
  for (const [name, type, dflt] of columns) {
    t = t.addColumn(name, sql.raw(type), (c) => (dflt === undefined ? c : c.notNull().defaultTo(sql.raw(dflt))));
  }
  await t
    .addColumn('object', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${table}_pkey`, [...scope, 'namespace', 'name'])
    .execute();
  await db.schema.createIndex(`${table}_labels_idx`).on(table).using('gin').column('labels').execute();
  await db.schema.createIndex(`${table}_owner_uid_idx`).on(table).column('owner_uid').execute();
}

/** Compress the table's objects with lz4 where the server has it (see 2026_12_03_0001_lz4_objects). */
export async function compressObjectsWithLz4(db: Kysely<unknown>, table: string): Promise<void> {
  await sql`
DO $$
BEGIN
  EXECUTE format('ALTER TABLE %I ALTER COLUMN object SET COMPRESSION lz4', ${sql.lit(table)});
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'compression lz4 is not available: % keeps the default', ${sql.lit(table)};
END $$`.execute(db);
}
