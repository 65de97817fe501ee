/**
 * The timeline (Sloop-like): one lane per object, grouped by kind and following the owner tree,
 * colored by state over time (replica counts on ReplicaSets and Deployments), a time axis, wheel to
 * zoom, drag to pan; a click shows the object as it was then and its diff with its previous
 * revision. Only the lanes in view are rendered.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { href } from '../router';
import { useAsOf } from '../time/TimeContext';
import { buildLanes, extentOf, orderRows, rowWindow, timeMs, visibleSegments, type Lane, type Point, type Row } from '../../../shared/console/timeline/lanes.js';
import { COLORS } from '../../../shared/console/timeline/state.js';
import { fit, panBy, ticks, wheelFactor, xOf, zoomAt, type TimeScale } from '../../../shared/console/timeline/scale.js';
import { diffWithPrevious, timelineRevisions, type Revision, type RevisionDiff } from './data';
import './timeline.css';

const ROW_H = 24;
const LABEL_W = 280;
const OVERSCAN = 8;
const FOLLOW_MS = 5000;

interface Selected {
  readonly lane: Lane;
  readonly point: Point;
}

export function TimelinePage(props: { namespace: string; kind?: string; name?: string }) {
  const { namespace, kind, name } = props;
  const [revs, setRevs] = useState<Revision[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [loadedAt, setLoadedAt] = useState(() => Date.now());
  const [follow, setFollow] = useState(false);
  const [fitNonce, setFitNonce] = useState(0);

  useEffect(() => setRevs(null), [namespace, kind, name]);
  // Following: read again every few seconds (an unzoomed view keeps fitting the whole history).
  useEffect(() => {
    if (!follow) return;
    const t = setInterval(() => setReload((n) => n + 1), FOLLOW_MS);
    return () => clearInterval(t);
  }, [follow]);

  useEffect(() => {
    const ctl = new AbortController();
    setError(null);
    timelineRevisions({ namespace, ...(kind ? { kind } : {}), ...(name ? { name } : {}) }, ctl.signal).then(
      (r) => {
        setRevs(r.items);
        setTruncated(r.truncated);
        setLoadedAt(Date.now());
      },
      (e: Error) => !ctl.signal.aborted && setError(e.message),
    );
    return () => ctl.abort();
  }, [namespace, kind, name, reload]);

  const lanes = useMemo(() => (revs ? buildLanes(revs) : []), [revs]);
  const rows = useMemo(() => orderRows(lanes), [lanes]);
  const bySeq = useMemo(() => new Map((revs ?? []).map((r) => [r.sequence, r])), [revs]);
  const [selected, setSelected] = useState<Selected | null>(null);
  useEffect(() => setSelected(null), [namespace, kind, name]);
  // The time-travel point, marked on the axis: its time, or that of the last revision at or before its sequence.
  const { asOf } = useAsOf();
  const marker = useMemo(() => {
    if (asOf?.time) return timeMs(asOf.time);
    if (asOf?.seq === undefined || !revs) return undefined;
    let best: Revision | undefined;
    for (const r of revs) if (r.sequence <= asOf.seq && (!best || r.sequence > best.sequence)) best = r;
    return best && timeMs(best.time);
  }, [asOf, revs]);

  return (
    <section className="timeline">
      <h2>
        Timeline · {namespace || 'all namespaces'}
        {kind ? ` · ${kind}` : ''}
        {name ? `/${name}` : ''}
      </h2>
      <ScopeForm namespace={namespace} {...(kind ? { kind } : {})} {...(name ? { name } : {})} />
      <div className="tl-bar">
        <button onClick={() => setReload((n) => n + 1)}>Refresh</button>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
        <button onClick={() => setFitNonce((n) => n + 1)}>Fit</button>
        <Legend />
        <span className="muted">
          {revs ? `${lanes.length} objects, ${revs.length} revisions${truncated ? ' (truncated)' : ''}` : error ? '' : 'loading…'} · wheel on the lanes to zoom (on the names: scroll), drag to pan, click a point
        </span>
      </div>
      {error && <p className="error">{error}</p>}
      {revs && revs.length === 0 && <p className="muted">No revisions here.</p>}
      {revs && revs.length > 0 && <Lanes rows={rows} lanes={lanes} now={loadedAt} marker={marker} fitNonce={fitNonce} selected={selected} onSelect={setSelected} />}
      {selected && <RevisionPanel namespace={namespace} sel={selected} revision={bySeq.get(selected.point.sequence)} />}
    </section>
  );
}

function ScopeForm(props: { namespace: string; kind?: string; name?: string }) {
  const [kind, setKind] = useState(props.kind ?? '');
  const [name, setName] = useState(props.name ?? '');
  useEffect(() => (setKind(props.kind ?? ''), setName(props.name ?? '')), [props.kind, props.name]);
  return (
    <form
      className="tl-scope"
      onSubmit={(e) => {
        e.preventDefault();
        const k = kind.trim();
        const n = k ? name.trim() : '';
        window.location.hash = href({ route: { page: 'timeline', ...(k ? { kind: k } : {}), ...(n ? { name: n } : {}) }, namespace: props.namespace });
      }}
    >
      <input aria-label="timeline kind" placeholder="kind (all)" value={kind} onChange={(e) => setKind(e.target.value)} />
      <input aria-label="timeline name" placeholder="name (all)" value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit">Show</button>
    </form>
  );
}

const LEGEND: [string, string][] = [
  ['ready / available', COLORS.good],
  ['scaling / not ready', COLORS.partial],
  ['pending', COLORS.pending],
  ['failed / stalled', COLORS.bad],
  ['terminating', COLORS.terminating],
  ['scaled to 0', COLORS.idle],
  ['exists', COLORS.exists],
];

function Legend() {
  return (
    <span className="tl-legend">
      {LEGEND.map(([label, color]) => (
        <span key={label}>
          <i style={{ background: color }} />
          {label}
        </span>
      ))}
    </span>
  );
}

/** The axis and the lanes, virtualized: only the rows in the scrolled viewport are drawn. */
function Lanes(props: { rows: Row[]; lanes: Lane[]; now: number; marker: number | undefined; fitNonce: number; selected: Selected | null; onSelect(s: Selected): void }) {
  const { rows, lanes, now, marker, fitNonce, selected, onSelect } = props;
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  const [viewH, setViewH] = useState(500);
  const [scrollTop, setScrollTop] = useState(0);
  const [scale, setScale] = useState<TimeScale | null>(null);
  const plotW = Math.max(100, width - LABEL_W);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => (setWidth(el.clientWidth), setViewH(el.clientHeight)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Until zoomed or panned (and again after Fit), the view fits the whole history, as it grows.
  const extent = useMemo(() => extentOf(lanes, now), [lanes, now]);
  useEffect(() => setScale(null), [fitNonce]);
  const s: TimeScale = scale ? { ...scale, width: plotW } : fit(extent.start, extent.end, plotW);

  // Wheel zooms about the cursor (a non-passive listener, so the page does not scroll).
  const sRef = useRef(s);
  sRef.current = s;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const on = (e: WheelEvent) => {
      const x = e.clientX - el.getBoundingClientRect().left - LABEL_W;
      if (x < 0 || e.shiftKey) return;
      e.preventDefault();
      setScale(zoomAt(sRef.current, x, wheelFactor(e.deltaY)));
    };
    el.addEventListener('wheel', on, { passive: false });
    return () => el.removeEventListener('wheel', on);
  }, []);

  // Drag pans; a press that hardly moves is a click.
  const drag = useRef<{ x: number; scale: TimeScale; moved: boolean } | null>(null);
  const onPointerDown = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    drag.current = { x: e.clientX, scale: s, moved: false };
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    if (Math.abs(dx) > 3) d.moved = true;
    if (d.moved) setScale(panBy(d.scale, dx));
  };
  const onPointerUp = () => {
    setTimeout(() => (drag.current = null), 0);
  };
  const click = useCallback(
    (lane: Lane, point: Point) => {
      if (drag.current?.moved) return;
      onSelect({ lane, point });
    },
    [onSelect],
  );

  const { first, last } = rowWindow(scrollTop, viewH, ROW_H, rows.length, OVERSCAN);
  const tks = ticks(s);
  return (
    <div className="tl-frame">
      <svg className="tl-axis" width={LABEL_W + plotW} height={22}>
        <text x={4} y={15} className="muted">
          {new Date(s.start).toISOString().slice(0, 10)} UTC
        </text>
        {tks.map((t) => (
          <g key={t.t} transform={`translate(${LABEL_W + t.x},0)`}>
            <line y1={16} y2={22} stroke="#889" />
            <text y={13} textAnchor="middle">
              {t.label}
            </text>
          </g>
        ))}
      </svg>
      <div
        className="tl-lanes"
        ref={box}
        data-testid="timeline-lanes"
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={onPointerUp}
      >
        <div style={{ height: rows.length * ROW_H, position: 'relative' }}>
          <svg className="tl-grid" width={LABEL_W + plotW} height={rows.length * ROW_H}>
            {tks.map((t) => (
              <line key={t.t} x1={LABEL_W + t.x} x2={LABEL_W + t.x} y1={0} y2={rows.length * ROW_H} stroke="#e4e7ec" />
            ))}
            {marker !== undefined && s.start <= marker && marker <= s.end && (
              <line x1={LABEL_W + xOf(s, marker)} x2={LABEL_W + xOf(s, marker)} y1={0} y2={rows.length * ROW_H} stroke="#d33a2c" strokeWidth={2} data-testid="asof-marker" />
            )}
            {s.start <= now && now <= s.end && <line x1={LABEL_W + xOf(s, now)} x2={LABEL_W + xOf(s, now)} y1={0} y2={rows.length * ROW_H} stroke="#5fa8ff" strokeDasharray="3 3" />}
          </svg>
          {rows.slice(first, last).map((r, i) => (
            <div key={r.type === 'header' ? `#${r.kind}` : r.lane.key} className="tl-row" style={{ top: (first + i) * ROW_H, height: ROW_H }}>
              {r.type === 'header' ? (
                <div className="tl-header">
                  {r.kind} <span className="muted">({r.count})</span>
                </div>
              ) : (
                <LaneRow lane={r.lane} depth={r.depth} s={s} now={now} selected={selected} onClick={click} />
              )}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

function LaneRow(props: { lane: Lane; depth: number; s: TimeScale; now: number; selected: Selected | null; onClick(l: Lane, p: Point): void }) {
  const { lane, depth, s, now, selected, onClick } = props;
  const end = lane.deleted ?? now;
  const segs = visibleSegments(lane, s.start, s.end);
  const clamp = (x: number) => Math.max(-2, Math.min(s.width + 2, x));
  const pointOf = (seq: number) => lane.points.find((p) => p.sequence === seq)!;
  return (
    <>
      <div className={`tl-label${lane.deleted !== undefined ? ' deleted' : ''}`} style={{ paddingLeft: 6 + depth * 14, width: LABEL_W }} title={`${lane.kind}/${lane.name}`}>
        {lane.name}
      </div>
      <svg width={s.width} height={ROW_H} className="tl-plot" data-testid="lane" data-kind={lane.kind} data-name={lane.name}>
        {segs.map((g) => {
          const x1 = clamp(xOf(s, g.from));
          const x2 = clamp(xOf(s, g.to ?? end));
          const w = Math.max(1, x2 - x1);
          return (
            <g key={g.sequence} className="tl-seg" data-state={g.state} data-label={g.label} onClick={() => onClick(lane, pointOf(g.sequence))}>
              <rect x={x1} y={4} width={w} height={ROW_H - 8} rx={2} fill={g.color}>
                <title>{`${g.state}${g.label ? ` ${g.label}` : ''}`}</title>
              </rect>
              {g.label && w > g.label.length * 6.5 + 6 && (
                <text x={x1 + 4} y={ROW_H / 2 + 4} className="tl-seg-label">
                  {g.label}
                </text>
              )}
            </g>
          );
        })}
        {lane.points.map((p) => {
          if (p.t < s.start || p.t > s.end) return null;
          const x = xOf(s, p.t);
          const on = selected?.lane.key === lane.key && selected.point.sequence === p.sequence;
          return (
            <g key={p.sequence} className={`tl-point ${p.type.toLowerCase()}${on ? ' on' : ''}`} data-testid="point" data-seq={p.sequence} data-type={p.type} onClick={() => onClick(lane, p)}>
              <rect x={x - 4} y={0} width={8} height={ROW_H} fill="transparent" />
              <line x1={x} x2={x} y1={2} y2={ROW_H - 2} />
              <title>{`#${p.sequence} ${p.type} ${new Date(p.t).toISOString()}\n${p.summary}`}</title>
            </g>
          );
        })}
      </svg>
    </>
  );
}

/** The object as it was at the selected revision, and the unified diff with the one before. */
function RevisionPanel(props: { namespace: string; sel: Selected; revision: Revision | undefined }) {
  const { sel, revision } = props;
  const [diff, setDiff] = useState<RevisionDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ns = sel.lane.namespace || props.namespace;
  useEffect(() => {
    setDiff(null);
    setError(null);
    if (!sel.lane.uid) return;
    const ctl = new AbortController();
    diffWithPrevious(ns, sel.lane.uid, sel.point.sequence, ctl.signal).then(setDiff, (e: Error) => !ctl.signal.aborted && setError(e.message));
    return () => ctl.abort();
  }, [ns, sel.lane.uid, sel.point.sequence]);
  const p = sel.point;
  const { setAsOf } = useAsOf();
  return (
    <div className="tl-detail" data-testid="revision-panel">
      <h3>
        {sel.lane.kind}/{sel.lane.name} at #{p.sequence} · {p.type} · {new Date(p.t).toISOString()}
        {p.summary ? ` · ${p.summary}` : ''}{' '}
        <button onClick={() => setAsOf({ seq: p.sequence })} title="Every view shows the cluster as it was at this revision">
          Show the cluster then
        </button>
      </h3>
      <div className="tl-detail-cols">
        <div>
          <h4>{p.type === 'DELETED' ? 'Its final state' : 'The object then'}</h4>
          <pre data-testid="revision-yaml">{revision?.object ? stringify(revision.object) : revision?.compacted ? '(compacted: the log no longer holds this revision)' : ''}</pre>
        </div>
        <div>
          <h4>Diff with the previous revision{diff?.from ? ` (#${diff.from.sequence})` : ''}</h4>
          {error && <p className="error">{error}</p>}
          <pre data-testid="revision-diff">
            {diff
              ? diff.unified.split('\n').map((l, i) => (
                  <span key={i} className={l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : l.startsWith('@@') ? 'hunk' : ''}>
                    {l}
                    {'\n'}
                  </span>
                ))
              : error
                ? ''
                : 'loading…'}
          </pre>
        </div>
      </div>
    </div>
  );
}
