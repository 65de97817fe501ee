/**
 * Postgres errors classified by SQLSTATE where they arise. A statement refused for what the data
 * holds (class 22 data exception, 23 integrity constraint violation) fails the same way on every
 * retry: the caller must find and set aside the row that causes it. Anything else (connection lost,
 * server shutting down, serialization) may succeed when retried.
 */

import { ApiError, isApiError } from '../errors.js';

/**
 * Marker in the error raised by the batch statement's own guard (apply.ts, `expectAtLeast`): the
 * checkpoint went back. Postgres reports it as 22P02 (a failed cast is how plain SQL can raise), so
 * it is told apart from content errors before the SQLSTATE is looked at.
 */
export const CHECKPOINT_WENT_BACK = 'checkpoint went back';

export function isCheckpointWentBack(e: unknown): boolean {
  return e instanceof Error && sqlState(e) === '22P02' && e.message.includes(CHECKPOINT_WENT_BACK);
}

/** SQLSTATE classes whose errors come from the content of the statement's data. */
const CONTENT_CLASSES: ReadonlySet<string> = new Set(['22', '23']);

/** The SQLSTATE of a Postgres error (node-postgres puts it in `code`), also found through `cause`. */
export function sqlState(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && typeof c === 'object' && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function isContentError(e: unknown): boolean {
  const state = sqlState(e);
  return state !== undefined && CONTENT_CLASSES.has(state.slice(0, 2));
}

/** The database refused a statement for the content of its data (see isContentError). */
export class ContentRejectedError extends Error {
  constructor(
    readonly sqlState: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ContentRejectedError';
  }
}
export const isContentRejected = (e: unknown): e is ContentRejectedError => e instanceof ContentRejectedError;

/** `e` as a ContentRejectedError when its SQLSTATE says so, else `e` unchanged. */
export function asContentRejected(e: unknown): unknown {
  if (isContentRejected(e) || !isContentError(e) || isCheckpointWentBack(e)) return e;
  const state = sqlState(e)!;
  return new ContentRejectedError(state, `SQLSTATE ${state}: ${(e as Error).message}`, { cause: e });
}

/** SQLSTATEs of a server that can't take queries now: connection exceptions (class 08), shutting down or starting (57P01-57P03), too many connections. */
const UNAVAILABLE_STATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of the connection itself. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** node-postgres's own errors for a lost or unobtainable connection (they carry no code). */
const DRIVER_MESSAGES: readonly string[] = ['Connection terminated', 'timeout exceeded when trying to connect', 'Client has encountered a connection error', 'Client was closed'];

export function isDatabaseUnavailable(e: unknown): boolean {
  const state = sqlState(e);
  if (state) return state.startsWith('08') || UNAVAILABLE_STATES.has(state);
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const message = e instanceof Error ? e.message : '';
  return DRIVER_MESSAGES.some((m) => message.startsWith(m));
}

/** `e` as a retryable 503 when the database can't be reached, else unchanged. */
export function asDatabaseUnavailable(e: unknown): unknown {
  if (isApiError(e) || !isDatabaseUnavailable(e)) return e;
  return new ApiError('ServiceUnavailable', `the database is unavailable: ${(e as Error).message}`, { retryAfterSeconds: 1 }, { cause: e });
}

/** A read whose failure, if the database is unreachable, is a 503. */
export async function reachableDb<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw asDatabaseUnavailable(e);
  }
}

/**
 * A read-only statement Postgres chose as a deadlock victim (40P01, e.g. against a replay's schema
 * swap) changed nothing and may succeed when run again: it is, up to `attempts` times in all.
 * Any other failure is reachableDb's.
 */
export async function readRetryingDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await reachableDb(run());
    } catch (e) {
      if (sqlState(e) !== '40P01' || i >= attempts) throw e;
    }
  }
}
