/**
 * The informer's store: the newest state of every object, keyed `namespace/name`, with indexes.
 * `apply` turns one event from the log into at most one change; it ignores anything at or below
 * the newest sequence already applied, so a redelivered or replayed event changes nothing.
 */
import type { EventType, KObject } from '../resources/meta.js';
import { deepEqual } from '../resources/json.js';
import type { IndexFunc } from './index-funcs.js';
import { objectKey } from './keys.js';

export type Change<T> =
  | { readonly type: 'add'; readonly obj: T }
  | { readonly type: 'update'; readonly old: T; readonly obj: T }
  | { readonly type: 'delete'; readonly obj: T };

/** One event as the log delivers it; `object.metadata.resourceVersion` is `String(seq)`. */
export interface LogEvent<T extends KObject = KObject> {
  readonly seq: number;
  readonly type: EventType;
  readonly object: T;
}

export class ObjectCache<T extends KObject> {
  private readonly items = new Map<string, T>();
  /** key → the sequence the cached state came from */
  private readonly seqs = new Map<string, number>();
  private readonly indexFuncs = new Map<string, IndexFunc<T>>();
  /** index name → value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /** index name → key → the values it is indexed under (to unindex on change) */
  private readonly indexed = new Map<string, Map<string, readonly string[]>>();
  private applied = 0;
  /** Keys delivered by the current relist; undefined when not relisting. */
  private relistSeen: Set<string> | undefined;

  /**
   * `filter`: objects that do not match are not cached. `transform`: what is kept of each object
   * (client-go's SetTransform), e.g. without metadata.managedFields, which nothing but the gateway
   * reads and which is often most of an object; applied before the filter and the handlers.
   */
  constructor(
    private readonly filter?: (obj: T) => boolean,
    private readonly transform?: (obj: T) => T,
  ) {}

  /** The newest sequence applied (0 before the first event, and again when a relist begins). */
  get lastSeq(): number {
    return this.applied;
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexFuncs.has(name)) throw new Error(`indexer "${name}" already exists`);
    this.indexFuncs.set(name, fn);
    this.indices.set(name, new Map());
    this.indexed.set(name, new Map());
    for (const [key, obj] of this.items) this.indexOne(name, fn, key, obj);
  }

  hasIndexer(name: string): boolean {
    return this.indexFuncs.has(name);
  }

  byIndex(name: string, value: string): T[] {
    return this.indexKeys(name, value).map((k) => this.items.get(k)!);
  }

  indexKeys(name: string, value: string): string[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no indexer "${name}"`);
    return [...(index.get(value) ?? [])];
  }

  /** Apply one event; undefined when it changes nothing visible (stale, filtered, unknown delete). */
  apply(ev: LogEvent<T>): Change<T> | undefined {
    if (ev.seq <= this.applied) return undefined;
    this.applied = ev.seq;
    if (this.transform) ev = { ...ev, object: this.transform(ev.object) };
    const key = objectKey(ev.object);
    const old = this.items.get(key);
    const wanted = ev.type !== 'DELETED' && (this.filter ? this.filter(ev.object) : true);
    if (!wanted) {
      if (!old) return undefined;
      this.remove(key, old);
      // A tombstone carries the final state; an object that stopped matching is gone as we knew it.
      return { type: 'delete', obj: ev.type === 'DELETED' ? ev.object : old };
    }
    this.relistSeen?.add(key);
    this.put(key, ev.object, old);
    this.seqs.set(key, ev.seq);
    if (!old) return { type: 'add', obj: ev.object };
    if (this.relistSeen && deepEqual(old, ev.object)) return undefined;
    return { type: 'update', old, obj: ev.object };
  }

  /** Pass over a message that is not an event (poison): true if it is new (above the newest applied). */
  skip(seq: number): boolean {
    if (seq <= this.applied) return false;
    this.applied = seq;
    return true;
  }

  /** The lowest sequence any cached object was last changed at (undefined when empty). O(n). */
  oldestSeq(): number | undefined {
    let min: number | undefined;
    for (const s of this.seqs.values()) if (min === undefined || s < min) min = s;
    return min;
  }

  /** Up to `limit` keys whose cached state is older than `seq`, oldest first. O(n log n). */
  keysOlderThan(seq: number, limit: number): string[] {
    return [...this.seqs]
      .filter(([, s]) => s < seq)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([k]) => k);
  }

  /**
   * The log was reset (stream recreated, sequences went backwards): forget the sequence guard and
   * start counting which objects the new snapshot still has. Finish with endRelist().
   */
  beginRelist(): void {
    this.applied = 0;
    this.relistSeen = new Set();
  }

  get relisting(): boolean {
    return this.relistSeen !== undefined;
  }

  /** The snapshot is complete: drop and return the objects it no longer has. */
  endRelist(): Change<T>[] {
    const seen = this.relistSeen;
    if (!seen) return [];
    this.relistSeen = undefined;
    const gone: Change<T>[] = [];
    for (const [key, obj] of [...this.items]) {
      if (seen.has(key)) continue;
      this.remove(key, obj);
      gone.push({ type: 'delete', obj });
    }
    return gone;
  }

  private put(key: string, obj: T, old: T | undefined): void {
    if (old) this.unindex(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexFuncs) this.indexOne(name, fn, key, obj);
  }

  private remove(key: string, _old: T): void {
    this.unindex(key);
    this.items.delete(key);
    this.seqs.delete(key);
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const values = [...new Set(fn(obj))];
    const index = this.indices.get(name)!;
    for (const v of values) {
      let set = index.get(v);
      if (!set) index.set(v, (set = new Set()));
      set.add(key);
    }
    this.indexed.get(name)!.set(key, values);
  }

  private unindex(key: string): void {
    for (const [name, byKey] of this.indexed) {
      const values = byKey.get(key);
      if (!values) continue;
      const index = this.indices.get(name)!;
      for (const v of values) {
        const set = index.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
      byKey.delete(key);
    }
  }
}
