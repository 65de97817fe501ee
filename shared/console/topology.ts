/**
 * The topology view's graph (pure): Deployment → ReplicaSet → Pod → Node and Service → Endpoints →
 * Pod, from the lists of those kinds, laid out in columns (layers) with each vertex placed near the
 * ones pointing at it, so edges mostly run straight across.
 */
import { byCode } from './timeline/lanes.js';
import { stateOf } from './timeline/state.js';

export interface TopoObject {
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly deletionTimestamp?: string;
    readonly ownerReferences?: readonly { readonly uid: string }[];
  };
  readonly spec?: unknown;
  readonly status?: unknown;
  readonly subsets?: readonly { readonly addresses?: readonly EndpointAddress[]; readonly notReadyAddresses?: readonly EndpointAddress[] }[];
}

interface EndpointAddress {
  readonly ip?: string;
  readonly targetRef?: { readonly kind?: string; readonly name?: string; readonly uid?: string };
}

export interface TopoInput {
  readonly deployments: readonly TopoObject[];
  readonly replicasets: readonly TopoObject[];
  readonly pods: readonly TopoObject[];
  readonly services: readonly TopoObject[];
  readonly endpoints: readonly TopoObject[];
  readonly nodes: readonly TopoObject[];
}

export interface Vertex {
  /** `Kind/name` (unique in one namespace; nodes are cluster-scoped). */
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly layer: number;
  readonly label: string;
  readonly color: string;
}

export interface Edge {
  readonly from: string;
  readonly to: string;
  /** An Endpoints address that is not ready. */
  readonly dashed?: boolean;
}

export interface Graph {
  readonly vertices: readonly Vertex[];
  readonly edges: readonly Edge[];
}

/** Column of each kind. */
export const LAYERS: Readonly<Record<string, number>> = { Deployment: 0, Service: 0, ReplicaSet: 1, Endpoints: 1, Pod: 2, Node: 3 };

const id = (kind: string, name: string) => `${kind}/${name}`;

function field<T>(o: unknown, k: string): T | undefined {
  return o && typeof o === 'object' ? ((o as Record<string, unknown>)[k] as T | undefined) : undefined;
}

function nodeState(n: TopoObject): { label: string; color: string } {
  const ready = (field<{ type?: string; status?: string }[]>(n.status, 'conditions') ?? []).find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? { label: 'Ready', color: '#3fa34d' } : { label: 'NotReady', color: '#d33a2c' };
}

export function buildGraph(input: TopoInput): Graph {
  const vertices = new Map<string, Vertex>();
  const edges: Edge[] = [];
  const byUid = new Map<string, string>();
  const add = (kind: string, o: TopoObject, label: string, color: string) => {
    const v: Vertex = { id: id(kind, o.metadata.name), kind, name: o.metadata.name, layer: LAYERS[kind]!, label, color };
    vertices.set(v.id, v);
    if (o.metadata.uid) byUid.set(o.metadata.uid, v.id);
  };
  for (const d of input.deployments) {
    const s = stateOf('Deployment', d);
    add('Deployment', d, s.label, s.color);
  }
  for (const r of input.replicasets) {
    const s = stateOf('ReplicaSet', r);
    add('ReplicaSet', r, s.label, s.color);
  }
  for (const p of input.pods) {
    const s = stateOf('Pod', p);
    add('Pod', p, s.label, s.color);
  }
  for (const s of input.services) add('Service', s, field<string>(s.spec, 'clusterIP') ?? '', '#6b93d6');
  for (const e of input.endpoints) {
    const n = (e.subsets ?? []).reduce((k, s) => k + (s.addresses?.length ?? 0), 0);
    add('Endpoints', e, `${n} ready`, '#6b93d6');
  }
  for (const n of input.nodes) {
    const s = nodeState(n);
    add('Node', n, s.label, s.color);
  }
  const edge = (from: string | undefined, to: string | undefined, dashed = false) => {
    if (from && to && vertices.has(from) && vertices.has(to)) edges.push(dashed ? { from, to, dashed } : { from, to });
  };
  // Owners → owned (ReplicaSets of a Deployment, Pods of a ReplicaSet).
  for (const [kind, list] of [['ReplicaSet', input.replicasets], ['Pod', input.pods]] as const) {
    for (const o of list) for (const ref of o.metadata.ownerReferences ?? []) edge(byUid.get(ref.uid), id(kind, o.metadata.name));
  }
  for (const p of input.pods) {
    const node = field<string>(p.spec, 'nodeName');
    if (node) edge(id('Pod', p.metadata.name), id('Node', node));
  }
  for (const s of input.services) edge(id('Service', s.metadata.name), id('Endpoints', s.metadata.name));
  for (const e of input.endpoints) {
    for (const sub of e.subsets ?? []) {
      for (const [list, dashed] of [[sub.addresses, false], [sub.notReadyAddresses, true]] as const) {
        for (const a of list ?? []) {
          const target = a.targetRef?.uid ? byUid.get(a.targetRef.uid) : a.targetRef?.name ? id('Pod', a.targetRef.name) : undefined;
          edge(id('Endpoints', e.metadata.name), target, dashed);
        }
      }
    }
  }
  return { vertices: [...vertices.values()], edges };
}

export interface Placed extends Vertex {
  readonly x: number;
  readonly y: number;
}

export interface Layout {
  readonly vertices: readonly Placed[];
  readonly width: number;
  readonly height: number;
}

/**
 * Columns by layer; in each column, vertices in the order of the mean row of their sources in the
 * column before (so a ReplicaSet's pods sit together, next to it), Deployments before Services and
 * the rest by name. A vertex with no source keeps the first column's order (by kind, then name).
 */
export function layout(g: Graph, opts: { colWidth: number; rowHeight: number; margin?: number } = { colWidth: 260, rowHeight: 44 }): Layout {
  const margin = opts.margin ?? 12;
  const sources = new Map<string, string[]>();
  for (const e of g.edges) {
    const l = sources.get(e.to);
    if (l) l.push(e.from);
    else sources.set(e.to, [e.from]);
  }
  const layers = new Map<number, Vertex[]>();
  for (const v of g.vertices) {
    const l = layers.get(v.layer);
    if (l) l.push(v);
    else layers.set(v.layer, [v]);
  }
  const row = new Map<string, number>();
  const out: Placed[] = [];
  let rows = 0;
  for (const layer of [...layers.keys()].sort((a, b) => a - b)) {
    const vs = layers.get(layer)!;
    const rank = (v: Vertex) => {
      const src = (sources.get(v.id) ?? []).filter((s) => row.has(s));
      return src.length ? src.reduce((k, s) => k + row.get(s)!, 0) / src.length : Infinity;
    };
    const ranks = new Map(vs.map((v) => [v.id, rank(v)]));
    vs.sort((a, b) => ranks.get(a.id)! - ranks.get(b.id)! || kindOrder(a.kind) - kindOrder(b.kind) || byCode(a.name, b.name));
    vs.forEach((v, i) => {
      row.set(v.id, i);
      out.push({ ...v, x: margin + layer * opts.colWidth, y: margin + i * opts.rowHeight });
    });
    rows = Math.max(rows, vs.length);
  }
  const cols = layers.size ? Math.max(...layers.keys()) + 1 : 0;
  return { vertices: out, width: margin * 2 + cols * opts.colWidth, height: margin * 2 + rows * opts.rowHeight };
}

function kindOrder(kind: string): number {
  return kind === 'Deployment' || kind === 'ReplicaSet' ? 0 : 1;
}
