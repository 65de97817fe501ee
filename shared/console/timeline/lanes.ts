/**
 * The timeline's lanes (pure, no DOM): history revisions in, one lane per object out, each a run of
 * state intervals (colored by phase or condition) and the points where a revision was written.
 * Lanes are grouped by kind (Deployment, ReplicaSet, Pod, …) and, within a kind, follow the owner
 * tree (a ReplicaSet's pods after those of the ReplicaSet before it).
 */
import { COLORS, stateOf, type ObjState } from './state.js';

export type RevisionType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A revision as `history.jetkube.io/v1` serves it (the fields the timeline reads). */
export interface RevisionLike {
  readonly sequence: number;
  /** RFC 3339 with microseconds. */
  readonly time: string;
  readonly type: RevisionType;
  readonly involvedObject: { readonly kind: string; readonly name: string; readonly namespace?: string; readonly uid?: string };
  readonly summary?: string;
  readonly compacted?: boolean;
  readonly object?: ObjLike;
}

export interface ObjLike {
  readonly metadata?: {
    readonly uid?: string;
    readonly creationTimestamp?: string;
    readonly deletionTimestamp?: string;
    readonly ownerReferences?: readonly { readonly uid: string; readonly kind?: string; readonly name?: string }[];
  };
  readonly spec?: unknown;
  readonly status?: unknown;
}

/** One state over [from, to) (to undefined: still in it at the end of the history). */
export interface Segment extends ObjState {
  readonly from: number;
  readonly to: number | undefined;
  /** The revision that started it. */
  readonly sequence: number;
}

/** A revision's mark on its lane. */
export interface Point {
  readonly t: number;
  readonly sequence: number;
  readonly type: RevisionType;
  readonly summary: string;
}

export interface Lane {
  /** The object's uid (kind/namespace/name when a revision has none). */
  readonly key: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string | undefined;
  readonly ownerUids: readonly string[];
  readonly first: number;
  /** When it was deleted, if it was. */
  readonly deleted: number | undefined;
  readonly segments: readonly Segment[];
  readonly points: readonly Point[];
}

/** A row of the (virtualized) timeline: a kind's header or one object's lane, indented by its depth in the owner tree. */
export type Row = { readonly type: 'header'; readonly kind: string; readonly count: number } | { readonly type: 'lane'; readonly lane: Lane; readonly depth: number };

/** `2026-12-06T18:00:00.123456Z` → epoch milliseconds (sub-millisecond digits dropped). */
export function timeMs(t: string): number {
  return Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
}

function keyOf(r: RevisionLike): string {
  const o = r.involvedObject;
  return r.object?.metadata?.uid ?? o.uid ?? `${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

function summaryOf(r: RevisionLike): string {
  if (r.summary !== undefined) return r.summary;
  if (r.compacted) return '(compacted)';
  return r.type === 'ADDED' ? 'created' : r.type === 'DELETED' ? 'deleted' : '';
}

const UNKNOWN: ObjState = { state: 'Unknown', label: '(compacted)', color: COLORS.idle };

/** Revisions (any order, duplicates allowed: pages may overlap) → one lane per object. */
export function buildLanes(revisions: readonly RevisionLike[]): Lane[] {
  const byKey = new Map<string, RevisionLike[]>();
  const seen = new Set<number>();
  for (const r of revisions) {
    if (seen.has(r.sequence)) continue;
    seen.add(r.sequence);
    const k = keyOf(r);
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  const lanes: Lane[] = [];
  for (const [key, revs] of byKey) {
    revs.sort((a, b) => a.sequence - b.sequence);
    const segments: Segment[] = [];
    const points: Point[] = [];
    let owners: readonly string[] = [];
    let deleted: number | undefined;
    for (const r of revs) {
      const t = timeMs(r.time);
      points.push({ t, sequence: r.sequence, type: r.type, summary: summaryOf(r) });
      const open = segments[segments.length - 1];
      if (r.type === 'DELETED') {
        if (open && open.to === undefined) segments[segments.length - 1] = { ...open, to: t };
        deleted = t;
        continue;
      }
      deleted = undefined;
      const refs = r.object?.metadata?.ownerReferences;
      if (refs) owners = refs.map((o) => o.uid);
      // A compacted revision (no body) keeps the state before it, or starts an unknown one.
      const s = r.object ? stateOf(r.involvedObject.kind, r.object) : open && open.to === undefined ? open : UNKNOWN;
      if (open && open.to === undefined) {
        if (open.state === s.state && open.label === s.label) continue;
        segments[segments.length - 1] = { ...open, to: t };
      }
      segments.push({ state: s.state, label: s.label, color: s.color, from: t, to: undefined, sequence: r.sequence });
    }
    const o = revs[0]!.involvedObject;
    lanes.push({
      key,
      kind: o.kind,
      name: o.name,
      namespace: o.namespace ?? '',
      uid: revs.find((r) => r.object?.metadata?.uid)?.object?.metadata?.uid ?? o.uid,
      ownerUids: owners,
      first: points[0]!.t,
      deleted,
      segments,
      points,
    });
  }
  return lanes;
}

/** Strings in code-unit order (localeCompare is many times slower, and names are ASCII). */
export function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The usual order of kinds: workloads before what they own, then everything else by name. */
const KIND_RANK: Readonly<Record<string, number>> = {
  Deployment: 0,
  StatefulSet: 1,
  DaemonSet: 2,
  CronJob: 3,
  Job: 4,
  ReplicaSet: 5,
  Pod: 6,
  Service: 7,
  Endpoints: 8,
};

function kindRank(kind: string): number {
  return KIND_RANK[kind] ?? 100;
}

/**
 * Lanes → rows: a header per kind, kinds in the order above, and within a kind the owner tree's
 * order (depth-first, siblings by first revision then name).
 */
export function orderRows(lanes: readonly Lane[]): Row[] {
  const byUid = new Map<string, Lane>();
  for (const l of lanes) if (l.uid) byUid.set(l.uid, l);
  const children = new Map<string, Lane[]>();
  const roots: Lane[] = [];
  for (const l of lanes) {
    const owner = l.ownerUids.find((u) => byUid.has(u) && u !== l.uid);
    if (owner) {
      const list = children.get(owner);
      if (list) list.push(l);
      else children.set(owner, [l]);
    } else roots.push(l);
  }
  const bySibling = (a: Lane, b: Lane) => a.first - b.first || byCode(a.name, b.name);
  const order = new Map<string, { index: number; depth: number }>();
  const visit = (l: Lane, depth: number) => {
    if (order.has(l.key)) return;
    order.set(l.key, { index: order.size, depth });
    for (const c of (l.uid ? children.get(l.uid) : undefined)?.sort(bySibling) ?? []) visit(c, depth + 1);
  };
  for (const r of [...roots].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || byCode(a.kind, b.kind) || bySibling(a, b))) visit(r, 0);
  // Owner cycles (never written by a controller, but possible by hand) still get a row.
  for (const l of lanes) visit(l, 0);
  const sorted = [...lanes].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || byCode(a.kind, b.kind) || order.get(a.key)!.index - order.get(b.key)!.index);
  const rows: Row[] = [];
  for (let i = 0; i < sorted.length; ) {
    const kind = sorted[i]!.kind;
    let j = i;
    while (j < sorted.length && sorted[j]!.kind === kind) j++;
    rows.push({ type: 'header', kind, count: j - i });
    for (const lane of sorted.slice(i, j)) rows.push({ type: 'lane', lane, depth: order.get(lane.key)!.depth });
    i = j;
  }
  return rows;
}

/** The time span the lanes cover: [first revision, end] (end: now, or the last revision if later). */
export function extentOf(lanes: readonly Lane[], now: number): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const l of lanes) {
    start = Math.min(start, l.first);
    end = Math.max(end, l.points[l.points.length - 1]!.t);
  }
  if (start === Infinity) return { start: now - 3_600_000, end: now };
  end = Math.max(end, now);
  return { start, end: end > start ? end : start + 1000 };
}

/** The segments of a lane that overlap [start, end] (a lane's open segment runs to `end`). */
export function visibleSegments(lane: Lane, start: number, end: number): Segment[] {
  return lane.segments.filter((s) => s.from <= end && (s.to ?? end) >= start);
}

/** The lane's point nearest to time t within `tolerance` ms, if any. */
export function pointNear(lane: Lane, t: number, tolerance: number): Point | undefined {
  let best: Point | undefined;
  for (const p of lane.points) if (Math.abs(p.t - t) <= tolerance && (!best || Math.abs(p.t - t) < Math.abs(best.t - t))) best = p;
  return best;
}

/** The segment in force at time t (the state a click on the lane's bar means), if any. */
export function segmentAt(lane: Lane, t: number): Segment | undefined {
  return lane.segments.find((s) => s.from <= t && (s.to === undefined || t < s.to));
}

/** The rows a virtualized list draws: those in the scrolled viewport, plus `overscan` each side. */
export function rowWindow(scrollTop: number, viewHeight: number, rowHeight: number, total: number, overscan: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}
