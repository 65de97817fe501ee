/** Points in time as sequences, through the history API (history.jetkube.io/v1). */
import { getJSON, type KubeList } from '../api/client';
import type { AsOf } from './TimeContext';

export const HISTORY = '/apis/history.jetkube.io/v1';

/** The last sequence at or before `at` (a sequence or an RFC 3339 time): the namespaces list then says it. */
export async function seqAt(at: string, signal?: AbortSignal): Promise<number> {
  const l = await getJSON<KubeList<unknown>>(`${HISTORY}/objects?kind=namespaces&at=${encodeURIComponent(at)}`, signal);
  return Number(l.metadata.resourceVersion);
}

export async function resolveSeq(asOf: AsOf, signal?: AbortSignal): Promise<number> {
  if (asOf.seq !== undefined) return asOf.seq;
  return seqAt(asOf.time ?? new Date().toISOString(), signal);
}

/** The newest sequence (the slider's upper bound). */
export function latestSeq(signal?: AbortSignal): Promise<number> {
  return seqAt(new Date().toISOString(), signal);
}
