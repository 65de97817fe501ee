/**
 * A work queue of string keys with client-go's guarantees:
 *  - a key waiting in the queue is not added twice (dirty set);
 *  - a key being processed is never handed to a second worker; if it is added meanwhile it goes
 *    back on the queue when the first worker calls done();
 *  - delayed adds (addAfter) and per-key exponential backoff (addRateLimited).
 * Only keys travel: workers read the current object from a cache (level-based reconciling).
 */
import { ExponentialBackoff, type RateLimiterOptions } from './rate-limiter.js';

export interface WorkQueueOptions extends RateLimiterOptions {}

/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WorkQueue {
  private queue: string[] = [];
  private head = 0;
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  /** Keys handed to a worker and not yet done. */
  private readonly processing = new Set<string>();
  /** Delayed adds: one timer per key, the earliest wins. */
  private readonly waiting = new Map<string, { readonly at: number; readonly timer: NodeJS.Timeout }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly backoff: ExponentialBackoff;
  private shutdown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.backoff = new ExponentialBackoff(opts);
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight keys). */
  get len(): number {
    return this.queue.length - this.head;
  }

  get shuttingDown(): boolean {
    return this.shutdown;
  }

  add(key: string): void {
    if (this.shutdown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Add after `ms` milliseconds; if the key is already waiting, the earlier time wins. */
  addAfter(key: string, ms: number): void {
    if (this.shutdown) return;
    if (!(ms > 0)) return this.add(key);
    const at = Date.now() + ms;
    const w = this.waiting.get(key);
    if (w) {
      if (w.at <= at) return;
      clearTimeout(w.timer);
    }
    this.arm(key, at);
  }

  /**
   * A timer for `at`. Node fires a timer longer than 2^31-1 ms after 1 ms, so a longer delay (a
   * yearly schedule, a long TTL) waits in steps of at most that long.
   */
  private arm(key: string, at: number): void {
    const ms = Math.min(at - Date.now(), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      if (Date.now() < at) return this.arm(key, at);
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Add after the key's backoff delay (base · 2^failures, capped); counts a failure. */
  addRateLimited(key: string): void {
    if (this.shutdown) return;
    this.addAfter(key, this.backoff.when(key));
  }

  /** The key succeeded: reset its backoff. Does not remove it from the queue. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.backoff.numRequeues(key);
  }

  /**
   * The next key, marked as processing until done(key); waits while the queue is empty.
   * Resolves undefined once the queue is shut down (queued keys are not drained).
   */
  get(): Promise<string | undefined> {
    if (this.shutdown) return Promise.resolve(undefined);
    if (this.len > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** The worker finished with the key; a key re-added meanwhile is queued again now. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shutdown) this.push(key);
  }

  /** Stop handing out keys: pending get() calls resolve undefined, delayed adds are dropped. */
  shutDown(): void {
    if (this.shutdown) return;
    this.shutdown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  private push(key: string): void {
    const getter = this.getters.shift();
    if (getter) {
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
      return;
    }
    this.queue.push(key);
  }

  private take(): string {
    const key = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}
