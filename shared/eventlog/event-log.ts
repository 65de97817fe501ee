import { asEventLogUnavailable } from './unavailable.js';
import { connect, headers as natsHeaders, type NatsConnection, type ConnectionOptions, type MsgHdrs } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StoredMsg,
  type StreamConfig,
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { EventType, KObject } from '../resources/meta.js';
import { streamName, type Config, type NatsUserCredentials } from '../config.js';
import { coalesceWrites } from './coalesce-writes.js';
import { quietRequestCancel } from './quiet-request-cancel.js';
import { parseResourceSubject, resourceFilter, resourceSubject, type ParsedSubject } from './subjects.js';
import { classifyMessage, EVENT_SCHEMA_VERSION, PoisonMessageError } from './classify.js';
import { resumeFromCount, resumeFromState } from './compaction.js';
import { RecentWrites } from './recent-writes.js';
import type { ReadScope } from '../nats-lock/reads.js';
import { authorHeaders, type Author } from './author.js';
import { isDecryptError, isStaleSecret, openSecret, sealSecret, SEALED_RESOURCE, type Encryption } from '../encryption/index.js';


/** What one message on the stream holds. resourceVersion is not in the body: it is the sequence. */
export interface Envelope {
  readonly v: number;
  readonly type: EventType;
  readonly object: KObject;
}

/** One event as read back from the log. */
export interface StoredEvent {
  readonly seq: number;
  readonly time: Date;
  readonly subject: string;
  readonly type: EventType;
  /** The object with metadata.resourceVersion set to `seq`. */
  readonly object: KObject;
  /** Stored under another encryption than a write would use now (a rotated key): rewrite it even unchanged. */
  readonly stale?: boolean;
}

/** JetStream's "wrong last sequence" API error code: the CAS lost. */
export const WRONG_LAST_SEQUENCE = 10071;

export class CasError extends Error {
  constructor(readonly subject: string, readonly expected: number, options?: { cause?: unknown }) {
    super(`wrong last sequence for ${subject}: expected ${expected}`, options);
    this.name = 'CasError';
  }
}
export const isCasError = (e: unknown): e is CasError => e instanceof CasError;

export interface EventLogOptions {
  readonly natsUrl: string;
  readonly prefix: string;
  /** Messages kept per subject; the newest is always kept. */
  readonly historyPerObject: number;
  readonly name?: string;
  /** A user on a locked server (shared/nats-lock); none: connect without one. */
  readonly credentials?: NatsUserCredentials;
  /**
   * Create or update the stream at connect (default true). False: wait for it to exist (on a
   * locked server only the gateway may manage it).
   */
  readonly manageStream?: boolean;
  /**
   * Bytes of this process' own newest writes kept per subject (RecentWrites), so an update naming
   * the sequence it read needs no read of the stream; default 32 MiB, 0 keeps none.
   */
  readonly recentWriteBytes?: number;
  /**
   * Encryption at rest of Secrets (ENCRYPTION_PROVIDER_CONFIG): appends seal them, every read of an
   * event through this log (getLast, getBySeq, recentAt, decode) opens them. Without: stored and
   * read as they are (a sealed one is then poison to this reader).
   */
  readonly encryption?: Encryption;
  /**
   * What this connection's user may read (shared/nats-lock/reads.ts): an Informer outside it is
   * refused at once (ReadScopeError), not by the server later. Undefined: not limited.
   */
  readonly reads?: ReadScope;
}

const enc = new TextEncoder();

/** Decoded events `decodeShared` keeps for the watches that meet them next (a few seconds of writes at scale). */
const SHARED_DECODES = 4096;

export function encodeEnvelope(type: EventType, object: KObject): Uint8Array {
  const { resourceVersion: _rv, ...metadata } = object.metadata;
  const env: Envelope = { v: EVENT_SCHEMA_VERSION, type, object: { ...object, metadata } };
  let json = JSON.stringify(env);
  // JSON.stringify writes a lone UTF-16 surrogate as a \udXXX escape (and nothing else that way):
  // such a message would be poison to every consumer. Replace it by U+FFFD, as Go's encoding/json
  // (and so kube-apiserver) does.
  if (json.includes('\\ud')) json = json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd');
  return enc.encode(json);
}

/** A \ud800-\udfff escape preceded by an even number of backslashes (so not a literal "\\u..."). */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g;

/**
 * Decode a stored or consumed resource message into an event whose object carries its
 * resourceVersion. Throws PoisonMessageError for a message no consumer can use (see classify.ts).
 */
export function toStoredEvent(root: string, m: { seq: number; subject: string; time: Date; data: Uint8Array }): StoredEvent {
  const c = classifyMessage(root, m.subject, m.data);
  if (c.result !== 'event') throw new PoisonMessageError(m.seq, m.subject, c.result === 'poison' ? c.reason : 'not a resource subject');
  const object = { ...c.object, metadata: { ...c.object.metadata, resourceVersion: String(m.seq) } };
  return { seq: m.seq, time: m.time, subject: m.subject, type: c.type, object };
}

/**
 * The options a service connects with: the configured server, prefix and history, and its NATS
 * user. On a locked server (credentials set) only the gateway manages the stream (`writer`);
 * everyone else waits for it.
 */
export function eventLogOptionsOf(cfg: Config, name: string, writer = false): EventLogOptions {
  return {
    natsUrl: cfg.natsUrl,
    prefix: cfg.prefix,
    historyPerObject: cfg.historyPerObject,
    name,
    ...(cfg.natsCredentials ? { credentials: cfg.natsCredentials, manageStream: writer } : {}),
  };
}

/** An author as NATS message headers (none when it names nothing). */
export function authorMsgHeaders(a: Author): MsgHdrs | undefined {
  const pairs = authorHeaders(a);
  if (!pairs.length) return undefined;
  const h = natsHeaders();
  for (const [k, v] of pairs) h.set(k, v);
  return h;
}

/**
 * The log: one JetStream stream. Reads are direct gets of a subject's last message; writes are
 * publishes with "expected last subject sequence" (compare-and-swap, no lock, no second store).
 */
export class EventLog {
  readonly stream: string;
  readonly root: string;
  private up = true;
  private readonly recent!: RecentWrites;
  private readonly sealedPrefix: string;
  /** Events decodeShared decoded lately, by sequence (insertion order: the oldest goes first). */
  private readonly sharedDecodes = new Map<number, { readonly ev: StoredEvent; readonly bytes: number }>();

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly opts: EventLogOptions,
  ) {
    this.stream = streamName(opts.prefix);
    this.root = opts.prefix;
    this.recent = new RecentWrites(opts.recentWriteBytes ?? 32 * 1024 * 1024);
    this.sealedPrefix = resourceFilter(this.root, SEALED_RESOURCE).slice(0, -1);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnecting' || s.type === 'staleConnection') this.up = false;
        else if (s.type === 'reconnect') {
          // The server may have been a new one (its stream recreated): trust nothing cached.
          this.recent.clear();
          this.sharedDecodes.clear();
          this.up = true;
        }
      }
    })().catch(() => undefined);
  }

  /** Whether objects on `subject` are sealed at rest (Secrets): a prefix test, cheap on every message. */
  private sealed(subject: string): boolean {
    return subject.startsWith(this.sealedPrefix);
  }

  /** The encryption at rest this log seals and opens Secrets with (undefined: none). */
  get encryption(): Encryption | undefined {
    return this.opts.encryption;
  }

  /** What this log may read (undefined: everything). */
  get readScope(): ReadScope | undefined {
    return this.opts.reads;
  }

  /** Messages the stream keeps per subject (0 or less: no limit). */
  get historyPerObject(): number {
    return this.opts.historyPerObject;
  }

  /** False from a disconnect until the client has reconnected (and after close). */
  connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  static async connect(opts: EventLogOptions, connOpts: Partial<ConnectionOptions> = {}): Promise<EventLog> {
    const nc = await connect({
      servers: opts.natsUrl.split(','),
      name: opts.name ?? 'jetkube',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // Async stack traces cost an Error (and a stack capture) per request: a third of a write's CPU.
      noAsyncTraces: true,
      ...(opts.credentials ? { user: opts.credentials.user, pass: opts.credentials.password } : {}),
      ...connOpts,
    });
    coalesceWrites(nc);
    quietRequestCancel();
    try {
      const jsm = await jetstreamManager(nc, { timeout: 10_000 });
      const log = new EventLog(nc, jetstream(nc, { timeout: 10_000 }), jsm, opts);
      if (opts.manageStream ?? true) await log.ensureStream();
      else await log.awaitStream();
      return log;
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Wait until the stream exists (the gateway makes it), checking every half second; after
   * `timeoutMs` an error says so (the projector retries; a reader service fails its start).
   */
  async awaitStream(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.jsm.streams.info(this.stream);
        return;
      } catch (e) {
        if (!(e instanceof JetStreamApiError && e.code === 10059 /* stream not found */)) throw e;
        if (Date.now() >= deadline) throw new Error(`stream ${this.stream} does not exist: the gateway makes it (this user may not)`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Create the stream, or bring an existing one to this configuration. Idempotent. */
  async ensureStream(): Promise<void> {
    const want: Partial<StreamConfig> & { name: string } = {
      name: this.stream,
      subjects: [`${this.root}.res.>`, `${this.root}.alloc.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: this.opts.historyPerObject > 0 ? this.opts.historyPerObject : -1,
      allow_direct: true,
      allow_rollup_hdrs: true,
      deny_delete: false,
      duplicate_window: 120_000_000_000,
    };
    try {
      const info = await this.jsm.streams.info(this.stream);
      const c = info.config;
      if (
        c.max_msgs_per_subject !== want.max_msgs_per_subject ||
        !c.allow_direct ||
        JSON.stringify(c.subjects) !== JSON.stringify(want.subjects)
      ) {
        await this.jsm.streams.update(this.stream, { ...c, ...want } as StreamConfig);
      }
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10059 /* stream not found */) {
        try {
          await this.jsm.streams.add(want);
        } catch (e2) {
          // Another process (or the projector beside us in `jetkube up`) created it between our info
          // and add: nats-server says "name already in use" (10058) or, when both adds race,
          // "subjects overlap" (10065). Either way it is fine if our stream is there now.
          if (!(e2 instanceof JetStreamApiError && (e2.code === 10058 || e2.code === 10065))) throw e2;
          const now = await this.jsm.streams.info(this.stream).catch(() => undefined);
          if (!now) throw e2;
        }
      } else throw e;
    }
  }

  subjectFor(plural: string, namespace: string | undefined, name: string): string {
    return resourceSubject(this.root, plural, namespace, name);
  }

  parseSubject(subject: string): ParsedSubject | undefined {
    return parseResourceSubject(this.root, subject);
  }

  /**
   * A stored or consumed resource message as an event (toStoredEvent), a Secret's data opened
   * (encryption at rest). Throws PoisonMessageError for a message no consumer can use, and for a
   * Secret no configured key opens.
   */
  decode(m: { seq: number; subject: string; time: Date; data: Uint8Array }): StoredEvent {
    const ev = toStoredEvent(this.root, m);
    if (!this.sealed(m.subject)) return ev;
    try {
      const object = openSecret(this.opts.encryption, ev.object);
      return { ...ev, object, ...(isStaleSecret(this.opts.encryption, ev.object) ? { stale: true } : {}) };
    } catch (e) {
      if (isDecryptError(e)) throw new PoisonMessageError(m.seq, m.subject, `cannot decrypt: ${e.message}`);
      throw e;
    }
  }

  /**
   * `decode` for readers that only read the event (watches): every watch on a resource meets the
   * same messages, and each decoded each one (JSON.parse and the poison checks) for itself. The
   * last SHARED_DECODES events are kept and handed to every such reader: the same object, which
   * no reader may modify. A hit must match the message's subject, stored time and size, so a
   * stream recreated under the same sequences is not mistaken for the old one. A message that does
   * not decode throws, as `decode` does, and is not kept.
   */
  decodeShared(m: { seq: number; subject: string; time: Date; data: Uint8Array }): StoredEvent {
    // A decrypted Secret is not kept: plaintext lives only as long as the answer that needs it.
    if (this.sealed(m.subject)) return this.decode(m);
    const hit = this.sharedDecodes.get(m.seq);
    if (hit && hit.ev.subject === m.subject && hit.bytes === m.data.length && hit.ev.time.getTime() === m.time.getTime()) return hit.ev;
    const ev = this.decode(m);
    if (this.sharedDecodes.size >= SHARED_DECODES) this.sharedDecodes.delete(this.sharedDecodes.keys().next().value!);
    this.sharedDecodes.set(m.seq, { ev, bytes: m.data.length });
    return ev;
  }

  /** The subject's newest message, or null if the subject never had one. */
  async getLast(subject: string): Promise<StoredEvent | null> {
    const m = await this.getLastRaw(subject);
    return m ? this.decode(m) : null;
  }

  /** The raw newest message of a subject (reservations carry no envelope). */
  async getLastRaw(subject: string): Promise<StoredMsg | null> {
    return reachable(this.jsm.direct.getMessage(this.stream, { last_by_subj: subject }));
  }

  /**
   * The event at `seq` on `subject` if this process published it and it is still the newest this
   * process wrote there (RecentWrites); undefined says only "not known here": read the stream.
   * Whether it is still the subject's newest is for the compare-and-swap on `seq` to decide.
   */
  recentAt(subject: string, seq: number): StoredEvent | undefined {
    const m = this.recent.get(subject, seq);
    if (!m) return undefined;
    try {
      return this.decode({ seq, subject, time: m.time, data: m.data });
    } catch {
      this.recent.delete(subject);
      return undefined;
    }
  }

  /** One message by sequence, or null if it is gone (compacted) or never existed. */
  async getBySeq(seq: number): Promise<StoredEvent | null> {
    const m = await this.getRawBySeq(seq);
    return m ? this.decode(m) : null;
  }

  /** The raw message at a sequence (headers included), or null if it is gone or never existed. */
  async getRawBySeq(seq: number): Promise<StoredMsg | null> {
    return reachable(this.jsm.direct.getMessage(this.stream, { seq }));
  }

  /**
   * Append one event with compare-and-swap: `expectedSeq` is the subject's last sequence as the
   * writer saw it (0: the subject must have no message). `author` goes into the message's headers
   * (author.ts). Returns the new sequence.
   */
  async append(subject: string, type: EventType, object: KObject, expectedSeq: number, author?: Author): Promise<number> {
    const data = encodeEnvelope(type, this.sealed(subject) ? sealSecret(this.opts.encryption, object) : object);
    try {
      const seq = await this.publishCas(subject, data, expectedSeq, author ? authorMsgHeaders(author) : undefined);
      if (type === 'DELETED') this.recent.delete(subject);
      else this.recent.put(subject, { seq, time: new Date(), data });
      return seq;
    } catch (e) {
      // Lost the CAS or unknown outcome: what is newest there is not known here.
      this.recent.delete(subject);
      throw e;
    }
  }

  async publishCas(subject: string, data: Uint8Array, expectedSeq: number, headers?: MsgHdrs): Promise<number> {
    try {
      const ack = await this.js.publish(subject, data, { expect: { lastSubjectSequence: expectedSeq }, ...(headers ? { headers } : {}) });
      return ack.seq;
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE) throw new CasError(subject, expectedSeq, { cause: e });
      throw asEventLogUnavailable(e);
    }
  }

  /** Stream state: first and last sequence still held, the message count, and interior removals. */
  async state(): Promise<{ firstSeq: number; lastSeq: number; messages: number; numDeleted: number }> {
    const info = await reachable(this.jsm.streams.info(this.stream));
    return {
      firstSeq: info.state.first_seq,
      lastSeq: info.state.last_seq,
      messages: info.state.messages,
      numDeleted: info.state.num_deleted ?? 0,
    };
  }

  /**
   * True if a message above `after` has been removed (compacted by the per-subject history limit,
   * or deleted): a reader resuming there would silently miss changes and must get 410 Gone / relist
   * instead (see compaction.ts). Counting uses a short-lived unfiltered consumer, only when the
   * stream has interior removals at all. Says true when constant writes keep it from telling.
   *
   * A log whose user is scoped to some resources (shared/nats-lock/reads.ts) may not create an
   * unfiltered consumer and can't count interior removals: it says true only when everything above
   * `after` is gone (below the first sequence). Its readers are informers (the gateway, which
   * serves watches and their 410s, reads everything), and for a cache interior compaction loses
   * nothing: the per-subject history limit removes a message only when a newer one on the same
   * subject exists, and that newer one is delivered; a resume skips intermediate versions as a
   * relist would. Relisting there instead made every consumer reset of a busy cluster (which
   * always has compacted messages) a full relist of the kubelet's or scheduler's pods.
   */
  async compactedAfter(after: number): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await this.state();
      const v = resumeFromState(after, before);
      if (v !== 'count') return v === 'gone';
      if (this.opts.reads !== undefined && this.opts.reads !== 'all') return false;
      const ci = await reachable(this.jsm.consumers.add(this.stream, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: after + 1,
        ack_policy: AckPolicy.None,
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: 10_000_000_000, // 10 s, in nanoseconds
      }));
      void this.jsm.consumers.delete(this.stream, ci.name).catch(() => undefined);
      const lastAfter = (await this.state()).lastSeq;
      const c = resumeFromCount(after, ci.num_pending, before.lastSeq, lastAfter);
      if (c !== 'retry') return c === 'gone';
    }
    return true;
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

/** An event log call whose failure, if the log is unreachable, is a 503 (unavailable.ts). */
async function reachable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw asEventLogUnavailable(e);
  }
}
