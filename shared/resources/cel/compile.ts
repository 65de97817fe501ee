/**
 * Compiling a schema's rules, when the CRD is written and (cached per schema) before custom
 * resources are validated: parse and type-check each rule against its node's type, with `oldSelf`
 * (or `optional<T>` under optionalOldSelf); check message, messageExpression, reason and
 * fieldPath; render failures as Kubernetes does (`…x-kubernetes-validations[0].rule: Invalid value:
 * apiextensions.ValidationRule{…}: compilation failed: ERROR: <input>:1:6: undefined field 'foo'`).
 * Also the parts of the cost estimate known from the rule (AST size, comprehension nesting).
 */
import type { Environment } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import type { StatusCause } from '../../errors.js';
import type { JSONSchemaProps } from '../crd.js';
import { isPlainObject } from '../json.js';
import { notSupported, required } from '../field-errors.js';
import { DYN, schemaTypes, type Node, type SchemaTypes } from './types.js';

/** One entry of x-kubernetes-validations. */
export interface ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const LINEAR_CALLS = new Set(['isSorted', 'sum', 'min', 'max', 'indexOf', 'lastIndexOf', 'join', 'split', 'replace']);

interface AstNode {
  op: string;
  args: unknown;
  start?: number;
  checkedType?: { kind?: string; name?: string };
}

export interface Program {
  (ctx: Record<string, unknown>): unknown;
  ast: AstNode;
  check(): { valid: boolean; type?: string; error?: Error & { range?: { start: number; end: number } } };
}

/** One compiled rule of a schema node. */
export interface CompiledRule {
  rule: ValidationRule;
  program: Program;
  message?: Program;
  usesOldSelf: boolean;
  /** The cost estimate's parts: AST size and comprehension nesting. */
  size: number;
  depth: number;
  /** The estimate counts string lengths as collection sizes (split/replace/join, or building in a loop). */
  strings: boolean;
  /** fieldPath as field-path segments (children and map keys), relative to the node. */
  fieldPath?: string[];
}

function children(n: unknown): AstNode[] {
  const out: AstNode[] = [];
  const visit = (x: unknown) => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(visit);
    if ('op' in x) out.push(x as AstNode);
  };
  visit(n);
  return out;
}

function walkAst(n: AstNode, f: (n: AstNode) => void): void {
  f(n);
  for (const c of children(n.args)) walkAst(c, f);
  if (n.op === 'map' && Array.isArray(n.args)) for (const e of n.args as unknown[]) for (const c of children(e)) walkAst(c, f);
}

/** Nesting of comprehensions (and linear list functions inside them): the exponent of the cost estimate. */
function nesting(n: AstNode): number {
  let inner = 0;
  const kids = children(n.args);
  if (n.op === 'map' && Array.isArray(n.args)) for (const e of n.args as unknown[]) kids.push(...children(e));
  for (const c of kids) inner = Math.max(inner, nesting(c));
  const name = n.op === 'rcall' && Array.isArray(n.args) ? n.args[0] : undefined;
  if (typeof name === 'string' && (COMPREHENSIONS.has(name) || LINEAR_CALLS.has(name))) return inner + 1;
  if (n.op === 'in') return inner + 1;
  return inner;
}

/**
 * Does a comprehension's body build strings or lists with `+` (or map())? Then each iteration may
 * allocate as much as the strings in self, and the estimate counts string lengths too.
 */
function buildsInLoop(n: AstNode, inLoop = false): boolean {
  const name = n.op === 'rcall' && Array.isArray(n.args) ? n.args[0] : undefined;
  if (inLoop && n.op === '+') {
    const t = n.checkedType?.name ?? '';
    if (t === 'string' || t === 'bytes' || t.startsWith('list') || t === 'dyn') return true;
  }
  if (inLoop && name === 'map') return true;
  const loop = typeof name === 'string' && COMPREHENSIONS.has(name);
  if (loop && Array.isArray(n.args)) {
    if (buildsInLoop(n.args[1] as AstNode, inLoop)) return true;
    return children(n.args[2]).some((c) => buildsInLoop(c, true));
  }
  const kids = children(n.args);
  if (n.op === 'map' && Array.isArray(n.args)) for (const e of n.args as unknown[]) kids.push(...children(e));
  return kids.some((c) => buildsInLoop(c, inLoop));
}

/** Kubernetes' rendering of a compile error: `ERROR: <input>:1:6: undefined field 'foo'` and the caret lines. */
function compileErrorText(src: string, e: Error & { range?: { start: number; end: number } }): string {
  const first = e.message.split('\n')[0]!;
  let msg = first;
  let m: RegExpMatchArray | null;
  if ((m = /^No such key: (.*)$/.exec(first))) msg = `undefined field '${m[1]}'`;
  else if ((m = /^found no matching overload for '([A-Za-z_][\w]*)\((.*)\)'$/.exec(first))) msg = `undeclared reference to '${m[1]}' (in container '')`;
  else if ((m = /^Unknown variable: (.*)$/.exec(first))) msg = `undeclared reference to '${m[1]}' (in container '')`;
  else if ((m = /^no such overload: (.+) (==|!=|<=|>=|<|>|\+|-|\*|\/|%|in) (.+)$/.exec(first))) {
    const op = m[2] === 'in' ? '@in' : `_${m[2]}_`;
    msg = `found no matching overload for '${op}' applied to '(${m[1]}, ${m[3]})'`;
  }
  msg = msg.replace(/re2Matches/g, 'matches');
  const start = e.range?.start ?? 0;
  const before = src.slice(0, start);
  const line = before.split('\n').length;
  const col = start - (before.lastIndexOf('\n') + 1);
  const text = src.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${col + 1}: ${msg}\n | ${text}\n | ${'.'.repeat(col)}^`;
}

function parseAndCheck(env: Environment, src: string): { program?: Program; error?: string } {
  let program: Program;
  try {
    program = env.parse(src) as unknown as Program;
  } catch (e) {
    return { error: compileErrorText(src, e as Error) };
  }
  walkAst(program.ast, (n) => {
    if (n.op === 'rcall' && Array.isArray(n.args) && n.args[0] === 'matches') n.args[0] = 're2Matches';
  });
  const c = program.check();
  if (!c.valid) return { error: compileErrorText(src, c.error!) };
  // A pattern literal must be RE2 (as Go's regexp compiles it).
  let reErr: string | undefined;
  walkAst(program.ast, (n) => {
    if (reErr || n.op !== 'rcall' || !Array.isArray(n.args) || n.args[0] !== 're2Matches') return;
    const arg = (n.args[2] as AstNode[] | undefined)?.[0];
    if (arg?.op === 'value' && typeof arg.args === 'string') {
      try {
        RE2JS.compile(arg.args);
      } catch (e) {
        reErr = `ERROR: <input>:1:${(arg.start ?? 0) + 1}: compiling regex failed: ${(e as Error).message}`;
      }
    }
  });
  if (reErr) return { error: reErr };
  return { program };
}

/** fieldPath (`.a.b`, `['x.y']`) against the node's schema, as segments; an error text when it names no field. */
function parseFieldPath(path: string, s: JSONSchemaProps): { segs?: { name: string; key: boolean }[]; error?: string } {
  const segs: { name: string; key: boolean }[] = [];
  let cur: JSONSchemaProps | undefined = s;
  let i = 0;
  const step = (name: string): string | undefined => {
    if (cur?.properties) {
      const p: JSONSchemaProps | undefined = Object.hasOwn(cur.properties, name) ? cur.properties[name] : undefined;
      if (!p) return 'does not refer to a valid field';
      segs.push({ name, key: false });
      cur = p;
      return undefined;
    }
    if (isPlainObject(cur?.additionalProperties)) {
      segs.push({ name, key: true });
      cur = cur!.additionalProperties as JSONSchemaProps;
      return undefined;
    }
    return 'does not refer to a valid field';
  };
  while (i < path.length) {
    if (path[i] === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) return { error: 'unexpected end of JSON path' };
      const err = step(m[0]);
      if (err) return { error: err };
      i += 1 + m[0].length;
    } else if (path[i] === '[') {
      const m = /^\['((?:[^'\\]|\\.)*)'\]/.exec(path.slice(i));
      if (!m) return { error: `expected single quoted string but got ${path.slice(i + 1)}` };
      const err = step(m[1]!.replace(/\\(.)/g, '$1'));
      if (err) return { error: err };
      i += m[0].length;
    } else return { error: `expected [ or . but got: ${path.slice(i)}` };
  }
  return { segs };
}

/** Go's %#v of an apiextensions.ValidationRule, as Kubernetes prints the rule that doesn't compile. */
function goRule(r: ValidationRule): string {
  const q = (s: string | undefined) => JSON.stringify(s ?? '');
  const reason = r.reason === undefined ? '(*apiextensions.FieldValueErrorReason)(nil)' : `(*apiextensions.FieldValueErrorReason)(${JSON.stringify(r.reason)})`;
  const opt = r.optionalOldSelf === undefined ? '(*bool)(nil)' : `(*bool)(${r.optionalOldSelf})`;
  return `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${opt}}`;
}

/** The compiled rules of a whole schema (per node), or the CRD causes when some rule doesn't compile. */
export interface CompiledSchema {
  types: SchemaTypes;
  rules: Map<JSONSchemaProps, CompiledRule[]>;
}

// Per schema object and per path prefix (the causes name the CRD field path).
const compiledSchemas = new WeakMap<JSONSchemaProps, Map<string, { compiled: CompiledSchema; causes: StatusCause[] }>>();

/** Does the schema carry rules anywhere? (Only then do we build CEL types for it.) */
export function hasRules(s: JSONSchemaProps): boolean {
  if (!isPlainObject(s)) return false;
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length) return true;
  if (Object.values(s.properties ?? {}).some((p) => hasRules(p))) return true;
  if (isPlainObject(s.items) && hasRules(s.items)) return true;
  return isPlainObject(s.additionalProperties) && hasRules(s.additionalProperties);
}

export function compileAll(schema: JSONSchemaProps, at: string): { compiled: CompiledSchema; causes: StatusCause[] } {
  let byPath = compiledSchemas.get(schema);
  const cached = byPath?.get(at) ?? byPath?.values().next().value;
  if (cached && byPath!.has(at)) return cached;
  if (cached && !cached.causes.length) return cached;
  const types = schemaTypes(schema);
  const rules = new Map<JSONSchemaProps, CompiledRule[]>();
  const causes: StatusCause[] = [];
  const visit = (s: JSONSchemaProps, p: string) => {
    const list = s['x-kubernetes-validations'];
    if (list !== undefined) {
      const node = types.nodes.get(s) ?? DYN;
      const compiled = compileNode(types.base, node, s, list, `${p}.x-kubernetes-validations`, causes);
      if (compiled.length) rules.set(s, compiled);
    }
    for (const [k, v] of Object.entries(s.properties ?? {})) if (isPlainObject(v)) visit(v, `${p}.properties[${k}]`);
    if (isPlainObject(s.items)) visit(s.items, `${p}.items`);
    if (isPlainObject(s.additionalProperties)) visit(s.additionalProperties, `${p}.additionalProperties`);
  };
  visit(schema, at);
  const out = { compiled: { types, rules }, causes };
  if (!byPath) compiledSchemas.set(schema, (byPath = new Map()));
  byPath.set(at, out);
  return out;
}

function compileNode(base: Environment, node: Node, s: JSONSchemaProps, list: unknown, at: string, causes: StatusCause[]): CompiledRule[] {
  if (!Array.isArray(list)) {
    causes.push({ reason: 'FieldValueTypeInvalid', field: at, message: 'Invalid value: must be a list of validation rules' });
    return [];
  }
  const env = base.clone();
  env.registerVariable('self', node.type);
  env.registerVariable('oldSelf', node.type);
  let optEnv: Environment | undefined;
  const out: CompiledRule[] = [];
  list.forEach((raw, i) => {
    const r = (isPlainObject(raw) ? raw : {}) as ValidationRule;
    const p = `${at}[${i}]`;
    if (typeof r.rule !== 'string' || !r.rule.trim()) {
      causes.push(required(`${p}.rule`));
      return;
    }
    let ok = true;
    if (r.message !== undefined) {
      if (typeof r.message !== 'string' || !r.message.trim()) {
        causes.push({ reason: 'FieldValueRequired', field: `${p}.message`, message: 'Required value: message must be non-empty if specified' });
        ok = false;
      } else if (/\n/.test(r.message)) {
        causes.push({ reason: 'FieldValueInvalid', field: `${p}.message`, message: `Invalid value: ${JSON.stringify(r.message)}: message must not contain line breaks` });
        ok = false;
      }
    } else if (/\n/.test(r.rule)) {
      causes.push({ reason: 'FieldValueRequired', field: `${p}.message`, message: 'Required value: message must be specified if rule contains line breaks' });
      ok = false;
    }
    if (r.reason !== undefined && !REASONS.includes(r.reason)) {
      causes.push(notSupported(`${p}.reason`, r.reason, REASONS));
      ok = false;
    }
    let fieldPath: string[] | undefined;
    if (r.fieldPath !== undefined && r.fieldPath !== '') {
      const fp = parseFieldPath(String(r.fieldPath), s);
      if (fp.error) {
        causes.push({ reason: 'FieldValueInvalid', field: `${p}.fieldPath`, message: `Invalid value: ${JSON.stringify(r.fieldPath)}: fieldPath must be a valid path: ${fp.error}` });
        ok = false;
      } else fieldPath = fp.segs!.map((x) => (x.key ? `[${x.name}]` : x.name));
    }
    const ruleEnv = r.optionalOldSelf ? (optEnv ??= base.clone().registerVariable('self', node.type).registerVariable('oldSelf', `optional<${node.type}>`)) : env;
    const c = parseAndCheck(ruleEnv, r.rule);
    if (c.error) {
      causes.push({ reason: 'FieldValueInvalid', field: `${p}.rule`, message: `Invalid value: ${goRule(r)}: compilation failed: ${c.error}` });
      return;
    }
    const t = c.program!.check().type;
    if (t !== 'bool' && t !== 'dyn') {
      causes.push({ reason: 'FieldValueInvalid', field: `${p}.rule`, message: `Invalid value: ${goRule(r)}: compilation failed: cel expression must evaluate to a bool` });
      return;
    }
    let message: Program | undefined;
    if (r.messageExpression !== undefined && r.messageExpression !== '') {
      const m = parseAndCheck(env, String(r.messageExpression));
      if (m.error) {
        causes.push({ reason: 'FieldValueInvalid', field: `${p}.messageExpression`, message: `Invalid value: ${JSON.stringify(r.messageExpression)}: messageExpression compilation failed: ${m.error}` });
        ok = false;
      } else if (!['string', 'dyn'].includes(m.program!.check().type ?? '')) {
        causes.push({ reason: 'FieldValueInvalid', field: `${p}.messageExpression`, message: `Invalid value: ${JSON.stringify(r.messageExpression)}: must evaluate to a string` });
        ok = false;
      } else message = m.program;
    }
    if (!ok) return;
    let size = 0;
    let usesOldSelf = false;
    walkAst(c.program!.ast, (n) => {
      size++;
      if (n.op === 'id' && n.args === 'oldSelf') usesOldSelf = true;
    });
    out.push({ rule: r, program: c.program!, ...(message ? { message } : {}), usesOldSelf, size, depth: nesting(c.program!.ast), strings: /split|replace|join/.test(r.rule) || buildsInLoop(c.program!.ast), ...(fieldPath ? { fieldPath } : {}) });
  });
  return out;
}

/**
 * The causes that refuse a CRD version's schema for its rules (compile errors, bad reason,
 * message or fieldPath), with Kubernetes' paths (`<at>.properties[spec].x-kubernetes-validations[0].rule`).
 */
export function ruleCompileCauses(schema: JSONSchemaProps, at: string): StatusCause[] {
  if (!hasRules(schema)) return [];
  return compileAll(schema, at).causes;
}
