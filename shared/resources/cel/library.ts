/**
 * The CEL environment every CRD's rules start from: @marcbachmann/cel-js with Kubernetes' list
 * library (isSorted, sum, min, max, indexOf, lastIndexOf), string replace/charAt, `matches` in RE2
 * (registered as re2Matches; compile.ts renames the calls), and Kubernetes' quantity and URL
 * libraries. Plus the deep equality rules use for objects (`self == oldSelf`).
 */
import { Environment } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import { QUANTITY_FORMAT_MESSAGE, tryParseQuantity } from '../quantity.js';

type Json = Record<string, unknown>;

/** The library's names of CEL's timestamp and duration types. */
export const TIMESTAMP = 'google.protobuf.Timestamp';
export const DURATION = 'google.protobuf.Duration';

/** Deep equality of CEL values (objects, lists, maps, timestamps). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    for (const [k, x] of a) if (!b.has(k) || !deepEqual(x, b.get(k))) return false;
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Json)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Json)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Json)[k], (b as Json)[k]));
}

/** A fresh environment with jetkube's functions; schema types and variables go on clones of it. */
export function baseEnvironment(): Environment {
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
    const out = new Map<string, string[]>();
    for (const [k, v] of new URLSearchParams(u.query)) out.set(k, [...(out.get(k) ?? []), v]);
    return out;
  });
}
