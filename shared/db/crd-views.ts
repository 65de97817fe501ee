/**
 * One SQL view per served CRD over custom_objects, named by its plural, so `select * from widgets`
 * answers in psql. A plural is a DNS-1035 label (lower-case letters, digits, '-'), always quoted;
 * a plural that names a table of the schema (a built-in kind's) gets no view.
 */
import { sql, type Kysely } from 'kysely';
import type { Crd } from '../resources/crd.js';

const LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The view's name for a CRD, or undefined when its plural can't be one. */
export function crdViewName(plural: string): string | undefined {
  return LABEL.test(plural) && plural.length <= 63 ? plural : undefined;
}

/** Create (or replace) the CRD's view; false when a table of that name is in the way. */
export async function ensureCrdView(db: Kysely<any>, crd: Crd): Promise<boolean> {
  const view = crdViewName(crd.spec.names.plural);
  if (!view) return false;
  const rel = await sql<{ relkind: string }>`
    select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relname = ${view}`.execute(db);
  if (rel.rows.length && rel.rows[0]!.relkind !== 'v') return false;
  await sql`create or replace view ${sql.id(view)} as
    select namespace, name, uid, resource_version, labels, annotations, creation_timestamp, deletion_timestamp,
           object->'spec' as spec, object->'status' as status, object
    from custom_objects where api_group = ${sql.lit(crd.spec.group)} and kind = ${sql.lit(crd.spec.names.kind)}`.execute(db);
  return true;
}

/** Drop the CRD's view, if it is one. */
export async function dropCrdView(db: Kysely<any>, plural: string): Promise<void> {
  const view = crdViewName(plural);
  if (!view) return;
  const rel = await sql<{ relkind: string }>`
    select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relname = ${view}`.execute(db);
  if (rel.rows[0]?.relkind === 'v') await sql`drop view if exists ${sql.id(view)}`.execute(db);
}

/** A view for every established CRD of the schema's projection (a replayed schema gets its views so). */
export async function ensureCrdViewsFromProjection(db: Kysely<any>): Promise<number> {
  const rows = await sql<{ object: Crd }>`select object from customresourcedefinitions where established`.execute(db);
  let n = 0;
  for (const r of rows.rows) if (await ensureCrdView(db, r.object)) n++;
  return n;
}
