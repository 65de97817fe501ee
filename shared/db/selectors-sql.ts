/** Label and field selectors as SQL conditions on a projection table. */
import { sql, type RawBuilder } from 'kysely';
import { ApiError } from '../errors.js';
import type { FieldRequirement, Requirement } from '../resources/selector-types.js';
import type { ResourceInfo } from '../resources/registry.js';
import { strategyOf } from '../resources/strategy.js';

type Cond = RawBuilder<unknown>;

/** One label requirement. Single-value equality uses `@>` so the GIN index on labels applies. */
export function labelCondition(r: Requirement): Cond {
  const k = r.key;
  const contains = (v: string) => sql`labels @> ${JSON.stringify({ [k]: v })}::jsonb`;
  switch (r.operator) {
    case 'In':
      if (r.values.length === 0) return sql`false`;
      return r.values.length === 1 ? contains(r.values[0]!) : sql`(${sql.join(r.values.map(contains), sql` or `)})`;
    case 'NotIn':
      return sql`(labels->>${k} is null or not (labels->>${k} = any(${[...r.values]}::text[])))`;
    case 'Exists':
      return sql`labels ? ${k}`;
    case 'DoesNotExist':
      return sql`not (labels ? ${k})`;
    case 'Gt':
    case 'Lt': {
      const n = integerValue(r);
      const op = sql.raw(r.operator === 'Gt' ? '>' : '<');
      return sql`(case when labels->>${k} ~ '^-?[0-9]{1,18}$' then (labels->>${k})::bigint ${op} ${n} else false end)`;
    }
  }
}

function integerValue(r: Requirement): number {
  const v = r.values[0];
  const n = v !== undefined && /^-?[0-9]{1,15}$/.test(v) ? Number(v) : NaN;
  if (r.values.length !== 1 || !Number.isSafeInteger(n)) {
    throw new ApiError('BadRequest', `label selector "${r.key}" with operator ${r.operator} takes exactly one integer value`);
  }
  return n;
}

/** The column holding a field: metadata.name and metadata.namespace have one in every table; the kind's strategy names the rest. */
export function fieldColumn(info: ResourceInfo, field: string): string | undefined {
  if (field === 'metadata.name') return 'name';
  if (field === 'metadata.namespace') return 'namespace';
  return strategyOf(info).fields?.[field]?.column;
}

/** One field requirement. A missing field compares as '' (so `spec.nodeName=` finds unbound pods). */
export function fieldCondition(info: ResourceInfo, f: FieldRequirement): Cond {
  const column = fieldColumn(info, f.field);
  if (f.field.split('.').some((p) => p === '')) throw new ApiError('BadRequest', `invalid field selector "${f.field}"`);
  // The field's own path unless the kind keeps it elsewhere; absent compares as the kind's zero value.
  const spec = strategyOf(info).fields?.[f.field];
  const path = spec?.path ?? f.field.split('.');
  const absent = spec?.absent ?? '';
  const value = column ? sql`coalesce(${sql.ref(column)}, ${absent})` : sql`coalesce(object #>> ${path}::text[], ${absent})`;
  return f.operator === '=' ? sql`${value} = ${f.value}` : sql`${value} <> ${f.value}`;
}
