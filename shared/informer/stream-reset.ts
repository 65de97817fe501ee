/**
 * Was the stream reset under an informer? A pure decision over what the informer had applied when
 * it sent the stream-info request and what that request returned.
 *
 * The comparison is with the state *before* the request: while the request is in flight the
 * consumer keeps applying newer messages, so the cache's sequence read after the reply may be past
 * the reply's `last_seq` without anything being wrong (the false "reset" this module exists for).
 */

/** What the informer knew when it sent the request. */
export interface BeforeCheck {
  /** The stream's creation time as the informer knows it (undefined: not known yet). */
  readonly created: string | undefined;
  /** The newest sequence the cache had applied. */
  readonly applied: number;
}

/** The stream-info reply. */
export interface StreamState {
  readonly created: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/** The cache after the reply came back. */
export interface CacheAfter {
  readonly applied: number;
  readonly relisting: boolean;
  /** The lowest sequence any cached object was last changed at (undefined: empty cache). */
  readonly oldestSeq: number | undefined;
}

export type ResetVerdict =
  | { readonly reset: false; readonly suspectPurge?: false }
  /** Some cached object's newest message may be gone: confirm with the subject before relisting. */
  | { readonly reset: false; readonly suspectPurge: true }
  | { readonly reset: true; readonly reason: 'recreated' | 'backwards' };

export function streamReset(before: BeforeCheck, state: StreamState, after: CacheAfter): ResetVerdict {
  if (before.created !== undefined && state.created !== before.created) return { reset: true, reason: 'recreated' };
  if (state.lastSeq < before.applied) return { reset: true, reason: 'backwards' };
  // Retention keeps every subject's newest message. Once everything up to lastSeq is applied, a
  // cached object older than the first retained message either had a newer message removed before
  // we saw it (a race with compaction) or lost its newest one (purge, message delete): ask the subject.
  if (
    !after.relisting &&
    after.applied >= state.lastSeq &&
    after.oldestSeq !== undefined &&
    after.oldestSeq < state.firstSeq
  ) {
    return { reset: false, suspectPurge: true };
  }
  return { reset: false };
}
