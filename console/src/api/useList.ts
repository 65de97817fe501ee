/**
 * A list view's data: live, a list then a watch whose events are applied once per animation frame;
 * in the past (useAsOf), the list as it was at that sequence, and no watch (the past does not change).
 */
import { useEffect, useMemo, useState } from 'react';
import { applyChanges, fromList, listAt, type Change } from '../../../shared/console/list-state.js';
import { getJSON, listWatch, type KubeList, type KubeObject } from './client';
import { useAsOf, type AsOf } from '../time/TimeContext';
import { resolveSeq } from '../time/resolve';

export interface ListState<T> {
  readonly items: T[];
  readonly byKey: ReadonlyMap<string, T>;
  readonly loading: boolean;
  readonly error?: string;
  /** The resourceVersion of the list (live: of the first list). */
  readonly resourceVersion?: string;
}

/** `path` null: nothing to list (yet). */
export function useList<T extends KubeObject>(path: string | null): ListState<T> {
  const { asOf } = useAsOf();
  const [held, setHeld] = useState<{ map: ReadonlyMap<string, T>; rv?: string; loading: boolean; error?: string }>({ map: new Map(), loading: true });
  const asOfKey = asOf ? `${asOf.seq ?? ''}@${asOf.time ?? ''}` : 'live';
  useEffect(() => {
    setHeld({ map: new Map(), loading: !!path });
    if (!path) return;
    if (asOf) return listPast(path, asOf, setHeld);
    let pending: Change<T>[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setHeld((h) => {
        const map = applyChanges(h.map, batch);
        return map === h.map ? h : { ...h, map };
      });
    };
    const stop = listWatch<T>(path, {
      onList: (items, rv, complete) => {
        pending = [];
        setHeld({ map: fromList(items), rv, loading: !complete });
      },
      onEvent: (ev) => {
        pending.push(ev as Change<T>);
        if (!frame) frame = requestAnimationFrame(flush);
      },
      onError: (e) => setHeld((h) => ({ ...h, loading: false, error: e.message })),
    });
    return () => {
      stop();
      if (frame) cancelAnimationFrame(frame);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, asOfKey]);
  const items = useMemo(() => [...held.map.values()], [held.map]);
  return { items, byKey: held.map, loading: held.loading, ...(held.error ? { error: held.error } : {}), ...(held.rv ? { resourceVersion: held.rv } : {}) };
}

function listPast<T extends KubeObject>(
  path: string,
  asOf: AsOf,
  set: (s: { map: ReadonlyMap<string, T>; rv?: string; loading: boolean; error?: string }) => void,
): () => void {
  const ctl = new AbortController();
  void (async () => {
    try {
      const seq = await resolveSeq(asOf, ctl.signal);
      const list = await getJSON<KubeList<T>>(listAt(path, seq), ctl.signal);
      set({ map: fromList(list.items), rv: list.metadata.resourceVersion ?? String(seq), loading: false });
    } catch (e) {
      if (!ctl.signal.aborted) set({ map: new Map(), loading: false, error: (e as Error).message });
    }
  })();
  return () => ctl.abort();
}
