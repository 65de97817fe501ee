/**
 * The elector loop against an in-memory Lease store with the gateway's CAS rules (a stale
 * resourceVersion is 409 Conflict, a create on a live name 409 AlreadyExists): real timers, short
 * durations, bounded waits.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { alreadyExists, conflict, notFound, ApiError } from '../../shared/errors.js';
import type { Lease } from '../../shared/resources/types.js';
import { LeaderElector, type LeaseClient, type LostReason } from '../../shared/leaderelection/index.js';
import { eventually, sleep } from '../wait.js';

const silent = createLogger('test', 'silent');
const timing = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

/** One Lease store; each client can be made to hang (requests never answer) or fail. */
class Store {
  lease: Lease | undefined;
  rv = 0;
  client(): LeaseClient & { mode: 'ok' | 'hang' | 'fail'; getDelayMs: number } {
    const store = this;
    const gate = async <T>(c: { mode: string }, fn: () => T): Promise<T> => {
      if (c.mode === 'hang') return new Promise<T>(() => undefined);
      if (c.mode === 'fail') throw new ApiError('ServiceUnavailable', 'gateway unreachable');
      await sleep(1);
      return fn();
    };
    const c = {
      mode: 'ok' as 'ok' | 'hang' | 'fail',
      /** A slow read (a loaded gateway): the GET answers after this long. */
      getDelayMs: 0,
      get: async (_ns: string | undefined, name: string) =>
        (c.getDelayMs && (await sleep(c.getDelayMs)),
        gate(c, () => {
          if (!store.lease) throw notFound('leases', 'coordination.k8s.io', name);
          return structuredClone(store.lease);
        })),
      create: (_ns: string | undefined, l: Lease) =>
        gate(c, () => {
          if (store.lease) throw alreadyExists('leases', 'coordination.k8s.io', l.metadata.name!);
          store.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++store.rv) } };
          return structuredClone(store.lease);
        }),
      update: (l: Lease) =>
        gate(c, () => {
          if (!store.lease || l.metadata.resourceVersion !== store.lease.metadata.resourceVersion) throw conflict('leases', 'coordination.k8s.io', l.metadata.name!, 'stale');
          store.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++store.rv) } };
          return structuredClone(store.lease);
        }),
    };
    return c;
  }
}

function elector(store: Store, identity: string, lost: LostReason[] = []) {
  const client = store.client();
  const e = new LeaderElector({
    leases: client,
    namespace: 'kube-system',
    name: 'kube-test',
    identity,
    timing,
    jitterFactor: 0,
    log: silent,
    onStartedLeading: () => undefined,
    onStoppedLeading: (r) => void lost.push(r),
  });
  return { e, client, lost };
}

describe('LeaderElector', () => {
  it('a leader whose requests hang stops leading within renewDeadline; the other takes over after the lease expires', async () => {
    const store = new Store();
    const a = elector(store, 'a');
    const b = elector(store, 'b');
    await a.e.start();
    await b.e.start();
    assert.equal(a.e.isLeader(), true);
    assert.equal(b.e.isLeader(), false);
    const hungAt = Date.now();
    a.client.mode = 'hang';
    await eventually('a stops leading', async () => a.lost.length > 0, timing.renewDeadlineMs + 500, 10);
    assert.deepEqual(a.lost, ['renewDeadlineExceeded']);
    assert.equal(a.e.state, 'lost');
    assert.equal(b.e.isLeader(), false, 'b waits for the lease to expire by its own clock');
    await eventually('b leads', async () => b.e.isLeader(), timing.leaseDurationMs + timing.retryPeriodMs + 500, 10);
    assert.ok(Date.now() - hungAt >= timing.leaseDurationMs - timing.retryPeriodMs, 'not before the lease expired');
    assert.equal(store.lease!.spec!.holderIdentity, 'b');
    assert.equal(store.lease!.spec!.leaseTransitions, 1);
    assert.ok(a.e.check() !== undefined, 'a lost elector fails its health check');
    await a.e.stop({ release: false });
    await b.e.stop();
    assert.equal(store.lease!.spec!.holderIdentity, '');
  });

  it('a leader that cannot reach the gateway keeps leading until renewDeadline, then stops', async () => {
    const store = new Store();
    const a = elector(store, 'a');
    await a.e.start();
    a.client.mode = 'fail';
    await sleep(timing.renewDeadlineMs / 2);
    assert.equal(a.e.isLeader(), true, 'within the deadline it retries');
    await eventually('a stops leading', async () => a.lost.length > 0, timing.renewDeadlineMs + 500, 10);
    await a.e.stop({ release: false });
  });

  it('stop() releases the lease and a candidate takes it at its next attempt', async () => {
    const store = new Store();
    const a = elector(store, 'a');
    const b = elector(store, 'b');
    await a.e.start();
    await b.e.start();
    await sleep(3 * timing.retryPeriodMs);
    await a.e.stop();
    assert.equal(store.lease!.spec!.holderIdentity, '');
    assert.equal(store.lease!.spec!.leaseDurationSeconds, 1);
    assert.deepEqual(a.lost, [], 'a graceful stop is not a loss');
    await eventually('b leads', async () => b.e.isLeader(), 2 * timing.retryPeriodMs + 200, 5);
    await b.e.stop();
  });

  it('a slow read before taking the lease does not eat the renew deadline (found by the chaos test)', async () => {
    // The deadline counts from when the winning write was sent: nobody can see the new record before.
    // It counted from the start of the attempt, read included: a candidate whose GET took most of
    // the renew deadline became leader and stepped down before its first renewal.
    const store = new Store();
    const a = elector(store, 'a');
    a.client.getDelayMs = timing.renewDeadlineMs - 50;
    await a.e.start();
    assert.equal(a.e.isLeader(), true);
    a.client.getDelayMs = 0;
    await sleep(2 * timing.renewDeadlineMs);
    assert.deepEqual(a.lost, [], 'still leading');
    assert.equal(a.e.isLeader(), true);
    await a.e.stop();
  });

  it('two candidates starting at once: one create wins, the other stands by', async () => {
    const store = new Store();
    const a = elector(store, 'a');
    const b = elector(store, 'b');
    await Promise.all([a.e.start(), b.e.start()]);
    assert.equal(Number(a.e.isLeader()) + Number(b.e.isLeader()), 1);
    await sleep(5 * timing.retryPeriodMs);
    assert.equal(Number(a.e.isLeader()) + Number(b.e.isLeader()), 1);
    await a.e.stop();
    await b.e.stop();
  });
});
