/**
 * Unique allocations that span objects (node pod CIDRs; service cluster IPs and node ports next)
 * as reservations on their own subjects, `<root>.alloc.<pool>.<value>` (DESIGN.md, "The event log").
 *
 * A reservation is taken with "expected last subject sequence 0", so of two gateways racing for a
 * value exactly one wins. Its body names the holder. A value whose holder is gone may be taken over
 * with a compare-and-swap on the reservation's own sequence; a value already held by the same
 * holder (same uid: a retried create) is reused, so a retry never takes two.
 *
 * Contract with the writer of the owner object: read the owner's subject (the sequence its create
 * or update will expect) before reserving, and write the owner after. Then the reservation is newer
 * than anything the owner's CAS expects, and "gone" can be decided exactly: the owner's subject
 * moved past the reservation and does not hold a live object with the holder's uid. A reservation
 * whose owner has not appeared at all is presumed to belong to a create in flight for
 * `pendingGraceMs`; after that (the writer crashed or failed between reserving and writing) it is
 * free too.
 *
 * Release (the owner was deleted, or its create failed) replaces the reservation with a release
 * marker, by CAS on the reservation's sequence, and purges the subject's history before it. Not a
 * bare purge: purging the stream's newest message leaves the stream's last sequence pointing at a
 * message no consumer will ever be delivered, and a consistent list waits for the projector to
 * reach that sequence. The marker is delivered (and skipped) like any reservation, and a released
 * value is taken again by CAS on the marker.
 */
import { isCasError, type EventLog, type StoredEvent } from '../../shared/eventlog/index.js';
import { allocSubject, authorMsgHeaders } from '../../shared/eventlog/index.js';
import { currentAuthor } from './write-context.js';
import { resourceByKind, subjectToken } from '../../shared/resources/registry.js';

/** The object a reservation belongs to. */
export interface Holder {
  readonly kind: string;
  /** Absent for cluster-scoped owners. */
  readonly namespace?: string;
  readonly name: string;
  readonly uid: string;
}

/** A reservation as read back: its holder (undefined if released or unreadable), sequence and time. */
export interface Reservation {
  readonly holder: Holder | undefined;
  readonly seq: number;
  readonly time: Date;
}

export interface AllocatorOptions {
  /** How long a reservation whose owner never appeared is presumed to be a create in flight. */
  readonly pendingGraceMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_PENDING_GRACE_MS = 60_000;
/** CAS rounds on one value before it is treated as taken (only under heavy contention). */
const MAX_ROUNDS = 5;

const enc = new TextEncoder();
const dec = new TextDecoder();
/** The body of a released value's subject. */
export const RELEASED = enc.encode('{"released":true}');

export function encodeHolder(h: Holder): Uint8Array {
  return enc.encode(JSON.stringify({ kind: h.kind, ...(h.namespace ? { namespace: h.namespace } : {}), name: h.name, uid: h.uid }));
}

export function decodeHolder(data: Uint8Array): Holder | undefined {
  try {
    const h = JSON.parse(dec.decode(data)) as Partial<Holder> | null;
    if (!h || typeof h.kind !== 'string' || typeof h.name !== 'string' || typeof h.uid !== 'string') return undefined;
    if (h.namespace !== undefined && typeof h.namespace !== 'string') return undefined;
    return { kind: h.kind, ...(h.namespace ? { namespace: h.namespace } : {}), name: h.name, uid: h.uid };
  } catch {
    return undefined;
  }
}

export const sameHolder = (a: Holder, b: Holder): boolean =>
  a.uid === b.uid && a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

/** What the owner's subject holds, as far as a staleness decision needs it. */
export interface OwnerState {
  readonly seq: number;
  readonly deleted: boolean;
  readonly uid: string | undefined;
}

/**
 * Whether a reservation's holder is gone (pure; see the file comment for why this is exact).
 * `owner` is the owner subject's newest message, or undefined if the subject has none.
 */
export function holderGone(res: Reservation, owner: OwnerState | undefined, nowMs: number, graceMs: number): boolean {
  const h = res.holder;
  if (!h) return true; // released, or unreadable: it names nobody who could still need it
  if (owner && !owner.deleted && owner.uid === h.uid) return false;
  if (owner && owner.seq > res.seq) return true;
  return nowMs - res.time.getTime() > graceMs;
}

const POOL_RE = /^[a-z0-9][a-z0-9-]*$/;

export class Allocator {
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(private readonly log: EventLog, opts: AllocatorOptions = {}) {
    this.graceMs = opts.pendingGraceMs ?? DEFAULT_PENDING_GRACE_MS;
    this.now = opts.now ?? Date.now;
  }

  private subject(pool: string, value: string): string {
    if (!POOL_RE.test(pool)) throw new Error(`invalid allocation pool name "${pool}"`);
    return allocSubject(this.log.root, pool, value);
  }

  /**
   * Reserve the first candidate that is free, stale, or already held by `holder`, and return it;
   * undefined when every candidate is held by someone else. With `dryRun` nothing is written: the
   * answer is the value a real call would most likely take.
   */
  async reserve(pool: string, holder: Holder, candidates: Iterable<string>, opts: { dryRun?: boolean } = {}): Promise<string | undefined> {
    for (const value of candidates) {
      if (await this.take(pool, value, holder, opts.dryRun ?? false)) return value;
    }
    return undefined;
  }

  /** The value's current reservation, or undefined when nobody holds it (never taken, or released). */
  async get(pool: string, value: string): Promise<Reservation | undefined> {
    const m = await this.log.getLastRaw(this.subject(pool, value));
    const holder = m ? decodeHolder(m.data) : undefined;
    return m && holder ? { holder, seq: m.seq, time: m.time } : undefined;
  }

  /** Whether the reservation's holder is gone (its owner object no longer exists with that uid). */
  async isStale(res: Reservation): Promise<boolean> {
    const h = res.holder;
    if (!h) return true;
    const info = resourceByKind(h.kind);
    if (!info) return false; // an owner kind we cannot look up is never declared gone
    const ev: StoredEvent | null = await this.log.getLast(this.log.subjectFor(subjectToken(info), info.namespaced ? h.namespace : undefined, h.name));
    const owner = ev ? { seq: ev.seq, deleted: ev.type === 'DELETED', uid: ev.object.metadata.uid } : undefined;
    return holderGone(res, owner, this.now(), this.graceMs);
  }

  /**
   * Release a value (see the file comment): its reservation becomes a release marker and the
   * subject's older history is purged. With `uid`, only a reservation held by that uid is released;
   * the CAS on the reservation's sequence makes a take-over that lands in between win. Returns
   * whether this call released it.
   */
  async release(pool: string, value: string, uid?: string): Promise<boolean> {
    const subject = this.subject(pool, value);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const m = await this.log.getLastRaw(subject);
      const holder = m ? decodeHolder(m.data) : undefined;
      if (!m || !holder) return false;
      if (uid !== undefined && holder.uid !== uid) return false;
      let marker: number;
      try {
        marker = await this.log.publishCas(subject, RELEASED, m.seq, authorMsgHeaders(currentAuthor()));
      } catch (e) {
        if (!isCasError(e)) throw e;
        continue; // it changed under us: look again
      }
      // Everything before the marker goes; a take-over after it is newer and stays.
      await this.log.jsm.streams.purge(this.log.stream, { filter: subject, seq: marker });
      return true;
    }
    return false;
  }

  private async take(pool: string, value: string, holder: Holder, dryRun: boolean): Promise<boolean> {
    const subject = this.subject(pool, value);
    const body = encodeHolder(holder);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let expected = 0;
      if (dryRun || round > 0) {
        const cur = await this.readFor(subject, holder);
        if (cur === 'held') return false;
        if (dryRun) return true;
        expected = cur;
      }
      try {
        await this.log.publishCas(subject, body, expected, authorMsgHeaders(currentAuthor()));
        return true;
      } catch (e) {
        if (!isCasError(e)) throw e; // lost a race: read what won, and decide again
      }
    }
    return false;
  }

  /**
   * The sequence to CAS on to take the value for `holder` (0: never taken; the subject's newest
   * sequence: released, ours to refresh, or stale), or 'held' when a live owner holds it. Reuse refreshes the
   * reservation rather than returning at once: the new sequence is then newer than whatever the
   * caller has just read of its owner, which the staleness rule relies on.
   */
  private async readFor(subject: string, holder: Holder): Promise<number | 'held'> {
    const m = await this.log.getLastRaw(subject);
    if (!m) return 0;
    const res: Reservation = { holder: decodeHolder(m.data), seq: m.seq, time: m.time };
    if (res.holder && sameHolder(res.holder, holder)) return m.seq;
    return (await this.isStale(res)) ? m.seq : 'held';
  }
}
