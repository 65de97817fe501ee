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

/** Something to wait on before the workers start (an Informer). */
export interface Syncable {
  waitForSync(): Promise<void>;
}

/** Something holding best-effort writes to finish on stop (an EventRecorder). */
export interface Flushable {
  flush(): Promise<void>;
}

export interface StartControllerOptions {
  readonly name: string;
  /** The workers start once all of these have synced. */
  readonly informers: readonly Syncable[];
  readonly queue: WorkQueue;
  readonly reconcile: Reconcile;
  readonly workers: number;
  readonly log: Logger;
  /** Flushed on stop, for at most `flushMs` (default 2 s): shutting down never hangs on a best-effort write. */
  readonly recorder?: Flushable | readonly Flushable[];
  readonly flushMs?: number;
  /** Unregister functions of the controller's event handlers (Informer.addEventHandler's answers), called first on stop. */
  readonly handlers?: readonly (() => void)[];
  /** After the sync, before the first worker starts (e.g. enqueue what only a full cache can tell). */
  readonly onSynced?: () => void;
}

/** A running controller. */
export interface RunningController {
  readonly name: string;
  /** Unregister the handlers, shut the queue down, wait for in-flight reconciles, flush the recorder (bounded). */
  stop(): Promise<void>;
}

/**
 * Wait for the informers to sync, then run the workers (runController); stop() works at any
 * point, also before the sync (then nothing ever runs). When the informers fail to sync the error
 * is logged and nothing runs.
 */
export function startController(opts: StartControllerOptions): RunningController {
  const { name, queue } = opts;
  let stopped = false;
  let handle: ControllerHandle | undefined;
  void Promise.all(opts.informers.map((i) => i.waitForSync()))
    .then(() => {
      if (stopped) return;
      opts.onSynced?.();
      handle = runController({ name, queue, workers: opts.workers, reconcile: opts.reconcile, log: opts.log });
    })
    .catch((e: unknown) => {
      if (!stopped) opts.log.error({ controller: name, err: e }, 'informers did not sync; the controller does not run');
    });
  const recorders = opts.recorder === undefined ? [] : Array.isArray(opts.recorder) ? (opts.recorder as readonly Flushable[]) : [opts.recorder as Flushable];
  return {
    name,
    async stop() {
      // Not waiting for the sync: informers still syncing (or never to) must not hold a stop up.
      stopped = true;
      for (const u of opts.handlers ?? []) u();
      queue.shutDown();
      await handle?.stop();
      await within(Promise.all(recorders.map((r) => r.flush())), opts.flushMs ?? 2000);
    },
  };
}

/** Resolve when p settles or after ms, whichever comes first. */
function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.then(() => undefined, () => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}
