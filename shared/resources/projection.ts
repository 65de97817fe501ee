/**
 * What a kind's projection table holds beyond the columns every object table has (shared/db/
 * schema.ts ObjectColumns): its own typed columns, what people filter and sort on, and a pure
 * function from an object to their values. A kind declares it in its strategy file (kinds/); the
 * projector's row building, the batch upserts and the list queries read it from there. The table
 * itself comes from a migration (shared/db/migrations), with these columns.
 *
 * Values are JSON-ready (timestamps as RFC 3339 strings, text[] as arrays) and sanitised with the
 * helpers below so that no object, however odd, can make a batch fail on a cast in SQL: a bad
 * timestamp becomes null, a non-integer count becomes 0.
 */
import type { ResourceInfo } from './registry.js';

export type PgType = 'text' | 'bigint' | 'integer' | 'boolean' | 'jsonb' | 'timestamptz' | 'text[]';

export interface ColumnSpec {
  readonly name: string;
  readonly type: PgType;
}

export type ColumnValue = string | number | boolean | null | readonly string[] | Readonly<Record<string, string>>;

/** An object as the row builders read it: anything may be missing or of the wrong type. */
export type Loose = { readonly [k: string]: unknown };

export interface Projection {
  /** The kind's own columns, in table order, with their types (the migration creates them). */
  readonly columns: Readonly<Record<string, PgType>>;
  /** Their values for one object of kind `info`: one per column, sanitised. Pure. */
  row(o: Loose, info: ResourceInfo): Record<string, ColumnValue>;
  /**
   * For a table several kinds share (custom_objects): the text columns, among `columns`, that tell
   * the kinds apart; `row` fills them from the kind alone. With namespace and name they are the
   * primary key.
   */
  readonly scope?: readonly string[];
}

/** A kind without typed columns: only the common ones. */
export const NO_COLUMNS: Projection = { columns: {}, row: () => ({}) };

// ---- sanitising helpers ---------------------------------------------------------------------------

export function get(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Loose)[p];
  }
  return cur;
}

export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

const INT4_MAX = 2_147_483_647;

export function clampInt(n: number): number {
  return Math.min(Math.max(n, -INT4_MAX), INT4_MAX);
}

/** An int4 value or null when absent/invalid. */
export function optInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) ? clampInt(v) : null;
}

/** A non-negative count; absent or invalid is 0 (Kubernetes omits zero values). */
export function count(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? Math.min(v, INT4_MAX) : 0;
}

export function keyCount(v: unknown): number {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).length : 0;
}

/** A normalised RFC 3339 timestamp (microseconds kept when given), or null when absent/invalid. */
export function timestamp(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  const frac = /\.(\d{4,6})\d*(?:Z|[+-]\d\d:?\d\d)$/i.exec(v);
  // Keep sub-millisecond digits from the source so the column matches the object's own text.
  return frac ? `${iso.slice(0, 19)}.${frac[1]!.padEnd(6, '0')}Z` : iso;
}

export function stringMap(v: unknown): Record<string, string> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

export function conditionTrue(conditions: unknown, type: string): boolean {
  return arr(conditions).some((c) => get(c, 'type') === type && get(c, 'status') === 'True');
}

export function images(containers: unknown): string[] {
  return arr(containers)
    .map((c) => get(c, 'image'))
    .filter((i): i is string => typeof i === 'string');
}
