/**
 * Field selectors (`?fieldSelector=spec.nodeName=n1,status.phase!=Failed`), as in Kubernetes'
 * apimachinery/pkg/fields: `=`, `==` and `!=` on a fixed set of fields per kind, comma-joined,
 * with `\,` `\=` `\\` escapes in values.
 */
import { badRequest } from '../errors.js';
import type { KObject } from './meta.js';
import type { ResourceInfo } from './registry.js';
import type { FieldRequirement } from './selector-types.js';
import { isPlainObject } from './json.js';
import { strategyFor, strategyOf } from './strategy.js';

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

/** The fields a kind can be selected by: metadata.name, metadata.namespace and its strategy's. */
export function selectableFields(info: ResourceInfo): readonly string[] {
  return [...COMMON_FIELDS, ...Object.keys(strategyOf(info).fields ?? {})];
}

/**
 * Parse a field selector for a kind. `""` selects everything. Throws a 400 ApiError for a term
 * without an operator or a field the kind does not support.
 */
export function parseFieldSelector(s: string, info: ResourceInfo): FieldRequirement[] {
  const supported = new Set(selectableFields(info));
  const reqs: FieldRequirement[] = [];
  for (const term of splitUnescaped(s, ',')) {
    if (term.trim() === '') continue;
    const parsed = splitTerm(term);
    if (!parsed) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    const field = parsed.field.trim();
    if (!supported.has(field)) throw badRequest(`field label not supported: ${field}`);
    reqs.push({ field, operator: parsed.operator, value: unescape(parsed.value) });
  }
  return reqs;
}

/** The selector's string form (values escaped). */
export function formatFieldSelector(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.operator}${escape(r.value)}`).join(',');
}

/** Whether an object satisfies every requirement. No requirements match everything. */
export function matchesFields(reqs: readonly FieldRequirement[], obj: KObject): boolean {
  return reqs.every((r) => {
    const v = fieldValue(obj, r.field);
    switch (r.operator) {
      case '=':
        return v === r.value;
      case '!=':
        return v !== r.value;
      default: {
        const never: never = r.operator;
        throw new Error(`unexpected field operator: ${String(never)}`);
      }
    }
  });
}

/**
 * A field's value as a selector compares it: a string, `""` when absent (or the kind's zero value
 * for it), booleans and numbers printed. The kind's strategy may say the value is elsewhere (an
 * Event's `source` is its `source.component`, as in Kubernetes).
 */
export function fieldValue(obj: KObject, field: string): string {
  const spec = strategyFor(obj.kind).fields?.[field];
  const v = dig(obj, spec?.path ?? field.split('.'));
  return v === undefined ? (spec?.absent ?? '') : scalar(v);
}

function dig(obj: unknown, path: readonly string[]): unknown {
  let v: unknown = obj;
  for (const p of path) {
    if (!isPlainObject(v)) return undefined;
    v = v[p];
  }
  return v;
}

function scalar(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return '';
  }
}

/** Split on `sep` where it is not escaped with a backslash; escapes are kept for unescape(). */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

/** The first unescaped `!=`, `==` or `=` splits a term into field, operator and value. */
function splitTerm(term: string): { field: string; operator: '=' | '!='; value: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const c = term[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (term.startsWith('!=', i)) return { field: term.slice(0, i), operator: '!=', value: term.slice(i + 2) };
    if (term.startsWith('==', i)) return { field: term.slice(0, i), operator: '=', value: term.slice(i + 2) };
    if (c === '=') return { field: term.slice(0, i), operator: '=', value: term.slice(i + 1) };
  }
  return undefined;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function escape(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}
