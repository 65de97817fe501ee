/**
 * SQL views per served CRD over custom_objects, so `select * from widgets` answers in psql: one
 * named by the CRD (`"widgets.a.example.com"`, always its own), and one named by the plural alone
 * for the first CRD that claims it (the same plural may be served by two groups; the view's comment
 * names the CRD it belongs to). A plural is a DNS-1035 label, always quoted; a plural that names a
 * table of the schema (a built-in kind's) gets no plural view. Names longer than Postgres' 63
 * bytes get no view.
 */
import { sql, type Kysely } from 'kysely';
import type { Crd } from '../resources/crd.js';

const LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_IDENTIFIER = 63;

/** The view's name for a CRD's plural, or undefined when its plural can't be one. */
export function crdViewName(plural: string): string | undefined {
  return LABEL.test(plural) && plural.length <= MAX_IDENTIFIER ? plural : undefined;
}

/** The view named by the CRD itself (`<plural>.<group>`), or undefined when too long for Postgres. */
export function crdQualifiedViewName(crdName: string): string | undefined {
  return crdName && Buffer.byteLength(crdName) <= MAX_IDENTIFIER ? crdName : undefined;
}

/** What the schema has under a name: its kind (`r` table, `v` view, ...) and, for a view, the CRD its comment names. */
async function relation(db: Kysely<any>, name: string): Promise<{ relkind: string; owner: string | null } | undefined> {
  const rel = await sql<{ relkind: string; owner: string | null }>`
    select c.relkind, obj_description(c.oid, 'pg_class') as owner from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relname = ${name}`.execute(db);
  return rel.rows[0];
}

async function createView(db: Kysely<any>, view: string, crd: Crd): Promise<void> {
  await sql`create or replace view ${sql.id(view)} as
    select namespace, name, uid, resource_version, labels, annotations, creation_timestamp, deletion_timestamp,
           object->'spec' as spec, object->'status' as status, object
    from custom_objects where api_group = ${sql.lit(crd.spec.group)} and kind = ${sql.lit(crd.spec.names.kind)}`.execute(db);
  await sql`comment on view ${sql.id(view)} is ${sql.lit(crd.metadata.name ?? '')}`.execute(db);
}

/**
 * Create (or replace) the CRD's views; false when its plural view could not be made (a table, or
 * another group's view of the same plural, has the name).
 */
export async function ensureCrdView(db: Kysely<any>, crd: Crd): Promise<boolean> {
  const qualified = crdQualifiedViewName(crd.metadata.name ?? '');
  if (qualified) await createView(db, qualified, crd);
  const view = crdViewName(crd.spec.names.plural);
  if (!view) return false;
  const rel = await relation(db, view);
  if (rel && (rel.relkind !== 'v' || (rel.owner !== null && rel.owner !== crd.metadata.name))) return false;
  await createView(db, view, crd);
  return true;
}

/** Drop the CRD's views (its plural view only if it is this CRD's). */
export async function dropCrdView(db: Kysely<any>, crd: Crd): Promise<void> {
  const qualified = crdQualifiedViewName(crd.metadata.name ?? '');
  if (qualified && (await relation(db, qualified))?.relkind === 'v') await sql`drop view if exists ${sql.id(qualified)}`.execute(db);
  const view = crdViewName(crd.spec?.names?.plural ?? '');
  if (!view) return;
  const rel = await relation(db, view);
  if (rel?.relkind === 'v' && (rel.owner === null || rel.owner === crd.metadata.name)) await sql`drop view if exists ${sql.id(view)}`.execute(db);
}

/** A view for every established CRD of the schema's projection (a replayed schema gets its views so). */
export async function ensureCrdViewsFromProjection(db: Kysely<any>): Promise<number> {
  const rows = await sql<{ object: Crd }>`select object from customresourcedefinitions where established`.execute(db);
  let n = 0;
  for (const r of rows.rows) if (await ensureCrdView(db, r.object)) n++;
  return n;
}
