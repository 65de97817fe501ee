/** From a JetStream message to a projected event, or the reason it is not one. */
import { decodeEnvelope, parseResourceSubject } from '../../shared/eventlog/index.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import type { ProjectedEvent } from '../../shared/db/index.js';

/** What the decoder needs of a message (JsMsg has it). */
export interface RawMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly info: { readonly timestampNanos: number };
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
    if (env.object === null || typeof env.object !== 'object' || Array.isArray(env.object)) {
      return { ok: false, reason: 'undecodable', error: new Error('envelope without an object') };
    }
    return { ok: true, event: { seq: m.seq, time: nanosToIso(m.info.timestampNanos), type: env.type, info, object: env.object } };
  } catch (error) {
    return { ok: false, reason: 'undecodable', error };
  }
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
