/** From a JetStream message to a projected event, a dead letter (poison), or the reason it is neither. */
import { authorOf, classifyMessage } from '../../shared/eventlog/index.js';
import type { DeadLetterRow, ProjectedEvent } from '../../shared/db/index.js';
import { CRD_KIND, type Crd } from '../../shared/resources/crd.js';
import { serveCrd } from '../../shared/resources/crd-serving.js';

/** What the decoder needs of a message (JsMsg has it). */
export interface RawMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly info: { readonly timestampNanos: number };
  /** The message's headers (the author: shared/eventlog/author.ts). */
  readonly headers?: { get(k: string): string };
}

export type Decoded =
  | { readonly ok: true; readonly event: ProjectedEvent }
  /** `other`: not a resource subject (reservations); `unknown-resource`: a kind this build lacks. Skipped. */
  | { readonly ok: false; readonly reason: 'other' | 'unknown-resource' }
  /** A message no consumer can use (see classify.ts): recorded as a dead letter and skipped. */
  | { readonly ok: false; readonly reason: 'poison'; readonly deadLetter: DeadLetterRow };

export function decodeMessage(root: string, m: RawMessage): Decoded {
  const c = classifyMessage(root, m.subject, m.data);
  switch (c.result) {
    case 'other':
      return { ok: false, reason: 'other' };
    case 'poison':
      return { ok: false, reason: 'poison', deadLetter: deadLetterOf(m, c.reason) };
    case 'event':
      if (!c.info) return { ok: false, reason: 'unknown-resource' };
      // A CRD met in the stream is served before the next message is decoded: its objects, right
      // behind it, are then a known kind (the CRD watcher may not have seen it yet; replays too).
      if (c.info.kind === CRD_KIND && c.type !== 'DELETED') {
        try {
          serveCrd(c.object as Crd);
        } catch {
          // an invalid stored CRD is not served; its objects are skipped as unknown
        }
      }
      {
        const author = authorOf(m.headers);
        return { ok: true, event: { seq: m.seq, time: nanosToIso(m.info.timestampNanos), type: c.type, info: c.info, object: c.object, subject: m.subject, ...(author ? { author } : {}) } };
      }
    default: {
      const never: never = c;
      throw new Error(`unknown classification ${JSON.stringify(never)}`);
    }
  }
}

export function deadLetterOf(m: RawMessage, reason: string): DeadLetterRow {
  return { sequence: m.seq, time: nanosToIso(m.info.timestampNanos), subject: m.subject, reason };
}

/**
 * RFC 3339 with microseconds (Postgres' precision). From the delivery info's nanoseconds as a JS
 * number: the last digit may be off by one against the exact value, but the same for every reader
 * (projector and replay), so their tables agree.
 */
export function nanosToIso(nanos: number): string {
  const iso = new Date(Math.floor(nanos / 1e6)).toISOString();
  return `${iso.slice(0, 23)}${String(Math.floor(nanos / 1e3) % 1000).padStart(3, '0')}Z`;
}
