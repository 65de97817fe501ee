/**
 * The newest event of every subject under a filter (one resource's objects), read from the stream
 * with an ordered "last per subject" consumer: what a watcher syncs from before it follows changes.
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import type { EventLog, StoredEvent } from './event-log.js';

/** The newest event (DELETED ones included) of each subject matching `filter`, and the stream's last sequence read. */
export async function readLatest(log: EventLog, filter: string): Promise<{ events: StoredEvent[]; lastSeq: number }> {
  const info = await log.jsm.streams.info(log.stream, { subjects_filter: filter });
  const lastSeq = info.state.last_seq;
  const subjects = Object.keys(info.state.subjects ?? {}).length;
  if (subjects === 0) return { events: [], lastSeq };
  const consumer = await log.js.consumers.get(log.stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.LastPerSubject });
  const messages = await consumer.consume();
  const events: StoredEvent[] = [];
  let top = lastSeq;
  try {
    for await (const m of messages) {
      top = Math.max(top, m.seq);
      try {
        events.push(log.decode(m));
      } catch {
        // a poison message: not an object
      }
      if (m.info.pending === 0) break;
    }
  } finally {
    await messages.close().catch(() => undefined);
  }
  return { events, lastSeq: top };
}
