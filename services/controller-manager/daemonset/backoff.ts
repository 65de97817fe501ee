/**
 * The back-off on deleting failed daemon pods (Kubernetes' failedPodsBackoff: 1 s doubling up to
 * 15 min, per DaemonSet and node): a kubelet that keeps rejecting the pod must not make the
 * controller delete and recreate it in a hot loop. In memory, as Kubernetes keeps it; a restart
 * starts afresh.
 */
export const FAILED_POD_BACKOFF_INITIAL_MS = 1000;
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000;

interface Entry {
  delay: number;
  last: number;
}

export class FailedPodBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly initialMs = FAILED_POD_BACKOFF_INITIAL_MS,
    private readonly maxMs = FAILED_POD_BACKOFF_MAX_MS,
  ) {}

  /** Milliseconds left before the next deletion on (DaemonSet, node) may happen; 0 when it may now. */
  remaining(dsUid: string, node: string, now: number): number {
    const e = this.entries.get(`${dsUid}/${node}`);
    if (!e) return 0;
    const left = e.last + e.delay - now;
    return left > 0 ? left : 0;
  }

  /** A deletion happens now: the next one waits twice as long (up to the maximum). */
  next(dsUid: string, node: string, now: number): void {
    const key = `${dsUid}/${node}`;
    const e = this.entries.get(key);
    // An entry idle for twice the maximum is forgotten (Kubernetes' GC of the back-off).
    if (!e || now - e.last > 2 * this.maxMs) this.entries.set(key, { delay: this.initialMs, last: now });
    else this.entries.set(key, { delay: Math.min(e.delay * 2, this.maxMs), last: now });
  }
}
