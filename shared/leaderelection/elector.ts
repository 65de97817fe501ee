/**
 * The leader election loop (client-go's LeaderElector with a LeaseLock): reads the Lease through the
 * gateway, lets decide.ts choose, writes with the read resourceVersion, and keeps time.
 *
 *  - A candidate tries every retryPeriod × (1 + random × jitter) (client-go's JitterUntil), and also
 *    right when the holder's lease expires by its own observation.
 *  - A leader renews every retryPeriod, first optimistically with the Lease it last wrote (client-go's
 *    fast path; a 409 falls back to a fresh read). A timer fires renewDeadline after the last
 *    successful write (acquire or renewal) was sent, not after its attempt began (a slow read before
 *    it counts for nothing): if nothing newer succeeded, it stops leading even while a request hangs.
 *  - Leadership is lost once: after `onStoppedLeading` the elector does not run again (client-go's
 *    Run returns; Kubernetes' components then exit). Start a new elector (a new process) to rejoin.
 *  - `stop({ release: true })` (graceful) releases the Lease as ReleaseOnCancel does: holder emptied,
 *    leaseDurationSeconds 1, so a standby takes over at its next attempt. The caller must have stopped
 *    the work the lease guards first. `stop({ release: false })` is a crash: the Lease just expires.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { ResourceClient } from '../client/index.js';
import type { Lease } from '../resources/types.js';
import { isConflict, isNotFound } from '../errors.js';
import { decide, recordOf, releaseLease, type ElectionTiming, type LeaseRead, type Observation, type StepDownReason } from './decide.js';
import { JITTER_FACTOR } from './config.js';

/** The three Lease calls the elector makes (the gateway client's `leases` is one; tests pass an in-memory twin). */
export type LeaseClient = Pick<ResourceClient<Lease>, 'get' | 'create' | 'update'>;

/** Why leadership ended: a decision of decide.ts, or onStartedLeading failed. */
export type LostReason = StepDownReason | 'startFailed';

export interface LeaderElectorOptions {
  /** The gateway's Lease client (`ctx.client.leases`). */
  readonly leases: LeaseClient;
  readonly namespace: string;
  /** The Lease's name, also the metric's `name` label (`kube-controller-manager`, `kube-scheduler`). */
  readonly name: string;
  /** Default `<hostname>_<uuid>`. */
  readonly identity?: string;
  readonly timing: ElectionTiming;
  readonly log: Logger;
  /** Where `jetkube_leader_is_leader{name}` is registered (shared if it already is). */
  readonly registry?: Registry;
  readonly now?: () => Date;
  /** Candidate jitter (default client-go's 1.2; 0: exactly every retryPeriod). */
  readonly jitterFactor?: number;
  readonly random?: () => number;
  /** Became leader: start the guarded work (not awaited by the loop; a rejection loses leadership). */
  readonly onStartedLeading: () => void | Promise<void>;
  /** Stopped leading (not on stop()): stop the guarded work at once. Called once. */
  readonly onStoppedLeading: (reason: LostReason) => void | Promise<void>;
  /** A different holder was observed ('' when the lease is free). */
  readonly onNewLeader?: (identity: string) => void;
  /** Called last by stop(), after the release (e.g. to close a client of the elector's own). */
  readonly onStopped?: () => void | Promise<void>;
}

export type ElectorState = 'new' | 'candidate' | 'leading' | 'lost' | 'stopped';

export const LEADER_METRIC = 'jetkube_leader_is_leader';

/** `<hostname>_<uuid>`, as Kubernetes' components make their identity. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

function leaderGauge(registry: Registry | undefined): Gauge<'name'> {
  const existing = registry?.getSingleMetric(LEADER_METRIC);
  if (existing) return existing as Gauge<'name'>;
  return new Gauge({
    name: LEADER_METRIC,
    help: 'Whether this process leads the named lease (1) or stands by (0)',
    labelNames: ['name'],
    registers: registry ? [registry] : [],
  });
}

export class LeaderElector {
  readonly identity: string;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly jitter: number;
  private readonly gauge: Gauge<'name'>;
  private readonly log: Logger;
  private stateValue: ElectorState = 'new';
  private observed: Observation | undefined;
  /** While leading: local ms when the last successful write was sent. */
  private lastRenewMs: number | undefined;
  /** While leading: the Lease as we last wrote it (the fast path's precondition). */
  private lastWritten: Lease | undefined;
  private reportedLeader = '';
  private loopP: Promise<void> | undefined;
  private startedP: Promise<void> | undefined;
  private stoppedP: Promise<void> | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: LeaderElectorOptions) {
    this.identity = o.identity ?? defaultIdentity();
    this.now = o.now ?? (() => new Date());
    this.random = o.random ?? Math.random;
    this.jitter = o.jitterFactor ?? JITTER_FACTOR;
    this.gauge = leaderGauge(o.registry);
    this.gauge.set({ name: o.name }, 0);
    this.log = o.log.child({ lease: `${o.namespace}/${o.name}`, identity: this.identity });
  }

  get state(): ElectorState {
    return this.stateValue;
  }

  isLeader(): boolean {
    return this.stateValue === 'leading';
  }

  /** The holder last observed ('' if none). */
  leader(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  /**
   * Make the first attempt (so a lone candidate leads when this resolves, with onStartedLeading
   * done), then keep running in the background.
   */
  async start(): Promise<this> {
    if (this.stateValue !== 'new') throw new Error('leader elector already started');
    this.stateValue = 'candidate';
    this.log.info({ timing: this.o.timing }, 'attempting to acquire leader lease');
    const next = await this.attempt();
    this.loopP = this.loop(next);
    await this.startedP?.catch(() => undefined);
    return this;
  }

  /**
   * client-go's healthz Check: an error when we think we lead but have not renewed for
   * leaseDuration + tolerance (the renew deadline should have stopped us: something is stuck).
   */
  check(toleranceMs = 20_000): string | undefined {
    if (this.stateValue === 'lost') return 'leader election lost';
    if (this.stateValue !== 'leading' || this.lastRenewMs === undefined) return undefined;
    const late = this.now().getTime() - this.lastRenewMs - this.o.timing.leaseDurationMs;
    return late > toleranceMs ? `failed to renew leadership of lease ${this.o.namespace}/${this.o.name}` : undefined;
  }

  /** Stop campaigning; with `release` (default true) give the Lease up if we hold it. */
  async stop(opts: { readonly release?: boolean } = {}): Promise<void> {
    if (this.stateValue === 'stopped') return;
    const release = opts.release ?? true;
    this.stateValue = 'stopped';
    this.clearDeadline();
    this.interrupt();
    // Let an attempt in flight finish (bounded), so no renewal lands after the release.
    await Promise.race([this.loopP, new Promise((r) => setTimeout(r, this.o.timing.renewDeadlineMs).unref())]);
    await this.stoppedP;
    this.gauge.set({ name: this.o.name }, 0);
    this.lastRenewMs = undefined;
    if (release) await this.release();
    await this.o.onStopped?.();
  }

  // ------------------------------------------------------------------ the loop

  private running(): boolean {
    return this.stateValue === 'candidate' || this.stateValue === 'leading';
  }

  private async loop(firstDelay: number): Promise<void> {
    let delay = firstDelay;
    while (this.running()) {
      await this.sleep(delay);
      if (!this.running()) break;
      delay = await this.attempt();
    }
  }

  /** One try; answers the delay before the next. */
  private async attempt(): Promise<number> {
    const t = this.o.timing;
    const fastPath = this.stateValue === 'leading' && this.lastWritten !== undefined;
    const read: LeaseRead = fastPath ? { kind: 'found', lease: this.lastWritten! } : await this.read();
    if (!this.running()) return 0;
    const d = decide({
      read,
      observed: this.observed,
      now: this.now(),
      identity: this.identity,
      lastRenewMs: this.stateValue === 'leading' ? this.lastRenewMs : undefined,
      timing: t,
      lease: { namespace: this.o.namespace, name: this.o.name },
    });
    switch (d.kind) {
      case 'wait': {
        this.observed = d.observed;
        this.reportLeader(d.holder);
        if (d.why === 'readFailed') this.log.warn({ err: read.kind === 'failed' ? read.message : undefined }, 'could not read the leader lease');
        if (this.stateValue === 'leading') return t.retryPeriodMs;
        const jittered = t.retryPeriodMs * (1 + this.random() * this.jitter);
        const untilExpiry = d.expiresAtMs !== undefined ? Math.max(0, d.expiresAtMs - this.now().getTime()) : Infinity;
        return Math.min(jittered, untilExpiry);
      }
      case 'stepDown':
        this.observed = d.observed;
        this.lose(d.reason, d.holder);
        return 0;
      case 'create':
      case 'acquire':
      case 'renew': {
        // The renew deadline counts from here: no one can see the record we write before it is sent
        // (so before this), while the read before it, however slow, proves nothing to anyone.
        const sentMs = this.now().getTime();
        let written: Lease;
        try {
          written = d.kind === 'create' ? await this.o.leases.create(this.o.namespace, d.lease) : await this.o.leases.update(d.lease);
        } catch (err) {
          this.lastWritten = undefined;
          if (fastPath && isConflict(err)) return 0; // the Lease changed since our last write: read it now
          this.observed = d.observed;
          if (d.observed) this.reportLeader(d.observed.record.holderIdentity);
          // 409 (Conflict, AlreadyExists): someone else wrote first. Anything else: try again later.
          if (isConflict(err) || (err as { reason?: string }).reason === 'AlreadyExists') this.log.debug({ op: d.kind }, 'lost the race for the leader lease');
          else this.log.warn({ err, op: d.kind }, 'could not write the leader lease');
          return this.stateValue === 'leading' ? t.retryPeriodMs : t.retryPeriodMs * (1 + this.random() * this.jitter);
        }
        if (!this.running()) return 0;
        this.lastWritten = written;
        this.observed = { record: recordOf(written), sinceMs: this.now().getTime() };
        this.lastRenewMs = sentMs;
        this.armDeadline(sentMs);
        this.reportLeader(this.identity);
        if (this.stateValue !== 'leading') this.lead(recordOf(written).leaseTransitions);
        return t.retryPeriodMs;
      }
      default: {
        const never: never = d;
        throw new Error(`unknown decision ${JSON.stringify(never)}`);
      }
    }
  }

  private async read(): Promise<LeaseRead> {
    try {
      return { kind: 'found', lease: await this.o.leases.get(this.o.namespace, this.o.name) };
    } catch (err) {
      if (isNotFound(err)) return { kind: 'notFound' };
      return { kind: 'failed', message: (err as Error).message };
    }
  }

  // ------------------------------------------------------------------ transitions

  private lead(transitions: number): void {
    this.stateValue = 'leading';
    this.gauge.set({ name: this.o.name }, 1);
    this.log.info({ leaseTransitions: transitions }, 'became leader');
    this.startedP = Promise.resolve()
      .then(() => this.o.onStartedLeading())
      .catch((err) => {
        this.log.error({ err }, 'could not start leading');
        this.lose('startFailed', this.identity);
      });
  }

  private lose(reason: LostReason, holder: string): void {
    if (this.stateValue !== 'leading') return;
    this.stateValue = 'lost';
    this.clearDeadline();
    this.interrupt();
    this.lastWritten = undefined;
    this.gauge.set({ name: this.o.name }, 0);
    this.log.warn({ reason, holder }, 'stopped leading');
    const started = this.startedP;
    this.stoppedP = (async () => {
      await started?.catch(() => undefined);
      await this.o.onStoppedLeading(reason);
    })().catch((err) => this.log.error({ err }, 'error while stopping after losing leadership'));
  }

  private reportLeader(holder: string): void {
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder && holder !== this.identity) this.log.info({ holder }, 'new leader observed');
    else if (!holder) this.log.info('leader lease is free');
    this.o.onNewLeader?.(holder);
  }

  private armDeadline(sentMs: number): void {
    this.clearDeadline();
    const due = sentMs + this.o.timing.renewDeadlineMs - this.now().getTime();
    this.deadlineTimer = setTimeout(() => {
      if (this.stateValue === 'leading' && this.lastRenewMs === sentMs) this.lose('renewDeadlineExceeded', this.leader());
    }, Math.max(0, due));
    this.deadlineTimer.unref();
  }

  private clearDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }

  private interrupt(): void {
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
  }

  /** Give the Lease up if we hold it (ReleaseOnCancel); retried on conflict within renewDeadline. */
  private async release(): Promise<void> {
    const until = Date.now() + this.o.timing.renewDeadlineMs;
    while (Date.now() < until) {
      const read = await this.read();
      if (read.kind !== 'found') {
        if (read.kind === 'failed') this.log.warn({ err: read.message }, 'could not release the leader lease');
        return;
      }
      const lease = releaseLease(read.lease, this.identity, this.now());
      if (!lease) return;
      try {
        await this.o.leases.update(lease);
        this.log.info('released the leader lease');
        return;
      } catch (err) {
        if (!isConflict(err)) {
          this.log.warn({ err }, 'could not release the leader lease');
          return;
        }
      }
    }
  }
}
