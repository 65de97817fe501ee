/**
 * The kubelet's pod conditions: Ready needs the containers ready and every readiness gate's
 * condition True (Kubernetes' GeneratePodReadyCondition, with its messages), and the conditions the
 * kubelet does not own are kept as they are.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodCondition } from '../../shared/resources/types.js';
import { computePodStatus } from '../../services/kubelet/pod-status.js';
import type { ContainerView } from '../../services/kubelet/pod-plan.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const running: ContainerView = { id: 'c1', name: 'app', kind: 'app', attempt: 0, backoff: 0, state: 'running', image: 'busybox', startedAt: '2026-01-01T00:00:00Z' };
const probes = { ready: () => true, started: () => true, failed: () => undefined };

function status(gates: string[], conds: PodCondition[], containers: ContainerView[] = [running]) {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { containers: [{ name: 'app', image: 'busybox' }], ...(gates.length ? { readinessGates: gates.map((conditionType) => ({ conditionType })) } : {}) },
    status: { phase: 'Running', conditions: conds },
  } as unknown as Pod;
  const s = computePodStatus({ pod, containers, waiting: new Map(), probes, runtime: 'fake', now: NOW });
  return { ready: s.conditions!.find((c) => c.type === 'Ready')!, all: s.conditions! };
}

const cond = (type: string, st: 'True' | 'False'): PodCondition => ({ type, status: st, lastTransitionTime: '2026-01-01T00:00:00Z' } as PodCondition);

describe('readiness gates', () => {
  const cases: [string, string[], PodCondition[], string, string | undefined, string | undefined][] = [
    ['no gates: ready with the containers', [], [], 'True', undefined, undefined],
    ['a gate whose condition does not exist', ['example.com/lb'], [], 'False', 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb" does not exist.'],
    ['a gate whose condition is False', ['example.com/lb'], [cond('example.com/lb', 'False')], 'False', 'ReadinessGatesNotReady', 'the status of pod readiness gate "example.com/lb" is not "True", but False'],
    ['a gate whose condition is True', ['example.com/lb'], [cond('example.com/lb', 'True')], 'True', undefined, undefined],
    [
      'two gates, both unmet: both messages, joined',
      ['a.io/x', 'b.io/y'],
      [cond('b.io/y', 'False')],
      'False',
      'ReadinessGatesNotReady',
      'corresponding condition of pod readiness gate "a.io/x" does not exist., the status of pod readiness gate "b.io/y" is not "True", but False',
    ],
  ];
  for (const [name, gates, conds, want, reason, message] of cases) {
    it(name, () => {
      const { ready } = status(gates, conds);
      assert.equal(ready.status, want);
      assert.equal(ready.reason, reason);
      assert.equal(ready.message, message);
    });
  }

  it('containers not ready: their reason wins over the gates', () => {
    const { ready } = status(['a.io/x'], [], [{ ...running, state: 'exited', exitCode: 1 }]);
    assert.equal(ready.status, 'False');
    assert.notEqual(ready.reason, 'ReadinessGatesNotReady');
  });

  it('conditions the kubelet does not own are kept as they are', () => {
    const lb = cond('example.com/lb', 'True');
    const disruption = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', lastTransitionTime: '2026-01-01T00:00:00Z' } as PodCondition;
    const { all } = status(['example.com/lb'], [lb, disruption]);
    assert.deepEqual(all.find((c) => c.type === 'example.com/lb'), lb);
    assert.deepEqual(all.find((c) => c.type === 'DisruptionTarget'), disruption);
  });
});
