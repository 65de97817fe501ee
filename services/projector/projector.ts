/**
 * The projector: keeps the Postgres projections of one prefix current with the stream.
 *
 * - One active instance per prefix (session advisory lock, see leader.ts); others wait as standbys.
 * - A session reads the checkpoint, (re)creates the durable consumer at checkpoint + 1 and consumes.
 *   Messages are decoded as they arrive; the worker takes whatever has arrived (up to `maxBatch`)
 *   and applies it in ONE transaction: batch lock, checkpoint read, skip what is at or below it,
 *   guarded upserts/deletes, mirror rows, checkpoint = the batch's highest sequence. Acked after
 *   commit; the new checkpoint is then announced on `<prefix>-sys.checkpoint`.
 * - Any error ends the session (nothing is half-applied: the transaction rolled back) and the
 *   supervisor starts a new one after a backoff, from the checkpoint again. The process never exits
 *   on a transient NATS or Postgres failure.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { schemaName } from '../../shared/config.js';
import type { Logger } from '../../shared/log.js';
import { EventLog, eventLogOptionsOf } from '../../shared/eventlog/index.js';
import {
  applySql,
  batchLockSql,
  createDb,
  poolOf,
  migrate,
  planBatch,
  readCheckpoint,
  isContentRejected,
  type BatchPlan,
  type ContentRejectedError,
  type Database,
  type DeadLetterRow,
  type ProjectedEvent,
} from '../../shared/db/index.js';
import { Backoff, sleep } from './backoff.js';
import { recreateDurable } from './consumer.js';
import { applyBisecting } from './bisect.js';
import { decodeMessage, deadLetterOf } from './decode.js';
import { CrdWatch } from '../../shared/crd-watch.js';
import { dropCrdView, ensureCrdView } from '../../shared/db/crd-views.js';
import type { Crd } from '../../shared/resources/crd.js';
import { countDeadLetters } from './dead-letters.js';
import { acquireLeadership } from './leader.js';
import { projectorMetrics, type ProjectorMetrics } from './metrics.js';
import { BatchQueue } from './queue.js';
import { runBatch } from './run-batch.js';

/** A session that lasted this long counts as healthy: its failure resets the retry backoff. */
const HEALTHY_SESSION_MS = 5_000;

export interface ProjectorHooks {
  /** Runs after a batch committed and before its ack; throwing here is a crash between the two. */
  readonly afterCommit?: (checkpoint: number) => void | Promise<void>;
  /** Never ack (as if the process always died right after the commit). */
  readonly skipAck?: boolean;
}

export interface ProjectorOptions {
  /** Where the metrics are registered (default: a registry of its own). */
  readonly registry?: Registry;
  /** Most messages per batch transaction (default 1000). */
  readonly maxBatch?: number;
  /** Durable consumer name (default `projector`). */
  readonly durableName?: string;
  readonly ackWaitMs?: number;
  readonly maxAckPending?: number;
  /** How often lag is refreshed and a stalled consumer detected (default 5 s). */
  readonly watchdogMs?: number;
  readonly hooks?: ProjectorHooks;
}

export type ProjectorRole = 'starting' | 'standby' | 'active' | 'stopped';

export interface ProjectorStatus {
  readonly role: ProjectorRole;
  readonly checkpoint: number;
  readonly caughtUp: boolean;
  readonly dbOk: boolean;
  readonly lag: number;
  /** Messages recorded in the dead_letters table (information: they do not make the projector unready). */
  readonly deadLetters: number;
}


interface Prepared {
  /** The batch's messages above `known`, in stream order. */
  readonly msgs: readonly JsMsg[];
  /** The checkpoint the previous batch will have committed. */
  readonly known: number;
  readonly items: number;
  /** The message with the highest sequence: the new checkpoint, and the one acked. */
  readonly top: JsMsg;
  readonly other: number;
  readonly plan: BatchPlan;
  /** Poison messages, recorded in the same transaction. */
  readonly dead: readonly DeadLetterRow[];
  /** The whole transaction, sent in one round trip. */
  readonly text: string;
}

class SessionEnd extends Error {}

export class Projector {
  readonly metrics: ProjectorMetrics;
  private readonly log: Logger;
  private readonly stopCtl = new AbortController();
  private readonly maxBatch: number;
  private readonly durable: string;
  private running: Promise<void> | undefined;
  private eventLog: EventLog | undefined;
  private db: Kysely<Database> | undefined;
  private migrated = false;
  private role: ProjectorRole = 'starting';
  private committed = 0;
  private lag = 0;
  private caughtUpOnce = false;
  private dbOk = false;
  private deadLetterCount = 0;
  private waiters = new Set<() => void>();

  constructor(
    private readonly cfg: Config,
    log: Logger,
    private readonly opts: ProjectorOptions = {},
  ) {
    this.log = log.child({ component: 'projector', prefix: cfg.prefix });
    this.metrics = projectorMetrics(opts.registry);
    this.maxBatch = opts.maxBatch ?? 1000;
    this.durable = opts.durableName ?? 'projector';
  }

  /** Start the supervisor loop; returns at once (connecting and waiting happen in the background). */
  start(): this {
    this.running ??= this.supervise();
    return this;
  }

  /** Stop after the batch in flight; release the lock and the connections. */
  async stop(): Promise<void> {
    this.stopCtl.abort();
    this.wakeWaiters();
    await this.running;
    await this.eventLog?.close().catch(() => undefined);
    await this.db?.destroy().catch(() => undefined);
    this.eventLog = undefined;
    this.db = undefined;
    this.role = 'stopped';
  }

  close(): Promise<void> {
    return this.stop();
  }

  /** Active, caught up with the stream at least once, and the database answered last time. */
  ready(): boolean {
    return this.role === 'active' && this.caughtUpOnce && this.dbOk;
  }

  status(): ProjectorStatus {
    return {
      role: this.role,
      checkpoint: this.committed,
      caughtUp: this.caughtUpOnce,
      dbOk: this.dbOk,
      lag: this.lag,
      deadLetters: this.deadLetterCount,
    };
  }

  /** Resolve once this instance has committed (or seen) checkpoint >= seq. */
  async waitFor(seq: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.committed < seq) {
      if (this.stopCtl.signal.aborted) throw new Error('projector stopped');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`projector did not reach ${seq} in ${timeoutMs} ms (at ${this.committed})`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  // ---- supervisor ----------------------------------------------------------------------------------

  private get stopped(): boolean {
    return this.stopCtl.signal.aborted;
  }

  private async supervise(): Promise<void> {
    const backoff = new Backoff(200, 10_000);
    while (!this.stopped) {
      let stage = 'postgres';
      let sessionStart = 0;
      try {
        // Migrations first: on a locked cluster the gateway waits for them before it makes the
        // stream this connection waits for (shared/db/roles.ts, shared/nats-lock).
        const db = await this.database();
        stage = 'nats';
        const el = await this.connectLog();
        stage = 'lock';
        const lead = await acquireLeadership(
          { databaseUrl: this.cfg.databaseUrl, prefix: this.cfg.prefix, log: this.log, onStandby: () => this.setRole('standby') },
          this.stopCtl.signal,
        );
        if (!lead) break;
        this.setRole('active');
        this.log.info('projector lock acquired; active');
        try {
          stage = 'session';
          sessionStart = Date.now();
          await this.session(el, db, lead.lost);
          backoff.reset();
        } finally {
          this.setRole(this.stopped ? 'stopped' : 'standby');
          await lead.release();
        }
      } catch (err) {
        if (this.stopped) break;
        this.metrics.errors.inc({ stage });
        this.log.warn({ err, stage }, 'projector session ended with an error; retrying');
        // A session that ran for a while was healthy: this failure starts a fresh backoff, rather
        // than waiting as long as the last of some earlier, unrelated run of failures did.
        if (sessionStart && Date.now() - sessionStart > HEALTHY_SESSION_MS) backoff.reset();
        await sleep(backoff.next(), this.stopCtl.signal);
      }
    }
    this.setRole('stopped');
  }

  private setRole(role: ProjectorRole): void {
    this.role = role;
    this.metrics.active.set(role === 'active' ? 1 : 0);
  }

  private async connectLog(): Promise<EventLog> {
    this.eventLog ??= await EventLog.connect(eventLogOptionsOf(this.cfg, 'jetkube-projector'));
    return this.eventLog;
  }

  private async database(): Promise<Kysely<Database>> {
    this.db ??= createDb(this.cfg.databaseUrl, schemaName(this.cfg.prefix), {
      max: 4,
      applicationName: 'jetkube-projector',
      onError: (err) => this.log.debug({ err }, 'idle Postgres connection error'),
    });
    if (!this.migrated) {
      await this.dbCall(() => migrate(this.db!));
      this.migrated = true;
    }
    return this.db;
  }

  private async dbCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const r = await fn();
      this.dbOk = true;
      return r;
    } catch (e) {
      this.dbOk = false;
      throw e;
    }
  }

  // ---- one session: consumer at checkpoint + 1, batches until stop / lock loss / error -------------

  private async session(el: EventLog, db: Kysely<Database>, lost: AbortSignal): Promise<void> {
    const ctl = new AbortController();
    const end = (reason: Error) => {
      if (!ctl.signal.aborted) ctl.abort(reason);
    };
    const onStop = () => end(new SessionEnd('stopping'));
    const onLost = () => end(new Error('projector lock connection lost'));
    this.stopCtl.signal.addEventListener('abort', onStop);
    lost.addEventListener('abort', onLost);
    if (this.stopped) onStop();
    if (lost.aborted) onLost();

    const cp = await this.dbCall(() => readCheckpoint(db));
    this.setCommitted(cp);
    this.deadLetterCount = await this.dbCall(() => countDeadLetters(db));
    await recreateDurable(el.jsm, {
      stream: el.stream,
      name: this.durable,
      startSeq: cp + 1,
      ackWaitMs: this.opts.ackWaitMs ?? 60_000,
      maxAckPending: this.opts.maxAckPending ?? this.maxBatch * 3,
    });
    const consumer = await el.js.consumers.get(el.stream, this.durable);
    // Messages wait undecoded: decoding just before planning keeps the objects short-lived (cheap GC).
    const queue = new BatchQueue<JsMsg>();
    const messages = await consumer.consume({ max_messages: this.maxBatch, callback: (msg) => queue.push(msg) });
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found' || s.type === 'stream_not_found') {
          end(new Error(`consumer notification: ${s.type}`));
        }
      }
    })().catch(() => undefined);
    this.log.info({ checkpoint: cp, durable: this.durable }, 'projector session started');
    // CRDs: their kinds served in this process (the decoder also serves one met in a batch) and a
    // SQL view per CRD over custom_objects.
    // Views are made for a served CRD only, and dropped with it (crd-views.ts).
    const crdWatch = new CrdWatch(el, this.log, async (ev, result) => {
      const crd = ev.object as Crd;
      if (ev.type === 'DELETED') await dropCrdView(db, crd);
      else if (result?.served && !(await ensureCrdView(db, crd))) this.log.warn({ crd: crd.metadata.name }, 'no SQL view named by this CRD\'s plural: a table or another group\'s view has the name');
    });
    await crdWatch.start();

    let busy = false;
    let stalls = 0;
    let lastSeen = this.committed;
    const watchdog = setInterval(() => {
      if (busy) return;
      void this.refreshLag(el, db)
        .then(() => {
          const idle = queue.size === 0 && this.committed === lastSeen;
          stalls = this.lag > 0 && idle ? stalls + 1 : 0;
          lastSeen = this.committed;
          if (stalls >= 3) end(new Error(`consumer stalled ${this.lag} events behind`));
        })
        .catch((err: unknown) => this.log.debug({ err }, 'projector watchdog check failed'));
    }, this.opts.watchdogMs ?? 5_000);
    watchdog.unref();

    // Two stages: while batch N commits, batch N+1 is taken and planned.
    let inflight: Promise<void> | undefined;
    let planned = this.committed;
    try {
      await this.refreshLag(el, db);
      while (!ctl.signal.aborted) {
        const batch = await queue.take(this.maxBatch, ctl.signal);
        if (batch.length === 0) break;
        const prepared = this.prepare(batch, planned);
        planned = Math.max(planned, prepared.top.seq);
        if (inflight) await inflight;
        busy = true;
        inflight = this.commit(el, db, prepared).finally(() => (busy = false));
        inflight.catch(() => undefined); // observed by the next await
      }
      if (inflight) await inflight;
    } finally {
      clearInterval(watchdog);
      await crdWatch.stop();
      this.stopCtl.signal.removeEventListener('abort', onStop);
      lost.removeEventListener('abort', onLost);
      await inflight?.catch(() => undefined);
      await messages.close().catch(() => undefined);
      queue.clear();
    }
    const reason: unknown = ctl.signal.reason;
    if (reason instanceof Error && !(reason instanceof SessionEnd)) throw reason;
  }

  /**
   * Plan a batch and render its transaction (CPU only, overlapping the previous commit): newest event
   * per object above `known`, the sequence the previous batch will have committed.
   */
  private prepare(batch: readonly JsMsg[], known: number, refused?: ReadonlyMap<number, string>): Prepared {
    let top = batch[0]!;
    for (const m of batch) if (m.seq > top.seq) top = m;
    const msgs = batch.filter((m) => m.seq > known).sort((a, b) => a.seq - b.seq);
    const events: ProjectedEvent[] = [];
    const dead: DeadLetterRow[] = [];
    let other = 0;
    for (const m of msgs) {
      const reason = refused?.get(m.seq);
      if (reason !== undefined) {
        dead.push(deadLetterOf(m, reason));
        continue;
      }
      const d = decodeMessage(this.cfg.prefix, m);
      if (d.ok) events.push(d.event);
      else if (d.reason === 'poison') dead.push(d.deadLetter);
      else {
        other++;
        if (d.reason !== 'other') this.log.warn({ seq: m.seq, subject: m.subject, reason: d.reason }, 'skipping message');
      }
    }
    const plan = planBatch(events, dead);
    const text =
      `begin; ${batchLockSql(this.cfg.prefix)};\n` +
      `${applySql(plan, { checkpoint: top.seq, expectAtLeast: known })};\ncommit`;
    return { msgs, known, items: batch.length, top, other, plan, dead, text };
  }

  /**
   * One transaction in ONE round trip: `begin; <batch lock>; <the batch statement>; commit`. The
   * statement skips whatever is at or below the checkpoint and fails if the checkpoint is below what
   * this session committed (a restored database). A batch refused for one message's content is
   * bisected (bisect.ts): that message becomes a dead letter, the rest is applied. Then ack and announce.
   */
  private async commit(el: EventLog, db: Kysely<Database>, p: Prepared): Promise<void> {
    const started = performance.now();
    const before = this.committed;
    let previous: number;
    let recorded: readonly DeadLetterRow[];
    try {
      previous = await this.dbCall(() => runBatch(poolOf(db), p.text));
      recorded = p.dead.filter((d) => d.sequence > previous);
    } catch (e) {
      if (!isContentRejected(e)) throw e;
      ({ previous, recorded } = await this.bisect(db, p, e));
    }
    const checkpoint = Math.max(previous, p.top.seq);
    for (const d of recorded) this.deadLettered(d);
    await this.opts.hooks?.afterCommit?.(checkpoint);
    if (!this.opts.hooks?.skipAck) p.top.ack();

    let projected = 0;
    for (const m of p.plan.mirror) if (m.sequence > previous) projected++;
    this.metrics.events.inc({ result: 'projected' }, projected);
    this.metrics.events.inc({ result: 'skipped' }, Math.max(0, p.items - projected - p.other - p.dead.length));
    this.metrics.events.inc({ result: 'other' }, p.other);
    this.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    this.lag = p.top.info.pending;
    this.metrics.lag.set(this.lag);
    if (this.lag === 0) this.caughtUpOnce = true;
    if (checkpoint > before) {
      this.setCommitted(checkpoint);
      el.nc.publish(`${this.cfg.prefix}-sys.checkpoint`, String(checkpoint));
    }
  }

  /** Apply a refused batch in halves until the refused messages are alone; record those as dead letters. */
  private async bisect(
    db: Kysely<Database>,
    p: Prepared,
    refusal: ContentRejectedError,
  ): Promise<{ previous: number; recorded: DeadLetterRow[] }> {
    this.log.info({ from: p.msgs[0]?.seq, to: p.top.seq, err: refusal }, 'batch refused for its content; bisecting');
    let previous: number | undefined;
    const recorded: DeadLetterRow[] = [];
    const refused = new Map<number, string>();
    const run = async (slice: readonly JsMsg[]) => {
      const sub = this.prepare(slice, p.known, refused);
      const prev = await this.dbCall(() => runBatch(poolOf(db), sub.text));
      previous ??= prev;
      recorded.push(...sub.dead.filter((d) => d.sequence > prev));
    };
    await applyBisecting(
      p.msgs,
      {
        apply: run,
        reject: async (m, err) => {
          refused.set(m.seq, `refused by the database: ${err.message}`);
          await run([m]);
        },
      },
      refusal,
    );
    return { previous: previous ?? p.known, recorded };
  }

  /** One warn line, the metric and the count, for a dead letter just recorded. */
  private deadLettered(d: DeadLetterRow): void {
    this.deadLetterCount++;
    this.metrics.poison.inc();
    this.log.warn({ seq: d.sequence, subject: d.subject, reason: d.reason }, 'poison message recorded as a dead letter and skipped');
  }

  private async refreshLag(el: EventLog, db: Kysely<Database>): Promise<void> {
    const { lastSeq } = await el.state();
    this.lag = Math.max(0, lastSeq - this.committed);
    this.metrics.lag.set(this.lag);
    if (this.lag === 0) {
      this.caughtUpOnce = true;
      await this.dbCall(() => readCheckpoint(db));
    }
  }

  private setCommitted(seq: number): void {
    this.committed = seq;
    this.metrics.checkpoint.set(seq);
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Create and start a projector (the lead's CLI and test stacks call this). */
export async function startProjector(cfg: Config, log: Logger, opts: ProjectorOptions = {}): Promise<Projector> {
  return new Projector(cfg, log, opts).start();
}
