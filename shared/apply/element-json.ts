/**
 * One path element as a FieldsV1 key: `f:<name>`, `k:<json object of the key fields>`,
 * `v:<json value>`, `i:<index>`. JSON inside keys is written as Go's encoding/json writes it
 * (HTML-safe escapes, map keys sorted), so the keys are byte-for-byte Kubernetes' keys.
 */
import { strCompare, type KeyField, type PathElement } from './path.js';

/** Why a FieldsV1 document or key could not be read. */
export class FieldsV1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldsV1Error';
  }
}

/** A type prefix this version does not know: Kubernetes drops such keys instead of failing. */
export class UnknownElementTypeError extends FieldsV1Error {
  constructor(key: string) {
    super(`unknown path element type: ${JSON.stringify(key)}`);
    this.name = 'UnknownElementTypeError';
  }
}

/** JSON text as Go's encoding/json writes it. */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const m = v as Record<string, unknown>;
  return `{${Object.keys(m).sort(strCompare).map((k) => `${goJsonString(k)}:${goJson(m[k])}`).join(',')}}`;
}

/** A JSON string with Go's HTML-safe escapes (`<`, `>`, `&`, U+2028, U+2029). */
export function goJsonString(s: string): string {
  const json = JSON.stringify(s);
  // Most strings (field names, manager names) have nothing to escape: no replace, no callback.
  return HTML_UNSAFE.test(json) ? json.replace(HTML_UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;

export function serializeElement(e: PathElement): string {
  if ('field' in e) return `f:${e.field}`;
  if ('key' in e) return `k:{${e.key.map(([k, v]) => `${goJsonString(k)}:${goJson(v)}`).join(',')}}`;
  if ('value' in e) return `v:${goJson(e.value)}`;
  return `i:${e.index}`;
}

export function deserializeElement(s: string): PathElement {
  if (s.length < 2) throw new FieldsV1Error(`invalid path element ${JSON.stringify(s)}: key must be 2 characters long`);
  if (s[1] !== ':') throw new FieldsV1Error(`invalid path element ${JSON.stringify(s)}: missing colon`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return { field: body };
    case 'v':
      return { value: parseJson(s, body) };
    case 'k': {
      const obj = parseJson(s, body);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        throw new FieldsV1Error(`invalid path element ${JSON.stringify(s)}: a key must be a JSON object`);
      }
      const fields: KeyField[] = Object.entries(obj as Record<string, unknown>);
      return { key: fields.sort((a, b) => strCompare(a[0], b[0])) };
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(body)) throw new FieldsV1Error(`invalid path element ${JSON.stringify(s)}: an index must be an integer`);
      return { index: Number(body) };
    }
    default:
      throw new UnknownElementTypeError(s);
  }
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FieldsV1Error(`invalid path element ${JSON.stringify(key)}: ${(e as Error).message}`);
  }
}
