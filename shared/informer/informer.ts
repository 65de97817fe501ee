/**
 * An informer (DESIGN.md, "Reading"): one ordered JetStream consumer with "deliver last per
 * subject" on one resource's subjects gives the current state of every object, then every new
 * event, with no gap: list and watch in one primitive. The informer keeps the objects in an
 * ObjectCache and tells handlers what changed; handlers only put keys on a work queue.
 *
 * Recovery:
 *  - connection lost / server restarted: nats.js' ordered consumer recreates itself from the last
 *    stream sequence it delivered + 1; if the message iterator ends anyway, the informer opens a
 *    new consumer from the newest sequence it applied + 1.
 *  - stream deleted and recreated, its last sequence below what we had applied before asking, or
 *    a cached object's newest message gone (purged): relist from "last per subject" and report as
 *    deleted every object the new snapshot lacks (decision in stream-reset.ts).
 *  - events after the newest applied one compacted away before we saw them (per-subject history
 *    limit; see eventlog/compaction.ts), found when resuming: relist too, as on a 410 Gone.
 */
import {
  DeliverPolicy,
  JetStreamApiError,
  type Consumer,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { EventLog } from '../eventlog/event-log.js';
import { isPoisonMessageError } from '../eventlog/classify.js';
import { resourceFilter } from '../eventlog/subjects.js';
import { assertReads } from '../nats-lock/reads.js';
import type { KObject } from '../resources/meta.js';
import type { Logger } from '../log.js';
import { namespaceIndex, type IndexFunc } from './index-funcs.js';
import { keyOf, splitKey } from './keys.js';
import { streamReset } from './stream-reset.js';
import { ObjectCache, type Change, type LogEvent } from './object-cache.js';

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  /** Also called with old === obj on every periodic resync. */
  onUpdate?(old: T, obj: T): void;
  /** The final state (a tombstone's object, or the last cached state of an object that stopped matching). */
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends KObject> {
  readonly log: EventLog;
  /** Resource plural, e.g. `pods`. */
  readonly plural: string;
  /** Only this namespace (a subject filter: the server sends nothing else). */
  readonly namespace?: string;
  /** Client-side predicate: objects that do not match are not cached; one that stops matching is reported deleted. */
  readonly filter?: (obj: T) => boolean;
  /** What is cached of each object (see ObjectCache), e.g. withoutManagedFields. */
  readonly transform?: (obj: T) => T;
  /** Call onUpdate(obj, obj) for every cached object this often (0/undefined: never). */
  readonly resyncMs?: number;
  readonly logger?: Logger;
  /** How often to look for a reset stream (deleted/recreated, sequences gone backwards). Default 10 s. */
  readonly streamCheckMs?: number;
  /** Pull request expiry; two missed heartbeats (each half of it) make the consumer recover. Default 10 s. */
  readonly pullExpiresMs?: number;
}

const NAMESPACE_INDEX = '__namespace';
const RETRY_MS = [250, 500, 1000, 2000, 5000];

export class Informer<T extends KObject = KObject> {
  readonly plural: string;
  private readonly el: EventLog;
  private readonly cache: ObjectCache<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly logger: Logger | undefined;
  private readonly filterSubject: string;

  private started = false;
  private stopped = false;
  private synced = false;
  private syncWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Bumped whenever the current consumer is replaced: a stale pump stops applying. */
  private generation = 0;
  private consumer: Consumer | undefined;
  private messages: ConsumerMessages | undefined;
  private pumps = new Set<Promise<void>>();
  private timers = new Set<NodeJS.Timeout>();
  private intervals: NodeJS.Timeout[] = [];
  private streamCreated: string | undefined;
  private checking: Promise<void> | undefined;
  private recheck = false;
  private openFailures = 0;
  private stopStatus: (() => void) | undefined;
  private relistCount = 0;
  /** Check that nothing after this sequence was compacted (the consumer was recreated past it). */
  private gapAfter: number | undefined;
  private poisonCount = 0;

  constructor(private readonly opts: InformerOptions<T>) {
    // Only what this component's user may read (its row in shared/nats-lock/reads.ts): a bug here
    // fails at start, not as a permission violation on the server.
    assertReads(opts.log.readScope, opts.plural);
    this.plural = opts.plural;
    this.el = opts.log;
    this.logger = opts.logger?.child({ informer: opts.plural, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
    this.cache = new ObjectCache<T>(opts.filter, opts.transform);
    this.cache.addIndexer(NAMESPACE_INDEX, namespaceIndex as IndexFunc<T>);
    this.filterSubject = resourceFilter(this.el.root, opts.plural, opts.namespace || undefined);
  }

  // ------------------------------------------------------------------ lifecycle

  /** Open the consumer and start applying events. Resolves once consuming (see waitForSync). */
  async start(): Promise<void> {
    if (this.started) throw new Error('informer already started');
    this.started = true;
    const info = await this.el.jsm.streams.info(this.el.stream);
    this.streamCreated = info.created;
    await this.open('snapshot');
    const checkMs = this.opts.streamCheckMs ?? 10_000;
    if (checkMs > 0) this.intervals.push(setInterval(() => this.checkStream(), checkMs));
    if (this.opts.resyncMs && this.opts.resyncMs > 0) this.intervals.push(setInterval(() => this.resync(), this.opts.resyncMs));
    void this.watchConnection();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.generation++;
    for (const t of this.intervals) clearInterval(t);
    this.stopStatus?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.closeMessages();
    await Promise.allSettled([...this.pumps]);
    for (const w of this.syncWaiters.splice(0)) w.reject(new Error(`informer ${this.plural} stopped before it synced`));
  }

  /** True once every object that existed when the consumer opened has been delivered. */
  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error(`informer ${this.plural} is stopped`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(waiter);
    });
  }

  // ------------------------------------------------------------------ handlers and reads

  /** Register a handler; objects already cached are replayed to it as onAdd. Returns an unregister function. */
  addEventHandler(h: EventHandler<T>): () => void {
    this.handlers.add(h);
    for (const obj of this.cache.list()) this.call(() => h.onAdd?.(obj));
    return () => this.handlers.delete(h);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.cache.addIndexer(name, fn);
  }

  /**
   * Add an indexer unless one of that name is there already: several controllers in one process
   * share an informer and ask for the same ready-made index (the names are a convention).
   */
  ensureIndexer(name: string, fn: IndexFunc): void {
    if (!this.cache.hasIndexer(name)) this.cache.addIndexer(name, fn as IndexFunc<T>);
  }

  byIndex(name: string, value: string): T[] {
    return this.cache.byIndex(name, value);
  }

  /** By cache key: `namespace/name`, or `name` for cluster-scoped objects. */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  list(): T[] {
    return this.cache.list();
  }

  listByNamespace(namespace: string): T[] {
    return this.cache.byIndex(NAMESPACE_INDEX, namespace);
  }

  keys(): string[] {
    return this.cache.keys();
  }

  /** Times the informer relisted because the stream was reset (recreated, gone backwards, purged). */
  get relists(): number {
    return this.relistCount;
  }

  /** Messages skipped because no consumer can use them (poison: undecodable, body disagrees with subject). */
  get poisonMessages(): number {
    return this.poisonCount;
  }

  /** The newest stream sequence applied. */
  get lastSeq(): number {
    return this.cache.lastSeq;
  }

  /**
   * Apply one event from the log, as the consumer does. Events must come in stream order;
   * anything at or below the newest applied sequence is a redelivery and changes nothing.
   */
  ingest(ev: LogEvent): void {
    const change = this.cache.apply(ev as LogEvent<T>);
    if (change) this.dispatch(change);
  }

  // ------------------------------------------------------------------ consumer

  private async open(from: 'snapshot' | 'resume'): Promise<void> {
    // Resuming is only gap-free if nothing after the last applied event was compacted away
    // (compaction.ts); otherwise relist, as client-go does on 410 Gone.
    if (from === 'resume' && this.cache.lastSeq > 0 && !this.cache.relisting && (await this.el.compactedAfter(this.cache.lastSeq))) {
      this.logger?.warn({ applied: this.cache.lastSeq }, 'events after the last applied one were compacted; relisting');
      this.relistCount++;
      this.cache.beginRelist();
      from = 'snapshot';
    }
    const gen = ++this.generation;
    const consumer =
      from === 'snapshot' || this.cache.lastSeq === 0
        ? await this.el.js.consumers.get(this.el.stream, {
            filter_subjects: this.filterSubject,
            deliver_policy: DeliverPolicy.LastPerSubject,
          })
        : await this.el.js.consumers.get(this.el.stream, {
            filter_subjects: this.filterSubject,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: this.cache.lastSeq + 1,
          });
    if (gen !== this.generation || this.stopped) {
      await consumer.delete().catch(() => undefined);
      return;
    }
    const messages = await consumer.consume({ max_messages: 512, expires: this.opts.pullExpiresMs ?? 10_000 });
    if (gen !== this.generation || this.stopped) {
      await messages.close().catch(() => undefined);
      await consumer.delete().catch(() => undefined);
      return;
    }
    this.consumer = consumer;
    this.messages = messages;
    this.openFailures = 0;
    const info = await consumer.info(true);
    this.logger?.debug({ consumer: info.name, from, pending: info.num_pending }, 'consumer opened');
    if (info.num_pending === 0) this.caughtUp();
    this.track(this.pump(gen, messages));
    this.track(this.watchStatus(gen, messages));
  }

  private async pump(gen: number, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (gen !== this.generation) break;
        this.onMessage(m);
      }
    } catch (e) {
      if (gen === this.generation && !this.stopped) this.logger?.warn({ err: e }, 'consumer failed');
    }
    if (gen === this.generation && !this.stopped) {
      // The iterator ended on its own (connection closed, consumer gone for good): open a new one.
      this.logger?.warn({ lastSeq: this.cache.lastSeq }, 'consumer ended; reopening');
      this.reopenLater(this.cache.relisting ? 'snapshot' : 'resume');
    }
  }

  private onMessage(m: JsMsg): void {
    let ev;
    try {
      ev = this.el.decode(m);
    } catch (e) {
      // A poison message (see classify.ts) is passed over like an event that changes nothing; it is
      // logged and counted the first time (a relist delivers it again).
      if (this.cache.skip(m.seq)) {
        this.poisonCount++;
        this.logger?.warn({ seq: m.seq, subject: m.subject, reason: isPoisonMessageError(e) ? e.reason : String(e) }, 'poison message skipped');
      }
    }
    if (ev) this.ingest(ev);
    if (m.info.pending === 0) this.caughtUp();
  }

  /** Everything that was pending has been delivered. */
  private caughtUp(): void {
    if (this.cache.relisting) {
      const gone = this.cache.endRelist();
      this.logger?.info({ deleted: gone.length, objects: this.cache.size }, 'relist complete');
      for (const c of gone) this.dispatch(c);
    }
    if (this.synced) return;
    this.synced = true;
    this.logger?.debug({ objects: this.cache.size, lastSeq: this.cache.lastSeq }, 'synced');
    for (const w of this.syncWaiters.splice(0)) w.resolve();
  }

  private async watchStatus(gen: number, messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) {
      if (gen !== this.generation) break;
      switch (s.type) {
        case 'consumer_deleted':
        case 'consumer_not_found':
        case 'stream_not_found':
        case 'ordered_consumer_recreated':
        case 'reset':
          // The client resumed on its own after what it delivered last: see that nothing in
          // between was compacted away.
          this.logger?.debug({ status: s.type }, 'consumer status');
          this.gapAfter = Math.min(this.gapAfter ?? Infinity, this.cache.lastSeq);
          this.checkStream();
          break;
        default:
      }
    }
  }

  private async watchConnection(): Promise<void> {
    const statuses = this.el.nc.status() as ReturnType<EventLog['nc']['status']> & { stop?(): void };
    this.stopStatus = () => statuses.stop?.();
    for await (const s of statuses) {
      if (this.stopped) break;
      if (s.type === 'reconnect') this.checkStream();
    }
  }

  /** Close the current consumer and delete it on the server (best effort, bounded: the server may be away). */
  private async closeMessages(): Promise<void> {
    const m = this.messages;
    const c = this.consumer;
    this.messages = undefined;
    this.consumer = undefined;
    if (m) await m.close().catch(() => undefined);
    if (c && !this.el.nc.isClosed()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        c.delete().catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000))),
      ]);
      clearTimeout(timer);
    }
  }

  private reopenLater(from: 'snapshot' | 'resume'): void {
    if (this.stopped) return;
    if (this.el.nc.isClosed()) {
      this.logger?.error('NATS connection closed; the informer stops following the log');
      return;
    }
    const delay = RETRY_MS[Math.min(this.openFailures, RETRY_MS.length - 1)]!;
    this.openFailures++;
    const gen = ++this.generation;
    void this.closeMessages();
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (gen !== this.generation || this.stopped) return;
      this.open(from).catch((e: unknown) => {
        if (this.stopped) return;
        this.logger?.warn({ err: e, from }, 'cannot open consumer; retrying');
        this.reopenLater(from);
      });
    }, delay);
    this.timers.add(t);
  }

  // ------------------------------------------------------------------ stream reset

  /** Compare the stream with what we have applied; relist if it was recreated or went backwards. */
  private checkStream(): void {
    if (this.stopped) return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = this.doCheckStream()
      .catch((e: unknown) => this.logger?.debug({ err: e }, 'stream check failed'))
      .finally(() => {
        this.checking = undefined;
        if (this.recheck) {
          this.recheck = false;
          this.checkStream();
        }
      });
  }

  private async doCheckStream(): Promise<void> {
    // What the cache had applied when the request left: it keeps applying while we wait.
    const before = { created: this.streamCreated, applied: this.cache.lastSeq };
    let info;
    try {
      info = await this.el.jsm.streams.info(this.el.stream);
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10059) {
        this.logger?.warn('stream not found; waiting for it to come back');
        return;
      }
      throw e;
    }
    if (this.stopped) return;
    const state = { created: info.created, firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
    const verdict = streamReset(before, state, {
      applied: this.cache.lastSeq,
      relisting: this.cache.relisting,
      oldestSeq: state.firstSeq > 1 ? this.cache.oldestSeq() : undefined,
    });
    const gapAfter = this.gapAfter;
    this.gapAfter = undefined;
    let reason: string;
    if (verdict.reset) reason = verdict.reason;
    else if (verdict.suspectPurge && (await this.newestMessageGone(state.firstSeq))) reason = 'purged';
    else if (gapAfter !== undefined && gapAfter > 0 && !this.cache.relisting && (await this.el.compactedAfter(gapAfter))) reason = 'compacted';
    else return;
    if (this.stopped || before.created !== this.streamCreated) return;
    this.logger?.warn({ reason, firstSeq: state.firstSeq, lastSeq: state.lastSeq, applied: before.applied }, 'stream was reset; relisting');
    this.relistCount++;
    this.streamCreated = info.created;
    this.cache.beginRelist();
    this.generation++;
    await this.closeMessages();
    try {
      await this.open('snapshot');
    } catch (e) {
      this.logger?.warn({ err: e }, 'relist failed to open a consumer; retrying');
      this.reopenLater('snapshot');
    }
  }

  /**
   * True if a cached object older than `firstSeq` has no message on its subject any more: retention
   * never removes a subject's newest message, so it was purged or deleted (a reset log). A subject
   * that has a newer message was only compacted while that message was on its way to us.
   */
  private async newestMessageGone(firstSeq: number): Promise<boolean> {
    for (const key of this.cache.keysOlderThan(firstSeq, 8)) {
      const { namespace, name } = splitKey(key);
      const m = await this.el.getLastRaw(this.el.subjectFor(this.plural, namespace || undefined, name));
      if (!m) return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ dispatch

  private resync(): void {
    if (!this.synced || this.stopped) return;
    for (const obj of this.cache.list()) for (const h of this.handlers) this.call(() => h.onUpdate?.(obj, obj));
  }

  private dispatch(c: Change<T>): void {
    for (const h of this.handlers) {
      switch (c.type) {
        case 'add':
          this.call(() => h.onAdd?.(c.obj));
          break;
        case 'update':
          this.call(() => h.onUpdate?.(c.old, c.obj));
          break;
        case 'delete':
          this.call(() => h.onDelete?.(c.obj));
          break;
        default: {
          const never: never = c;
          throw new Error(`unknown change ${JSON.stringify(never)}`);
        }
      }
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger?.error({ err: e }, 'event handler threw');
    }
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => this.logger?.warn({ err: e }, 'informer task failed')).finally(() => this.pumps.delete(q));
    this.pumps.add(q);
  }
}
