/**
 * What a console list holds: the objects of one list + watch, keyed by namespace/name, changed by
 * batches of watch events (one batch per animation frame). Pure, shared with the unit tests.
 */

export interface Keyed {
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly resourceVersion?: string };
}

export interface Change<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: T;
}

export function objectKey(o: Keyed): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ''}` : (o.metadata.name ?? '');
}

export function fromList<T extends Keyed>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((o) => [objectKey(o), o]));
}

const rvOf = (o: Keyed | undefined): number => Number(o?.metadata.resourceVersion ?? 0) || 0;

/**
 * The held objects after a batch of events, in order. An event at or below the resourceVersion
 * already held for its object (a redelivery, or a watch restarted from an older point) changes
 * nothing. Returns the same map when nothing changed, so a view does not re-render for nothing.
 */
export function applyChanges<T extends Keyed>(held: ReadonlyMap<string, T>, changes: readonly Change<T>[]): ReadonlyMap<string, T> {
  let out: Map<string, T> | undefined;
  for (const c of changes) {
    const key = objectKey(c.object);
    const cur = (out ?? held).get(key);
    if (cur && rvOf(c.object) && rvOf(c.object) <= rvOf(cur)) continue;
    if (c.type === 'DELETED' && !cur) continue;
    out ??= new Map(held);
    if (c.type === 'DELETED') out.delete(key);
    else out.set(key, c.object);
  }
  return out ?? held;
}

/** A list path read as it was at sequence `seq` (the gateway's exact list, exact-list.ts). */
export function listAt(path: string, seq: number): string {
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}resourceVersion=${seq}&resourceVersionMatch=Exact`;
}
