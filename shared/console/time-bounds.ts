/**
 * The time slider's range and labels (pure): it spans the sequences the history can still answer
 * (history.jetkube.io/v1 bounds: the log's first sequence … its newest), and names the time of the
 * sequence picked.
 */

/** One end of the history's span, or a point in it, as the bounds resource gives it. */
export interface SeqTime {
  readonly sequence: number;
  readonly time: string | null;
}

export interface HistoryBounds {
  readonly first: SeqTime | null;
  readonly last: SeqTime | null;
  readonly at?: SeqTime | null;
}

/** The slider's min and max: never below 1, min never above max (an empty log spans 1 … 1). */
export function sliderRange(b: HistoryBounds | undefined): { readonly min: number; readonly max: number } {
  const max = Math.max(1, b?.last?.sequence ?? 1);
  const min = Math.min(max, Math.max(1, b?.first?.sequence ?? 1));
  return { min, max };
}

/** A value held inside the range (a draft from before the log's first sequence moved on). */
export function clampSeq(v: number, r: { readonly min: number; readonly max: number }): number {
  return Math.min(r.max, Math.max(r.min, v));
}

/** `2026-12-06T18:00:00.123456Z` → `2026-12-06 18:00:00 UTC`; '' when unknown. */
export function seqTimeLabel(time: string | null | undefined): string {
  if (!time) return '';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/.exec(time);
  return m ? `${m[1]} ${m[2]} UTC` : time;
}
