/** Exponential backoff with jitter, and an abortable sleep. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly minMs = 200, private readonly maxMs = 10_000) {}

  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.attempt++);
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolve after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
