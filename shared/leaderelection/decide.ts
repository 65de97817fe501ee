/**
 * Leader election's pure decision (client-go's tryAcquireOrRenew, tools/leaderelection): given the
 * Lease as just read, what this candidate last observed, its own clock and identity, and whether it
 * leads → create, acquire, renew, wait or step down, with the Lease to write. No I/O, no clock
 * reads: the elector (elector.ts) does the reading, writing and timing.
 *
 * The rules, as client-go's:
 *  - A candidate trusts only its own clock. A lease held by someone else expires `leaseDurationSeconds`
 *    (the record's own) after the moment this candidate last saw the record *change*, never by
 *    comparing the remote renewTime with the local time: clock skew between hosts does not matter.
 *  - A lease with an empty holderIdentity (released) is free at once.
 *  - Taking a lease from someone else (or a free one) increments leaseTransitions and sets
 *    acquireTime; renewing keeps both and moves renewTime.
 *  - Every write is a compare-and-swap on the resourceVersion read; a 409 means someone else won.
 *  - A leader that could not renew for renewDeadline since its last successful renewal stops
 *    leading (renewDeadline < leaseDuration, so it stops before anyone else may take over).
 * Two deliberate differences: a leader that reads a lease held by someone else steps down at once
 * (client-go keeps retrying until renewDeadline), and a leader that finds the lease deleted creates
 * it again (as client-go does) rather than assuming it lost.
 */
import type { Lease, LeaseSpec } from '../resources/types.js';
import { microTime } from '../resources/time.js';

/** Timing, in milliseconds (client-go's LeaseDuration, RenewDeadline, RetryPeriod). */
export interface ElectionTiming {
  /** How long a candidate waits, from the last change it saw, before it may take the lease (default 15 s). */
  readonly leaseDurationMs: number;
  /** How long a leader keeps trying to renew before it stops leading (default 10 s). */
  readonly renewDeadlineMs: number;
  /** Time between attempts (default 2 s). */
  readonly retryPeriodMs: number;
}

/** The election fields of a Lease's spec, with Kubernetes' zero values filled in (client-go's LeaderElectionRecord). */
export interface ElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** What a candidate remembers between attempts (client-go's observedRecord / observedTime). */
export interface Observation {
  readonly record: ElectionRecord;
  /** Local clock (ms since the epoch) when this record was first seen. */
  readonly sinceMs: number;
}

/** The result of reading the Lease. */
export type LeaseRead =
  | { readonly kind: 'found'; readonly lease: Lease }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'failed'; readonly message: string };

export interface DecideInput {
  readonly read: LeaseRead;
  /** The previous observation (undefined before the first successful read). */
  readonly observed: Observation | undefined;
  /** The local clock now. */
  readonly now: Date;
  readonly identity: string;
  /** Set while this candidate leads: the local time its last successful write was sent. */
  readonly lastRenewMs: number | undefined;
  readonly timing: ElectionTiming;
  /** Where the Lease lives (for a create). */
  readonly lease: { readonly namespace: string; readonly name: string };
}

/** Why a leader stops leading. */
export type StepDownReason = 'renewDeadlineExceeded' | 'leaseTakenOver';

export type Decision =
  /** No Lease yet: create it, held by us. */
  | { readonly kind: 'create'; readonly lease: Lease; readonly observed: Observation | undefined }
  /** Take the Lease (free, expired, or ours from before): update with the read resourceVersion. */
  | { readonly kind: 'acquire'; readonly lease: Lease; readonly observed: Observation }
  /** We lead and hold it: move renewTime, CAS on the read resourceVersion. */
  | { readonly kind: 'renew'; readonly lease: Lease; readonly observed: Observation }
  /** Nothing to write now: held by someone else and not expired by our clock, or the read failed. */
  | {
      readonly kind: 'wait';
      readonly observed: Observation | undefined;
      /** The holder we saw ('' when free or unknown). */
      readonly holder: string;
      /** Local time (ms) at which the holder's lease expires by our observation, if held. */
      readonly expiresAtMs?: number;
      readonly why: 'heldByOther' | 'readFailed';
    }
  /** We led but must stop. */
  | { readonly kind: 'stepDown'; readonly observed: Observation | undefined; readonly reason: StepDownReason; readonly holder: string };

/** The lease duration as written into the record: whole seconds, rounded up, at least 1. */
export function leaseDurationSeconds(timing: ElectionTiming): number {
  return Math.max(1, Math.ceil(timing.leaseDurationMs / 1000));
}

/** The election record of a Lease (missing fields are Kubernetes' zero values). */
export function recordOf(lease: Lease): ElectionRecord {
  const s: LeaseSpec = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? '',
    renewTime: s.renewTime ?? '',
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

function sameRecord(a: ElectionRecord, b: ElectionRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/** The observation after seeing `record` at `nowMs`: unchanged (same time) if the record did not change. */
export function observe(prev: Observation | undefined, record: ElectionRecord, nowMs: number): Observation {
  return prev && sameRecord(prev.record, record) ? prev : { record, sinceMs: nowMs };
}

/** When (local ms) the observed lease expires: the record's own duration after we first saw it. */
export function expiresAtMs(o: Observation): number {
  return o.sinceMs + o.record.leaseDurationSeconds * 1000;
}

function withSpec(read: Lease, spec: LeaseSpec): Lease {
  return { ...read, spec: { ...read.spec, ...spec } };
}

function specFor(identity: string, timing: ElectionTiming, acquireTime: string, renewTime: string, transitions: number): LeaseSpec {
  return { holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds(timing), acquireTime, renewTime, leaseTransitions: transitions };
}

export function decide(i: DecideInput): Decision {
  const nowMs = i.now.getTime();
  const now = microTime(i.now);
  const leading = i.lastRenewMs !== undefined;

  // A leader past its renew deadline stops, whatever the read says: others may take over soon.
  if (leading && nowMs - i.lastRenewMs! >= i.timing.renewDeadlineMs) {
    const holder = i.read.kind === 'found' ? recordOf(i.read.lease).holderIdentity : (i.observed?.record.holderIdentity ?? '');
    return { kind: 'stepDown', observed: i.observed, reason: 'renewDeadlineExceeded', holder };
  }

  switch (i.read.kind) {
    case 'failed':
      return { kind: 'wait', observed: i.observed, holder: i.observed?.record.holderIdentity ?? '', why: 'readFailed' };
    case 'notFound': {
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: i.lease.name, namespace: i.lease.namespace },
        spec: specFor(i.identity, i.timing, now, now, 0),
      };
      return { kind: 'create', lease, observed: i.observed };
    }
    case 'found': {
      const old = recordOf(i.read.lease);
      const observed = observe(i.observed, old, nowMs);
      const mine = old.holderIdentity === i.identity;
      if (leading && !mine) return { kind: 'stepDown', observed, reason: 'leaseTakenOver', holder: old.holderIdentity };
      if (mine) {
        const lease = withSpec(i.read.lease, specFor(i.identity, i.timing, old.acquireTime || now, now, old.leaseTransitions));
        return { kind: leading ? 'renew' : 'acquire', lease, observed };
      }
      const expires = expiresAtMs(observed);
      if (old.holderIdentity !== '' && expires > nowMs) {
        return { kind: 'wait', observed, holder: old.holderIdentity, expiresAtMs: expires, why: 'heldByOther' };
      }
      const lease = withSpec(i.read.lease, specFor(i.identity, i.timing, now, now, old.leaseTransitions + 1));
      return { kind: 'acquire', lease, observed };
    }
    default: {
      const never: never = i.read;
      throw new Error(`unknown read ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The Lease that gives up leadership on a graceful stop (client-go's ReleaseOnCancel): holder
 * emptied, leaseDurationSeconds 1, both times now, transitions kept. Undefined when `read` is not
 * held by `identity` (nothing to release).
 */
export function releaseLease(read: Lease, identity: string, now: Date): Lease | undefined {
  const old = recordOf(read);
  if (old.holderIdentity !== identity) return undefined;
  const t = microTime(now);
  return withSpec(read, { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: t, renewTime: t, leaseTransitions: old.leaseTransitions });
}
