/**
 * Points on the log as the history API and jkctl name them: a sequence (`120`), an RFC 3339 time
 * (`2026-12-06T18:00:00Z`), or a Go-style duration back from now (`10m`, `1h30m`). Pure: the clock
 * is passed in. A time stands for the last sequence stored at or before it.
 */

export type Point = { readonly seq: number } | { readonly time: Date };

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`15m`, `1h30m`, `90s`) in milliseconds, or undefined if it is not one. */
export function parseGoDuration(v: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed > 0 && consumed === v.length ? total : undefined;
}

/** A sequence (digits) or an RFC 3339 time; undefined if it is neither. */
export function parsePoint(v: string): Point | undefined {
  if (/^\d{1,15}$/.test(v)) return { seq: Number(v) };
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) return undefined;
  const t = new Date(v);
  return Number.isNaN(t.getTime()) ? undefined : { time: t };
}

/** `since` (a duration back from `now`) as a time point. */
export function sincePoint(duration: string, now: Date): Point | undefined {
  const ms = parseGoDuration(duration);
  return ms === undefined ? undefined : { time: new Date(now.getTime() - ms) };
}
