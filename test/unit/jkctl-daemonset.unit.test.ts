/** jkctl's client-side DaemonSet rollout pieces: kubectl's status lines, the history table, which revision undo picks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from '../../shared/resources/daemonset-types.js';
import { daemonSetRolloutStatus } from '../../services/jkctl/rollout-daemonset.js';
import { revisionHistoryTable as daemonSetHistoryTable, findRevision } from '../../services/jkctl/rollout-revisions.js';
import { newDaemonSet } from './daemonset-fixtures.js';

const status = (s: Record<string, number>, generation = 2) =>
  daemonSetRolloutStatus(newDaemonSet({ generation, status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, ...s } }));

describe('jkctl rollout status ds (DaemonSetStatusViewer)', () => {
  const cases: [string, Record<string, number>, number, { done: boolean; message: string }][] = [
    ['spec not observed yet', { observedGeneration: 1 }, 2, { done: false, message: 'Waiting for daemon set spec update to be observed...' }],
    ['pods being updated', { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 1 }, 2, { done: false, message: 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...' }],
    ['updated, not all available', { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }, 2, { done: false, message: 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...' }],
    ['done', { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }, 2, { done: true, message: 'daemon set "agent" successfully rolled out' }],
  ];
  for (const [name, s, gen, want] of cases) it(name, () => assert.deepEqual(status(s, gen), want));

  it('OnDelete: not available', () => {
    assert.throws(() => daemonSetRolloutStatus(newDaemonSet({ spec: { updateStrategy: { type: 'OnDelete' } } })), /rollout status is only available for RollingUpdate strategy type/);
  });
});

describe('jkctl rollout history / undo ds', () => {
  const rev = (n: number, cause?: string): ControllerRevision => ({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: `agent-${n}`, ...(cause ? { annotations: { 'kubernetes.io/change-cause': cause } } : {}) },
    data: {},
    revision: n,
  });
  it('the table, oldest first', () => {
    assert.equal(daemonSetHistoryTable([rev(3), rev(1, 'kubectl apply'), rev(2)]), 'REVISION  CHANGE-CAUSE\n1         kubectl apply\n2         <none>\n3         <none>\n');
  });
  it('undo picks the previous revision, or the one asked for', () => {
    assert.equal(findRevision([rev(1), rev(3), rev(2)], 0)?.revision, 2);
    assert.equal(findRevision([rev(1), rev(3)], 1)?.revision, 1);
    assert.equal(findRevision([rev(1)], 4), undefined);
  });
});
