/**
 * The query string → the string map the gateway reads, with kube-apiserver's rules:
 *
 * - `a=1&b=2`, `+` is a space, `%XX` escapes are bytes and the bytes must be UTF-8
 *   (Go's url.ParseQuery, then the parameter codec).
 * - A parameter given twice takes its first value, as apimachinery's conversion of url.Values to a
 *   single-valued option does (`Convert_Slice_string_To_string`); `dryRun` is a list, whose every
 *   entry must be "All".
 * - Anything the gateway could not store or query safely is a 400 BadRequest Status before any
 *   I/O: a malformed escape, bytes that are not UTF-8, a NUL, a selector longer than
 *   MAX_SELECTOR_LENGTH.
 *
 * Bytes that are not UTF-8 are refused rather than replaced by U+FFFD (as bodies are): a query value
 * names objects and selects them, and a repaired name or selector would address something else.
 * (A URL can carry a lone surrogate only as such bytes, so none gets past this either.)
 *
 * Fastify hands the raw query text to `rawQuery` (its querystringParser), so its own decoder never
 * sees it and `parseQuery` is the only place where query text is decoded.
 */
import { badRequest } from '../../shared/errors.js';

export type Query = Readonly<Record<string, string | undefined>>;

/**
 * Longest label or field selector served. kube-apiserver has no bound of its own beyond the request
 * line (Go's 1 MiB header limit); a selector of 8 KiB is far longer than any real one (a label value
 * is at most 63 characters) and keeps a single request's query work small.
 */
export const MAX_SELECTOR_LENGTH = 8 * 1024;

/** Parameters that are lists; every other one takes its first value. */
const LIST_PARAMS = new Set(['dryRun']);

const RAW = Symbol('rawQuery');

/** What the router stores as `req.query`: the query text, undecoded. */
export interface RawQuery {
  readonly [RAW]: string;
}

/** Fastify's querystringParser: keep the text for parseQuery. */
export function rawQuery(text: string): RawQuery & Record<string, unknown> {
  return { [RAW]: text };
}

/** Decode a request's query (a RawQuery, or the query text itself). Throws a 400 ApiError. */
export function parseQuery(q: RawQuery | string | undefined): Query {
  const text = typeof q === 'string' ? q : (q?.[RAW] ?? '');
  const out: Record<string, string | undefined> = Object.create(null);
  const dryRun: string[] = [];
  if (text !== '') {
    for (const pair of text.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), 'name');
      const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1), key);
      if (LIST_PARAMS.has(key)) dryRun.push(value);
      else if (!(key in out)) out[key] = value;
    }
  }
  for (const p of ['labelSelector', 'fieldSelector']) {
    const v = out[p];
    if (v !== undefined && v.length > MAX_SELECTOR_LENGTH) {
      throw badRequest(`${p} is too long: ${v.length} characters, at most ${MAX_SELECTOR_LENGTH} are allowed`);
    }
  }
  const dry = dryRun.filter((v) => v !== '');
  const bad = dry.find((v) => v !== 'All');
  if (bad !== undefined) throw badRequest(`dryRun must be "All"; got "${bad}"`);
  if (dry.length) out.dryRun = 'All';
  return out;
}

/** One query component (`+` is a space). Throws a 400 ApiError naming the parameter. */
export function decodeComponent(s: string, what: string): string {
  const r = unescape(s, true);
  if (typeof r !== 'string') throw badRequest(`invalid query parameter ${label(what)}: ${r.error}`);
  return r;
}

/**
 * Percent-decoding as Go's url package does it: `%XX` is a byte, other characters are as they
 * came (Node hands raw bytes over as Latin-1 characters), `+` is a space in a query. The bytes must
 * be UTF-8 and hold no NUL; otherwise `{ error }` says why.
 */
export function unescape(s: string, plusIsSpace: boolean): string | { readonly error: string } {
  if (!/[%+\u0000\u0080-\uffff]/.test(s)) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { error: `malformed percent-encoding "${s.slice(i, i + 3)}"` };
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b && plusIsSpace) bytes.push(0x20);
    else if (c > 0xff) return { error: 'characters outside ASCII must be percent-encoded' };
    else bytes.push(c);
  }
  const text = decodeUtf8(Uint8Array.from(bytes));
  if (text === undefined) return { error: 'not valid UTF-8' };
  if (text.includes('\u0000')) return { error: 'must not contain a NUL byte' };
  return text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8 (no replacement); undefined when the bytes are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const label = (what: string) => (what === 'name' ? 'name' : JSON.stringify(what));
