/**
 * The scheduler against a real gateway, NATS and Postgres: Node objects are created by the test (no
 * kubelet), pods are posted, and the bindings that come back are checked against resources,
 * selectors, affinity, taints and host ports; bursts never overcommit; unschedulable pods are
 * reported and retried when a node appears; a restart binds nothing twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startScheduler, type RunningScheduler } from '../../services/scheduler/index.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

interface NodeShape {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  ready?: boolean;
  unschedulable?: boolean;
}

export function nodeObject(name: string, s: NodeShape = {}) {
  const capacity = { cpu: s.cpu ?? '4', memory: s.memory ?? '8Gi', pods: String(s.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...s.labels } },
    spec: { ...(s.taints ? { taints: s.taints } : {}), ...(s.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [{ type: 'Ready', status: s.ready === false ? 'False' : 'True', reason: 'KubeletReady', message: 'test node' }],
    },
  };
}

function podObject(name: string, spec: Record<string, unknown> = {}, requests?: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'sched' } },
    spec: {
      containers: [{ name: 'main', image: 'busybox:1.36', ...(requests ? { resources: { requests } } : {}) }],
      ...spec,
    },
  };
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000) => eventually(what, fn, timeoutMs, 50);

async function nodeOf(s: Stack, name: string): Promise<string | undefined> {
  const r = await api(s.url, 'GET', `/api/v1/namespaces/default/pods/${name}`);
  return r.body?.spec?.nodeName || undefined;
}

describe('scheduler', () => {
  let s: Stack;
  let sched: RunningScheduler;

  before(async () => {
    s = await startStack('sched');
    const nodes = [
      nodeObject('small', { cpu: '1', memory: '1Gi', labels: { zone: 'a', disk: 'hdd' } }),
      nodeObject('big', { cpu: '8', memory: '16Gi', labels: { zone: 'b', disk: 'ssd', gen: '5' } }),
      nodeObject('tainted', { cpu: '8', memory: '16Gi', labels: { zone: 'c' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      nodeObject('cordoned', { cpu: '64', memory: '64Gi', unschedulable: true }),
      nodeObject('notready', { cpu: '64', memory: '64Gi', ready: false }),
    ];
    for (const n of nodes) assert.equal((await api(s.url, 'POST', '/api/v1/nodes', n)).status, 201);
    sched = await startScheduler({ ...s.cfg, gatewayUrl: s.url }, silent, { backoffBaseMs: 50, backoffCapMs: 500, leaderElection: { enabled: false } });
  });
  after(async () => {
    await sched?.close();
    await s?.close();
  });

  it('binds by resources, nodeSelector, node affinity, tolerations and host ports', async () => {
    const cases: [string, Record<string, unknown>, Record<string, string> | undefined, string[]][] = [
      ['needs-cpu', {}, { cpu: '2' }, ['big']],
      ['selector-a', { nodeSelector: { zone: 'a' } }, undefined, ['small']],
      [
        'affinity-gt',
        {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }],
              },
            },
          },
        },
        undefined,
        ['big'],
      ],
      [
        'tolerates-db',
        { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], nodeSelector: { zone: 'c' } },
        undefined,
        ['tainted'],
      ],
      [
        'not-in-ssd',
        {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }, { key: 'disk', operator: 'Exists' }] }],
              },
            },
          },
        },
        undefined,
        ['small'],
      ],
    ];
    for (const [name, spec, req] of cases) {
      const r = await api(s.url, 'POST', '/api/v1/namespaces/default/pods', podObject(name, spec, req));
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    for (const [name, , , allowed] of cases) {
      const node = await waitFor(`${name} bound`, () => nodeOf(s, name));
      assert.ok(allowed.includes(node), `${name} went to ${node}, allowed ${allowed.join(',')}`);
    }
    const bound = (await api(s.url, 'GET', '/api/v1/namespaces/default/pods/needs-cpu')).body;
    const cond = bound.status.conditions.find((c: any) => c.type === 'PodScheduled');
    assert.equal(cond.status, 'True');

    // Host ports: two pods asking for the same host port land on different nodes.
    const hp = (name: string) =>
      podObject(name, { containers: [{ name: 'main', image: 'busybox:1.36', ports: [{ containerPort: 80, hostPort: 8080 }] }], nodeSelector: { disk: 'ssd' } });
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', hp('hp-1'))).status, 201);
    await waitFor('hp-1 bound', () => nodeOf(s, 'hp-1'));
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', hp('hp-2'))).status, 201);
    const msg = await waitFor('hp-2 reported unschedulable', async () => {
      const p = (await api(s.url, 'GET', '/api/v1/namespaces/default/pods/hp-2')).body;
      const c = p.status?.conditions?.find((x: any) => x.type === 'PodScheduled' && x.status === 'False');
      return c?.message as string | undefined;
    });
    assert.match(msg, /didn't have free ports/);
  });

  it('reports a pod that fits nowhere, with an Event, and binds it once a node fits', async () => {
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', podObject('huge', {}, { cpu: '32' }))).status, 201);
    const cond = await waitFor('PodScheduled=False', async () => {
      const p = (await api(s.url, 'GET', '/api/v1/namespaces/default/pods/huge')).body;
      return p.status?.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.equal(cond.reason, 'Unschedulable');
    assert.match(cond.message, /^0\/5 nodes are available: /);
    assert.match(cond.message, /Insufficient cpu/);
    assert.match(cond.message, /node\(s\) were unschedulable/);
    const ev = await waitFor('FailedScheduling event', async () => {
      const l = (await api(s.url, 'GET', '/api/v1/namespaces/default/events?fieldSelector=metadata.namespace=default')).body;
      return l.items.find((e: any) => e.reason === 'FailedScheduling' && e.involvedObject.name === 'huge');
    });
    assert.equal(ev.type, 'Warning');

    assert.equal((await api(s.url, 'POST', '/api/v1/nodes', nodeObject('giant', { cpu: '64', memory: '64Gi' }))).status, 201);
    assert.equal(await waitFor('huge bound after a node appeared', () => nodeOf(s, 'huge')), 'giant');
  });

  it('a burst never overcommits a node, and a restart binds nothing twice', async () => {
    // A fresh namespace and nodes only the burst can use.
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'burst' } })).status, 201);
    for (const n of ['b1', 'b2', 'b3']) {
      const node = nodeObject(n, { cpu: '2', memory: '4Gi', pods: 110, labels: { pool: 'burst' } });
      assert.equal((await api(s.url, 'POST', '/api/v1/nodes', node)).status, 201);
    }
    const N = 60; // 3 nodes × 2 cpu / 100m = 60 pods fit exactly; 10 more do not
    const posts = [];
    for (let i = 0; i < N + 10; i++) {
      const p = podObject(`b-${i}`, { nodeSelector: { pool: 'burst' } }, { cpu: '100m' });
      posts.push(api(s.url, 'POST', '/api/v1/namespaces/burst/pods', p));
      if (i === 30) {
        // Restart the scheduler in the middle of the burst.
        await sched.close();
        sched = await startScheduler({ ...s.cfg, gatewayUrl: s.url }, silent, { backoffBaseMs: 50, backoffCapMs: 500, leaderElection: { enabled: false } });
      }
    }
    for (const r of await Promise.all(posts)) assert.equal(r.status, 201);
    const pods = await waitFor('60 bound, 10 unschedulable', async () => {
      const l = (await api(s.url, 'GET', '/api/v1/namespaces/burst/pods')).body.items as any[];
      const bound = l.filter((p) => p.spec.nodeName);
      const failed = l.filter((p) => p.status?.conditions?.some((c: any) => c.type === 'PodScheduled' && c.status === 'False'));
      return bound.length === N && failed.length === 10 ? l : undefined;
    }, 30_000);
    const perNode = new Map<string, number>();
    for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    assert.deepEqual([...perNode.values()].sort(), [20, 20, 20], 'exactly 2 cpu worth of pods on each node');
    // Each bound pod's subject holds one binding: ADDED, then the bind (no second binding write).
    const ev = await api(s.url, 'GET', '/api/v1/namespaces/burst/pods?watch=true&resourceVersion=1&timeoutSeconds=1');
    const lines = String(ev.body).trim().split('\n').map((l) => JSON.parse(l));
    const bindsPerPod = new Map<string, number>();
    const lastNode = new Map<string, string>();
    for (const e of lines) {
      const name = e.object.metadata.name;
      const node = e.object.spec?.nodeName;
      if (node && lastNode.get(name) !== node) bindsPerPod.set(name, (bindsPerPod.get(name) ?? 0) + 1);
      if (node) lastNode.set(name, node);
    }
    assert.equal(bindsPerPod.size, N);
    assert.ok([...bindsPerPod.values()].every((n) => n === 1));
  });
});
