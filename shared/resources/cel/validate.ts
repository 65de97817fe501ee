/**
 * Evaluating a schema's compiled rules on a custom resource being written: walk the object with
 * the schema (and the old object on update, list items correlated as Kubernetes does), run each
 * node's rules (transition rules only where an old value exists, unchanged values ratcheted),
 * and turn failures into Kubernetes' causes. Evaluation is bounded by an estimate made before
 * each rule runs (PER_CALL_LIMIT) and a budget for the whole request (REQUEST_BUDGET).
 */
import { Optional } from '@marcbachmann/cel-js';
import type { StatusCause } from '../../errors.js';
import type { JSONSchemaProps } from '../crd.js';
import { isPlainObject } from '../json.js';
import { child, index, key } from '../field-errors.js';
import { deepEqual } from './library.js';
import { DYN, type Node } from './types.js';
import { compileAll, hasRules, type CompiledRule, type CompiledSchema, type ValidationRule } from './compile.js';

/** Cost units (estimated AST node evaluations) one rule evaluation may take, as Kubernetes' PerCallLimit. */
export const PER_CALL_LIMIT = 1_000_000;
/** Cost units all the rules of one request may take together (Kubernetes' RuntimeCELCostBudget). */
export const REQUEST_BUDGET = 10_000_000;

/** Schema node type as Kubernetes names it in a rule's Invalid value (`"object"`, `"string"`...). */
function schemaTypeName(s: JSONSchemaProps): string {
  return s.type ?? '';
}

function largest(v: unknown, withStrings: boolean): number {
  if (Array.isArray(v)) return v.reduce((m: number, x) => Math.max(m, largest(x, withStrings)), v.length);
  if (isPlainObject(v)) return Object.values(v).reduce((m: number, x) => Math.max(m, largest(x, withStrings)), Object.keys(v).length);
  if (withStrings && typeof v === 'string') return v.length;
  return 0;
}

interface Budget {
  left: number;
}

function evalError(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  return msg.replace(/re2Matches/g, 'matches').replace(/^No such key: /, 'no such key: ');
}

const ruleText = (r: ValidationRule) => (r.message?.trim() ? r.message.trim() : (r.rule ?? '').trim());

function causeFor(field: string, type: string, detail: string, reason: string | undefined): StatusCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return { reason, field, message: `Forbidden: ${detail}` };
    case 'FieldValueRequired':
      return { reason, field, message: `Required value: ${detail}` };
    case 'FieldValueDuplicate':
      return { reason, field, message: `Duplicate value: ${JSON.stringify(type)}` };
    default:
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(type)}: ${detail}` };
  }
}

/** Run one node's rules. Returns false when the budget ran out (no further rules run). */
function runRules(rules: CompiledRule[], node: Node, s: JSONSchemaProps, v: unknown, old: unknown, hasOld: boolean, path: string, budget: Budget, out: StatusCause[]): boolean {
  const type = schemaTypeName(s);
  let self: unknown;
  let oldSelf: unknown;
  let converted = false;
  for (const c of rules) {
    const r = c.rule;
    if (c.usesOldSelf && !hasOld && !r.optionalOldSelf) continue;
    // Ratcheting (Kubernetes 1.30+): a rule without oldSelf doesn't fail a value the update leaves unchanged.
    if (!c.usesOldSelf && hasOld && deepEqual(v, old)) continue;
    if (!converted) {
      self = node.convert(v);
      oldSelf = hasOld ? node.convert(old) : undefined;
      converted = true;
    }
    const n = c.depth ? largest(v, c.strings) + (hasOld ? largest(old, c.strings) : 0) : 0;
    const cost = c.size * Math.pow(n + 1, c.depth);
    if (cost > PER_CALL_LIMIT) {
      out.push(causeFor(path, type, `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText(r)}`, undefined));
      return false;
    }
    if (cost > budget.left) {
      out.push(causeFor(path, type, 'validation failed due to running out of cost budget, no further validation rules will be run', undefined));
      return false;
    }
    budget.left -= cost;
    const ctx: Record<string, unknown> = { self };
    if (r.optionalOldSelf) ctx.oldSelf = hasOld ? Optional.of(oldSelf) : Optional.none();
    else if (hasOld) ctx.oldSelf = oldSelf;
    let result: unknown;
    try {
      result = c.program(ctx);
    } catch (e) {
      const m = evalError(e);
      if (/^no such overload|^found no matching overload/i.test(m)) {
        out.push(causeFor(path, type, `'${m}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText(r)}`, undefined));
      } else out.push(causeFor(path, type, `${m} evaluating rule: ${ruleText(r)}`, undefined));
      continue;
    }
    if (result === true) continue;
    const at = c.fieldPath ? c.fieldPath.reduce((p, seg) => (seg.startsWith('[') ? key(p, seg.slice(1, -1)) : child(p, seg)), path) : path;
    let detail = r.message?.trim() ? r.message.trim() : `failed rule: ${ruleText(r)}`;
    if (c.message) {
      try {
        const m = c.message(ctx);
        if (typeof m === 'string' && m.trim() && !/\n/.test(m.trim()) && m.trim().length <= 5 * 1024) detail = m.trim();
      } catch {
        // Kubernetes logs the failure and falls back to message / the default.
      }
    }
    out.push(causeFor(at, type, detail, r.reason));
  }
  return true;
}

/** A JSON object's own field (never one inherited from Object.prototype, like `toString`). */
function own(o: object | undefined, k: string): unknown {
  return o !== undefined && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined;
}

/** Pair list items with their old values the way Kubernetes correlates them (map lists by keys, sets by value). */
function oldItem(s: JSONSchemaProps, x: unknown, old: unknown): { old: unknown; has: boolean } {
  if (!Array.isArray(old)) return { old: undefined, has: false };
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    if (!isPlainObject(x)) return { old: undefined, has: false };
    const found = old.find((o) => isPlainObject(o) && keys.every((k) => deepEqual(own(o, k), own(x, k))));
    return found === undefined ? { old: undefined, has: false } : { old: found, has: true };
  }
  if (lt === 'set') {
    const found = old.find((o) => deepEqual(o, x));
    return found === undefined ? { old: undefined, has: false } : { old: found, has: true };
  }
  return { old: undefined, has: false };
}

function walk(cs: CompiledSchema, s: JSONSchemaProps, v: unknown, old: unknown, hasOld: boolean, path: string, budget: Budget, out: StatusCause[]): boolean {
  if (v === null || v === undefined) return true;
  const rules = cs.rules.get(s);
  if (rules && !runRules(rules, cs.types.nodes.get(s) ?? DYN, s, v, old, hasOld && old !== null && old !== undefined, path, budget, out)) return false;
  if (Array.isArray(v)) {
    if (!s.items) return true;
    for (let i = 0; i < v.length; i++) {
      const o = hasOld ? oldItem(s, v[i], old) : { old: undefined, has: false };
      if (!walk(cs, s.items, v[i], o.old, o.has, index(path, i), budget, out)) return false;
    }
    return true;
  }
  if (isPlainObject(v)) {
    const o = hasOld && isPlainObject(old) ? old : undefined;
    for (const [k, x] of Object.entries(v)) {
      const p = s.properties ? own(s.properties, k) : undefined;
      const hasOldK = o !== undefined && Object.hasOwn(o, k);
      if (p) {
        if (!walk(cs, p as JSONSchemaProps, x, own(o, k), hasOldK, child(path, k), budget, out)) return false;
      } else if (isPlainObject(s.additionalProperties)) {
        if (!walk(cs, s.additionalProperties, x, own(o, k), hasOldK, key(path, k), budget, out)) return false;
      }
    }
  }
  return true;
}

/**
 * The causes of a custom resource (pruned, defaulted, schema-valid) against its version's rules;
 * `old` on update. Rules run on the whole object written.
 */
export function validateRules(obj: unknown, old: unknown, schema: JSONSchemaProps): StatusCause[] {
  if (!hasRules(schema)) return [];
  const { compiled, causes } = compileAll(schema, '');
  if (causes.length) return [{ reason: 'FieldValueInvalid', field: '', message: `Invalid value: "object": rule compile error: ${causes[0]!.message}` }];
  const out: StatusCause[] = [];
  walk(compiled, schema, obj, old, old !== undefined, '', { left: REQUEST_BUDGET }, out);
  return out;
}
