/**
 * Controller expectations (Kubernetes' ControllerExpectations and
 * UIDTrackingControllerExpectations in controller_utils.go): what a controller is still waiting to
 * see in its cache after creating or deleting pods. A reconcile acts only when its key's
 * expectations are satisfied, so a cache that lags behind its own writes cannot make it create or
 * delete twice.
 *
 * A plain data structure: no timers, no locks (one event loop); the clock is passed in.
 * Deletions are tracked by pod identity (a uid, or `namespace/name` as Kubernetes' PodKey), so a
 * redelivered or foreign deletion event never counts twice.
 */
import { toMillis, type Instant } from './time.js';

/** After this long, unmet expectations are given up on (Kubernetes' ExpectationsTimeout). */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

export interface ExpectationsSnapshot {
  /** Creations still expected. */
  readonly add: number;
  /** Deletions still expected. */
  readonly del: number;
  /** Identities of the pods whose deletion is still expected. */
  readonly pendingDeletes: readonly string[];
  /** When these expectations were set (epoch ms). */
  readonly setAt: number;
}

interface Entry {
  add: number;
  pendingDeletes: Set<string>;
  setAt: number;
}

export class Expectations {
  private readonly entries = new Map<string, Entry>();
  readonly ttlMs: number;

  constructor(opts: { ttlMs?: number } = {}) {
    this.ttlMs = opts.ttlMs ?? EXPECTATIONS_TTL_MS;
  }

  /** Expect n creations for key, replacing whatever key expected before. */
  expectCreations(key: string, n: number, now: Instant): void {
    this.entries.set(key, { add: Math.max(0, Math.floor(n)), pendingDeletes: new Set(), setAt: toMillis(now) });
  }

  /** Expect the deletion of these pods (uids or namespace/name keys), replacing whatever key expected before. */
  expectDeletions(key: string, podIds: readonly string[], now: Instant): void {
    this.entries.set(key, { add: 0, pendingDeletes: new Set(podIds), setAt: toMillis(now) });
  }

  /**
   * A creation for key was seen (or will never happen: a failed or skipped create). Lowers the
   * count by n (default 1), never below zero; a no-op when nothing is expected.
   */
  creationObserved(key: string, n = 1): void {
    const e = this.entries.get(key);
    if (e) e.add = Math.max(0, e.add - n);
  }

  /**
   * The deletion of podId was seen (or failed and will never be seen). Counts only for a pod that
   * was expected and not yet observed, so redelivered or unrelated deletions change nothing.
   */
  deletionObserved(key: string, podId: string): void {
    this.entries.get(key)?.pendingDeletes.delete(podId);
  }

  /**
   * Whether a reconcile of key may create or delete: nothing recorded, everything observed, or
   * the expectations are older than the TTL (a lost watch event must not stall the controller).
   */
  satisfied(key: string, now: Instant): boolean {
    const e = this.entries.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.pendingDeletes.size === 0) return true;
    return toMillis(now) - e.setAt > this.ttlMs;
  }

  /** What key is still waiting for, if anything was recorded. */
  get(key: string): ExpectationsSnapshot | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    return { add: e.add, del: e.pendingDeletes.size, pendingDeletes: [...e.pendingDeletes], setAt: e.setAt };
  }

  /** Forget key (its object is gone). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Keys with recorded expectations. */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}
