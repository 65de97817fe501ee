/**
 * Postgres errors classified by SQLSTATE where they arise. A statement refused for what the data
 * holds (class 22 data exception, 23 integrity constraint violation) fails the same way on every
 * retry: the caller must find and set aside the row that causes it. Anything else (connection lost,
 * server shutting down, serialization) may succeed when retried.
 */

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
