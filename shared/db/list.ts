/**
 * Consistent, paged lists from a projection table.
 *
 * One SQL statement reads the checkpoint and the page, so the list's resourceVersion is exactly the
 * sequence the rows reflect (a single statement sees one snapshot and resolves the schema name once,
 * which also keeps it whole across a replay's schema swap). A watch from that resourceVersion misses
 * nothing.
 *
 * Pages after the first report the first page's resourceVersion (it travels in the continue token)
 * but read the current rows: an object changed between pages shows its newer state, so a watch from
 * the first page's resourceVersion can only repeat a change the client already saw, never miss one.
 */
import { readRetryingDeadlock } from './errors.js';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { ApiError } from '../errors.js';
import type { KObject } from '../resources/meta.js';
import type { ResourceInfo } from '../resources/registry.js';
import type { FieldRequirement, Requirement } from '../resources/selector-types.js';
import { isObjectTable, scopeOf } from './columns.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import type { Database } from './schema.js';
import { fieldCondition, labelCondition } from './selectors-sql.js';

export interface ListOptions {
  /** Only this namespace ('' or absent: all namespaces). Ignored for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly labels?: readonly Requirement[];
  readonly fields?: readonly FieldRequirement[];
  /** Page size; absent or 0: everything. */
  readonly limit?: number;
  /**
   * remainingItemCount is counted up to this many items past the page, and left out beyond
   * (Kubernetes allows it to be absent or an estimate): counting every remaining row made each
   * page of a 150,000-pod list cost a scan of the rest of the table. Default REMAINING_COUNT_MAX.
   * Never counted with label or field selectors (kube-apiserver leaves it out then).
   */
  readonly remainingCountMax?: number;
  readonly continueToken?: string;
}

export interface ListResult {
  readonly items: KObject[];
  readonly resourceVersion: number;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

export interface Row {
  last_seq: number | null;
  remaining: number | null;
  namespace: string | null;
  name: string | null;
  object: KObject | string | null;
}

/** How many items past a page remainingItemCount counts at most (ListOptions.remainingCountMax). */
export const REMAINING_COUNT_MAX = 5000;

export async function listObjects(db: Kysely<Database>, info: ResourceInfo, opts: ListOptions = {}): Promise<ListResult> {
  const r = await listRows(db, info, opts, false);
  return { ...r, items: r.items as KObject[] };
}

/** A list whose items are the objects' JSON text as Postgres returns it. */
export interface JsonListResult extends Omit<ListResult, 'items'> {
  readonly items: string[];
}

/**
 * listObjects with each item left as the JSON text Postgres sends (`object::text`): a list response
 * splices them in as they are, instead of parsing every object and serialising it again (most of a
 * big list's cost in the gateway).
 */
export async function listObjectsJson(db: Kysely<Database>, info: ResourceInfo, opts: ListOptions = {}): Promise<JsonListResult> {
  const r = await listRows(db, info, opts, true);
  return { ...r, items: r.items as string[] };
}

/** The one statement a list runs (exported for bench:list-sql's EXPLAIN). */
export function listSql(info: ResourceInfo, opts: ListOptions, asText: boolean): RawBuilder<Row> {
  const table = info.table;
  if (!isObjectTable(table)) throw new ApiError('InternalError', `no projection table for ${info.plural}`);
  const token = opts.continueToken ? decodeContinue(opts.continueToken) : undefined;
  const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : undefined;

  const where: RawBuilder<unknown>[] = [];
  for (const [column, value] of Object.entries(scopeOf(info))) where.push(sql`${sql.ref(column)} = ${value}`);
  if (info.namespaced && opts.namespace) where.push(sql`namespace = ${opts.namespace}`);
  for (const r of opts.labels ?? []) where.push(labelCondition(r));
  for (const f of opts.fields ?? []) where.push(fieldCondition(info, f));
  const filter = where.length ? sql.join(where, sql` and `) : sql`true`;
  const after = token ? sql`(namespace, name) > (${token.ns}, ${token.name})` : sql`true`;
  const t = sql.table(table);
  const object = asText ? sql`object::text as object` : sql`object`;
  const countMax = opts.remainingCountMax ?? REMAINING_COUNT_MAX;
  const countUpTo = (limit ?? 0) + countMax;

  // remainingItemCount only for a list without selectors, as kube-apiserver (a count of what
  // follows in the key range; with a selector it would count what doesn't match, so it is left out,
  // and so is the scan it cost). Counted along the primary key, as the page is read.
  const counted = !opts.labels?.length && !opts.fields?.length;
  const rest = counted
    ? sql`(select count(*) from (select 1 from ${t} where ${filter} and ${after} order by namespace, name limit ${countUpTo + 1}) upto)`
    : sql`null::int8`;
  return limit
    ? sql<Row>`
      with cp as (select last_seq from checkpoint where id = 1),
      page as (select namespace, name, ${object} from ${t} where ${filter} and ${after} order by namespace, name limit ${limit + 1})
      select cp.last_seq, ${rest} as remaining, page.namespace, page.name, page.object
      from cp left join page on true
      order by page.namespace, page.name`
    : sql<Row>`
      with cp as (select last_seq from checkpoint where id = 1),
      page as (select namespace, name, ${object} from ${t} where ${filter} and ${after})
      select cp.last_seq, null::int8 as remaining, page.namespace, page.name, page.object
      from cp left join page on true
      order by page.namespace, page.name`;
}

async function listRows(db: Kysely<Database>, info: ResourceInfo, opts: ListOptions, asText: boolean): Promise<Omit<ListResult, 'items'> & { items: unknown[] }> {
  const token = opts.continueToken ? decodeContinue(opts.continueToken) : undefined;
  const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : undefined;
  const countUpTo = (limit ?? 0) + (opts.remainingCountMax ?? REMAINING_COUNT_MAX);
  const query = listSql(info, opts, asText);

  const { rows } = await readRetryingDeadlock(() => query.execute(db));
  const first = rows[0];
  if (!first || first.last_seq === null) throw new ApiError('InternalError', 'projection checkpoint missing (not migrated?)');
  const resourceVersion = token ? token.rv : first.last_seq;
  const page = rows.filter((r): r is Row & { namespace: string; name: string; object: KObject | string } => r.object !== null);

  if (limit && page.length > limit) {
    const items = page.slice(0, limit);
    const last = items[items.length - 1]!;
    return {
      items: items.map((r) => r.object),
      resourceVersion,
      continueToken: encodeContinue({ rv: resourceVersion, ns: last.namespace, name: last.name }),
      ...(first.remaining !== null && first.remaining <= countUpTo ? { remainingItemCount: Math.max(0, first.remaining - limit) } : {}),
    };
  }
  return { items: page.map((r) => r.object), resourceVersion };
}
