/**
 * The topology's lists: live (list + watch each kind, changes batched into one update per frame),
 * or as they were at the time-travel point (`resourceVersion=S&resourceVersionMatch=Exact`; a time
 * alone goes through the history API's `objects`).
 */
import { getJSON, listWatch, type KubeList, type KubeObject } from '../api/client';
import type { AsOf } from '../time/TimeContext';
import type { TopoInput } from '../../../shared/console/topology.js';

export const SOURCES: { key: keyof TopoInput; kind: string; path(ns: string): string }[] = [
  { key: 'deployments', kind: 'Deployment', path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments` },
  { key: 'replicasets', kind: 'ReplicaSet', path: (ns) => `/apis/apps/v1/namespaces/${ns}/replicasets` },
  { key: 'pods', kind: 'Pod', path: (ns) => `/api/v1/namespaces/${ns}/pods` },
  { key: 'services', kind: 'Service', path: (ns) => `/api/v1/namespaces/${ns}/services` },
  { key: 'endpoints', kind: 'Endpoints', path: (ns) => `/api/v1/namespaces/${ns}/endpoints` },
  { key: 'nodes', kind: 'Node', path: () => `/api/v1/nodes` },
];

export const EMPTY: TopoInput = { deployments: [], replicasets: [], pods: [], services: [], endpoints: [], nodes: [] };

type Store = Record<keyof TopoInput, Map<string, KubeObject>>;

const keyOf = (o: KubeObject) => o.metadata.uid ?? `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Watch every kind; `onChange` gets the whole input at most once per animation frame. Returns a stop function. */
export function watchTopology(ns: string, onChange: (i: TopoInput) => void, onError: (e: Error) => void): () => void {
  const store = Object.fromEntries(SOURCES.map((s) => [s.key, new Map()])) as Store;
  let frame = 0;
  const flush = () => {
    frame = 0;
    onChange(Object.fromEntries(SOURCES.map((s) => [s.key, [...store[s.key].values()]])) as unknown as TopoInput);
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(flush);
  };
  const stops = SOURCES.map((s) =>
    listWatch<KubeObject>(s.path(encodeURIComponent(ns)), {
      onList(items) {
        store[s.key] = new Map(items.map((o) => [keyOf(o), o]));
        schedule();
      },
      onEvent(ev) {
        if (ev.type === 'DELETED') store[s.key].delete(keyOf(ev.object));
        else store[s.key].set(keyOf(ev.object), ev.object);
        schedule();
      },
      onError,
    }),
  );
  return () => {
    if (frame) cancelAnimationFrame(frame);
    for (const stop of stops) stop();
  };
}

/** Every kind as it was at `asOf`. */
export async function topologyAt(ns: string, asOf: AsOf, signal: AbortSignal): Promise<TopoInput> {
  const lists = await Promise.all(
    SOURCES.map(async (s) => {
      const path =
        asOf.seq !== undefined
          ? `${s.path(encodeURIComponent(ns))}?${new URLSearchParams({ resourceVersion: String(asOf.seq), resourceVersionMatch: 'Exact' })}`
          : `/apis/history.jetkube.io/v1${s.kind === 'Node' ? '' : `/namespaces/${encodeURIComponent(ns)}`}/objects?${new URLSearchParams({ kind: s.kind, at: asOf.time ?? '' })}`;
      const l = await getJSON<KubeList<KubeObject>>(path, signal);
      return [s.key, l.items] as const;
    }),
  );
  return Object.fromEntries(lists) as unknown as TopoInput;
}
