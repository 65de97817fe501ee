/**
 * CustomResourceDefinition validation rules (`x-kubernetes-validations`, CEL), pure: the structural
 * schema becomes CEL types, each rule is compiled and type-checked when the CRD is written (a rule
 * that does not compile refuses the CRD, 422, with Kubernetes' field path and wording), and custom
 * resources are checked against the compiled rules on create and update (`self`, `oldSelf` for
 * transition rules, message / messageExpression / reason / fieldPath as Kubernetes has them).
 *
 * The evaluator is @marcbachmann/cel-js (CEL macros, optional types, timestamps and durations,
 * the common string functions); jetkube adds Kubernetes' list library (isSorted, sum, min, max,
 * indexOf, lastIndexOf), string replace/charAt, and `matches` with RE2 (re2.ts, linear time).
 * Whatever else Kubernetes' libraries have (url, ip, cidr, quantity, authz, format...) is not
 * declared, so a rule calling it fails to compile and the CRD is refused.
 *
 * Cost: Kubernetes estimates a rule's cost from the schema's maxItems/maxLength and refuses a CRD
 * whose rules may cost too much, then meters evaluation. jetkube bounds evaluation instead: before
 * running a rule it estimates (expression size) × (largest collection in self+1)^(comprehension
 * nesting), refuses the object above PER_CALL_LIMIT, and stops all rules of a request above
 * REQUEST_BUDGET, so `self.all(x, self.all(y, ...))` over a big list can't stall a gateway.
 */
import { Environment, Optional } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import type { StatusCause } from '../errors.js';
import type { JSONSchemaProps } from './crd.js';
import { isPlainObject } from './json.js';
import { child, index, key, notSupported, required } from './field-errors.js';
import { QUANTITY_FORMAT_MESSAGE, tryParseQuantity } from './quantity.js';

/** One entry of x-kubernetes-validations. */
export interface ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** Cost units (estimated AST node evaluations) one rule evaluation may take, as Kubernetes' PerCallLimit. */
export const PER_CALL_LIMIT = 1_000_000;
/** Cost units all the rules of one request may take together (Kubernetes' RuntimeCELCostBudget). */
export const REQUEST_BUDGET = 10_000_000;

const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const LINEAR_CALLS = new Set(['isSorted', 'sum', 'min', 'max', 'indexOf', 'lastIndexOf', 'join', 'split', 'replace']);
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

// ---- names -----------------------------------------------------------------------------------------

/**
 * A property name as CEL sees it (Kubernetes' escaping): reserved words become `__name__`, and
 * `__`, `.`, `-`, `/` become `__underscores__`, `__dot__`, `__dash__`, `__slash__`. Undefined for
 * a name that can't be an identifier (the property is not accessible from rules).
 */
export function celFieldName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

// ---- types -----------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
type ObjCtor = new (o: Json) => Json;

/** The CEL view of one schema node: its type name, and how a JSON value there becomes a CEL value. */
interface Node {
  type: string;
  convert(v: unknown): unknown;
}

/** All the object types of one schema, registered in one environment that rule environments clone. */
interface SchemaTypes {
  base: Environment;
  nodes: Map<JSONSchemaProps, Node>;
  rootNode: Node;
}

const META_FIELDS = ['name', 'generateName'];
const TIMESTAMP = 'google.protobuf.Timestamp';
const DURATION = 'google.protobuf.Duration';

function jsonToDyn(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(jsonToDyn);
  if (isPlainObject(v)) {
    const o: Json = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) o[k] = jsonToDyn(x);
    return o;
  }
  return v;
}

const DYN: Node = { type: 'dyn', convert: jsonToDyn };

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Json)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Json)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Json)[k], (b as Json)[k]));
}

function baseEnvironment(): Environment {
  const env = new Environment({ enableOptionalTypes: true, limits: { maxAstNodes: 10_000, maxDepth: 250, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 } });
  const cmp = (a: unknown, b: unknown) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
  const listErr = (what: string) => new Error(`${what} called on empty list`);
  for (const t of ['int', 'double', 'string', TIMESTAMP, DURATION, 'bool', 'uint']) {
    env.registerFunction(`list<${t}>.isSorted(): bool`, (l: unknown[]) => l.every((x, i) => i === 0 || cmp(l[i - 1], x) <= 0));
    env.registerFunction(`list<${t}>.min(): ${t}`, (l: unknown[]) => {
      if (!l.length) throw listErr('min');
      return l.reduce((m, x) => (cmp(x, m) < 0 ? x : m));
    });
    env.registerFunction(`list<${t}>.max(): ${t}`, (l: unknown[]) => {
      if (!l.length) throw listErr('max');
      return l.reduce((m, x) => (cmp(x, m) > 0 ? x : m));
    });
  }
  env.registerFunction('list<int>.sum(): int', (l: bigint[]) => l.reduce((s, x) => s + x, 0n));
  env.registerFunction('list<double>.sum(): double', (l: number[]) => l.reduce((s, x) => s + x, 0));
  env.registerFunction('list<A>.indexOf(A): int', (l: unknown[], x: unknown) => BigInt(l.findIndex((y) => deepEqual(y, x))));
  env.registerFunction('list<A>.lastIndexOf(A): int', (l: unknown[], x: unknown) => {
    for (let i = l.length - 1; i >= 0; i--) if (deepEqual(l[i], x)) return BigInt(i);
    return -1n;
  });
  env.registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b));
  env.registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    if (n < 0n) return s.split(a).join(b);
    const parts = s.split(a);
    const k = Number(n);
    return parts.length <= k + 1 ? parts.join(b) : parts.slice(0, k + 1).join(b) + a + parts.slice(k + 1).join(a);
  });
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const cps = [...s];
    if (i < 0n || i > BigInt(cps.length)) throw new Error(`index out of range: ${i}`);
    return cps[Number(i)] ?? '';
  });
  registerQuantity(env);
  registerUrl(env);
  // `matches` is compiled to this (compileRule renames it): RE2, linear in the input, as Go's regexp.
  const cache = new Map<string, RE2JS>();
  env.registerFunction('string.re2Matches(string): bool', (s: string, p: string) => {
    let re = cache.get(p);
    if (!re) {
      re = RE2JS.compile(p);
      if (cache.size > 500) cache.clear();
      cache.set(p, re);
    }
    return re.test(s);
  });
  return env;
}

/**
 * Kubernetes' quantity library: `quantity('500m')`, `isQuantity(s)`, comparisons, arithmetic,
 * `isInteger`, `asInteger`, `asApproximateFloat`, `sign`. Values are doubles in base units (jetkube's
 * quantity.ts), so arithmetic on quantities beyond 2^53 base units is approximate.
 */
class Quantity {
  constructor(readonly value: number) {}
}
function registerQuantity(env: Environment): void {
  const q = (s: string) => {
    const v = tryParseQuantity(s);
    if (v === undefined) throw new Error(`${QUANTITY_FORMAT_MESSAGE}: ${JSON.stringify(s)}`);
    return new Quantity(v);
  };
  const intOf = (v: number) => {
    if (!Number.isInteger(v) || !Number.isSafeInteger(v)) throw new Error('cannot convert value to integer');
    return BigInt(v);
  };
  env.registerType('Quantity', Quantity);
  env.registerFunction('quantity(string): Quantity', q);
  env.registerFunction('isQuantity(string): bool', (s: string) => tryParseQuantity(s) !== undefined);
  env.registerFunction('Quantity.sign(): int', (a: Quantity) => BigInt(Math.sign(a.value)));
  env.registerFunction('Quantity.isInteger(): bool', (a: Quantity) => Number.isSafeInteger(a.value));
  env.registerFunction('Quantity.asInteger(): int', (a: Quantity) => intOf(a.value));
  env.registerFunction('Quantity.asApproximateFloat(): double', (a: Quantity) => a.value);
  env.registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => new Quantity(a.value + b.value));
  env.registerFunction('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => new Quantity(a.value + Number(b)));
  env.registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => new Quantity(a.value - b.value));
  env.registerFunction('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => new Quantity(a.value - Number(b)));
  env.registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.value < b.value);
  env.registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.value > b.value);
  env.registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => BigInt(Math.sign(a.value - b.value)));
  env.registerOperator('Quantity == Quantity', (a: Quantity, b: Quantity) => a.value === b.value);
}

/**
 * Kubernetes' URL library: `url(s)` (an absolute URI or an absolute path, as Go's
 * url.ParseRequestURI), `isURL(s)`, `getScheme`, `getHost`, `getHostname`, `getPort`,
 * `getEscapedPath`, `getQuery`. Parsed with WHATWG URL, which (unlike Go) drops a scheme's default
 * port and lower-cases the host.
 */
class Url {
  constructor(readonly scheme: string, readonly host: string, readonly hostname: string, readonly port: string, readonly path: string, readonly query: string) {}
}
function parseUrl(s: string): Url | undefined {
  if (s.startsWith('/')) {
    if (/\s/.test(s)) return undefined;
    const [path, query = ''] = s.split('?', 2) as [string, string?];
    return new Url('', '', '', '', path.split('#')[0]!, query.split('#')[0]!);
  }
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) || /\s/.test(s)) return undefined;
  try {
    const u = new URL(s);
    const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    return new Url(u.protocol.slice(0, -1), u.host, hostname, u.port, u.pathname, u.search.slice(1));
  } catch {
    return undefined;
  }
}
function registerUrl(env: Environment): void {
  env.registerType('URL', Url);
  env.registerFunction('url(string): URL', (s: string) => {
    const u = parseUrl(s);
    if (!u) throw new Error(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`);
    return u;
  });
  env.registerFunction('isURL(string): bool', (s: string) => parseUrl(s) !== undefined);
  env.registerFunction('URL.getScheme(): string', (u: Url) => u.scheme);
  env.registerFunction('URL.getHost(): string', (u: Url) => u.host);
  env.registerFunction('URL.getHostname(): string', (u: Url) => u.hostname);
  env.registerFunction('URL.getPort(): string', (u: Url) => u.port);
  env.registerFunction('URL.getEscapedPath(): string', (u: Url) => u.path);
  env.registerFunction('URL.getQuery(): map<string, list<string>>', (u: Url) => {
    const out: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(u.query)) (out[k] ??= []).push(v);
    return out;
  });
}

/** Build the CEL types of a schema tree (objects with properties become registered object types). */
function schemaTypes(schema: JSONSchemaProps): SchemaTypes {
  const base = baseEnvironment();
  const nodes = new Map<JSONSchemaProps, Node>();
  let n = 0;
  const metaFields: Record<string, string> = { name: 'string', generateName: 'string' };
  const Meta = class {
    constructor(o: Json) {
      Object.assign(this, o);
    }
  } as unknown as ObjCtor;
  base.registerType('ObjectMeta', { ctor: Meta, fields: metaFields });
  base.registerOperator('ObjectMeta == ObjectMeta', deepEqual);
  const metaNode: Node = {
    type: 'ObjectMeta',
    convert: (v) => {
      const o: Json = {};
      if (isPlainObject(v)) for (const f of META_FIELDS) if (typeof v[f] === 'string') o[f] = v[f];
      return new Meta(o);
    },
  };

  const build = (s: JSONSchemaProps, root: boolean): Node => {
    const node = buildNode(s, root);
    nodes.set(s, node);
    return node;
  };
  const buildNode = (s: JSONSchemaProps, root: boolean): Node => {
    if (s['x-kubernetes-int-or-string'] || !s.type) return DYN;
    switch (s.type) {
      case 'integer':
        return { type: 'int', convert: (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v) };
      case 'number':
        return { type: 'double', convert: (v) => v };
      case 'boolean':
        return { type: 'bool', convert: (v) => v };
      case 'string':
        if (s.format === 'date-time' || s.format === 'date') {
          return { type: TIMESTAMP, convert: (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : v) };
        }
        if (s.format === 'duration') {
          return { type: DURATION, convert: (v) => (typeof v === 'string' ? toDuration(v) : v) };
        }
        return { type: 'string', convert: (v) => v };
      case 'array': {
        const items = s.items ? build(s.items, false) : DYN;
        return { type: `list<${items.type}>`, convert: (v) => (Array.isArray(v) ? v.filter((x) => x !== null).map((x) => items.convert(x)) : v) };
      }
      case 'object': {
        if (!s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
          const vals = isPlainObject(s.additionalProperties) ? build(s.additionalProperties, false) : DYN;
          return {
            type: `map<string, ${vals.type}>`,
            convert: (v) => {
              if (!isPlainObject(v)) return v;
              const o: Json = {};
              for (const [k, x] of Object.entries(v)) if (x !== null) o[k] = vals.convert(x);
              return o;
            },
          };
        }
        const props = new Map<string, { cel: string; node: Node }>();
        const embedded = root || s['x-kubernetes-embedded-resource'] === true;
        for (const [k, p] of Object.entries(s.properties ?? {})) {
          const cel = celFieldName(k);
          if (!cel || (embedded && k === 'metadata')) continue;
          props.set(k, { cel, node: isPlainObject(p) ? build(p, false) : DYN });
        }
        if (embedded) {
          for (const k of ['apiVersion', 'kind']) if (!props.has(k)) props.set(k, { cel: k, node: { type: 'string', convert: (v) => v } });
          props.set('metadata', { cel: 'metadata', node: metaNode });
        }
        const name = `Object${++n}`;
        const Ctor = class {
          constructor(o: Json) {
            Object.assign(this, o);
          }
        } as unknown as ObjCtor;
        Object.defineProperty(Ctor, 'name', { value: name });
        const fields: Record<string, string> = {};
        for (const { cel, node } of props.values()) fields[cel] = node.type;
        base.registerType(name, { ctor: Ctor, fields });
        base.registerOperator(`${name} == ${name}`, deepEqual);
        return {
          type: name,
          convert: (v) => {
            if (!isPlainObject(v)) return v;
            const o: Json = {};
            for (const [k, { cel, node }] of props) if (v[k] !== null && v[k] !== undefined) o[cel] = node.convert(v[k]);
            return new Ctor(o);
          },
        };
      }
      default:
        return DYN;
    }
  };
  const rootNode = build(schema, true);
  return { base, nodes, rootNode };
}

/** A Go duration string (`1h30m`, `-1.5s`, `300ms`) as the library's Duration, through CEL's own duration(). */
const durationEnv = new Environment().registerVariable('s', 'string');
const durationOf = durationEnv.parse('duration(s)');
function toDuration(v: string): unknown {
  try {
    return durationOf({ s: v });
  } catch {
    return v;
  }
}

// ---- compilation -----------------------------------------------------------------------------------

interface AstNode {
  op: string;
  args: unknown;
  start?: number;
  checkedType?: { kind?: string; name?: string };
}

interface Program {
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
      const p: JSONSchemaProps | undefined = cur.properties[name];
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

function compileAll(schema: JSONSchemaProps, at: string): { compiled: CompiledSchema; causes: StatusCause[] } {
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

// ---- evaluation ------------------------------------------------------------------------------------

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

/** Pair list items with their old values the way Kubernetes correlates them (map lists by keys, sets by value). */
function oldItem(s: JSONSchemaProps, x: unknown, old: unknown): { old: unknown; has: boolean } {
  if (!Array.isArray(old)) return { old: undefined, has: false };
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    if (!isPlainObject(x)) return { old: undefined, has: false };
    const found = old.find((o) => isPlainObject(o) && keys.every((k) => deepEqual(o[k], x[k])));
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
      const p = s.properties?.[k];
      if (p) {
        if (!walk(cs, p, x, o?.[k], o !== undefined && k in o, child(path, k), budget, out)) return false;
      } else if (isPlainObject(s.additionalProperties)) {
        if (!walk(cs, s.additionalProperties, x, o?.[k], o !== undefined && k in o, key(path, k), budget, out)) return false;
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
