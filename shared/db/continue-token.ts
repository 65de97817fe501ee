/**
 * Continue tokens for paged lists: opaque base64url JSON holding the last key served and the
 * resourceVersion of the first page (later pages report that same resourceVersion).
 */
import { ApiError } from '../errors.js';

export interface ContinueToken {
  /** resourceVersion of the first page. */
  readonly rv: number;
  /** Last key served: (namespace, name). */
  readonly ns: string;
  readonly name: string;
}

interface Wire {
  readonly v: 1;
  readonly rv: number;
  readonly ns: string;
  readonly n: string;
}

export function encodeContinue(t: ContinueToken): string {
  const wire: Wire = { v: 1, rv: t.rv, ns: t.ns, n: t.name };
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

/** Parse a token; anything malformed is a 400 BadRequest. */
export function decodeContinue(token: string): ContinueToken {
  const bad = (why: string, cause?: unknown) =>
    new ApiError('BadRequest', `invalid continue token: ${why}`, undefined, cause === undefined ? undefined : { cause });
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) throw bad('not base64url');
  let w: unknown;
  try {
    w = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (e) {
    throw bad('not JSON', e);
  }
  if (w === null || typeof w !== 'object') throw bad('not an object');
  const o = w as Partial<Record<keyof Wire, unknown>>;
  if (o.v !== 1) throw bad('unknown version');
  if (typeof o.rv !== 'number' || !Number.isSafeInteger(o.rv) || o.rv < 0) throw bad('bad resourceVersion');
  if (typeof o.ns !== 'string' || typeof o.n !== 'string') throw bad('bad key');
  return { rv: o.rv, ns: o.ns, name: o.n };
}
