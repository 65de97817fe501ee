import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, LeaseSpec } from '../../shared/resources/types.js';
import {
  decide,
  leaderElectionFromArgs,
  leaderElectionFromEnv,
  leaseDurationSeconds,
  observe,
  parseDuration,
  recordOf,
  releaseLease,
  resolveLeaderElection,
  type DecideInput,
  type Decision,
  type LeaseRead,
  type Observation,
} from '../../shared/leaderelection/index.js';

const ME = 'host-a_1111';
const OTHER = 'host-b_2222';
const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const T0 = Date.parse('2026-12-06T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const micro = (s: number) => at(s).toISOString().replace(/Z$/, '000Z');

function lease(spec: LeaseSpec, rv = '42'): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'kube-controller-manager', namespace: 'kube-system', resourceVersion: rv, uid: 'u1' },
    spec,
  };
}
const held = (holder: string, renewedAt = -1, transitions = 3): Lease =>
  lease({ holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: micro(-100), renewTime: micro(renewedAt), leaseTransitions: transitions });
const found = (l: Lease): LeaseRead => ({ kind: 'found', lease: l });
/** We saw exactly this lease's record first at local time `s`. */
const sawAt = (l: Lease, s: number): Observation => ({ record: recordOf(l), sinceMs: T0 + s * 1000 });

interface Row {
  readonly name: string;
  readonly read: LeaseRead;
  readonly observed?: Observation;
  readonly now: number;
  /** Leading, with the last successful write sent at this time (s). */
  readonly lastRenew?: number;
  readonly expect: Decision['kind'];
  /** Checks on the lease to write (or on the decision). */
  readonly check?: (d: Decision) => void;
}

const spec = (d: Decision): LeaseSpec => {
  assert.ok(d.kind === 'create' || d.kind === 'acquire' || d.kind === 'renew', `a write, got ${d.kind}`);
  return d.lease.spec!;
};

const rows: Row[] = [
  {
    name: 'no lease yet → create it, held by me, 0 transitions',
    read: { kind: 'notFound' },
    now: 0,
    expect: 'create',
    check: (d) => {
      assert.deepEqual(spec(d), { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: micro(0), renewTime: micro(0), leaseTransitions: 0 });
      assert.ok(d.kind === 'create' && d.lease.metadata.namespace === 'kube-system' && d.lease.metadata.name === 'kube-controller-manager');
    },
  },
  {
    name: 'held by another, first sight → wait (its lease runs a full duration from now by my clock)',
    read: found(held(OTHER, -1000)),
    now: 0,
    expect: 'wait',
    check: (d) => assert.ok(d.kind === 'wait' && d.holder === OTHER && d.expiresAtMs === T0 + 15_000 && d.why === 'heldByOther'),
  },
  {
    name: 'held by another, renewTime far in the past but the record just seen → wait (remote times are not compared with mine)',
    read: found(held(OTHER, -3600)),
    observed: undefined,
    now: 5,
    expect: 'wait',
  },
  {
    name: 'held by another, unchanged for 14.9 s of my clock → wait',
    read: found(held(OTHER)),
    observed: sawAt(held(OTHER), 0),
    now: 14.9,
    expect: 'wait',
  },
  {
    name: 'held by another, unchanged for 15 s of my clock → acquire, transitions + 1, CAS on the read resourceVersion',
    read: found(held(OTHER)),
    observed: sawAt(held(OTHER), 0),
    now: 15,
    expect: 'acquire',
    check: (d) => {
      assert.deepEqual(spec(d), { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: micro(15), renewTime: micro(15), leaseTransitions: 4 });
      assert.ok(d.kind === 'acquire' && d.lease.metadata.resourceVersion === '42' && d.lease.metadata.uid === 'u1');
    },
  },
  {
    name: 'held by another, renewed since I last looked → wait, and the observation restarts now',
    read: found(held(OTHER, 12)),
    observed: sawAt(held(OTHER, 0), 0),
    now: 16,
    expect: 'wait',
    check: (d) => assert.ok(d.kind === 'wait' && d.observed?.sinceMs === T0 + 16_000 && d.expiresAtMs === T0 + 31_000),
  },
  {
    name: 'the expiry uses the record\'s leaseDurationSeconds (a released lease of 1 s)',
    read: found(lease({ holderIdentity: OTHER, leaseDurationSeconds: 1, renewTime: micro(0), leaseTransitions: 2 })),
    observed: sawAt(lease({ holderIdentity: OTHER, leaseDurationSeconds: 1, renewTime: micro(0), leaseTransitions: 2 }), 0),
    now: 1,
    expect: 'acquire',
    check: (d) => assert.equal(spec(d).leaseTransitions, 3),
  },
  {
    name: 'released (holder empty) → acquire at once',
    read: found(lease({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: micro(0), renewTime: micro(0), leaseTransitions: 5 })),
    now: 0,
    expect: 'acquire',
    check: (d) => assert.deepEqual(spec(d), { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: micro(0), renewTime: micro(0), leaseTransitions: 6 }),
  },
  {
    name: 'a lease with no spec at all is free',
    read: found({ ...lease({}), spec: undefined } as Lease),
    now: 0,
    expect: 'acquire',
    check: (d) => assert.equal(spec(d).leaseTransitions, 1),
  },
  {
    name: 'leader, holding it → renew: renewTime moves, acquireTime and transitions stay',
    read: found(held(ME, 0)),
    observed: sawAt(held(ME, 0), 0),
    now: 2,
    lastRenew: 0,
    expect: 'renew',
    check: (d) =>
      assert.deepEqual(spec(d), { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: micro(-100), renewTime: micro(2), leaseTransitions: 3 }),
  },
  {
    name: 'leader, renew failing for less than renewDeadline → keep trying',
    read: { kind: 'failed', message: 'gateway unreachable' },
    observed: sawAt(held(ME, 0), 0),
    now: 9.9,
    lastRenew: 0,
    expect: 'wait',
    check: (d) => assert.ok(d.kind === 'wait' && d.why === 'readFailed'),
  },
  {
    name: 'leader, no successful renewal for renewDeadline → step down',
    read: { kind: 'failed', message: 'gateway unreachable' },
    observed: sawAt(held(ME, 0), 0),
    now: 10,
    lastRenew: 0,
    expect: 'stepDown',
    check: (d) => assert.ok(d.kind === 'stepDown' && d.reason === 'renewDeadlineExceeded'),
  },
  {
    name: 'leader past renewDeadline steps down even if the lease still reads as mine',
    read: found(held(ME, 0)),
    observed: sawAt(held(ME, 0), 0),
    now: 11,
    lastRenew: 0,
    expect: 'stepDown',
  },
  {
    name: 'leader reads another holder → step down at once',
    read: found(held(OTHER, 3, 4)),
    observed: sawAt(held(ME, 0), 0),
    now: 4,
    lastRenew: 2,
    expect: 'stepDown',
    check: (d) => assert.ok(d.kind === 'stepDown' && d.reason === 'leaseTakenOver' && d.holder === OTHER),
  },
  {
    name: 'leader finds the lease deleted → create it again',
    read: { kind: 'notFound' },
    observed: sawAt(held(ME, 0), 0),
    now: 2,
    lastRenew: 0,
    expect: 'create',
  },
  {
    name: 'candidate, read failed → wait',
    read: { kind: 'failed', message: '503' },
    now: 0,
    expect: 'wait',
    check: (d) => assert.ok(d.kind === 'wait' && d.why === 'readFailed' && d.holder === ''),
  },
  {
    name: 'candidate finds its own identity (a write that landed after it gave up) → acquire, keeping transitions',
    read: found(held(ME, 0)),
    now: 1,
    expect: 'acquire',
    check: (d) => assert.equal(spec(d).leaseTransitions, 3),
  },
];

describe('leader election: decide', () => {
  for (const r of rows) {
    it(r.name, () => {
      const input: DecideInput = {
        read: r.read,
        observed: r.observed,
        now: at(r.now),
        identity: ME,
        lastRenewMs: r.lastRenew === undefined ? undefined : T0 + r.lastRenew * 1000,
        timing,
        lease: { namespace: 'kube-system', name: 'kube-controller-manager' },
      };
      const d = decide(input);
      assert.equal(d.kind, r.expect, JSON.stringify(d));
      r.check?.(d);
    });
  }

  it('a lease duration in milliseconds is written as whole seconds, rounded up (at least 1)', () => {
    assert.equal(leaseDurationSeconds({ ...timing, leaseDurationMs: 1500 }), 2);
    assert.equal(leaseDurationSeconds({ ...timing, leaseDurationMs: 15_000 }), 15);
    assert.equal(leaseDurationSeconds({ ...timing, leaseDurationMs: 200 }), 1);
  });

  it('observe keeps the first-seen time while the record does not change', () => {
    const o1 = observe(undefined, recordOf(held(OTHER, 0)), T0);
    assert.equal(observe(o1, recordOf(held(OTHER, 0)), T0 + 9000), o1);
    assert.equal(observe(o1, recordOf(held(OTHER, 2)), T0 + 9000).sinceMs, T0 + 9000);
  });
});

describe('leader election: release', () => {
  it('empties the holder, sets a 1 s duration and now, keeps transitions and the resourceVersion', () => {
    const l = releaseLease(held(ME, 0, 7), ME, at(5))!;
    assert.deepEqual(l.spec, { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: micro(5), renewTime: micro(5), leaseTransitions: 7 });
    assert.equal(l.metadata.resourceVersion, '42');
  });
  it('releases nothing that another holds', () => {
    assert.equal(releaseLease(held(OTHER), ME, at(5)), undefined);
  });
});

describe('leader election: settings', () => {
  it('defaults: on, 15 s, 10 s, 2 s', () => {
    assert.deepEqual(resolveLeaderElection(), { enabled: true, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  });
  it('flags over the environment', () => {
    const env = leaderElectionFromEnv({ LEADER_ELECT: 'true', LEADER_ELECT_LEASE_DURATION: '30', LEADER_ELECT_RETRY_PERIOD: '500ms' });
    const args = leaderElectionFromArgs(['--leader-elect=false', '--leader-elect-lease-duration', '20s', '--other', 'x']);
    assert.deepEqual(resolveLeaderElection(env, args), { enabled: false, leaseDurationMs: 20_000, renewDeadlineMs: 10_000, retryPeriodMs: 500 });
    assert.deepEqual(leaderElectionFromArgs(['--leader-elect']), { enabled: true });
    assert.deepEqual(leaderElectionFromArgs(['--leader-elect', 'false']), { enabled: false });
  });
  it('durations: Go-style or seconds', () => {
    assert.equal(parseDuration('1m30s', 'd'), 90_000);
    assert.equal(parseDuration('1.5', 'd'), 1500);
    assert.throws(() => parseDuration('soon', 'd'), /duration/);
  });
  it("client-go's constraints: leaseDuration > renewDeadline > 1.2 × retryPeriod", () => {
    assert.throws(() => resolveLeaderElection({ leaseDurationMs: 10_000 }), /greater than the renew deadline/);
    assert.throws(() => resolveLeaderElection({ retryPeriodMs: 9_000 }), /retry period/);
  });
});
