/**
 * Time as controllers see it: the clock is always passed in (a Date or epoch milliseconds), never
 * read. Timestamps on objects are RFC 3339 strings; a missing or unparsable one is "zero time".
 */

/** A moment: a Date or milliseconds since the epoch. */
export type Instant = Date | number;

export function toMillis(t: Instant): number {
  return typeof t === 'number' ? t : t.getTime();
}

/** Epoch milliseconds of an RFC 3339 timestamp, or undefined for zero time (absent or unparsable). */
export function parseTimestamp(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time (`2024-01-02T03:04:05Z`). */
export function formatTimestamp(t: Instant): string {
  return new Date(Math.floor(toMillis(t) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
