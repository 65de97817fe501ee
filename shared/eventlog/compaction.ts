/**
 * The compaction watermark (DESIGN.md, "The event log"), like etcd's compacted revision: a reader
 * resuming after sequence R gets every change only if no message above R has been removed. The
 * per-subject history limit removes a subject's oldest message in the middle of the stream, so the
 * stream's first sequence alone does not say it. What does: the messages still held above R
 * against the sequences above R. Pure decisions here; EventLog.compactedAfter does the reads.
 */

/** One stream-info reply. */
export interface LogState {
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Sequences between first and last that are gone (interior removals). */
  readonly numDeleted: number;
}

/**
 * From one stream-info reply: `ok` (nothing above `after` can be missing), `gone` (something above
 * it is), or `count` (interior removals exist: count the messages above `after`).
 */
export function resumeFromState(after: number, s: LogState): 'ok' | 'gone' | 'count' {
  if (after >= s.lastSeq) return 'ok';
  if (after < s.firstSeq - 1) return 'gone';
  if (s.numDeleted === 0) return 'ok';
  return 'count';
}

/**
 * From `pending`, the messages above `after` counted at one instant between two stream-info replies
 * whose last sequences were `lastBefore` and `lastAfter`: the removals above `after` at that instant
 * are (last then − after − pending), with `lastBefore` ≤ last then ≤ `lastAfter`. `retry` when the
 * stream moved too much in between to tell.
 */
export function resumeFromCount(after: number, pending: number, lastBefore: number, lastAfter: number): 'ok' | 'gone' | 'retry' {
  if (pending < lastBefore - after) return 'gone';
  if (pending >= lastAfter - after) return 'ok';
  return 'retry';
}
