/** PodDisruptionBudget: validation, the kubectl columns, the disruption planner and the eviction verdict. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../shared/resources/meta.js';
import type { Pod } from '../../shared/resources/types.js';
import { validatePodDisruptionBudget, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../../shared/resources/pdb.js';
import { strategyFor } from '../../shared/resources/strategy.js';
import { resolveResource } from '../../shared/resources/registry.js';
import { planDisruption, scaledValue } from '../../services/controller-manager/disruption/plan.js';
import { expectedScale, type ObjectLookup } from '../../services/controller-manager/disruption/scale.js';
import { evictionVerdict, MORE_THAN_ONE_BUDGET, VIOLATES_BUDGET } from '../../services/gateway/eviction-verdict.js';

const NOW = new Date('2024-01-01T00:10:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace('.000Z', 'Z');

function pdb(spec: PodDisruptionBudget['spec'], status?: Partial<PodDisruptionBudgetStatus>, generation = 1): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'b', namespace: 'ns', uid: 'uid-b', generation, resourceVersion: '7' },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(status ? { status: { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, observedGeneration: generation, ...status } } : {}),
  };
}

interface PodOpts {
  ready?: boolean;
  phase?: string;
  owner?: string;
  ownerKind?: string;
  labels?: Record<string, string>;
  deleting?: boolean;
}
function pod(name: string, o: PodOpts = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: '42',
      labels: o.labels ?? { app: 'web' },
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.ownerKind ?? 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: ago(1) } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: { phase: (o.phase ?? 'Running') as Pod['status'] extends infer S ? S extends { phase?: infer P } ? P : never : never, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  } as Pod;
}
const pods = (n: number, o: PodOpts = {}) => Array.from({ length: n }, (_, i) => pod(`p${i}`, o));

function workload(kind: string, name: string, replicas: number, owner?: string): KObject {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: `uid-${owner}`, controller: true }] } : {}) },
    spec: { replicas },
  } as KObject;
}
function lookupOf(...objs: KObject[]): ObjectLookup {
  return (kind, ns, name) => objs.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
}
const none: ObjectLookup = () => undefined;

describe('PodDisruptionBudget validation', () => {
  const cases: [string, PodDisruptionBudget['spec'], string[]][] = [
    ['minAvailable int', { minAvailable: 2 }, []],
    ['maxUnavailable percent', { maxUnavailable: '25%' }, []],
    ['neither (Kubernetes accepts it)', {}, []],
    ['both set', { minAvailable: 1, maxUnavailable: 1 }, ['spec: Invalid value: {"selector":{"matchLabels":{"app":"web"}},"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']],
    ['negative', { minAvailable: -1 }, ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']],
    ['over 100%', { maxUnavailable: '101%' }, ['spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%']],
    ['not a percent', { minAvailable: 'half' }, ["spec.minAvailable: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]],
    ['bad policy', { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' as 'AlwaysAllow' }, ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']],
    ['bad selector operator', { minAvailable: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Near' as 'In' }] } }, ['spec.selector.matchExpressions[0].operator: Unsupported value: "Near": supported values: "DoesNotExist", "Exists", "In", "NotIn"']],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => assert.deepEqual(validatePodDisruptionBudget(pdb(spec)).map((c) => `${c.field}: ${c.message}`), want));
  }
});

describe('PodDisruptionBudget kind', () => {
  it('is served as poddisruptionbudgets/pdb in policy/v1 with status', () => {
    const info = resolveResource('pdb')!;
    assert.equal(info.kind, 'PodDisruptionBudget');
    assert.equal(info.group, 'policy');
    assert.deepEqual(info.subresources, ['status']);
    assert.equal(strategyFor('PodDisruptionBudget').statusSubresource, true);
    assert.equal(strategyFor('PodDisruptionBudget').generation, true);
  });
  it('prints NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE', () => {
    const p = strategyFor('PodDisruptionBudget').printer!;
    assert.deepEqual(p.columns.map((c) => c.name.toUpperCase()), ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    const obj = { ...pdb({ minAvailable: 2 }, { disruptionsAllowed: 1 }), metadata: { name: 'b', creationTimestamp: ago(65) } };
    assert.deepEqual(p.row(obj, NOW), ['b', '2', 'N/A', 1, '65s']);
    assert.deepEqual(p.row({ ...obj, spec: { maxUnavailable: '50%' }, status: undefined } as KObject, NOW).slice(1, 4), ['N/A', '50%', 0]);
  });
  it('projects the budget as text and the counts', () => {
    const row = strategyFor('PodDisruptionBudget').projection!.row(pdb({ maxUnavailable: '10%' }, { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3 }), resolveResource('pdb')!);
    assert.deepEqual(row, { min_available: null, max_unavailable: '10%', current_healthy: 3, desired_healthy: 2, disruptions_allowed: 1, expected_pods: 3, observed_generation: 1 });
  });
});

describe('scaledValue (rounding up)', () => {
  const cases: [number | string, number, number][] = [[3, 10, 3], ['20%', 10, 2], ['34%', 3, 2], ['1%', 1, 1], ['0%', 5, 0], ['50%', 3, 2], ['100%', 7, 7]];
  for (const [v, total, want] of cases) it(`${v} of ${total} is ${want}`, () => assert.equal(scaledValue(v, total), want));
});

describe('expectedScale', () => {
  const rs = workload('ReplicaSet', 'rs', 10);
  const depRs1 = workload('ReplicaSet', 'd-1', 2, 'd');
  const depRs2 = workload('ReplicaSet', 'd-2', 1, 'd');
  const dep = workload('Deployment', 'd', 5);
  const cases: [string, Pod[], ObjectLookup, ReturnType<typeof expectedScale>][] = [
    ['a ReplicaSet of its own: its replicas', [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' })], lookupOf(rs), { ok: true, expected: 10, unmanaged: [] }],
    ['a Deployment\'s ReplicaSets count once, as the Deployment', [pod('a', { owner: 'd-1' }), pod('b', { owner: 'd-2' })], lookupOf(depRs1, depRs2, dep), { ok: true, expected: 5, unmanaged: [] }],
    ['two controllers add up', [pod('a', { owner: 'rs' }), pod('b', { owner: 'd-1' })], lookupOf(rs, depRs1, dep), { ok: true, expected: 15, unmanaged: [] }],
    ['pods without a controller are unmanaged', [pod('a'), pod('b', { owner: 'rs' })], lookupOf(rs), { ok: true, expected: 10, unmanaged: ['a'] }],
    ['a controller no finder knows fails', [pod('a', { owner: 'ss', ownerKind: 'StatefulSet' })], none, { ok: false, error: 'found no controllers for pod "a"' }],
    ['a ReplicaSet that is gone fails', [pod('a', { owner: 'rs' })], none, { ok: false, error: 'found no controllers for pod "a"' }],
  ];
  for (const [name, ps, lookup, want] of cases) it(name, () => assert.deepEqual(expectedScale(ps, lookup), want));
});

describe('planDisruption', () => {
  const rs = workload('ReplicaSet', 'rs', 10);
  type Want = Pick<PodDisruptionBudgetStatus, 'currentHealthy' | 'desiredHealthy' | 'expectedPods' | 'disruptionsAllowed'> & { reason: string };
  const cases: [string, PodDisruptionBudget, Pod[], ObjectLookup, Want][] = [
    ['minAvailable 3 of 4 ready pods: 1 allowed', pdb({ minAvailable: 3 }), pods(4), none, { currentHealthy: 4, desiredHealthy: 3, expectedPods: 4, disruptionsAllowed: 1, reason: 'SufficientPods' }],
    ['one of them unready: none allowed', pdb({ minAvailable: 3 }), [...pods(3), pod('x', { ready: false })], none, { currentHealthy: 3, desiredHealthy: 3, expectedPods: 4, disruptionsAllowed: 0, reason: 'InsufficientPods' }],
    ['minAvailable 20% of a ReplicaSet of 10, 1 ready', pdb({ minAvailable: '20%' }), [pod('a', { owner: 'rs' })], lookupOf(rs), { currentHealthy: 1, desiredHealthy: 2, expectedPods: 10, disruptionsAllowed: 0, reason: 'InsufficientPods' }],
    ['maxUnavailable 1 of a Deployment of 3, all ready', pdb({ maxUnavailable: 1 }), pods(3, { owner: 'd-1' }), lookupOf(workload('ReplicaSet', 'd-1', 3, 'd'), workload('Deployment', 'd', 3)), { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, reason: 'SufficientPods' }],
    ['maxUnavailable 34% of 3 rounds up to 2 unavailable', pdb({ maxUnavailable: '34%' }), pods(3, { owner: 'rs3' }), lookupOf(workload('ReplicaSet', 'rs3', 3)), { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2, reason: 'SufficientPods' }],
    ['maxUnavailable larger than the scale: desired 0', pdb({ maxUnavailable: 5 }), pods(2, { owner: 'rs2' }), lookupOf(workload('ReplicaSet', 'rs2', 2)), { currentHealthy: 2, desiredHealthy: 0, expectedPods: 2, disruptionsAllowed: 2, reason: 'SufficientPods' }],
    ['no pods: nothing allowed', pdb({ minAvailable: 0 }), [], none, { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, reason: 'InsufficientPods' }],
    ['pods being deleted are not healthy', pdb({ minAvailable: 1 }), [pod('a'), pod('b', { deleting: true })], none, { currentHealthy: 1, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0, reason: 'InsufficientPods' }],
    ['pods of other labels are not selected', pdb({ minAvailable: 1 }), [pod('a'), pod('b', { labels: { app: 'db' } })], none, { currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0, reason: 'InsufficientPods' }],
    ['an empty selector selects the namespace', pdb({ minAvailable: 1, selector: {} }), [pod('a'), pod('b', { labels: { app: 'db' } })], none, { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1, reason: 'SufficientPods' }],
  ];
  for (const [name, budget, ps, lookup, want] of cases) {
    it(name, () => {
      const plan = planDisruption(budget, ps, lookup, NOW);
      const { currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed } = plan.status;
      assert.deepEqual({ currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed, reason: plan.status.conditions?.[0]?.reason }, want);
      assert.equal(plan.status.observedGeneration, 1);
      assert.equal(plan.write, true);
    });
  }

  it('an up-to-date status is not written again (replays change nothing)', () => {
    const first = planDisruption(pdb({ minAvailable: 3 }), pods(4), none, NOW);
    const again = planDisruption({ ...pdb({ minAvailable: 3 }), status: first.status }, pods(4), none, new Date(NOW.getTime() + 60_000));
    assert.equal(again.write, false);
    assert.deepEqual(again.events, []);
  });

  it('a new generation is written even with the same counts', () => {
    const first = planDisruption(pdb({ minAvailable: 3 }), pods(4), none, NOW);
    const next = { ...pdb({ minAvailable: 3 }, undefined, 2), status: first.status };
    const plan = planDisruption(next, pods(4), none, NOW);
    assert.equal(plan.write, true);
    assert.equal(plan.status.observedGeneration, 2);
    assert.equal(plan.status.conditions?.[0]?.observedGeneration, 2);
  });

  it('keeps the condition\'s transition time while its status holds', () => {
    const old = { ...pdb({ minAvailable: 1 }), status: { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2, observedGeneration: 1, conditions: [{ type: 'DisruptionAllowed', status: 'True' as const, reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: ago(500) }] } };
    const plan = planDisruption(old, pods(2), none, NOW);
    assert.equal(plan.status.disruptionsAllowed, 1);
    assert.equal(plan.status.conditions?.[0]?.lastTransitionTime, ago(500));
    const none0 = planDisruption(old, pods(1), none, NOW);
    assert.equal(none0.status.conditions?.[0]?.lastTransitionTime, '2024-01-01T00:10:00Z');
    assert.equal(none0.status.conditions?.[0]?.status, 'False');
  });

  it('disruptedPods: a recent entry is kept and not counted, an old one dropped with NotDeleted, a missing pod\'s dropped', () => {
    const budget = pdb({ minAvailable: 1 }, { disruptedPods: { p0: ago(30), p1: ago(121), gone: ago(10) } });
    const plan = planDisruption(budget, pods(3), none, NOW);
    assert.deepEqual(plan.status.disruptedPods, { p0: ago(30) });
    assert.equal(plan.status.currentHealthy, 2);
    assert.equal(plan.status.disruptionsAllowed, 1);
    assert.deepEqual(plan.events.map((e) => [e.object.metadata.name, e.reason, e.message]), [['p1', 'NotDeleted', "Pod was expected by PDB ns/ns to be deleted but it wasn't"]]);
    assert.equal(plan.recheckAfterMs, 90_001);
  });

  it('a pod being deleted leaves disruptedPods', () => {
    const plan = planDisruption(pdb({ minAvailable: 1 }, { disruptedPods: { p0: ago(5) } }), [pod('p0', { deleting: true }), pod('p1')], none, NOW);
    assert.equal(plan.status.disruptedPods, undefined);
    assert.equal(plan.recheckAfterMs, undefined);
  });

  it('fails safe when the scale is unknown: SyncFailed, nothing allowed', () => {
    const budget = pdb({ maxUnavailable: 1 }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
    const plan = planDisruption(budget, pods(3, { owner: 'gone' }), none, NOW);
    assert.equal(plan.status.disruptionsAllowed, 0);
    assert.equal(plan.status.currentHealthy, 3);
    const c = plan.status.conditions?.[0];
    assert.deepEqual([c?.status, c?.reason, c?.message], ['False', 'SyncFailed', 'found no controllers for pod "p0"']);
    assert.deepEqual(plan.events.map((e) => [e.reason, e.message]), [['CalculateExpectedPodCountFailed', 'Failed to calculate the number of expected pods: found no controllers for pod "p0"']]);
    assert.equal(planDisruption({ ...budget, status: plan.status }, pods(3, { owner: 'gone' }), none, NOW).write, false);
  });

  it('warns about unmanaged pods for a percentage', () => {
    const plan = planDisruption(pdb({ minAvailable: '50%' }), [pod('a'), pod('b', { owner: 'rs' })], lookupOf(rs), NOW);
    assert.equal(plan.status.expectedPods, 10);
    assert.equal(plan.status.desiredHealthy, 5);
    assert.deepEqual(plan.events.map((e) => e.reason), ['UnmanagedPods']);
  });
});

describe('evictionVerdict', () => {
  const ctx = { now: NOW, clientResourceVersion: false, dryRun: false };
  const healthy = (extra: Partial<PodDisruptionBudgetStatus> = {}, spec: PodDisruptionBudget['spec'] = { minAvailable: 2 }) =>
    pdb(spec, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, ...extra });
  type Row = [string, Pod, PodDisruptionBudget[], (v: ReturnType<typeof evictionVerdict>) => void, typeof ctx?];
  const cases: Row[] = [
    ['no budget: delete', pod('a'), [], (v) => assert.deepEqual(v, { op: 'delete' })],
    ['Succeeded: delete without a check', pod('a', { phase: 'Succeeded' }), [healthy({ disruptionsAllowed: 0 })], (v) => assert.deepEqual(v, { op: 'delete' })],
    ['Failed: delete without a check', pod('a', { phase: 'Failed' }), [healthy({ disruptionsAllowed: 0 }), healthy()], (v) => assert.deepEqual(v, { op: 'delete' })],
    ['Pending: delete at its resourceVersion', pod('a', { phase: 'Pending' }), [healthy({ disruptionsAllowed: 0 })], (v) => assert.deepEqual(v, { op: 'delete', preconditionRv: '42' })],
    ['Pending with the client\'s own precondition', pod('a', { phase: 'Pending' }), [], (v) => assert.deepEqual(v, { op: 'delete' }), { ...ctx, clientResourceVersion: true }],
    ['being deleted: delete', pod('a', { deleting: true }), [healthy({ disruptionsAllowed: 0 })], (v) => assert.deepEqual(v, { op: 'delete' })],
    ['two budgets: 500', pod('a'), [healthy(), healthy()], (v) => assert.deepEqual(v, { op: 'status', code: 500, message: MORE_THAN_ONE_BUDGET })],
    ['budget allows: spend one, record the pod', pod('a'), [healthy()], (v) => {
      assert.equal(v.op, 'spend');
      if (v.op !== 'spend') return;
      assert.equal(v.write, true);
      assert.equal(v.status.disruptionsAllowed, 0);
      assert.deepEqual(v.status.disruptedPods, { a: '2024-01-01T00:10:00Z' });
      assert.deepEqual(v.status.conditions?.map((c) => [c.status, c.reason]), [['False', 'InsufficientPods']]);
    }],
    ['budget allows 2: no condition change yet', pod('a'), [healthy({ disruptionsAllowed: 2 })], (v) => {
      assert.equal(v.op === 'spend' && v.status.disruptionsAllowed, 1);
      assert.equal(v.op === 'spend' && v.status.conditions, undefined);
    }],
    ['dry run: spend without writing, nothing recorded', pod('a'), [healthy()], (v) => {
      assert.equal(v.op === 'spend' && v.write, false);
      assert.equal(v.op === 'spend' && v.status.disruptedPods, undefined);
    }, { ...ctx, dryRun: true }],
    ['budget exhausted: 429 with the cause', pod('a'), [healthy({ disruptionsAllowed: 0, currentHealthy: 2 })], (v) => {
      assert.equal(v.op, 'refuse');
      if (v.op !== 'refuse') return;
      assert.equal(v.error.code, 429);
      assert.equal(v.error.message, VIOLATES_BUDGET);
      assert.deepEqual(v.error.details, { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget b needs 2 healthy pods and has 2 currently' }] });
    }],
    ['budget not yet observed at its generation: 429', pod('a'), [{ ...healthy(), metadata: { ...healthy().metadata, generation: 2 } }], (v) => {
      assert.equal(v.op === 'refuse' && v.error.details?.causes?.[0]?.message, 'The disruption budget b is still being processed by the server.');
      assert.equal(v.op === 'refuse' && v.error.details?.retryAfterSeconds, 10);
    }],
    ['negative disruptionsAllowed: 403', pod('a'), [healthy({ disruptionsAllowed: -1 })], (v) => assert.equal(v.op === 'refuse' && v.error.code, 403)],
    ['unready pod, healthy budget: delete without spending, at its resourceVersion', pod('a', { ready: false }), [healthy({ disruptionsAllowed: 0, currentHealthy: 2 })], (v) => assert.deepEqual(v, { op: 'delete', preconditionRv: '42', budget: 'b' })],
    ['unready pod, unhealthy budget: must spend (refused)', pod('a', { ready: false }), [healthy({ disruptionsAllowed: 0, currentHealthy: 1 })], (v) => assert.equal(v.op === 'refuse' && v.error.code, 429)],
    ['unready pod, budget of desired 0: must spend', pod('a', { ready: false }), [healthy({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0 })], (v) => assert.equal(v.op, 'refuse')],
    ['unready pod, AlwaysAllow: delete without spending', pod('a', { ready: false }), [healthy({ disruptionsAllowed: 0, currentHealthy: 0 }, { minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' })], (v) => assert.deepEqual(v, { op: 'delete', preconditionRv: '42', budget: 'b' })],
    ['ready pod, AlwaysAllow still guarded', pod('a'), [healthy({ disruptionsAllowed: 0 }, { minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' })], (v) => assert.equal(v.op, 'refuse')],
  ];
  for (const [name, p, budgets, check, c] of cases) it(name, () => check(evictionVerdict(p, budgets, c ?? ctx)));
});
