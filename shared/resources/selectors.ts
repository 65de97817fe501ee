/**
 * Label selectors, as in Kubernetes' apimachinery/pkg/labels: the string form of `?labelSelector=`
 * (`app=web,tier!=db,env in (a,b),!legacy`), the structured form of `spec.selector`
 * (matchLabels + matchExpressions), matching, and printing.
 */
import { ApiError, badRequest, type StatusCause } from '../errors.js';
import type { LabelOperator, Requirement } from './selector-types.js';
import type { LabelSelector, NodeSelectorRequirement } from './types.js';
import { child, forbidden, index, invalidValue, notSupported, required } from './field-errors.js';
import { labelValueErrors, qualifiedNameErrors, validateLabels } from './names.js';
import { isPlainObject } from './json.js';

// ---------------------------------------------------------------------------------------------
// Matching

/** Whether labels satisfy every requirement. No requirements match everything. */
export function matchesLabels(reqs: readonly Requirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  return reqs.every((r) => matchesRequirement(r, labels ?? {}));
}

function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case 'In':
      return value !== undefined && r.values.includes(value);
    case 'NotIn':
      // Like Kubernetes: a missing key satisfies `notin`/`!=`.
      return value === undefined || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || r.values.length !== 1) return false;
      const have = parseInteger(value);
      const want = parseInteger(r.values[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return assertNever(r.operator);
  }
}

function parseInteger(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

function assertNever(x: never): never {
  throw new Error(`unexpected label operator: ${String(x)}`);
}

// ---------------------------------------------------------------------------------------------
// Printing

/** The string form (`app=web,env in (a,b),!legacy`); parseLabelSelector reads it back. */
export function formatRequirements(reqs: readonly Requirement[]): string {
  return reqs.map(formatRequirement).join(',');
}

function formatRequirement(r: Requirement): string {
  const values = [...r.values].sort();
  switch (r.operator) {
    case 'In':
      return values.length === 1 ? `${r.key}=${values[0]}` : `${r.key} in (${values.join(',')})`;
    case 'NotIn':
      return values.length === 1 ? `${r.key}!=${values[0]}` : `${r.key} notin (${values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Gt':
      return `${r.key}>${values[0] ?? ''}`;
    case 'Lt':
      return `${r.key}<${values[0] ?? ''}`;
    default:
      return assertNever(r.operator);
  }
}

// ---------------------------------------------------------------------------------------------
// String form

type Token =
  | { readonly t: 'id'; readonly v: string; readonly at: number }
  | { readonly t: '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '<' | '>' | 'eof'; readonly v: string; readonly at: number };

const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>']);

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '!' && s[i + 1] === '=') {
      out.push({ t: '!=', v: '!=', at: i });
      i += 2;
    } else if (c === '=' && s[i + 1] === '=') {
      out.push({ t: '==', v: '==', at: i });
      i += 2;
    } else if (SPECIAL.has(c)) {
      out.push({ t: c as '!' | '=' | '(' | ')' | ',' | '<' | '>', v: c, at: i });
      i++;
    } else {
      const start = i;
      while (i < s.length && !/\s/.test(s[i]!) && !SPECIAL.has(s[i]!)) i++;
      out.push({ t: 'id', v: s.slice(start, i), at: start });
    }
  }
  out.push({ t: 'eof', v: '', at: s.length });
  return out;
}

/**
 * Parse the string form of a label selector. `""` selects everything. Throws a 400 ApiError on
 * a syntax error or an invalid key or value. `a=b` and `a==b` become In [b], `a!=b` NotIn [b].
 */
export function parseLabelSelector(s: string): Requirement[] {
  const toks = lex(s);
  let pos = 0;
  const peek = (): Token => toks[pos]!;
  const next = (): Token => toks[pos++]!;
  const fail = (detail: string): never => {
    throw badRequest(`unable to parse label selector ${JSON.stringify(s)}: ${detail}`);
  };
  const found = (t: Token, expected: string): never => fail(`found '${t.v}', expected: ${expected}`);

  const checkKey = (k: string): void => {
    const errs = qualifiedNameErrors(k);
    if (errs.length) fail(`invalid label key ${JSON.stringify(k)}: ${errs.join('; ')}`);
  };
  const checkValue = (v: string): void => {
    const errs = labelValueErrors(v);
    if (errs.length) fail(`invalid label value ${JSON.stringify(v)}: ${errs.join('; ')}`);
  };

  const parseValueSet = (): string[] => {
    const open = next();
    if (open.t !== '(') found(open, "'('");
    const values: string[] = [];
    for (;;) {
      const t = next();
      if (t.t === 'id') {
        values.push(t.v);
        const sep = next();
        if (sep.t === ')') break;
        if (sep.t !== ',') found(sep, "',' or ')'");
      } else if (t.t === ',') {
        values.push(''); // `in (a,,b)`: an empty value, as Kubernetes reads it
      } else if (t.t === ')') {
        if (values.length > 0) values.push('');
        break;
      } else {
        found(t, "identifier, ',' or ')'");
      }
    }
    return values;
  };

  const parseRequirement = (): Requirement => {
    let t = next();
    if (t.t === '!') {
      const k = next();
      if (k.t !== 'id') found(k, 'identifier');
      checkKey(k.v);
      return { key: k.v, operator: 'DoesNotExist', values: [] };
    }
    if (t.t !== 'id') found(t, "!, identifier, or 'end of string'");
    const key = t.v;
    checkKey(key);
    t = peek();
    if (t.t === 'eof' || t.t === ',') return { key, operator: 'Exists', values: [] };
    next();
    let operator: LabelOperator;
    let values: string[];
    switch (t.t) {
      case '=':
      case '==':
      case '!=': {
        operator = t.t === '!=' ? 'NotIn' : 'In';
        const v = peek();
        if (v.t === 'id') {
          next();
          values = [v.v];
        } else if (v.t === 'eof' || v.t === ',') {
          values = [''];
        } else {
          return found(v, 'identifier');
        }
        break;
      }
      case '<':
      case '>': {
        operator = t.t === '>' ? 'Gt' : 'Lt';
        const v = next();
        if (v.t !== 'id') found(v, 'identifier');
        if (parseInteger(v.v) === undefined) fail(`for 'Gt', 'Lt' operators, the value must be an integer: ${JSON.stringify(v.v)}`);
        values = [v.v];
        break;
      }
      case 'id':
        if (t.v === 'in' || t.v === 'notin') {
          operator = t.v === 'in' ? 'In' : 'NotIn';
          values = parseValueSet();
          if (values.length === 0) fail("for 'in', 'notin' operators, values set can't be empty");
          break;
        }
        return found(t, "'=', '!=', '==', 'in', 'notin', '>' or '<'");
      default:
        return found(t, "'=', '!=', '==', 'in', 'notin', '>' or '<'");
    }
    for (const v of values) checkValue(v);
    return { key, operator, values: uniqueSorted(values) };
  };

  const reqs: Requirement[] = [];
  if (peek().t === 'eof') return reqs;
  for (;;) {
    reqs.push(parseRequirement());
    const t = next();
    if (t.t === 'eof') break;
    if (t.t !== ',') found(t, "',' or 'end of string'");
    if (peek().t === 'eof') found(peek(), "identifier after ','");
  }
  return sortByKey(reqs);
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** Kubernetes keeps a selector's requirements sorted by key (stable, so `a,!a` keeps its order). */
function sortByKey(reqs: Requirement[]): Requirement[] {
  return reqs.map((r, i) => [r, i] as const).sort((a, b) => (a[0].key < b[0].key ? -1 : a[0].key > b[0].key ? 1 : a[1] - b[1])).map(([r]) => r);
}

// ---------------------------------------------------------------------------------------------
// Structured form

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** ValidateLabelSelector: matchLabels are labels; matchExpressions have valid keys, operators and values. */
export function validateLabelSelector(ls: unknown, path: string): StatusCause[] {
  if (ls === undefined || ls === null) return [];
  if (!isPlainObject(ls)) return [invalidValue(path, ls, 'must be an object')];
  const causes: StatusCause[] = [];
  const { matchLabels, matchExpressions } = ls as { matchLabels?: unknown; matchExpressions?: unknown };
  if (matchLabels !== undefined) {
    if (isPlainObject(matchLabels)) causes.push(...validateLabels(matchLabels, child(path, 'matchLabels')));
    else causes.push(invalidValue(child(path, 'matchLabels'), matchLabels, 'must be an object'));
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) {
      causes.push(invalidValue(child(path, 'matchExpressions'), matchExpressions, 'must be an array'));
    } else {
      matchExpressions.forEach((e: unknown, i) => causes.push(...validateSelectorRequirement(e, index(child(path, 'matchExpressions'), i))));
    }
  }
  return causes;
}

function validateSelectorRequirement(e: unknown, path: string): StatusCause[] {
  if (!isPlainObject(e)) return [invalidValue(path, e, 'must be an object')];
  const causes: StatusCause[] = [];
  const key = typeof e.key === 'string' ? e.key : '';
  if (!key) causes.push(required(child(path, 'key')));
  else for (const m of qualifiedNameErrors(key)) causes.push(invalidValue(child(path, 'key'), key, m));
  const values = Array.isArray(e.values) ? (e.values as unknown[]) : [];
  const op = e.operator;
  switch (op) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        causes.push(required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        causes.push(forbidden(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
      break;
    default:
      if (op === undefined || op === '') causes.push(required(child(path, 'operator')));
      else causes.push(notSupported(child(path, 'operator'), op, SELECTOR_OPERATORS));
  }
  values.forEach((v, i) => {
    const p = index(child(path, 'values'), i);
    if (typeof v !== 'string') causes.push(invalidValue(p, v, 'must be a string'));
    else for (const m of labelValueErrors(v)) causes.push(invalidValue(p, v, m));
  });
  return causes;
}

/**
 * The requirements of a structured selector (`spec.selector`). `{}` selects everything. Throws an
 * Invalid ApiError (422) naming the causes when the selector is invalid.
 */
export function fromLabelSelector(ls: LabelSelector): Requirement[] {
  const causes = validateLabelSelector(ls, 'selector');
  if (causes.length) {
    throw new ApiError('Invalid', `invalid label selector: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
      causes,
    });
  }
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key: k, operator: 'In', values: [v] });
  for (const e of ls.matchExpressions ?? []) {
    reqs.push({ key: e.key, operator: e.operator, values: uniqueSorted(e.values ?? []) });
  }
  return sortByKey(reqs);
}

/** A structured selector's requirements, or undefined when it is invalid (for code that must not throw). */
export function tryFromLabelSelector(ls: LabelSelector): Requirement[] | undefined {
  return validateLabelSelector(ls, 'selector').length ? undefined : fromLabelSelector(ls);
}

/**
 * Node affinity expressions (`nodeSelectorTerms[].matchExpressions`) as requirements; these allow
 * Gt and Lt. Assumes the pod passed validation.
 */
export function fromNodeSelectorRequirements(exprs: readonly NodeSelectorRequirement[] | undefined): Requirement[] {
  return (exprs ?? []).map((e) => ({ key: e.key, operator: e.operator, values: [...(e.values ?? [])] }));
}
