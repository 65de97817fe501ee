/**
 * Node selector terms (`nodeSelectorTerms`, preferred terms) compiled once per pod and matched
 * against cached node labels without allocating. Semantics of component-helpers' nodeaffinity:
 * terms are ORed, a term's expressions and fields are ANDed, an empty term matches nothing, and a
 * term with an invalid requirement never matches (the other terms still can). Pure.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm } from '../resources/types.js';
import { labelValueErrors, qualifiedNameErrors } from '../resources/names.js';

const OP_IN = 0;
const OP_NOT_IN = 1;
const OP_EXISTS = 2;
const OP_DOES_NOT_EXIST = 3;
const OP_GT = 4;
const OP_LT = 5;

export interface CompiledRequirement {
  readonly key: string;
  readonly op: number;
  readonly values: readonly string[];
  /** Gt/Lt operand. */
  readonly num: number;
}

export interface CompiledTerm {
  /** False when a requirement is invalid: the term then matches no node. */
  readonly valid: boolean;
  readonly exprs: readonly CompiledRequirement[];
  /** matchFields; only `metadata.name` exists for nodes. */
  readonly fields: readonly CompiledRequirement[];
}

export interface CompiledPreferredTerm {
  readonly weight: number;
  readonly term: CompiledTerm;
}

const INT_RE = /^[+-]?[0-9]+$/;

/** strconv.ParseInt(s, 10, 64), as NaN when it is not an integer. */
export function parseIntStrict(s: string): number {
  return INT_RE.test(s) ? Number(s) : NaN;
}

/** labels.NewRequirement's checks: a qualified key and valid label values (fields: any values). */
function compileRequirement(r: NodeSelectorRequirement, field: boolean): CompiledRequirement | undefined {
  const values = r.values ?? [];
  if (!field && (qualifiedNameErrors(r.key).length > 0 || values.some((v) => labelValueErrors(v).length > 0))) return undefined;
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      // A field requirement takes exactly one value (one node name).
      if (values.length === 0 || (field && values.length !== 1)) return undefined;
      return { key: r.key, op: r.operator === 'In' ? OP_IN : OP_NOT_IN, values: [...values], num: NaN };
    case 'Exists':
    case 'DoesNotExist':
      if (field || values.length > 0) return undefined;
      return { key: r.key, op: r.operator === 'Exists' ? OP_EXISTS : OP_DOES_NOT_EXIST, values: [], num: NaN };
    case 'Gt':
    case 'Lt': {
      if (field || values.length !== 1) return undefined;
      const num = parseIntStrict(values[0]!);
      if (Number.isNaN(num)) return undefined;
      return { key: r.key, op: r.operator === 'Gt' ? OP_GT : OP_LT, values: [...values], num };
    }
    default:
      return undefined;
  }
}

export function compileTerm(t: NodeSelectorTerm): CompiledTerm {
  const exprs: CompiledRequirement[] = [];
  const fields: CompiledRequirement[] = [];
  let valid = (t.matchExpressions?.length ?? 0) + (t.matchFields?.length ?? 0) > 0;
  for (const e of t.matchExpressions ?? []) {
    const c = compileRequirement(e, false);
    if (c) exprs.push(c);
    else valid = false;
  }
  for (const f of t.matchFields ?? []) {
    const c = f.key === 'metadata.name' ? compileRequirement(f, true) : undefined;
    if (c) fields.push(c);
    else valid = false;
  }
  return { valid, exprs, fields };
}

export function compileTerms(terms: readonly NodeSelectorTerm[]): CompiledTerm[] {
  return terms.map(compileTerm);
}

/** Preferred terms with weight 0 or an empty preference are dropped, as Kubernetes does. */
export function compilePreferredTerms(terms: readonly PreferredSchedulingTerm[]): CompiledPreferredTerm[] {
  const out: CompiledPreferredTerm[] = [];
  for (const t of terms) {
    if (!t.weight) continue;
    const term = compileTerm(t.preference ?? {});
    if ((t.preference?.matchExpressions?.length ?? 0) + (t.preference?.matchFields?.length ?? 0) === 0) continue;
    out.push({ weight: t.weight, term });
  }
  return out;
}

function matchesValue(r: CompiledRequirement, value: string | undefined): boolean {
  switch (r.op) {
    case OP_IN:
      return value !== undefined && r.values.includes(value);
    case OP_NOT_IN:
      return value === undefined || !r.values.includes(value);
    case OP_EXISTS:
      return value !== undefined;
    case OP_DOES_NOT_EXIST:
      return value === undefined;
    case OP_GT:
    case OP_LT: {
      if (value === undefined) return false;
      const have = parseIntStrict(value);
      if (Number.isNaN(have)) return false;
      return r.op === OP_GT ? have > r.num : have < r.num;
    }
    default:
      return false;
  }
}

/** One requirement against node labels (a missing key satisfies NotIn and DoesNotExist). */
export function matchesRequirement(r: CompiledRequirement, labels: ReadonlyMap<string, string>): boolean {
  return matchesValue(r, labels.get(r.key));
}

export function matchesTerm(t: CompiledTerm, nodeName: string, labels: ReadonlyMap<string, string>): boolean {
  if (!t.valid) return false;
  const fields = t.fields;
  for (let i = 0; i < fields.length; i++) if (!matchesValue(fields[i]!, nodeName)) return false;
  const exprs = t.exprs;
  for (let i = 0; i < exprs.length; i++) if (!matchesValue(exprs[i]!, labels.get(exprs[i]!.key))) return false;
  return true;
}

/** Terms ORed; no terms matches nothing. */
export function matchesAnyTerm(terms: readonly CompiledTerm[], nodeName: string, labels: ReadonlyMap<string, string>): boolean {
  for (let i = 0; i < terms.length; i++) if (matchesTerm(terms[i]!, nodeName, labels)) return true;
  return false;
}
