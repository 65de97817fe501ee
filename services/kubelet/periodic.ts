/**
 * Run `task` every `intervalMs`, the first time at `firstDelayMs`: one timer at a time, the next
 * set when the task is done, one interval (± jitter) after the run was due (heartbeat-schedule.ts).
 * A run never overlaps the previous one, as a kubelet's one goroutine per loop: when ticks could
 * overlap, an overloaded gateway made a node's Lease renewals pile up with one resourceVersion, all
 * but one conflicting, each conflict a GET and another write (34,000 conflicting Lease updates
 * against 19,000 good ones at 2,000 nodes). A late run is not followed by catch-up runs. The task
 * is told when it was due (to measure how late it started). Returns a stop function.
 */
export function every(opts: {
  readonly intervalMs: number;
  readonly firstDelayMs: number;
  readonly task: (dueMs: number) => Promise<void>;
  readonly onError: (err: unknown) => void;
  readonly nextDelayMs: (lastDueMs: number, nowMs: number) => number;
}): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (delayMs: number) => {
    if (stopped) return;
    const dueMs = Date.now() + delayMs;
    timer = setTimeout(() => {
      timer = undefined;
      void opts
        .task(dueMs)
        .catch(opts.onError)
        .finally(() => arm(opts.nextDelayMs(dueMs, Date.now())));
    }, delayMs);
    timer.unref();
  };
  arm(opts.firstDelayMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/**
 * A bound on the pod syncs in flight across every kubelet of a process (a fake pool): thousands of
 * nodes with two workers each kept ten thousand syncs in flight, and the Lease renewals waited
 * behind their callbacks on the one event loop. Heartbeats never take a slot.
 */
export class SyncSlots {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get active(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.inUse++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on: inUse unchanged
      else this.inUse--;
    }
  }
}
