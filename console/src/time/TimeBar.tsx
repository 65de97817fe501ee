/**
 * The time-travel bar: live, or a sequence picked on a slider (1 … the newest sequence, from the
 * history API) or from a time; every list view then shows the cluster as it was at that point.
 */
import { useEffect, useRef, useState } from 'react';
import { useAsOf } from './TimeContext';
import { latestSeq, resolveSeq } from './resolve';

export function TimeBar() {
  const { asOf, setAsOf } = useAsOf();
  const [max, setMax] = useState(0);
  const [draft, setDraft] = useState<number | null>(null);
  const [resolved, setResolved] = useState<number | null>(null);
  const [error, setError] = useState<string>();
  const refresh = () => void latestSeq().then(setMax, (e: Error) => setError(e.message));
  // While live, the upper bound follows the log (every 10 s, and when the slider is focused).
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
  const value = draft ?? resolved ?? max;
  return (
    <div className="timebar">
      <button className={asOf ? '' : 'active'} onClick={() => (setDraft(null), setError(undefined), setAsOf(null))} aria-label="live">
        {asOf ? 'Back to live' : '● Live'}
      </button>
      <input
        type="range"
        aria-label="sequence"
        min={1}
        max={Math.max(1, max)}
        value={value || 1}
        onFocus={refresh}
        onChange={(e) => pick(Number(e.target.value))}
      />
      <span className="seq">{asOf || draft !== null ? `seq ${value}` : `live (seq ${max})`}</span>
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
