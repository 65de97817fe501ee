/** From a JetStream message to a projected event, or the reason it is not one. */
import { decodeEnvelope, parseResourceSubject } from '../../shared/eventlog/index.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import type { ProjectedEvent } from '../../shared/db/index.js';

/** What the decoder needs of a message (JsMsg has it). */
export interface RawMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly timestampNanos: bigint;
}

export type Decoded =
  | { readonly ok: true; readonly event: ProjectedEvent }
  /** `other`: not a resource subject (reservations), skipped silently. */
  | { readonly ok: false; readonly reason: 'other' | 'unknown-resource' | 'undecodable'; readonly error?: unknown };

export function decodeMessage(root: string, m: RawMessage): Decoded {
  const parsed = parseResourceSubject(root, m.subject);
  if (!parsed) return { ok: false, reason: 'other' };
  const info = resourceByPlural(parsed.plural);
  if (!info) return { ok: false, reason: 'unknown-resource' };
  try {
    const env = decodeEnvelope(m.data);
    return { ok: true, event: { seq: m.seq, time: nanosToIso(m.timestampNanos), type: env.type, info, object: env.object } };
  } catch (error) {
    return { ok: false, reason: 'undecodable', error };
  }
}

/** RFC 3339 with microseconds (Postgres' precision), exact and identical for every reader. */
export function nanosToIso(nanos: bigint): string {
  const micros = nanos / 1000n;
  const iso = new Date(Number(micros / 1000n)).toISOString();
  return `${iso.slice(0, 23)}${String(micros % 1000n).padStart(3, '0')}Z`;
}
