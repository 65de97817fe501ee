/** Points in time as sequences, through the history API (history.jetkube.io/v1). */
import { getJSON } from '../api/client';
import type { HistoryBounds } from '../../../shared/console/time-bounds.js';
import type { AsOf } from './TimeContext';

export const HISTORY = '/apis/history.jetkube.io/v1';

/** The span the history can answer (first … newest sequence, with times), and `at` resolved when given. */
export function historyBounds(at?: string, signal?: AbortSignal): Promise<HistoryBounds> {
  return getJSON<HistoryBounds>(`${HISTORY}/bounds${at ? `?at=${encodeURIComponent(at)}` : ''}`, signal);
}

/** The last sequence at or before `at` (a sequence or an RFC 3339 time). */
export async function seqAt(at: string, signal?: AbortSignal): Promise<number> {
  return (await historyBounds(at, signal)).at?.sequence ?? 0;
}

export async function resolveSeq(asOf: AsOf, signal?: AbortSignal): Promise<number> {
  if (asOf.seq !== undefined) return asOf.seq;
  return seqAt(asOf.time ?? new Date().toISOString(), signal);
}

/** The newest sequence. */
export async function latestSeq(signal?: AbortSignal): Promise<number> {
  return (await historyBounds(undefined, signal)).last?.sequence ?? 0;
}
