/**
 * The projection's object tables and their columns, used to generate the projector's multi-row
 * upserts and the list queries. Every object table has the common columns (schema.ts
 * ObjectColumns); a built-in kind's own columns come from its strategy (`projection`, in
 * shared/resources/kinds), kinds defined at run time share custom_objects. Checked against the
 * migrated tables by the integration tests.
 */
import { RESOURCES, type ResourceInfo } from '../resources/registry.js';
import { strategyOf } from '../resources/strategy.js';
import { NO_COLUMNS, type ColumnSpec, type PgType, type Projection } from '../resources/projection.js';
import type { ObjectColumns } from './schema.js';
import { CUSTOM_OBJECTS, customObjectsProjection } from './custom-objects.js';

export type { ColumnSpec, PgType } from '../resources/projection.js';

const COMMON: { readonly [C in keyof ObjectColumns]: PgType } = {
  namespace: 'text',
  name: 'text',
  uid: 'text',
  resource_version: 'bigint',
  labels: 'jsonb',
  annotations: 'jsonb',
  owner_kind: 'text',
  owner_name: 'text',
  owner_uid: 'text',
  creation_timestamp: 'timestamptz',
  deletion_timestamp: 'timestamptz',
  object: 'jsonb',
};

/** The built-in kinds' tables (from the registry) and custom_objects. */
export const OBJECT_TABLES: readonly string[] = [...RESOURCES.map((r) => r.table), CUSTOM_OBJECTS];
const TABLES = new Set(OBJECT_TABLES);

export function isObjectTable(t: string): boolean {
  return TABLES.has(t);
}

/** What a table holds beyond the common columns: the projection of its kind (custom_objects' for that table). */
export function projectionOf(table: string): Projection {
  let p = projections.get(table);
  if (!p) {
    if (table === CUSTOM_OBJECTS) p = customObjectsProjection;
    else {
      const info = RESOURCES.find((r) => r.table === table);
      if (!info) throw new Error(`no projection table "${table}"`);
      p = strategyOf(info).projection ?? NO_COLUMNS;
    }
    projections.set(table, p);
  }
  return p;
}
const projections = new Map<string, Projection>();

/** All columns of an object table: the common ones (object last) with the kind's in between. */
export function columnsOf(table: string): readonly ColumnSpec[] {
  const cached = cache.get(table);
  if (cached) return cached;
  const { object: objectType, ...common } = COMMON;
  const cols: ColumnSpec[] = [
    ...Object.entries(common).map(([name, type]) => ({ name, type })),
    ...Object.entries(projectionOf(table).columns).map(([name, type]) => ({ name, type })),
    { name: 'object', type: objectType },
  ];
  cache.set(table, cols);
  return cols;
}
const cache = new Map<string, readonly ColumnSpec[]>();

/** The columns that identify a row: a shared table's scope columns, then namespace and name. */
export function keyOf(table: string): readonly string[] {
  return [...(projectionOf(table).scope ?? []), 'namespace', 'name'];
}

/** A kind's values of its table's scope columns (none for a table of its own). */
export function scopeOf(info: ResourceInfo): Readonly<Record<string, string>> {
  const p = projectionOf(info.table);
  if (!p.scope) return {};
  const row = p.row({}, info);
  return Object.fromEntries(p.scope.map((c) => [c, String(row[c])]));
}
