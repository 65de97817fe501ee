/**
 * The time-travel bar: live, or a sequence picked on a slider (from the oldest sequence the log
 * still holds to the newest, from the history API's bounds) or from a time; every list view then
 * shows the cluster as it was at that point. The time of the sequence shown is beside it.
 */
import { useEffect, useRef, useState } from 'react';
import { useAsOf } from './TimeContext';
import { historyBounds, resolveSeq } from './resolve';
import { clampSeq, seqTimeLabel, sliderRange, type HistoryBounds } from '../../../shared/console/time-bounds.js';

export function TimeBar() {
  const { asOf, setAsOf } = useAsOf();
  const [bounds, setBounds] = useState<HistoryBounds>();
  const [draft, setDraft] = useState<number | null>(null);
  const [resolved, setResolved] = useState<number | null>(null);
  const [time, setTime] = useState<{ seq: number; time: string | null }>();
  const [error, setError] = useState<string>();
  const refresh = () => void historyBounds().then(setBounds, (e: Error) => setError(e.message));
  // While live, the bounds follow the log (every 10 s, and when the slider is focused).
  useEffect(() => {
    refresh();
    if (asOf) return;
    const t = setInterval(refresh, 10_000);
    return () => clearInterval(t);
  }, [asOf === null]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    setResolved(null);
    if (asOf) void resolveSeq(asOf).then(setResolved, (e: Error) => setError(e.message));
  }, [asOf]);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  // Dragging moves the draft; the views follow once the slider rests for a moment.
  const pick = (seq: number) => {
    setDraft(seq);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => (setAsOf({ seq }), setDraft(null)), 300);
  };
  const range = sliderRange(bounds);
  const live = !asOf && draft === null;
  const value = clampSeq(draft ?? resolved ?? range.max, range);
  // The time of the sequence shown: the newest's from the bounds, another's asked once it rests.
  useEffect(() => {
    if (live || value === bounds?.last?.sequence) return;
    const ctl = new AbortController();
    const t = setTimeout(() => void historyBounds(String(value), ctl.signal).then((b) => setTime({ seq: value, time: b.at?.time ?? null }), () => undefined), 150);
    return () => (clearTimeout(t), ctl.abort());
  }, [value, live]); // eslint-disable-line react-hooks/exhaustive-deps
  const shownTime = value === bounds?.last?.sequence ? bounds.last.time : time?.seq === value ? time.time : null;
  return (
    <div className="timebar">
      <button className={asOf ? '' : 'active'} onClick={() => (setDraft(null), setError(undefined), setAsOf(null))} aria-label="live">
        {asOf ? 'Back to live' : '● Live'}
      </button>
      <span className="bound" aria-label="oldest sequence" title={seqTimeLabel(bounds?.first?.time)}>
        {range.min}
      </span>
      <input type="range" aria-label="sequence" min={range.min} max={range.max} value={value} onFocus={refresh} onChange={(e) => pick(Number(e.target.value))} />
      <span className="seq">{live ? `live (seq ${range.max})` : `seq ${value}`}</span>
      <span className="seq-time" aria-label="sequence time">
        {seqTimeLabel(shownTime)}
      </span>
      <input
        type="datetime-local"
        aria-label="time"
        step={1}
        onChange={(e) => e.target.value && setAsOf({ time: new Date(e.target.value).toISOString() })}
      />
      {asOf && <span className="past">viewing the past: no live updates</span>}
      {error && <span className="error">{error}</span>}
    </div>
  );
}
