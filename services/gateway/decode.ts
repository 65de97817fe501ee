/**
 * Request bodies (JSON, the three patch types, YAML) → plain values, read the way kube-apiserver's
 * decoders read them, with the checks that must come before anything recursive touches the value:
 *
 * - Strings are made well-formed: a lone UTF-16 surrogate (a `\udfff` escape with no partner)
 *   becomes U+FFFD, as Go's encoding/json does when it unquotes a string. Invalid UTF-8 in the
 *   bytes is already U+FFFD once the body is read as UTF-8 text. Postgres refuses lone surrogates
 *   in jsonb, so one accepted would stop the projector.
 * - Nesting is bounded: objects and arrays may nest at most MAX_NESTING_DEPTH levels. Go's JSON
 *   scanner stops at 10,000 ("exceeded max depth"); the gateway's own code (schema pruning, patch
 *   merging, deep equality) recurses once per level, so the bound here is lower: 512, well above
 *   any real object (a Deployment's deepest field is ~13 levels down, large CRD schemas ~60).
 *   JSON is measured on the text before it is parsed; YAML on the parser's token tree before it
 *   is composed, and again on the composed value (aliases can nest one tree inside another).
 * - A `__proto__` key anywhere is refused (prototype pollution).
 *
 * Every check is iterative, so no input can overflow the stack here. Failures are 400 BadRequest.
 */
import YAML, { Parser } from 'yaml';
import { badRequest, isApiError } from '../../shared/errors.js';

/** How deep objects and arrays may nest in a request body. */
export const MAX_NESTING_DEPTH = 512;

export const tooDeep = () =>
  badRequest(`the request body is nested too deeply: objects and arrays may nest at most ${MAX_NESTING_DEPTH} levels`);

const protoKey = () => badRequest('the request body contains a forbidden key "__proto__"');

/** A JSON body (objects and all patch types); '' (or only whitespace) is undefined. */
export function decodeJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepthExceeds(text, MAX_NESTING_DEPTH)) throw tooDeep();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw badRequest(`invalid JSON in request body: ${(e as Error).message}`);
  }
  // Only text with an escape can hold a lone surrogate (decoded UTF-8 never does) or a hidden
  // `__proto__`; the walk is skipped otherwise, as it costs as much as the parse.
  return text.includes('\\u') || text.includes('__proto__') ? repair(v, MAX_NESTING_DEPTH) : v;
}

/** A YAML body holding one document; no document is undefined. */
export function decodeYaml(text: string): unknown {
  try {
    for (const token of new Parser().parse(text)) {
      if (yamlTokenDepth(token) > MAX_NESTING_DEPTH) throw tooDeep();
    }
    const docs = YAML.parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    const real = list.filter((d) => d.contents !== null);
    if (real.length > 1) throw badRequest('the request body must hold one YAML document, got several');
    const errors = real.flatMap((d) => d.errors);
    if (errors.length) throw badRequest(`invalid YAML in request body: ${errors[0]!.message.split('\n')[0]}`);
    return repair(real[0]?.toJS({ maxAliasCount: 100 }), MAX_NESTING_DEPTH);
  } catch (e) {
    if (isApiError(e)) throw e;
    // Aliases nesting trees inside trees can still be too deep for the composer's recursion.
    if (e instanceof RangeError) throw tooDeep();
    throw badRequest(`invalid YAML in request body: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Whether the objects and arrays of a JSON text nest deeper than `max` (brackets inside strings do
 * not count). Linear, no recursion; malformed text is left for JSON.parse to refuse.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` with every lone surrogate replaced by U+FFFD (a high one followed by a low one is a pair). */
export function wellFormed(s: string): string {
  return SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s;
}

type Container = unknown[] | Record<string, unknown>;
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/**
 * Make every string and key of a decoded value well-formed, in place; refuse `__proto__` keys and
 * nesting deeper than `maxDepth`. Iterative (an explicit stack), so a cycle or a deep value only
 * ends in a 400.
 */
export function repair(root: unknown, maxDepth: number): unknown {
  if (typeof root === 'string') return wellFormed(root);
  if (!isContainer(root)) return root;
  const stack: [Container, number][] = [[root, 1]];
  while (stack.length) {
    const [c, depth] = stack.pop()!;
    if (depth > maxDepth) throw tooDeep();
    if (Array.isArray(c)) {
      for (let i = 0; i < c.length; i++) {
        const v = c[i];
        if (typeof v === 'string') c[i] = wellFormed(v);
        else if (isContainer(v)) stack.push([v, depth + 1]);
      }
      continue;
    }
    const keys = Object.keys(c);
    let badKey = false;
    for (const k of keys) {
      if (k === '__proto__') throw protoKey();
      if (SURROGATE.test(k) && wellFormed(k) !== k) badKey = true;
      const v = c[k];
      if (typeof v === 'string') c[k] = wellFormed(v);
      else if (isContainer(v)) stack.push([v, depth + 1]);
    }
    if (badKey) {
      // Re-key in order; two keys that repair to the same text keep the later value, as Go's map does.
      const entries = keys.map((k) => [wellFormed(k), c[k]] as const);
      for (const k of keys) delete c[k];
      for (const [k, v] of entries) Object.defineProperty(c, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

/** How deep the collections of one YAML CST token nest (walked with an explicit stack). */
function yamlTokenDepth(token: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[token, 0]];
  while (stack.length) {
    const [t, d] = stack.pop()!;
    if (!isContainer(t)) continue;
    const tok = t as { type?: string; value?: unknown; items?: { key?: unknown; value?: unknown }[] };
    const collection = tok.type === 'block-map' || tok.type === 'block-seq' || tok.type === 'flow-collection';
    const depth = collection ? d + 1 : d;
    if (depth > max) max = depth;
    if (tok.type === 'document') stack.push([tok.value, depth]);
    if (collection) {
      for (const it of tok.items ?? []) {
        stack.push([it.key, depth]);
        stack.push([it.value, depth]);
      }
    }
  }
  return max;
}
