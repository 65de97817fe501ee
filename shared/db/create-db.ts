/**
 * A kysely instance on its own pg Pool whose every connection has `search_path` set to one schema,
 * so all SQL is written unqualified and a schema can be swapped by renaming (connections resolve
 * names again on their next statement).
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';

export interface DbOptions {
  /** Pool size (default 10). */
  readonly max?: number;
  /** Called for errors of idle pooled connections (e.g. a Postgres restart); default: ignore. */
  readonly onError?: (err: Error) => void;
  readonly applicationName?: string;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const schemas = new WeakMap<object, string>();
const pools = new WeakMap<object, pg.Pool>();

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name "${schema}" (want ${SCHEMA_RE})`);
}

const INT8_OID = 20;
/** int8 as a JS number: sequences and counts stay far below 2^53. */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === INT8_OID && format !== 'binary'
    ? (v: string) => Number(v)
    : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser;

/**
 * Create the Kysely for `schema`. The schema itself is created by `migrate` (search_path may name a
 * schema that does not exist yet); call `migrate(db)` before the first query, or `ensureSchema`.
 */
export function createDb(databaseUrl: string, schema: string, opts: DbOptions = {}): Kysely<Database> {
  assertSchemaName(schema);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    options: `-c search_path=${schema}`,
    // The schema in the name tells one cluster's (or test's) connections from another's in pg_stat_activity.
    application_name: `${opts.applicationName ?? 'jetkube'}/${schema}`.slice(0, 63),
    types: { getTypeParser },
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', (err) => opts.onError?.(err));
  // A checked-out client whose backend dies between queries emits 'error' with no pool listener
  // attached; the next query on it fails anyway, so just report it.
  pool.on('connect', (client) => client.on('error', (err) => opts.onError?.(err)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  schemas.set(db, schema);
  pools.set(db, pool);
  return db;
}

/** The schema a createDb instance was made for. */
export function schemaOf(db: object): string {
  const s = schemas.get(db);
  if (!s) throw new Error('not a Kysely instance made by createDb');
  return s;
}

/** The pg Pool behind a createDb instance, for the few paths that need the raw client. */
export function poolOf(db: object): pg.Pool {
  const p = pools.get(db);
  if (!p) throw new Error('not a Kysely instance made by createDb');
  return p;
}
