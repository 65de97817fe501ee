/**
 * The topology of a namespace: Deployment → ReplicaSet → Pod → Node and Service → Endpoints → Pod
 * as a layered graph, live from watches, or as it was at the time-travel point. Only the rows in
 * the scrolled viewport are drawn (thousands of pods stay cheap).
 */
import { useEffect, useMemo, useState } from 'react';
import { useAsOf } from '../time/TimeContext';
import { buildGraph, layout, type TopoInput } from '../../../shared/console/topology.js';
import { EMPTY, topologyAt, watchTopology } from './data';
import './topology.css';

const COL_W = 260;
const ROW_H = 40;
const BOX_W = 200;
const BOX_H = 30;
const COLUMNS = ['Deployments · Services', 'ReplicaSets · Endpoints', 'Pods', 'Nodes'];

export function TopologyPage(props: { namespace: string }) {
  const { namespace } = props;
  const { asOf } = useAsOf();
  const [input, setInput] = useState<TopoInput | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setInput(null);
    setError(null);
    if (!namespace) return;
    if (!asOf) return watchTopology(namespace, setInput, (e) => setError(e.message));
    const ctl = new AbortController();
    topologyAt(namespace, asOf, ctl.signal).then(setInput, (e: Error) => !ctl.signal.aborted && setError(e.message));
    return () => ctl.abort();
  }, [namespace, asOf]);

  const placed = useMemo(() => {
    const g = buildGraph(input ?? EMPTY);
    const l = layout(g, { colWidth: COL_W, rowHeight: ROW_H, margin: 12 });
    return { g, l, pos: new Map(l.vertices.map((v) => [v.id, v])) };
  }, [input]);
  const [scroll, setScroll] = useState({ top: 0, height: 800 });

  if (!namespace) return <p className="muted">Pick a namespace to see its topology.</p>;
  const { g, l, pos } = placed;
  const lo = scroll.top - ROW_H * 4;
  const hi = scroll.top + scroll.height + ROW_H * 4;
  const inView = (y: number) => y >= lo && y <= hi;
  return (
    <section className="topology">
      <h2>
        Topology · {namespace}
        {asOf ? ` · as of ${asOf.seq !== undefined ? `#${asOf.seq}` : asOf.time}` : ' · live'}
      </h2>
      {error && <p className="error">{error}</p>}
      {!input && !error && <p className="muted">loading…</p>}
      <div className="topo-cols" style={{ width: l.width }}>
        {COLUMNS.map((c) => (
          <span key={c} style={{ width: COL_W }}>
            {c}
          </span>
        ))}
      </div>
      <div
        className="topo-frame"
        onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
        ref={(el) => {
          if (el && el.clientHeight !== scroll.height) setScroll({ top: el.scrollTop, height: el.clientHeight });
        }}
      >
        <svg width={Math.max(l.width, COL_W * 4)} height={l.height} data-testid="topology">
          {g.edges.map((e) => {
            const a = pos.get(e.from)!;
            const b = pos.get(e.to)!;
            if (!inView(a.y) && !inView(b.y)) return null;
            const x1 = a.x + BOX_W;
            const y1 = a.y + BOX_H / 2;
            const x2 = b.x;
            const y2 = b.y + BOX_H / 2;
            const mx = (x1 + x2) / 2;
            return (
              <path
                key={`${e.from}>${e.to}`}
                data-testid="topo-edge"
                data-from={e.from}
                data-to={e.to}
                d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`}
                fill="none"
                stroke="#8a94a6"
                strokeDasharray={e.dashed ? '4 3' : undefined}
              />
            );
          })}
          {l.vertices.map((v) =>
            inView(v.y) ? (
              <g key={v.id} transform={`translate(${v.x},${v.y})`} data-testid="topo-vertex" data-id={v.id}>
                <rect width={BOX_W} height={BOX_H} rx={4} fill="#fff" stroke="#aab3c2" />
                <rect width={6} height={BOX_H} rx={2} fill={v.color} />
                <text x={12} y={13} className="topo-kind">
                  {v.kind}
                </text>
                <text x={12} y={25} className="topo-name">
                  {v.name.length > 26 ? `${v.name.slice(0, 25)}…` : v.name}
                </text>
                <text x={BOX_W - 6} y={13} textAnchor="end" className="topo-label">
                  {v.label}
                </text>
                <title>{`${v.id} ${v.label}`}</title>
              </g>
            ) : null,
          )}
        </svg>
      </div>
    </section>
  );
}
