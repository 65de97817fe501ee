/**
 * Postgres roles of a locked cluster (issue 16 item 5): the projector's role owns the projection
 * schema and writes it; the gateway's role may only read it. What the gateway needs, exactly:
 * CONNECT on the database, USAGE on the schema, SELECT on its tables and views (lists, the history
 * API, the checkpoint, the migration table to see the schema is current), and advisory locks (no
 * privilege). It never migrates on a locked cluster: it waits for the projector (migrateOrAwait).
 * The projector's role may also CREATE schemas in the database: `jetkube replay` builds beside the
 * live schema and swaps it in, and point-in-time builds get their own; default privileges give
 * the gateway SELECT on whatever the projector's role creates, so a swapped-in schema is readable.
 *
 * `roleStatements` is pure (the SQL, in order, every statement idempotent); `ensureRoles` runs it
 * as a superuser (`jetkube up`; compose runs the same in its init).
 */
import pg from 'pg';

export interface DbRole {
  readonly name: string;
  readonly password: string;
}

export interface DbRoles {
  readonly projector: DbRole;
  readonly gateway: DbRole;
}

/** The roles' names for a prefix: one pair per cluster, so clusters sharing a server keep apart. */
export function dbRoleNames(prefix: string): { projector: string; gateway: string } {
  return { projector: `${prefix}_projector`, gateway: `${prefix}_gateway` };
}

const id = (s: string) => `"${s.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The SQL that makes (or brings back) the roles and their privileges on `schema` of `database`. */
export function roleStatements(database: string, schema: string, roles: DbRoles): string[] {
  const p = id(roles.projector.name);
  const g = id(roles.gateway.name);
  const role = (r: DbRole) =>
    `do $$ begin create role ${id(r.name)} login; exception when duplicate_object then null; end $$`;
  return [
    role(roles.projector),
    role(roles.gateway),
    `alter role ${p} with login nosuperuser nocreatedb nocreaterole password ${lit(roles.projector.password)}`,
    `alter role ${g} with login nosuperuser nocreatedb nocreaterole password ${lit(roles.gateway.password)}`,
    `grant connect, create on database ${id(database)} to ${p}`,
    `grant connect on database ${id(database)} to ${g}`,
    `create schema if not exists ${id(schema)} authorization ${p}`,
    // A schema made before the cluster was locked (by the superuser) becomes the projector's.
    `alter schema ${id(schema)} owner to ${p}`,
    `do $$ declare r record; begin
  for r in select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${lit(schema)} and c.relkind in ('r', 'p', 'v', 'm') and pg_get_userbyid(c.relowner) <> ${lit(roles.projector.name)}
  loop
    execute format('alter %s %I.%I owner to %I', case r.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end, ${lit(schema)}, r.relname, ${lit(roles.projector.name)});
  end loop;
end $$`,
    `grant usage on schema ${id(schema)} to ${g}`,
    `grant select on all tables in schema ${id(schema)} to ${g}`,
    `alter default privileges for role ${p} grant select on tables to ${g}`,
    `alter default privileges for role ${p} grant usage on schemas to ${g}`,
  ];
}

/** Whether the user of `url` is a Postgres superuser (and so can make roles). */
export async function isSuperuser(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, application_name: 'jetkube-roles' });
  await client.connect();
  try {
    return (await client.query<{ su: boolean }>('select rolsuper as su from pg_roles where rolname = current_user')).rows[0]?.su === true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Run roleStatements as the superuser at `adminUrl` (idempotent; concurrent runs are serialised). */
export async function ensureRoles(adminUrl: string, schema: string, roles: DbRoles): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'jetkube-roles' });
  await client.connect();
  try {
    const db = (await client.query<{ db: string }>('select current_database() as db')).rows[0]!;
    await client.query('begin');
    await client.query(`select pg_advisory_xact_lock(hashtext('jetkube-roles'))`);
    for (const s of roleStatements(db.db, schema, roles)) await client.query(s);
    await client.query('commit');
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `url` with its user and password replaced by the role's. */
export function urlAsRole(url: string, role: DbRole): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role.name);
  u.password = encodeURIComponent(role.password);
  return u.toString();
}
