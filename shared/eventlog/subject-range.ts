/**
 * Many revisions of one subject in one pass: an ordered consumer filtered on the subject, from the
 * oldest sequence wanted to the newest, instead of one direct get per revision. nats-server 2.9
 * (this machine's) has no batched direct get (`batch` / `multi_last` need 2.11), so this is the one
 * server-side batch it offers. Sequences the stream no longer holds are simply not in the answer.
 */
import type { MsgHdrs } from '@nats-io/transport-node';
import type { EventLog } from './event-log.js';

const READ_TIMEOUT_MS = 10_000;

export interface RangeMsg {
  readonly seq: number;
  readonly subject: string;
  readonly time: Date;
  readonly data: Uint8Array;
  readonly header: MsgHdrs | undefined;
}

/** The messages of `subject` whose sequences are in `seqs` (those still held), keyed by sequence. */
export async function readSubjectSeqs(log: EventLog, subject: string, seqs: readonly number[]): Promise<Map<number, RangeMsg>> {
  const out = new Map<number, RangeMsg>();
  if (seqs.length === 0) return out;
  const want = new Set(seqs);
  const from = Math.min(...seqs);
  const to = Math.max(...seqs);
  const consumer = await log.js.consumers.get(log.stream, { filter_subjects: subject, opt_start_seq: from });
  const messages = await consumer.consume({ max_messages: Math.min(1024, Math.max(16, seqs.length)) });
  // The subject's newest message is always kept, so the loop ends on it at the latest; a stream
  // that lost it (dropped under us) must not hang the reader.
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    void messages.close().catch(() => undefined);
  }, READ_TIMEOUT_MS);
  try {
    for await (const m of messages) {
      if (m.seq > to) break;
      if (want.has(m.seq)) out.set(m.seq, { seq: m.seq, subject: m.subject, time: m.time, data: m.data, header: m.headers });
      if (m.seq === to || m.info.pending === 0) break;
    }
  } finally {
    clearTimeout(watchdog);
    await messages.close().catch(() => undefined);
  }
  if (timedOut) throw new Error(`reading ${subject} from ${from} to ${to}: no end after ${READ_TIMEOUT_MS} ms`);
  return out;
}
