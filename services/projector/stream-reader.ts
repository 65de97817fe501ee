/**
 * Read a range of the stream in order with an ordered consumer (no server-side state to clean up),
 * decode resource events, and hand them over in windows. Records which sequences the log no longer
 * holds (compacted or deleted), so callers can fill history from elsewhere or warn.
 */
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { EventLog } from '../../shared/eventlog/index.js';
import type { DeadLetterRow, ProjectedEvent } from '../../shared/db/index.js';
import { decodeMessage } from './decode.js';

/** One window: the events, and the poison messages among them (dead letters). */
export interface ReadWindow {
  readonly events: ProjectedEvent[];
  readonly deadLetters: DeadLetterRow[];
}

/** Sequences strictly between `after` and `before` are missing from the log. */
export interface Gap {
  readonly after: number;
  readonly before: number;
}

export interface ReadRange {
  readonly fromSeq: number;
  /** Last sequence to read (inclusive). */
  readonly toSeq: number;
  /** Stop before the first message stored later than this. */
  readonly toTime?: Date;
  /** Events per window (default 10,000). */
  readonly window?: number;
  /** Called with each window in order; the next window is read while the returned promise runs. */
  readonly onWindow: (window: ReadWindow) => Promise<void>;
  /** Called after each window with messages read so far and the last sequence. */
  readonly onRead?: (messages: number, lastSeq: number) => void;
  /** Give up waiting for more messages after this long without one (default 5 s). */
  readonly idleMs?: number;
}

export interface ReadResult {
  /** Last message read (0 if none). */
  readonly lastSeq: number;
  readonly messages: number;
  /** Poison messages (handed over as dead letters). */
  readonly poison: number;
  readonly gaps: readonly Gap[];
}

export async function readRange(el: EventLog, r: ReadRange): Promise<ReadResult> {
  const gaps: Gap[] = [];
  if (r.toSeq < r.fromSeq) return { lastSeq: 0, messages: 0, poison: 0, gaps };
  const windowSize = r.window ?? 10_000;
  const limitNanos = r.toTime ? r.toTime.getTime() * 1e6 + 999_999 : undefined;
  const consumer = await el.js.consumers.get(el.stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, r.fromSeq),
  });
  const iter = await consumer.consume({ max_messages: Math.min(windowSize, 10_000) });
  let prev = r.fromSeq - 1;
  let lastSeq = 0;
  let messages = 0;
  let poison = 0;
  let window: ProjectedEvent[] = [];
  let dead: DeadLetterRow[] = [];
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void iter.close(), r.idleMs ?? 5_000);
  };
  const flush = async () => {
    if (window.length || dead.length) {
      const w = { events: window, deadLetters: dead };
      window = [];
      dead = [];
      await r.onWindow(w);
    }
    r.onRead?.(messages, lastSeq);
  };
  try {
    arm();
    for await (const m of iter as AsyncIterable<JsMsg>) {
      arm();
      if (m.seq > r.toSeq) break;
      if (limitNanos !== undefined && m.info.timestampNanos > limitNanos) break;
      if (m.seq > prev + 1) gaps.push({ after: prev, before: m.seq });
      prev = m.seq;
      lastSeq = m.seq;
      messages++;
      const d = decodeMessage(el.root, m);
      if (d.ok) window.push(d.event);
      else if (d.reason === 'poison') {
        poison++;
        dead.push(d.deadLetter);
      }
      if (window.length >= windowSize) await flush();
      if (m.seq >= r.toSeq || m.info.pending === 0) break;
    }
    await flush();
  } finally {
    clearTimeout(idle);
    await iter.close().catch(() => undefined);
  }
  return { lastSeq, messages, poison, gaps };
}
