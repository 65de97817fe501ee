import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareActivePods,
  podDeletionCost,
  podsToDelete,
  rankPodsByRelatedPodsOnSameNode,
  sortPodsForDeletion,
} from '../../services/controller-manager/replicaset/index.js';
import type { Pod, PodPhase } from '../../shared/resources/types.js';
import { at, deepFreeze, newPod } from './controller-fixtures.js';

const names = (pods: readonly Pod[]): string[] => pods.map((p) => p.metadata.name!);

// The pods of Kubernetes' TestSortingActivePods (controller_utils_test.go): now, and a month before.
const NOW = 0;
const THEN = -30 * 24 * 3600;
function pod(name: string, node: string, phase: PodPhase, ready: boolean, restarts: number, readySince: number | undefined, created: number | undefined, annotations?: Record<string, string>): Pod {
  return newPod({
    name,
    ...(node ? { nodeName: node } : {}),
    phase,
    ready,
    ...(readySince !== undefined ? { readySince: at(readySince) } : {}),
    restarts,
    ...(created !== undefined ? { creationTimestamp: at(created) } : {}),
    ...(annotations ? { annotations } : {}),
  });
}
const unscheduled = pod('unscheduled', '', 'Pending', false, 0, undefined, undefined);
const scheduledPending = pod('pending', 'node', 'Pending', false, 0, undefined, undefined);
const unknownPhase = pod('unknown-phase', 'node', 'Unknown', false, 0, undefined, undefined);
const runningNotReady = pod('not-ready', 'node', 'Running', false, 0, undefined, undefined);
const readyNoTransitionTime = pod('ready-no-last-transition-time', 'node', 'Running', true, 0, undefined, undefined);
const readyNow = pod('ready-now', 'node', 'Running', true, 0, NOW, NOW);
const readyThen = pod('ready-then', 'node', 'Running', true, 0, THEN, THEN);
const readyNowHighRestarts = pod('ready-high-restarts', 'node', 'Running', true, 9001, NOW, NOW);
const readyNowCreatedThen = pod('ready-now-created-then', 'node', 'Running', true, 0, NOW, THEN);
const lowDeletionCost = pod('low-deletion-cost', 'node', 'Running', true, 0, NOW, THEN, { 'controller.kubernetes.io/pod-deletion-cost': '10' });
const highDeletionCost = pod('high-deletion-cost', 'node', 'Running', true, 0, NOW, THEN, { 'controller.kubernetes.io/pod-deletion-cost': '100' });

describe('compareActivePods (Kubernetes TestSortingActivePods)', () => {
  const lesserGreater: [Pod, Pod][] = [
    [unscheduled, scheduledPending],
    [scheduledPending, unknownPhase],
    [unknownPhase, runningNotReady],
    [runningNotReady, readyNoTransitionTime],
    [readyNoTransitionTime, readyNow],
    [readyNow, readyThen],
    [readyNowHighRestarts, readyNow],
    [readyNow, readyNowCreatedThen],
    [lowDeletionCost, highDeletionCost],
    [readyNowCreatedThen, highDeletionCost], // default cost 0 < 100
  ];
  for (const [lesser, greater] of lesserGreater) {
    it(`${lesser.metadata.name} < ${greater.metadata.name}`, () => {
      assert.ok(compareActivePods(lesser, greater) < 0);
      assert.ok(compareActivePods(greater, lesser) > 0);
    });
  }
  for (const p of [unscheduled, scheduledPending, unknownPhase, runningNotReady, readyNoTransitionTime, readyNow, readyThen, readyNowHighRestarts, readyNowCreatedThen]) {
    it(`${p.metadata.name} equals itself`, () => assert.equal(compareActivePods(p, structuredClone(p)), 0));
  }

  it('sorts a shuffled list into the documented order', () => {
    const want = [unscheduled, scheduledPending, unknownPhase, runningNotReady, readyNoTransitionTime, readyNowHighRestarts, readyNow, readyThen];
    const shuffled = deepFreeze([readyThen, unknownPhase, readyNow, unscheduled, readyNowHighRestarts, runningNotReady, scheduledPending, readyNoTransitionTime]);
    assert.deepEqual(names(sortPodsForDeletion(shuffled)), names(want));
  });

  it('higher rank (more related pods on the node) first, before ready time', () => {
    const a = pod('a', 'n1', 'Running', true, 0, THEN, THEN);
    const b = pod('b', 'n2', 'Running', true, 0, NOW, NOW);
    assert.ok(compareActivePods(a, b, 2, 1) < 0);
    assert.ok(compareActivePods(a, b, 1, 1) > 0);
  });

  it('deletion cost beats rank', () => {
    assert.ok(compareActivePods(lowDeletionCost, highDeletionCost, 1, 5) < 0);
  });
});

describe('podDeletionCost', () => {
  const cases: [string | undefined, number][] = [[undefined, 0], ['10', 10], ['-5', -5], ['abc', 0], ['1.5', 0], ['99999999999', 0]];
  for (const [v, want] of cases) {
    it(String(v), () => assert.equal(podDeletionCost(newPod(v === undefined ? {} : { annotations: { 'controller.kubernetes.io/pod-deletion-cost': v } })), want));
  }
});

describe('podsToDelete (Kubernetes TestGetPodsToDelete)', () => {
  const unscheduledPending = pod('unscheduled-pending-pod', '', 'Pending', false, 0, undefined, undefined);
  const scheduledPendingPod = pod('scheduled-pending-pod', 'fake-node', 'Pending', false, 0, undefined, undefined);
  const scheduledRunningNotReady = pod('scheduled-running-not-ready-pod', 'fake-node', 'Running', false, 0, undefined, undefined);
  const readyOnNode1 = pod('scheduled-running-ready-pod-on-node-1', 'fake-node-1', 'Running', true, 0, undefined, undefined);
  const readyOnNode2 = pod('scheduled-running-ready-pod-on-node-2', 'fake-node-2', 'Running', true, 0, undefined, undefined);

  const cases: { name: string; pods: Pod[]; related?: Pod[]; diff: number; want: Pod[] }[] = [
    { name: 'len(pods) = 0 (i.e., diff = 0 too)', pods: [], diff: 0, want: [] },
    { name: 'diff = len(pods)', pods: [scheduledRunningNotReady, readyOnNode1], diff: 2, want: [scheduledRunningNotReady, readyOnNode1] },
    { name: 'diff < len(pods)', pods: [readyOnNode1, scheduledRunningNotReady], diff: 1, want: [scheduledRunningNotReady] },
    {
      name: 'various pod phases and conditions, diff = len(pods)',
      pods: [readyOnNode1, readyOnNode1, readyOnNode2, scheduledRunningNotReady, scheduledPendingPod, unscheduledPending],
      diff: 6,
      want: [readyOnNode1, readyOnNode1, readyOnNode2, scheduledRunningNotReady, scheduledPendingPod, unscheduledPending],
    },
    {
      name: 'various pod phases and conditions, diff = len(pods), relatedPods empty',
      pods: [readyOnNode1, readyOnNode1, readyOnNode2, scheduledRunningNotReady, scheduledPendingPod, unscheduledPending],
      related: [],
      diff: 6,
      want: [readyOnNode1, readyOnNode1, readyOnNode2, scheduledRunningNotReady, scheduledPendingPod, unscheduledPending],
    },
    { name: 'scheduled vs unscheduled, diff < len(pods)', pods: [scheduledPendingPod, unscheduledPending], diff: 1, want: [unscheduledPending] },
    {
      name: 'ready vs not-ready, diff < len(pods)',
      pods: [readyOnNode1, scheduledRunningNotReady, scheduledRunningNotReady],
      diff: 2,
      want: [scheduledRunningNotReady, scheduledRunningNotReady],
    },
    {
      name: 'ready and colocated with another ready pod vs not colocated, diff < len(pods)',
      pods: [readyOnNode1, readyOnNode2],
      related: [readyOnNode1, readyOnNode2, readyOnNode2],
      diff: 1,
      want: [readyOnNode2],
    },
    { name: 'pending vs running, diff < len(pods)', pods: [scheduledPendingPod, scheduledRunningNotReady], diff: 1, want: [scheduledPendingPod] },
    {
      name: 'various pod phases and conditions, diff < len(pods)',
      pods: [readyOnNode1, readyOnNode2, scheduledRunningNotReady, scheduledPendingPod, unscheduledPending],
      diff: 3,
      want: [unscheduledPending, scheduledPendingPod, scheduledRunningNotReady],
    },
    { name: 'n <= 0 deletes nothing', pods: [readyOnNode1], diff: -1, want: [] },
    { name: 'n > len(pods) deletes all', pods: [readyOnNode1, scheduledPendingPod], diff: 5, want: [readyOnNode1, scheduledPendingPod] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = deepFreeze([...c.pods]);
      assert.deepEqual(names(podsToDelete(input, c.diff, c.related)), names(c.want));
    });
  }

  it('newest pods go first among otherwise equal running pods', () => {
    const pods = [0, 30, 10, 20].map((t) => pod(`p${t}`, 'n', 'Running', true, 0, t, t));
    assert.deepEqual(names(podsToDelete(pods, 2)), ['p30', 'p20']);
  });

  it('ranks count only active related pods', () => {
    const gone = newPod({ name: 'gone', nodeName: 'n1', phase: 'Running', deletionTimestamp: at(0) });
    const done = newPod({ name: 'done', nodeName: 'n1', phase: 'Succeeded' });
    assert.deepEqual(rankPodsByRelatedPodsOnSameNode([readyOnNode1], [readyOnNode1, gone, done]), [1]);
  });
});
