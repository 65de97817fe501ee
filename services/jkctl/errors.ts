/**
 * How jkctl fails, like kubectl: a server answer prints `Error from server (NotFound): pods "x" not
 * found`, a client-side problem `error: ...`; both exit 1. Usage errors (bad flags, missing
 * arguments) exit 2.
 */
import { isApiError } from '../../shared/errors.js';

/** The command line itself is wrong. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A problem jkctl found itself (not an answer from the gateway). Exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function networkCode(e: unknown): string | undefined {
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/** The line kubectl would print for an error. */
export function errorLine(e: unknown, server: string): string {
  if (isApiError(e)) {
    // The gateway client marks an unreachable gateway with the network error as the cause.
    if (e.cause !== undefined) {
      const host = server.replace(/^\w+:\/\//, '').replace(/\/.*$/, '');
      return networkCode(e) === 'ECONNREFUSED'
        ? `The connection to the server ${host} was refused - did you specify the right host or port?`
        : `Unable to connect to the server: ${e.message}`;
    }
    // kubectl's words for a 401.
    if (e.reason === 'Unauthorized') return 'error: You must be logged in to the server (Unauthorized)';
    return `Error from server (${e.reason}): ${e.message}`;
  }
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith('error: ') ? msg : `error: ${msg}`;
}

export function exitCodeOf(e: unknown): number {
  return e instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}
