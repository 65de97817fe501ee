/** Continue tokens of the history lists: base64url JSON of where the next page starts, bound to its window. */
import { ApiError } from '../../../shared/errors.js';

export function encodeContinue(v: object): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export function decodeContinue<T extends object>(token: string, check: (v: unknown) => v is T): T {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!check(v)) throw new ApiError('BadRequest', 'continue key is not valid: it was not made by this server for this list');
  return v;
}
