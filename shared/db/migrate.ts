import { Migrator, sql, type Kysely } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import { LockClass, lock, unlock } from './locks.js';
import { schemaOf } from './create-db.js';
import type { Database } from './schema.js';

/**
 * Create the schema if needed and apply pending migrations. Idempotent; safe when several processes
 * start at once (a session advisory lock per schema serialises them; the loser finds nothing to do).
 */
export async function migrate(db: Kysely<Database>): Promise<void> {
  // kysely's migrator looks for its own table by introspecting every schema in the database, which
  // fails ("schema ... does not exist", 3F000; a relation, 42P01; or a column, 42703, seen once in
  // a full test run) when another client drops or alters one at that moment (parallel tests,
  // `jetkube replay` swapping schemas, CRD views). Such a failure changed nothing: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db);
    } catch (e) {
      if (attempt >= 5 || !isConcurrentDrop(e)) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** An error from another schema dropped while Postgres or kysely's introspection read the catalog. */
export function isConcurrentDrop(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    const code = (c as { code?: unknown }).code;
    if (code === '3F000' || code === '42P01' || code === '42703') return true;
  }
  return false;
}

async function migrateOnce(db: Kysely<Database>): Promise<void> {
  const schema = schemaOf(db);
  await db.connection().execute(async (conn) => {
    await lock(conn, LockClass.migrate, schema);
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(conn);
      const migrator = new Migrator({ db: conn, provider: migrationProvider, migrationTableSchema: schema });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error || failed) {
        throw new Error(`migration ${failed?.migrationName ?? ''} failed in schema ${schema}`, { cause: error });
      }
    } finally {
      await unlock(conn, LockClass.migrate, schema);
    }
  });
}

/** True when every migration has been applied to the schema (reads only). */
export async function isMigrated(db: Kysely<Database>): Promise<boolean> {
  const schema = schemaOf(db);
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema });
  try {
    return (await migrator.getMigrations()).every((m) => m.executedAt !== undefined);
  } catch (e) {
    if (isConcurrentDrop(e)) return false;
    throw e;
  }
}

/** Postgres' insufficient_privilege: this role may not create or alter the schema. */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * The gateway's start: nothing to do when the schema is current (no write at all); else migrate,
 * and when its role may not (a locked cluster: the projector's role owns the schema, see roles.ts)
 * wait until the projector has. `onWait` is told once.
 */
export async function migrateOrAwait(db: Kysely<Database>, onWait: () => void = () => undefined, pollMs = 500): Promise<void> {
  if (await isMigrated(db)) return;
  try {
    return await migrate(db);
  } catch (e) {
    if (!hasCode(e, INSUFFICIENT_PRIVILEGE)) throw e;
  }
  onWait();
  while (!(await isMigrated(db))) await new Promise((r) => setTimeout(r, pollMs));
}

function hasCode(e: unknown, code: string): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) if ((c as { code?: unknown }).code === code) return true;
  return false;
}
