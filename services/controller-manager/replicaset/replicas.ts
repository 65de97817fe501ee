/**
 * How many pods to create or delete, bounded per sync (Kubernetes' BurstReplicas), and the
 * slow-start batch sizes creations go out in (slowStartBatch in replica_set.go).
 */
import type { Pod, ReplicaSet } from '../../../shared/resources/types.js';

/** The most pods one sync creates or deletes (Kubernetes' BurstReplicas). */
export const BURST_REPLICAS = 500;
/** The first slow-start batch (Kubernetes' SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** spec.replicas, which defaults to 1. */
export function desiredReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

/**
 * Pods to create (positive) or delete (negative) so the active pods reach spec.replicas, at most
 * burstReplicas either way. activePods is the list (or count) of active pods the ReplicaSet owns.
 */
export function replicaDiff(rs: ReplicaSet, activePods: readonly Pod[] | number, burstReplicas: number = BURST_REPLICAS): number {
  const have = typeof activePods === 'number' ? activePods : activePods.length;
  const diff = desiredReplicas(rs) - have;
  const bound = Math.max(0, burstReplicas);
  if (diff > 0) return Math.min(diff, bound);
  if (diff < 0) return -Math.min(-diff, bound);
  return 0;
}

/**
 * Batch sizes for `count` calls, starting at initialBatchSize and doubling: 1, 2, 4, 8, ... with
 * the last batch cut to what remains (count 10 → 1, 2, 4, 3). The caller stops at the first batch
 * with a failure; calls it never made must be un-expected (creationObserved) by the caller.
 */
export function* slowStartBatchSizes(count: number, initialBatchSize: number = SLOW_START_INITIAL_BATCH_SIZE): Generator<number, void, undefined> {
  let remaining = Math.max(0, Math.floor(count));
  let size = Math.min(remaining, Math.max(1, Math.floor(initialBatchSize)));
  while (size > 0) {
    yield size;
    remaining -= size;
    size = Math.min(2 * size, remaining);
  }
}

export interface SlowStartResult {
  /** Calls that succeeded. count - successes were skipped or failed: lower expectations by that. */
  readonly successes: number;
  /** The first error of the failing batch, if any. */
  readonly error?: unknown;
}

/**
 * Run fn `count` times in slow-start batches (each batch concurrently), stopping after the first
 * batch that has a failure. Does no I/O itself; fn does.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<unknown>,
): Promise<SlowStartResult> {
  let successes = 0;
  for (const size of slowStartBatchSizes(count, initialBatchSize)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
  }
  return { successes };
}
