/**
 * A fake pool's heartbeats and PLEG (issue 12): renewals spread over the interval and never caught
 * up in bursts, late renewals told apart, the pool's bound on pod syncs, and the fake runtime
 * telling its container changes (evented PLEG) and listing one pod from its index.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstDelayMs, HEARTBEAT_JITTER, nextDelayMs, renewalLate } from '../../services/kubelet/heartbeat-schedule.js';
import { sameButHeartbeat, statusWriteDue } from '../../services/kubelet/node-status.js';
import type { NodeStatus } from '../../shared/resources/types.js';
import { every, SyncSlots } from '../../services/kubelet/periodic.js';
import { FakeRuntime } from '../../services/kubelet/runtime/fake.js';
import { isEventedRuntime, LABELS, type ContainerConfig, type RuntimeContainer } from '../../services/kubelet/runtime/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('firstDelayMs (a pool spread over the interval)', () => {
  const cases: { name: string; slot: { index: number; of: number }; rand: number; phase?: number; want: number }[] = [
    { name: 'the first slot, no jitter: at once', slot: { index: 0, of: 4 }, rand: 0, want: 0 },
    { name: 'slot 2 of 4: halfway', slot: { index: 2, of: 4 }, rand: 0, want: 5000 },
    { name: 'jitter moves it up to half a slot', slot: { index: 2, of: 4 }, rand: 0.999, want: 6248 },
    { name: 'a phase shifts the pool, wrapping round', slot: { index: 3, of: 4 }, rand: 0, phase: 0.5, want: 2500 },
    { name: 'one node alone: within the first half interval', slot: { index: 0, of: 1 }, rand: 0.5, want: 2500 },
    { name: 'of 0 is taken as 1', slot: { index: 0, of: 0 }, rand: 0, want: 0 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(firstDelayMs(10_000, c.slot, c.rand, c.phase), c.want));

  it('5,000 nodes: every second of a 10 s interval gets 500 first renewals (± 1)', () => {
    const perSecond = new Array<number>(10).fill(0);
    for (let i = 0; i < 5000; i++) perSecond[Math.floor(firstDelayMs(10_000, { index: i, of: 5000 }, Math.random()) / 1000)]!++;
    for (const n of perSecond) assert.ok(Math.abs(n - 500) <= 1, `${perSecond}`);
  });
});

describe('nextDelayMs (one interval after the last due time, ± jitter, no catch-up)', () => {
  const cases: { name: string; lastDue: number; now: number; rand: number; want: number }[] = [
    { name: 'on time, no jitter: one interval', lastDue: 0, now: 50, rand: 0.5, want: 9950 },
    { name: 'lowest jitter', lastDue: 0, now: 0, rand: 0, want: 10_000 * (1 - HEARTBEAT_JITTER) },
    { name: 'highest jitter', lastDue: 0, now: 0, rand: 1, want: 10_000 * (1 + HEARTBEAT_JITTER) },
    { name: 'a run that took longer than the interval: the next at once, once', lastDue: 0, now: 25_000, rand: 0.5, want: 0 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(nextDelayMs(10_000, c.lastDue, c.now, c.rand), c.want));
});

describe('renewalLate', () => {
  const cases: { name: string; prev: number | undefined; now: number; want: boolean }[] = [
    { name: 'the first renewal is never late', prev: undefined, now: 1e9, want: false },
    { name: 'one interval after the last', prev: 0, now: 10_000, want: false },
    { name: 'at 1.5 intervals', prev: 0, now: 15_000, want: false },
    { name: 'past 1.5 intervals', prev: 0, now: 15_001, want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(renewalLate(c.prev, c.now, 10_000), c.want));
});

describe('every (periodic task)', () => {
  it('runs at the first delay, then each interval after the run was due, never two at once, and stops', async () => {
    const dues: number[] = [];
    let running = 0;
    let overlapped = false;
    const t0 = Date.now();
    const stop = every({
      intervalMs: 30,
      firstDelayMs: 5,
      nextDelayMs: (due, now) => nextDelayMs(30, due, now, 0.5),
      onError: () => undefined,
      task: async (due) => {
        overlapped ||= running > 0;
        running++;
        dues.push(due - t0);
        await sleep(40); // longer than the interval: the next one is due at once, once
        running--;
      },
    });
    await sleep(300);
    stop();
    const n = dues.length;
    await sleep(80);
    assert.equal(overlapped, false);
    assert.equal(dues.length, n, 'nothing after stop');
    // 40 ms runs back to back: at most 300 / 40 (+ the one in flight at stop), at least two.
    assert.ok(n >= 2 && n <= 9, `runs ${n}`);
    assert.ok(dues[0]! >= 4 && dues[0]! <= 15, `first due ${dues[0]}`);
  });

  it('a failed run is reported and the task goes on', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const stop = every({ intervalMs: 10, firstDelayMs: 0, nextDelayMs: () => 10, onError: (e) => errors.push(e), task: async () => {
      runs++;
      throw new Error('boom');
    } });
    await sleep(100);
    stop();
    assert.ok(runs >= 2);
    assert.equal(errors.length, runs);
  });
});

describe('SyncSlots (a pool bounds its pod syncs in flight)', () => {
  it('runs at most `limit` at once, the rest in arrival order, a failure frees its slot', async () => {
    const slots = new SyncSlots(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number, fail = false) =>
      slots.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await sleep(5);
        active--;
        if (fail) throw new Error('boom');
        return i;
      });
    const results = await Promise.allSettled([job(0, true), job(1), job(2), job(3), job(4)]);
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(results[0]!.status, 'rejected');
    assert.deepEqual(results.slice(1).map((r) => (r as PromiseFulfilledResult<number>).value), [1, 2, 3, 4]);
    assert.equal(slots.active, 0);
    assert.equal(slots.queued, 0);
  });
});

describe('fake runtime: evented PLEG and the per-pod index', () => {
  const cfg = (pod: string, command: string[] = [], node = 'n1'): ContainerConfig => ({
    image: 'pause',
    command,
    args: [],
    env: {},
    labels: { [LABELS.node]: node, [LABELS.podNamespace]: 'ns', [LABELS.podName]: pod, [LABELS.container]: 'c' },
    ports: [],
  });

  it('tells start, stop, removal and an exit by itself, until unsubscribed', async () => {
    const rt = new FakeRuntime({ exitAfterMs: 10 });
    assert.ok(isEventedRuntime(rt));
    const seen: string[] = [];
    const off = rt.onContainerChange((c: RuntimeContainer) => seen.push(`${c.labels[LABELS.podName]}:${c.state}`));
    const a = await rt.start(cfg('a'));
    await rt.start(cfg('job', ['true']));
    await rt.stop(a);
    await rt.remove(a);
    await sleep(40); // the `true` container exits by itself: told without a list
    off();
    await rt.start(cfg('b'));
    assert.deepEqual(seen, ['a:running', 'job:running', 'a:exited', 'a:exited', 'job:exited']);
    await rt.close();
  });

  it("one pod's list comes from the index, in start order, and matches a full scan", async () => {
    const rt = new FakeRuntime();
    const ids = [await rt.start(cfg('a')), await rt.start(cfg('b')), await rt.start(cfg('a')), await rt.start(cfg('a', [], 'n2'))];
    const one = { [LABELS.node]: 'n1', [LABELS.podNamespace]: 'ns', [LABELS.podName]: 'a' };
    assert.deepEqual((await rt.list(one)).map((c) => c.id), [ids[0], ids[2]]);
    const scan = (await rt.list({})).filter((c) => c.labels[LABELS.node] === 'n1' && c.labels[LABELS.podName] === 'a');
    assert.deepEqual(await rt.list(one), scan);
    await rt.remove(ids[0]!);
    assert.deepEqual((await rt.list(one)).map((c) => c.id), [ids[2]]);
    assert.deepEqual(await rt.list({ [LABELS.podNamespace]: 'ns', [LABELS.podName]: 'gone' }), []);
  });
});

describe('statusWriteDue (a node status write only for a change or an old heartbeat)', () => {
  const cond = (type: string, status: string, beat: string) => ({ type, status, lastHeartbeatTime: beat, lastTransitionTime: 't0', reason: 'r', message: 'm' });
  const status = (beat: string, ready = 'True', extra: Record<string, unknown> = {}) =>
    ({ capacity: { cpu: '2', pods: '110' }, conditions: [cond('MemoryPressure', 'False', beat), cond('Ready', ready, beat)], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], ...extra }) as unknown as NodeStatus;
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString().replace('.000', '');
  const now = new Date(Date.UTC(2026, 0, 1, 0, 0, 30));
  const cases: { name: string; current: NodeStatus | undefined; desired: NodeStatus; want: boolean }[] = [
    { name: 'nothing stored yet', current: undefined, desired: status(t(30)), want: true },
    { name: 'only the heartbeat moved, and it is recent', current: status(t(20)), desired: status(t(30)), want: false },
    { name: 'only the heartbeat moved, and it is older than the report interval', current: status(t(0)), desired: status(t(30)), want: true },
    { name: 'a condition changed', current: status(t(20), 'True'), desired: status(t(30), 'False'), want: true },
    { name: 'keys in another order are no change', current: { ...({ addresses: status(t(20)).addresses, conditions: status(t(20)).conditions, capacity: { pods: '110', cpu: '2' } } as unknown as NodeStatus) }, desired: status(t(30)), want: false },
    { name: 'an undefined field is an absent one', current: status(t(20)), desired: status(t(30), 'True', { nodeInfo: undefined }), want: false },
    { name: 'a field added is a change', current: status(t(20)), desired: status(t(30), 'True', { daemonEndpoints: { kubeletEndpoint: { Port: 1 } } }), want: true },
    { name: 'a condition fewer is a change', current: status(t(20)), desired: { ...status(t(30)), conditions: status(t(30)).conditions!.slice(1) }, want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(statusWriteDue(c.current, c.desired, now, 25_000), c.want));

  it('sameButHeartbeat ignores lastHeartbeatTime only', () => {
    assert.equal(sameButHeartbeat({ a: [1, { lastHeartbeatTime: 'x', b: 2 }] }, { a: [1, { b: 2, lastHeartbeatTime: 'y' }] }), true);
    assert.equal(sameButHeartbeat({ a: [1, { lastTransitionTime: 'x' }] }, { a: [1, { lastTransitionTime: 'y' }] }), false);
    assert.equal(sameButHeartbeat([1, 2], { 0: 1, 1: 2 }), false);
    assert.equal(sameButHeartbeat(null, {}), false);
  });
});

describe('fake runtime container ids', () => {
  it('are 24 hex digits, unique within a runtime and across two', async () => {
    const a = new FakeRuntime();
    const b = new FakeRuntime();
    const c = (r: FakeRuntime) => r.start({ image: 'pause', command: [], args: [], env: {}, labels: {}, ports: [] });
    const ids = [await c(a), await c(a), await c(b), await c(b)];
    for (const id of ids) assert.match(id, /^[0-9a-f]{24}$/);
    assert.equal(new Set(ids).size, 4);
  });
});
