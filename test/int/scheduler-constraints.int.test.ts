/**
 * The scheduler's pod constraints on real NATS and Postgres, through the gateway: a Deployment
 * with required anti-affinity on hostname over two nodes leaves its third pod Pending with the
 * Kubernetes condition and Event; a DoNotSchedule zone spread puts pods on both zones; a gated
 * pod waits (PodScheduled=False/SchedulingGated, no FailedScheduling) until its gate is removed,
 * and a gate can't be added back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startScheduler, type RunningScheduler } from '../../services/scheduler/index.js';
import { api } from '../stack.js';
import { startControllerStack, type ControllerStack } from '../controller-stack.js';
import { eventually } from '../wait.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const NS = '/api/v1/namespaces/default';
const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000) => eventually(what, fn, timeoutMs, 50);

interface PodView {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string; schedulingGates?: { name: string }[] };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function pods(url: string, selector: string): Promise<PodView[]> {
  const r = await api(url, 'GET', `${NS}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return (r.body?.items ?? []) as PodView[];
}

function nodeObject(name: string, labels: Record<string, string>) {
  const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node' }] },
  };
}

const scheduledCond = (p: PodView) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');

describe('scheduler: pod affinity, topology spread, scheduling gates', () => {
  let cs: ControllerStack;
  let sched: RunningScheduler;

  before(async () => {
    cs = await startControllerStack('schedcons');
    const nodes = [
      nodeObject('sc-a1', { 'topology.kubernetes.io/zone': 'za' }),
      nodeObject('sc-b1', { 'topology.kubernetes.io/zone': 'zb' }),
    ];
    for (const n of nodes) assert.equal((await api(cs.url, 'POST', '/api/v1/nodes', n)).status, 201);
    sched = await startScheduler({ ...cs.stack.cfg, gatewayUrl: cs.url }, silent, { backoffBaseMs: 50, backoffCapMs: 500, leaderElection: { enabled: false } });
  });
  after(async () => {
    await sched?.close();
    await cs?.close();
  });

  it('a Deployment of 3 with required anti-affinity on hostname over 2 nodes leaves one Pending', async () => {
    const labels = { app: 'anti' };
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'anti', labels },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name: 'main', image: 'busybox:1.36' }],
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }],
              },
            },
          },
        },
      },
    };
    assert.equal((await api(cs.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', d)).status, 201);
    const msg = "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules.";
    const all = await waitFor('two bound, one reported unschedulable', async () => {
      const ps = await pods(cs.url, 'app=anti');
      const bound = ps.filter((p) => p.spec.nodeName);
      const pending = ps.filter((p) => !p.spec.nodeName && scheduledCond(p)?.message === msg);
      return ps.length === 3 && bound.length === 2 && pending.length === 1 ? ps : undefined;
    });
    const nodesUsed = new Set(all.filter((p) => p.spec.nodeName).map((p) => p.spec.nodeName));
    assert.deepEqual([...nodesUsed].sort(), ['sc-a1', 'sc-b1'], 'one replica per node');
    const pending = all.find((p) => !p.spec.nodeName)!;
    assert.deepEqual(
      { status: scheduledCond(pending)?.status, reason: scheduledCond(pending)?.reason },
      { status: 'False', reason: 'Unschedulable' },
    );
    await waitFor('a FailedScheduling Event with the same message', async () => {
      const ev = await api(cs.url, 'GET', `${NS}/events`);
      return (ev.body?.items ?? []).find(
        (e: { reason?: string; message?: string; involvedObject?: { name?: string } }) =>
          e.reason === 'FailedScheduling' && e.involvedObject?.name === pending.metadata.name && e.message === msg,
      );
    });
  });

  it('DoNotSchedule zone spread with maxSkew 1 puts 4 pods 2/2 over the zones', async () => {
    const constraint = {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'spread' } },
    };
    for (let i = 0; i < 4; i++) {
      const p = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `spread-${i}`, labels: { app: 'spread' } },
        spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], topologySpreadConstraints: [constraint] },
      };
      assert.equal((await api(cs.url, 'POST', `${NS}/pods`, p)).status, 201);
    }
    const ps = await waitFor('all 4 bound', async () => {
      const got = await pods(cs.url, 'app=spread');
      return got.length === 4 && got.every((p) => p.spec.nodeName) ? got : undefined;
    });
    const perNode = new Map<string, number>();
    for (const p of ps) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(perNode), { 'sc-a1': 2, 'sc-b1': 2 });
  });

  it('a pod with required affinity waits for a matching pod, then joins it', async () => {
    const web = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'aff-web', labels: { app: 'aff-web' } },
      spec: {
        containers: [{ name: 'main', image: 'busybox:1.36' }],
        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'aff-db' } }, topologyKey: 'kubernetes.io/hostname' }] } },
      },
    };
    assert.equal((await api(cs.url, 'POST', `${NS}/pods`, web)).status, 201);
    await waitFor('reported unschedulable for pod affinity', async () => {
      const p = (await api(cs.url, 'GET', `${NS}/pods/aff-web`)).body as PodView;
      return scheduledCond(p)?.message === "0/2 nodes are available: 2 node(s) didn't match pod affinity rules." ? p : undefined;
    });
    const db = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'aff-db', labels: { app: 'aff-db' } },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], nodeSelector: { 'kubernetes.io/hostname': 'sc-b1' } },
    };
    assert.equal((await api(cs.url, 'POST', `${NS}/pods`, db)).status, 201);
    const node = await waitFor('the web pod follows the db pod', async () => (await api(cs.url, 'GET', `${NS}/pods/aff-web`)).body?.spec?.nodeName);
    assert.equal(node, 'sc-b1');
  });

  it('an invalid constraint is refused with Kubernetes causes', async () => {
    const p = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bad-spread' },
      spec: {
        containers: [{ name: 'main', image: 'busybox:1.36' }],
        topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }],
      },
    };
    const r = await api(cs.url, 'POST', `${NS}/pods`, p);
    assert.equal(r.status, 422);
    assert.deepEqual(
      r.body.details.causes.map((c: { field: string }) => c.field),
      ['spec.topologySpreadConstraints[0].maxSkew', 'spec.topologySpreadConstraints[0].minDomains'],
    );
  });

  it('a gated pod waits until its gates are removed; gates cannot be added', async () => {
    const p = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'gated', labels: { app: 'gated' } },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], schedulingGates: [{ name: 'example.com/quota' }, { name: 'example.com/arch' }] },
    };
    const created = await api(cs.url, 'POST', `${NS}/pods`, p);
    assert.equal(created.status, 201);
    const cond = scheduledCond(created.body as PodView);
    assert.deepEqual(
      { status: cond?.status, reason: cond?.reason, message: cond?.message },
      { status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
    );

    // A positive signal that the scheduler is working before asserting that the gated pod was skipped.
    const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gate-probe' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } };
    assert.equal((await api(cs.url, 'POST', `${NS}/pods`, probe)).status, 201);
    await waitFor('the probe pod is bound', async () => (await api(cs.url, 'GET', `${NS}/pods/gate-probe`)).body?.spec?.nodeName);
    const still = (await api(cs.url, 'GET', `${NS}/pods/gated`)).body as PodView;
    assert.equal(still.spec.nodeName, undefined);
    assert.equal(scheduledCond(still)?.reason, 'SchedulingGated');
    const ev = await api(cs.url, 'GET', `${NS}/events`);
    assert.equal(
      (ev.body?.items ?? []).filter((e: { reason?: string; involvedObject?: { name?: string } }) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'gated').length,
      0,
    );

    const merge = (body: unknown) => api(cs.url, 'PATCH', `${NS}/pods/gated`, body, 'application/merge-patch+json');
    const added = await merge({ spec: { schedulingGates: [{ name: 'example.com/quota' }, { name: 'example.com/arch' }, { name: 'x' }] } });
    assert.equal(added.status, 422);
    assert.match(JSON.stringify(added.body), /only deletion is allowed, but found new scheduling gate 'x'/);

    assert.equal((await merge({ spec: { schedulingGates: [{ name: 'example.com/arch' }] } })).status, 200);
    assert.equal((await merge({ spec: { schedulingGates: null } })).status, 200);
    const bound = await waitFor('bound once the last gate is gone', async () => (await api(cs.url, 'GET', `${NS}/pods/gated`)).body?.spec?.nodeName);
    assert.ok(['sc-a1', 'sc-b1'].includes(bound));
  });
});
