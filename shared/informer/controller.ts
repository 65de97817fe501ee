/**
 * The worker loop every controller shares (controller-runtime's reconcileHandler): take a key,
 * reconcile it, and apply the queue policy in one place.
 */
import { isConflict } from '../errors.js';
import type { Logger } from '../log.js';
import { isTerminal } from './terminal-error.js';
import type { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  /** Reconcile the key again after this many milliseconds (e.g. to check a deadline). */
  readonly requeueAfter?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export interface ControllerOptions {
  readonly name: string;
  readonly queue: WorkQueue;
  /** Keys reconciled in parallel; one key is never reconciled by two workers at once. */
  readonly workers: number;
  readonly reconcile: Reconcile;
  readonly log: Logger;
}

export interface ControllerHandle {
  /** Shut the queue down and wait for in-flight reconciles to finish. */
  stop(): Promise<void>;
}

export function runController(opts: ControllerOptions): ControllerHandle {
  const { name, queue, reconcile } = opts;
  const log = opts.log.child({ controller: name });

  async function processNext(): Promise<boolean> {
    const key = await queue.get();
    if (key === undefined) return false;
    try {
      const result = await reconcile(key);
      queue.forget(key);
      if (result && result.requeueAfter !== undefined && result.requeueAfter > 0) queue.addAfter(key, result.requeueAfter);
    } catch (e) {
      if (isTerminal(e)) {
        queue.forget(key);
        log.error({ key, err: e }, 'reconcile failed permanently; not retrying');
      } else if (isConflict(e)) {
        log.debug({ key, err: e.message }, 'conflict: the cache was stale; requeueing');
        queue.addRateLimited(key);
      } else {
        log.warn({ key, err: e, requeues: queue.numRequeues(key) }, 'reconcile failed; requeueing');
        queue.addRateLimited(key);
      }
    } finally {
      queue.done(key);
    }
    return true;
  }

  async function worker(): Promise<void> {
    while (await processNext());
  }

  const workers = Array.from({ length: Math.max(1, opts.workers) }, () => worker());
  log.debug({ workers: workers.length }, 'controller started');
  return {
    async stop() {
      queue.shutDown();
      await Promise.all(workers);
      log.debug('controller stopped');
    },
  };
}
