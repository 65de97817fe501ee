/**
 * Rebuild projections from the log (DESIGN.md, "Projections").
 *
 * Full replay: read the whole stream into a fresh schema `<prefix>_replay_<random>` with the same
 * migrations and row mapping as the projector, copy mirror rows for history the log has compacted
 * away from the live `events` table, catch up with the live checkpoint (the projector keeps going
 * meanwhile), then in ONE transaction holding the projector's batch lock: apply the last few events,
 * rename live -> `<prefix>_old_<random>`, built -> live, drop the old one. Readers see the complete
 * old or the complete new state; the projector's next batch continues from the new checkpoint.
 *
 * Point in time (`toSeq` or `toTime`): the same build, stopped at that sequence (or at the last
 * message stored at or before that time), renamed to `<prefix>_asof_<seq>`; the live schema is left
 * alone. If the log no longer holds every event up to there, the result carries a warning.
 *
 * Either one first makes sure DATABASE_URL holds this prefix's projections: the live schema must
 * have the projector's checkpoint (the gateway's and the projector's migrations create it). If it
 * has none, DATABASE_URL or JETKUBE_PREFIX names some other database or cluster, and replay stops
 * with NoProjectionsError before it touches Postgres or NATS, instead of building tables there.
 */
import { ensureCrdViewsFromProjection } from '../../shared/db/crd-views.js';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../../shared/config.js';
import { schemaName } from '../../shared/config.js';
import { EventLog, eventLogOptionsOf } from '../../shared/eventlog/index.js';
import { createLogger, type Logger } from '../../shared/log.js';
import {
  createDb,
  lockBatches,
  LockClass,
  migrate,
  tryLock,
  unlock,
  writeCheckpoint,
  type Database,
} from '../../shared/db/index.js';
import { checkpointOf, copyHistory, dropSchema, renameReplacing, swapSchemas } from './schema-ops.js';
import { readRange, type Gap, type ReadResult } from './stream-reader.js';
import { WindowWriter } from './window-writer.js';

export interface ReplayProgress {
  /** Sequences covered so far (of `total`). */
  readonly done: number;
  readonly total: number;
  readonly eventsPerSec: number;
}

export interface ReplayOptions {
  /** Build the state as of this sequence into `<prefix>_asof_<seq>`. */
  readonly toSeq?: number;
  /** Build the state as of this time (last message stored at or before it). */
  readonly toTime?: Date;
  readonly onProgress?: (p: ReplayProgress) => void;
  readonly log?: Logger;
  /** Events de-duplicated and written together (default 20,000). */
  readonly window?: number;
}

export interface ReplayResult {
  /** Schema written: the live one after a full replay, `<prefix>_asof_<seq>` otherwise. */
  readonly schema: string;
  /** Checkpoint of that schema. */
  readonly lastSeq: number;
  /** Messages read from the stream. */
  readonly events: number;
  readonly seconds: number;
  /** Set when the log no longer holds everything the result should reflect. */
  readonly warning?: string;
}

/** The database has no projections of the prefix (no checkpoint in its schema): replay refuses to build them there. */
export class NoProjectionsError extends Error {
  override readonly name = 'NoProjectionsError';
  constructor(
    readonly prefix: string,
    readonly schema: string,
    readonly database: string,
  ) {
    super(
      `no projector checkpoint in schema "${schema}" of ${database}: the projections of prefix "${prefix}" don't exist in this database, ` +
        `so there is nothing to replay into; point DATABASE_URL and JETKUBE_PREFIX at the cluster's own (those its gateway and projector use). Nothing was written`,
    );
  }
}

export const isNoProjectionsError = (e: unknown): e is NoProjectionsError => e instanceof Error && e.name === 'NoProjectionsError';

/** `postgres://host:port/db` of a connection string, without user or password, for messages. */
export function databaseLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

export async function replay(cfg: Config, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const log = (opts.log ?? createLogger('replay', cfg.logLevel)).child({ prefix: cfg.prefix });
  const live = schemaName(cfg.prefix);
  const suffix = randomBytes(4).toString('hex');
  const built = `${live}_replay_${suffix}`;
  const admin = createDb(cfg.databaseUrl, live, { max: 2, applicationName: 'jetkube-replay' });
  let el: EventLog | undefined;
  let bdb: Kysely<Database> | undefined;
  try {
    // Before anything is created anywhere (EventLog.connect creates a missing stream, migrate a schema).
    if ((await checkpointOf(admin, live)) === null) throw new NoProjectionsError(cfg.prefix, live, databaseLabel(cfg.databaseUrl));
    const events = (el = await EventLog.connect(eventLogOptionsOf(cfg, 'jetkube-replay')));
    const target = (bdb = createDb(cfg.databaseUrl, built, { max: 2, applicationName: 'jetkube-replay' }));
    return await admin.connection().execute(async (conn) => {
      if (!(await tryLock(conn, LockClass.replay, cfg.prefix))) {
        throw new Error(`another replay of "${cfg.prefix}" is running`);
      }
      try {
        const job = new ReplayJob(cfg, events, conn, target, live, built, suffix, log, opts);
        return await job.run();
      } catch (err) {
        await dropSchema(conn, built).catch(() => undefined);
        throw err;
      } finally {
        await unlock(conn, LockClass.replay, cfg.prefix).catch(() => undefined);
      }
    });
  } finally {
    await bdb?.destroy().catch(() => undefined);
    await admin.destroy().catch(() => undefined);
    await el?.close();
  }
}

class ReplayJob {
  private readonly started = performance.now();
  private messages = 0;
  private readonly gaps: Gap[] = [];

  constructor(
    private readonly cfg: Config,
    private readonly el: EventLog,
    private readonly conn: Kysely<Database>,
    private readonly bdb: Kysely<Database>,
    private readonly live: string,
    private readonly built: string,
    private readonly suffix: string,
    private readonly log: Logger,
    private readonly opts: ReplayOptions,
  ) {}

  async run(): Promise<ReplayResult> {
    const { toSeq, toTime } = this.opts;
    const pointInTime = toSeq !== undefined || toTime !== undefined;
    await migrate(this.bdb);
    const state = await this.el.state();
    const endSeq = toSeq !== undefined ? Math.min(toSeq, state.lastSeq) : state.lastSeq;
    this.log.info({ schema: this.built, firstSeq: state.firstSeq, lastSeq: state.lastSeq, endSeq, toTime }, 'replay started');

    const read = await this.read(1, endSeq, toTime, Math.max(0, endSeq - Math.max(1, state.firstSeq) + 1));
    // As of a time: the last message at or before it. Otherwise every message up to endSeq (the
    // sequence itself may be gone; the state is still the state as of it).
    let builtSeq = toTime !== undefined ? read.lastSeq : endSeq;
    if (read.lastSeq < builtSeq) this.gaps.push({ after: read.lastSeq, before: builtSeq + 1 });
    await writeCheckpoint(this.bdb, builtSeq);
    const copied = await copyHistory(this.bdb, this.live, this.gaps);
    // The per-CRD SQL views, for the CRDs this schema holds as established.
    await ensureCrdViewsFromProjection(this.bdb);
    const missing = this.gaps.reduce((n, g) => n + (g.before - g.after - 1), 0);

    if (pointInTime) {
      const target = `${this.live}_asof_${builtSeq}`;
      await renameReplacing(this.conn, this.built, target);
      const warning =
        missing > 0
          ? `the log no longer holds every event up to ${builtSeq} (first retained sequence ${state.firstSeq}, ` +
            `${missing} sequences missing): objects changed only by those events may be absent or stale`
          : toSeq !== undefined && toSeq > state.lastSeq
            ? `sequence ${toSeq} is past the end of the log; built the state as of ${state.lastSeq}`
            : undefined;
      return this.done(target, builtSeq, warning);
    }

    builtSeq = await this.catchUp(builtSeq);
    await this.conn.transaction().execute(async (trx) => {
      await lockBatches(trx, this.cfg.prefix);
      const liveCp = (await checkpointOf(trx, this.live)) ?? 0;
      if (liveCp > builtSeq) builtSeq = await this.extend(builtSeq, liveCp);
      await swapSchemas(trx, this.built, this.live, `${this.live}_old_${this.suffix}`);
    });
    this.log.info({ schema: this.live, checkpoint: builtSeq }, 'replayed schema swapped in');
    const warning =
      missing > 0 && copied === 0
        ? `the log no longer holds ${missing} sequences and the live events table had none of them: the events mirror lacks that history`
        : undefined;
    return this.done(this.live, builtSeq, warning);
  }

  /** Follow the live checkpoint without the lock while it keeps moving (a few rounds at most). */
  private async catchUp(builtSeq: number): Promise<number> {
    for (let round = 0; round < 5; round++) {
      const liveCp = (await checkpointOf(this.conn, this.live)) ?? 0;
      if (liveCp <= builtSeq) break;
      builtSeq = await this.extend(builtSeq, liveCp);
    }
    return builtSeq;
  }

  /** Apply (builtSeq, to] to the built schema and set its checkpoint to `to`. */
  private async extend(builtSeq: number, to: number): Promise<number> {
    const before = this.gaps.length;
    const read = await this.read(builtSeq + 1, to, undefined, to - builtSeq);
    if (read.lastSeq < to) this.gaps.push({ after: Math.max(read.lastSeq, builtSeq), before: to + 1 });
    await writeCheckpoint(this.bdb, to);
    await copyHistory(this.bdb, this.live, this.gaps.slice(before));
    return to;
  }

  private async read(fromSeq: number, toSeq: number, toTime: Date | undefined, total: number): Promise<ReadResult> {
    const writer = new WindowWriter(this.bdb);
    const base = this.messages;
    const read = await readRange(this.el, {
      fromSeq,
      toSeq,
      ...(toTime ? { toTime } : {}),
      window: this.opts.window ?? 20_000,
      onWindow: (w) => writer.push(w),
      onRead: (_n, lastSeq) => this.progress(Math.max(0, lastSeq - fromSeq + 1), total, base + _n),
    });
    await writer.flush();
    this.messages += read.messages;
    this.gaps.push(...read.gaps);
    if (read.poison) this.log.warn({ count: read.poison }, 'replay recorded poison messages as dead letters');
    return read;
  }

  private progress(done: number, total: number, messages: number): void {
    const secs = (performance.now() - this.started) / 1000;
    this.opts.onProgress?.({ done: Math.min(done, total), total, eventsPerSec: secs > 0 ? messages / secs : 0 });
  }

  private done(schema: string, lastSeq: number, warning: string | undefined): ReplayResult {
    const seconds = (performance.now() - this.started) / 1000;
    this.log.info({ schema, lastSeq, events: this.messages, seconds, warning }, 'replay finished');
    return { schema, lastSeq, events: this.messages, seconds, ...(warning ? { warning } : {}) };
  }
}
