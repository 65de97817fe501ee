/**
 * An error that retrying cannot fix (a malformed object, a spec the controller can never act on).
 * runController logs it and does not requeue the key; the next change to the object brings it back.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export const isTerminal = (e: unknown): e is TerminalError => e instanceof TerminalError;

/** Mark any error as terminal, keeping it as the cause. */
export function terminal(e: unknown): TerminalError {
  if (isTerminal(e)) return e;
  return new TerminalError(e instanceof Error ? e.message : String(e), { cause: e });
}
