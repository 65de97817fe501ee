/**
 * Two controller-managers against one gateway, electing a leader on kube-system/kube-controller-manager:
 * exactly one runs controllers; when it crashes (stops renewing without releasing) mid-rollout the
 * standby takes over once the lease expires by its own clock, and the rollout finishes with exactly
 * N pods of the new template, no pod name created twice; a graceful close releases the lease so a
 * standby takes over at its next attempt, well before the lease would have expired.
 *
 * Times are bounded waits, not performance figures: a takeover after a crash must happen within
 * leaseDuration + retryPeriod (plus slack for the requests on a loaded machine) of the crash.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { startScheduler, type RunningScheduler } from '../../services/scheduler/index.js';
import { api, startStack, type Stack } from '../stack.js';
import { streamEvents } from '../harness.js';
import { createNodes, eventually, getDeployment, isActive, isReady, listPods, patchDeployment, startFakeKubelet } from '../controller-stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const LEASE_MS = 4000;
const RENEW_DEADLINE_MS = 3000;
const RETRY_MS = 500;
/** Requests to the gateway on a busy 2-core machine. */
const SLACK_MS = 1500;
const CM_LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager';

describe('leader election between two controller-managers', { timeout: 180_000 }, () => {
  let stack: Stack;
  const running: RunningControllerManager[] = [];

  const startCm = async (identity: string) => {
    const cm = await startControllerManager({ ...stack.cfg, gatewayUrl: stack.url }, silent, {
      controllers: ['replicaset', 'deployment'],
      workers: 4,
      port: 0,
      host: '127.0.0.1',
      leaderElection: { identity, leaseDurationMs: LEASE_MS, renewDeadlineMs: RENEW_DEADLINE_MS, retryPeriodMs: RETRY_MS, jitterFactor: 0 },
    });
    running.push(cm);
    return cm;
  };
  const lease = async () => {
    const r = await api(stack.url, 'GET', CM_LEASE);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const metric = async (cm: RunningControllerManager) => {
    const text = await (await fetch(`${cm.url}/metrics`)).text();
    const m = /^jetkube_leader_is_leader\{name="kube-controller-manager"\} (\d)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  };

  before(async () => {
    stack = await startStack('leader');
  });
  after(async () => {
    for (const cm of running) await cm.close().catch(() => undefined);
    await stack?.close();
  });

  let a: RunningControllerManager;
  let b: RunningControllerManager;

  it('exactly one leads; the standby is healthy, ready as "standby", and runs no controller', async () => {
    a = await startCm('cm-a');
    b = await startCm('cm-b');
    assert.equal(a.isLeader(), true, 'the first one took the free lease');
    assert.equal(b.isLeader(), false);
    const l = await lease();
    assert.equal(l.spec.holderIdentity, 'cm-a');
    assert.equal(l.spec.leaseDurationSeconds, LEASE_MS / 1000);
    assert.equal(l.spec.leaseTransitions, 0);
    assert.match(l.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime');
    assert.equal(await metric(a), 1);
    assert.equal(await metric(b), 0);
    assert.equal(b.controllers.length, 0);
    assert.equal(a.controllers.length, 2);

    // Keep watching through several renewals (a positive signal: renewTime moved twice).
    const t0 = l.spec.renewTime;
    const seen = new Set<string>([t0]);
    await eventually('two renewals', async () => {
      const cur = await lease();
      assert.equal(cur.spec.holderIdentity, 'cm-a', 'the leader keeps the lease');
      assert.equal(b.isLeader(), false, 'the standby never leads while the leader renews');
      seen.add(cur.spec.renewTime);
      return seen.size >= 3;
    }, 10_000, 50);
    assert.equal((await lease()).spec.acquireTime, l.spec.acquireTime, 'renewals keep acquireTime');

    const readyB = await fetch(`${b.url}/readyz`);
    assert.equal(readyB.status, 200);
    assert.equal(((await readyB.json()) as any).leaderElection, 'standby');
    assert.equal((await fetch(`${b.url}/healthz`)).status, 200);
    const readyA = await fetch(`${a.url}/readyz`);
    assert.equal(((await readyA.json()) as any).leaderElection, 'leader');
  });

  it('the leader crashes mid-rollout: the standby takes over within leaseDuration + retryPeriod, and the rollout ends with exactly N new pods, none created twice', async (t) => {
    const url = stack.url;
    const N = 6;
    await createNodes(url, ['n1']);
    const labels = { app: 'roll' };
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'roll', labels },
      spec: {
        replicas: N,
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
        template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } },
      },
    };
    assert.equal((await api(url, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep)).status, 201);
    const kubelet = startFakeKubelet(url, { intervalMs: 300 });
    try {
      const podsOf = async (image: string) => (await listPods(url, 'app=roll')).filter((p) => isActive(p) && p.spec.containers[0]!.image === image);
      await eventually('6 ready pods of nginx:1.26', async () => (await podsOf('nginx:1.26')).filter(isReady).length === N, 45_000);
      await patchDeployment(url, 'roll', { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } } });
      await eventually('the rollout under way', async () => {
        const fresh = (await podsOf('nginx:1.27')).length;
        return fresh >= 2 && fresh < N;
      }, 30_000, 50);

      const transitions = (await lease()).spec.leaseTransitions;
      const crashedAt = Date.now();
      await a.close({ release: false }); // a crash: renewals stop, the lease is left as it was
      assert.equal((await lease()).spec.holderIdentity, 'cm-a', 'a crash does not release');
      await eventually('the standby holds the lease', async () => (await lease()).spec.holderIdentity === 'cm-b', LEASE_MS + RETRY_MS + SLACK_MS, 50);
      const tookMs = Date.now() - crashedAt;
      t.diagnostic(`takeover ${tookMs} ms after the crash (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`);
      assert.ok(tookMs >= LEASE_MS - RETRY_MS, `the standby waited for the lease to expire by its own clock (${tookMs} ms)`);
      await eventually("the standby's metric says leader", async () => (await metric(b)) === 1, 5000, 50);
      assert.equal(b.isLeader(), true);
      assert.equal((await lease()).spec.leaseTransitions, transitions + 1, 'a change of holder is a transition');

      await eventually(
        `exactly ${N} ready pods of nginx:1.27 and nothing else`,
        async () => {
          const d = await getDeployment(url, 'roll');
          const s = d.status ?? {};
          if (s.observedGeneration !== d.metadata.generation || s.updatedReplicas !== N || s.availableReplicas !== N || s.replicas !== N) return false;
          const all = await listPods(url, 'app=roll');
          return all.length === N && all.every((p) => isActive(p) && isReady(p) && p.spec.containers[0]!.image === 'nginx:1.27');
        },
        60_000,
      );
    } finally {
      await kubelet.stop();
    }
    const added = new Map<string, number>();
    for (const e of await streamEvents(stack.cfg)) {
      if (e.object.kind === 'Pod' && e.type === 'ADDED') added.set(e.object.metadata.name!, (added.get(e.object.metadata.name!) ?? 0) + 1);
    }
    const twice = [...added].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'no pod name created twice');
    const kept = (await listPods(url, 'app=roll')).map((p) => p.metadata.name);
    assert.equal(kept.length, N);
    for (const n of kept) assert.equal(added.get(n), 1);
  });

  it('a graceful close releases the lease: the standby takes over at its next attempt, not after the lease expires', async () => {
    const c = await startCm('cm-c');
    assert.equal(c.isLeader(), false);
    await eventually('cm-c has seen the holder', async () => c.elector!.leader() === 'cm-b', 5000, 20);
    const transitions = (await lease()).spec.leaseTransitions;
    await b.close(); // release
    const releasedAt = Date.now();
    await eventually('cm-c holds the lease', async () => (await lease()).spec.holderIdentity === 'cm-c', RETRY_MS + SLACK_MS, 20);
    assert.ok(Date.now() - releasedAt < LEASE_MS, 'well before the released lease could have expired');
    assert.equal(c.isLeader(), true);
    const l = await lease();
    assert.equal(l.spec.leaseTransitions, transitions + 1);
    assert.equal(l.spec.leaseDurationSeconds, LEASE_MS / 1000);
    await c.close();
    const released = await lease();
    assert.equal(released.spec.holderIdentity, '', 'released: holder emptied');
    assert.equal(released.spec.leaseDurationSeconds, 1, 'released: 1 s, as client-go writes it');
  });
});

describe('leader election between two schedulers', { timeout: 60_000 }, () => {
  let stack: Stack;
  const running: RunningScheduler[] = [];
  before(async () => {
    stack = await startStack('leadersched');
  });
  after(async () => {
    for (const s of running) await s.close().catch(() => undefined);
    await stack?.close();
  });

  it('only the leader binds pods; after it crashes the standby (with warm caches) binds the next one', async () => {
    const start = async (identity: string) => {
      const s = await startScheduler({ ...stack.cfg, gatewayUrl: stack.url }, silent, {
        leaderElection: { identity, leaseDurationMs: LEASE_MS, renewDeadlineMs: RENEW_DEADLINE_MS, retryPeriodMs: RETRY_MS, jitterFactor: 0 },
        scheduledEvents: false,
      });
      running.push(s);
      return s;
    };
    const s1 = await start('sched-1');
    const s2 = await start('sched-2');
    assert.equal(s1.isLeader(), true);
    assert.equal(s2.isLeader(), false);
    await createNodes(stack.url, ['n1']);
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const nodeOf = async (name: string) => (await api(stack.url, 'GET', `/api/v1/namespaces/default/pods/${name}`)).body.spec.nodeName;
    assert.equal((await api(stack.url, 'POST', '/api/v1/namespaces/default/pods', pod('p1'))).status, 201);
    await eventually('p1 bound', async () => (await nodeOf('p1')) === 'n1', 10_000, 50);
    // The standby's caches are warm: it saw the node and the binding without scheduling anything.
    await eventually('the standby\'s informers synced', async () => s2.ctx.informers.hasSynced(), 5000, 50);

    await s1.close({ release: false });
    assert.equal((await api(stack.url, 'POST', '/api/v1/namespaces/default/pods', pod('p2'))).status, 201);
    await eventually('sched-2 leads', async () => s2.isLeader(), LEASE_MS + RETRY_MS + SLACK_MS, 50);
    await eventually('p2 bound by the new leader', async () => (await nodeOf('p2')) === 'n1', 10_000, 50);
  });
});
