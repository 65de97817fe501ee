/** SchedulerCache accounting (assume / forget / confirm / remove / node updates) and schedulePod. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Node, Pod, PodSpec, ResourceList, Taint } from '../../shared/resources/types.js';
import {
  SchedulerCache,
  formatUnschedulableMessage,
  numFeasibleNodesToFind,
  preparePod,
  schedulePod,
  type ScheduleResult,
} from '../../shared/scheduling/index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

let seq = 0;

function ctr(requests?: ResourceList): Container {
  return { name: `c${++seq}`, image: 'x', ...(requests ? { resources: { requests } } : {}) };
}

function newPod(requests: ResourceList | undefined, spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${seq}`, namespace: 'default', uid: `uid-${seq}`, ...meta },
    spec: { containers: [ctr(requests)], ...spec },
  };
}

function bound(pod: Pod, nodeName: string, phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' = 'Running'): Pod {
  return { ...pod, spec: { ...pod.spec, nodeName }, status: { phase } };
}

function newNode(name: string, cpu = '4', memory = '8Gi', extra: { labels?: Record<string, string>; taints?: Taint[]; pods?: string; unschedulable?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { ...(extra.taints ? { taints: extra.taints } : {}), ...(extra.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: { cpu, memory, pods: extra.pods ?? '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function cacheWith(...nodes: Node[]): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.upsertNode(n);
  return c;
}

function requested(c: SchedulerCache, node: string): [number, number, number] {
  const ni = c.nodeInfo(node);
  return ni ? [ni.requestedMilliCPU, ni.requestedMemory, ni.podCount] : [0, 0, 0];
}

function nodeOf(r: ScheduleResult): string {
  assert.ok(r.scheduled, r.scheduled ? '' : r.unschedulable.message);
  return r.nodeName;
}

// ---------------------------------------------------------------------------------------------
// Cache

describe('scheduling: SchedulerCache', () => {
  it('assume counts the pod immediately; confirm does not double count', () => {
    const c = cacheWith(newNode('a'));
    const pod = newPod({ cpu: '1', memory: '1Gi' });
    c.assume(pod, 'a');
    assert.deepEqual(requested(c, 'a'), [1000, 2 ** 30, 1]);
    assert.equal(c.isAssumed(pod), true);
    c.confirm(bound(pod, 'a'));
    assert.deepEqual(requested(c, 'a'), [1000, 2 ** 30, 1]);
    assert.equal(c.isAssumed(pod), false);
    c.upsertPod(bound(pod, 'a')); // a later status update
    assert.deepEqual(requested(c, 'a'), [1000, 2 ** 30, 1]);
    assert.equal(c.numPods, 1);
  });

  it('assuming the same pod twice throws', () => {
    const c = cacheWith(newNode('a'));
    const pod = newPod({ cpu: '1' });
    c.assume(pod, 'a');
    assert.throws(() => c.assume(pod, 'a'), /is in the cache/);
  });

  it('forget undoes an assumption; a confirmed pod cannot be forgotten', () => {
    const c = cacheWith(newNode('a'));
    const p1 = newPod({ cpu: '1' });
    const p2 = newPod({ cpu: '2' });
    c.assume(p1, 'a');
    c.assume(p2, 'a');
    assert.equal(c.forget(p1), true);
    assert.deepEqual(requested(c, 'a'), [2000, 0, 1]);
    assert.equal(c.forget(p1), false);
    c.confirm(bound(p2, 'a'));
    assert.equal(c.forget(p2), false);
    assert.deepEqual(requested(c, 'a'), [2000, 0, 1]);
  });

  it('an unbound pod update keeps the assumption until the binding shows up', () => {
    const c = cacheWith(newNode('a'));
    const pod = newPod({ cpu: '1' });
    c.assume(pod, 'a');
    c.upsertPod(pod); // still Pending without nodeName in the stream
    assert.equal(c.isAssumed(pod), true);
    assert.deepEqual(requested(c, 'a'), [1000, 0, 1]);
  });

  it('a pod bound elsewhere than assumed moves', () => {
    const c = cacheWith(newNode('a'), newNode('b'));
    const pod = newPod({ cpu: '1' });
    c.assume(pod, 'a');
    c.confirm(bound(pod, 'b'));
    assert.deepEqual(requested(c, 'a'), [0, 0, 0]);
    assert.deepEqual(requested(c, 'b'), [1000, 0, 1]);
    assert.equal(c.podNodeName(pod), 'b');
  });

  it('bound pods from the stream are counted once, keyed by uid', () => {
    const c = cacheWith(newNode('a'));
    const pod = bound(newPod({ cpu: '500m' }), 'a');
    c.upsertPod(pod);
    c.upsertPod(pod);
    assert.deepEqual(requested(c, 'a'), [500, 0, 1]);
  });

  it('terminal pods do not count', () => {
    const c = cacheWith(newNode('a'));
    const pod = newPod({ cpu: '1' });
    c.upsertPod(bound(pod, 'a'));
    c.upsertPod(bound(pod, 'a', 'Succeeded'));
    assert.deepEqual(requested(c, 'a'), [0, 0, 0]);
    c.upsertPod(bound(newPod({ cpu: '1' }), 'a', 'Failed'));
    assert.deepEqual(requested(c, 'a'), [0, 0, 0]);
    assert.equal(c.numPods, 0);
  });

  it('removePod on delete; removing twice is a no-op', () => {
    const c = cacheWith(newNode('a'));
    const pod = bound(newPod({ cpu: '1' }), 'a');
    c.upsertPod(pod);
    assert.equal(c.removePod(pod), true);
    assert.equal(c.removePod(pod), false);
    assert.deepEqual(requested(c, 'a'), [0, 0, 0]);
  });

  it('a resized pod is re-counted with its new requests', () => {
    const c = cacheWith(newNode('a'));
    const pod = newPod({ cpu: '1' });
    c.upsertPod(bound(pod, 'a'));
    c.upsertPod(bound({ ...pod, spec: { ...pod.spec, containers: [ctr({ cpu: '3' })] } }, 'a'));
    assert.deepEqual(requested(c, 'a'), [3000, 0, 1]);
  });

  it('node updates keep pods; pods may arrive before their node', () => {
    const c = new SchedulerCache();
    c.upsertPod(bound(newPod({ cpu: '1' }), 'late'));
    assert.equal(c.numNodes, 0, 'a node known only from pods is not schedulable');
    c.upsertNode(newNode('late', '2'));
    assert.equal(c.numNodes, 1);
    assert.deepEqual(requested(c, 'late'), [1000, 0, 1]);
    c.upsertNode(newNode('late', '8'));
    assert.equal(c.nodeInfo('late')!.allocMilliCPU, 8000);
    assert.deepEqual(requested(c, 'late'), [1000, 0, 1]);
  });

  it('removeNode takes the node out of scheduling but keeps its pods until they go', () => {
    const c = cacheWith(newNode('a'), newNode('b'), newNode('c'));
    const pod = bound(newPod({ cpu: '1' }), 'b');
    c.upsertPod(pod);
    c.removeNode('b');
    assert.deepEqual(c.nodeInfos().map((n) => n.name), ['a', 'c']);
    assert.deepEqual(requested(c, 'b'), [1000, 0, 1]);
    c.removePod(pod);
    assert.equal(c.nodeInfo('b'), undefined);
    c.removeNode('a');
    assert.deepEqual(c.nodeInfos().map((n) => n.name), ['c']);
  });
});

// ---------------------------------------------------------------------------------------------
// schedulePod

describe('scheduling: numFeasibleNodesToFind', () => {
  const cases: [nodes: number, percentage: number, want: number][] = [
    [10, 0, 10],
    [99, 0, 99],
    [100, 0, 100],
    [1000, 0, 420], // 50 - 8 = 42%
    [5000, 0, 500], // 50 - 40 = 10%
    [6000, 0, 300], // 50 - 48 = 2% → 5%
    [10000, 0, 500],
    [1000, 50, 500],
    [1000, 5, 100], // 50 → at least 100
    [1000, 100, 1000],
    [1000, 150, 1000],
  ];
  for (const [n, p, want] of cases) it(`${n} nodes at ${p}% → ${want}`, () => assert.equal(numFeasibleNodesToFind(n, p), want));
});

describe('scheduling: unschedulable message', () => {
  it("uses Kubernetes' FitError format with entries sorted as strings", () => {
    const reasons = new Map([
      ["node(s) didn't match Pod's node affinity/selector", 2],
      ['Insufficient cpu', 1],
    ]);
    assert.equal(formatUnschedulableMessage(3, reasons), "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.");
  });

  it('reports every node, each fit reason counted', () => {
    const c = cacheWith(
      newNode('small', '500m', '1Gi'),
      newNode('tiny', '100m', '100Mi'),
      newNode('gpu', '8', '8Gi', { taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] }),
      newNode('cordoned', '8', '8Gi', { unschedulable: true }),
      newNode('other', '8', '8Gi', { labels: { zone: 'b' } }),
    );
    const r = schedulePod(newPod({ cpu: '1', memory: '512Mi' }, { nodeSelector: { zone: 'b' } }), c);
    // 'other' matches the selector and fits, so place it elsewhere first:
    assert.equal(nodeOf(r), 'other');
    const r2 = schedulePod(newPod({ cpu: '1', memory: '512Mi' }, { nodeSelector: { zone: 'a' } }), c);
    assert.equal(r2.scheduled, false);
    if (!r2.scheduled) {
      assert.equal(
        r2.unschedulable.message,
        "0/5 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 1 node(s) were unschedulable, 3 node(s) didn't match Pod's node affinity/selector.",
      );
      assert.equal(r2.evaluated, 5);
    }
    const r3 = schedulePod(newPod({ cpu: '1', memory: '512Mi' }), cacheWith(newNode('small', '500m', '1Gi'), newNode('tiny', '100m', '100Mi')));
    assert.ok(!r3.scheduled);
    if (!r3.scheduled) {
      assert.equal(r3.unschedulable.message, '0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.');
      assert.deepEqual([...r3.unschedulable.reasons].sort(), [['Insufficient cpu', 2], ['Insufficient memory', 1]]);
    }
  });

  it('no nodes at all', () => {
    const r = schedulePod(newPod(undefined), new SchedulerCache());
    assert.ok(!r.scheduled);
    if (!r.scheduled) assert.equal(r.unschedulable.message, 'no nodes available to schedule pods');
  });
});

describe('scheduling: schedulePod', () => {
  it('prefers the least allocated node', () => {
    const c = cacheWith(newNode('a'), newNode('b'), newNode('c'));
    c.upsertPod(bound(newPod({ cpu: '2', memory: '4Gi' }), 'a'));
    c.upsertPod(bound(newPod({ cpu: '1', memory: '1Gi' }), 'c'));
    assert.equal(nodeOf(schedulePod(newPod({ cpu: '500m', memory: '1Gi' }), c)), 'b');
  });

  it('a burst with assume fills nodes without overcommitting', () => {
    const c = cacheWith(newNode('a', '2'), newNode('b', '2'));
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const pp = preparePod(newPod({ cpu: '1' }));
      const r = schedulePod(pp, c);
      if (r.scheduled) {
        c.assume(pp, r.nodeName);
        placed.push(r.nodeName);
      } else {
        assert.equal(r.unschedulable.message, '0/2 nodes are available: 2 Insufficient cpu.');
      }
    }
    assert.deepEqual(placed.sort(), ['a', 'a', 'b', 'b']);
  });

  it('spreads pods of the same owner across equally loaded nodes', () => {
    const c = cacheWith(newNode('a'), newNode('b'), newNode('c'));
    const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }] };
    const placed = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      // best-effort pods: resource scores see 100m/200Mi each, spreading does the rest
      const pp = preparePod(newPod(undefined, {}, owner));
      const n = nodeOf(schedulePod(pp, c));
      c.assume(pp, n);
      placed.set(n, (placed.get(n) ?? 0) + 1);
    }
    assert.deepEqual([...placed.values()], [2, 2, 2]);
  });

  it('preferred node affinity attracts; PreferNoSchedule repels', () => {
    const c = cacheWith(newNode('a', '4', '8Gi', { labels: { disk: 'ssd' } }), newNode('b'), newNode('c', '4', '8Gi', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }));
    const affine = newPod({ cpu: '100m' }, { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } });
    assert.equal(nodeOf(schedulePod(affine, c)), 'a');
    // Load a and b a little so c would win on resources alone, but its taint outweighs that.
    c.upsertPod(bound(newPod({ cpu: '200m', memory: '100Mi' }), 'a'));
    c.upsertPod(bound(newPod({ cpu: '200m', memory: '100Mi' }), 'b'));
    const plain = newPod({ cpu: '100m', memory: '100Mi' });
    assert.equal(nodeOf(schedulePod(plain, c, { weights: { taintToleration: 0 } })), 'c');
    assert.equal(nodeOf(schedulePod(plain, c)), 'a');
  });

  it('a single feasible node is chosen without scoring', () => {
    const c = cacheWith(newNode('a', '1'), newNode('b', '4'));
    const r = schedulePod(newPod({ cpu: '2' }), c);
    assert.ok(r.scheduled);
    if (r.scheduled) assert.deepEqual([r.nodeName, r.feasible, r.evaluated, r.score], ['b', 1, 2, undefined]);
  });

  it('ties go to the first node in walk order, or to random', () => {
    const c = cacheWith(newNode('a'), newNode('b'), newNode('c'));
    // Fewer than 100 nodes: all are evaluated; the start index rotates by the number evaluated (3 ≡ 0).
    assert.equal(nodeOf(schedulePod(newPod({ cpu: '1' }), c)), 'a');
    assert.equal(nodeOf(schedulePod(newPod({ cpu: '1' }), c)), 'a');
    assert.equal(nodeOf(schedulePod(newPod({ cpu: '1' }), c, { random: () => 0.99 })), 'a');
    // reservoir: with random always 0 the last tie wins
    assert.equal(nodeOf(schedulePod(newPod({ cpu: '1' }), c, { random: () => 0 })), 'c');
  });

  it('rotates the start index across calls on large clusters', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => newNode(`n${String(i).padStart(3, '0')}`));
    const c = cacheWith(...nodes);
    const want = numFeasibleNodesToFind(300); // 300 * 48% = 144
    assert.equal(want, 144);
    const r1 = schedulePod(newPod({ cpu: '1' }), c);
    assert.ok(r1.scheduled);
    if (r1.scheduled) assert.deepEqual([r1.feasible, r1.evaluated], [144, 144]);
    assert.equal(c.nextStartNodeIndex, 144);
    schedulePod(newPod({ cpu: '1' }), c);
    assert.equal(c.nextStartNodeIndex, 288);
    schedulePod(newPod({ cpu: '1' }), c);
    assert.equal(c.nextStartNodeIndex, (288 + 144) % 300);
    // With everything tied, the first node of the walk wins: the walk started at 288.
    const r = schedulePod(newPod({ cpu: '1' }), c);
    assert.equal(nodeOf(r), 'n132');
  });

  it('infeasible nodes count towards evaluated, not feasible', () => {
    const nodes = Array.from({ length: 200 }, (_, i) => newNode(`n${i}`, '4', '8Gi', i % 2 ? {} : { taints: [{ key: 'x', effect: 'NoSchedule' }] }));
    const c = cacheWith(...nodes);
    const r = schedulePod(newPod({ cpu: '1' }), c);
    assert.ok(r.scheduled);
    // 200 nodes: 50 - 1 = 49% → 98 → at least 100 feasible; only 100 are untainted, so all 200 are walked.
    if (r.scheduled) assert.deepEqual([r.feasible, r.evaluated], [100, 200]);
  });

  it('sanity: 2,000 pods onto 1,000 nodes never exceed allocatable', () => {
    const c = new SchedulerCache();
    for (let i = 0; i < 1000; i++) c.upsertNode(newNode(`n${i}`, i % 3 === 0 ? '2' : '4', i % 2 ? '4Gi' : '8Gi', { pods: i % 7 === 0 ? '2' : '110', labels: { zone: `z${i % 4}` } }));
    let scheduled = 0;
    const failures = new Map<string, number>();
    const pinned: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs${i % 20}`, uid: `rs${i % 20}`, controller: true }] };
      const pod = newPod({ cpu: `${250 + (i % 4) * 250}m`, memory: `${512 * (1 + (i % 3))}Mi` }, i % 10 === 0 ? { nodeSelector: { zone: 'z1' } } : {}, owner);
      const pp = preparePod(pod);
      if (i % 10 === 0) pinned.push(pp.key);
      const r = schedulePod(pp, c);
      if (r.scheduled) {
        c.assume(pp, r.nodeName);
        scheduled++;
      } else {
        failures.set(r.unschedulable.message, (failures.get(r.unschedulable.message) ?? 0) + 1);
      }
    }
    assert.equal(scheduled, 2000, [...failures.keys()].join('\n'));
    for (const ni of c.nodeInfos()) {
      assert.ok(ni.requestedMilliCPU <= ni.allocMilliCPU, `${ni.name} cpu`);
      assert.ok(ni.requestedMemory <= ni.allocMemory, `${ni.name} memory`);
      assert.ok(ni.podCount <= ni.allocPods, `${ni.name} pods`);
    }
    assert.equal(c.nodeInfos().reduce((n, ni) => n + ni.podCount, 0), 2000);
    for (const key of pinned) assert.equal(c.nodeInfo(c.podNodeName(key)!)!.labels.get('zone'), 'z1');
    assert.equal(c.numAssumedPods, 2000);
  });
});
