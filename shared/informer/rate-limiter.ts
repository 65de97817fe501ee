/**
 * Per-key exponential backoff, like client-go's ItemExponentialFailureRateLimiter:
 * the n-th consecutive failure of a key waits base * 2^(n-1), never more than cap.
 */

export interface RateLimiterOptions {
  /** First delay in milliseconds (default 5). */
  readonly baseMs?: number;
  /** Largest delay in milliseconds (default 60 000). */
  readonly capMs?: number;
}

export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly capMs: number;

  constructor(opts: RateLimiterOptions = {}) {
    this.baseMs = opts.baseMs ?? 5;
    this.capMs = opts.capMs ?? 60_000;
    if (!(this.baseMs > 0) || !(this.capMs >= this.baseMs)) throw new RangeError('backoff needs 0 < baseMs <= capMs');
  }

  /** The delay before the key's next attempt; counts one more failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long after the cap is reached; min() keeps it finite.
    return Math.min(this.capMs, this.baseMs * 2 ** n);
  }

  /** Consecutive failures counted for the key. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The key succeeded: start its backoff again from the base. */
  forget(key: string): void {
    this.failures.delete(key);
  }
}
