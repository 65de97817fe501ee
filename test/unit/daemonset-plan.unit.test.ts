/**
 * The DaemonSet planner (services/controller-manager/daemonset): eligibility as Kubernetes'
 * NodeShouldRunDaemonPod, the pods it creates, what it deletes, RollingUpdate arithmetic,
 * revisions and status. Facts from Kubernetes' daemon_controller_test.go / update_test.go, our
 * own tables.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Taint } from '../../shared/resources/types.js';
import type { ControllerRevision, DaemonSet } from '../../shared/resources/daemonset-types.js';
import {
  daemonPodTolerations,
  nodeShouldRunDaemonPod,
  replaceNodeNameAffinity,
  targetNodeName,
  withDaemonTolerations,
} from '../../services/controller-manager/daemonset/eligibility.js';
import { daemonFenceposts, allowsSurge } from '../../services/controller-manager/daemonset/rolling.js';
import { daemonSetHash, newRevision, planHistory, revisionsToDelete } from '../../services/controller-manager/daemonset/revisions.js';
import { daemonPodName } from '../../services/controller-manager/daemonset/pods.js';
import { planDaemonSet, type DaemonSetAction } from '../../services/controller-manager/daemonset/plan.js';
import { FailedPodBackoff } from '../../services/controller-manager/daemonset/backoff.js';
import { NodeInfo, preparePod, runFilters } from '../../shared/scheduling/index.js';
import { T0 } from './controller-fixtures.js';
import { daemonPod, newDaemonSet, newNode } from './daemonset-fixtures.js';

const NOW = new Date(T0 + 60_000);

function revisionOf(ds: DaemonSet, revision = 1): ControllerRevision {
  const r = newRevision(ds, daemonSetHash(ds), revision);
  return { ...r, metadata: { ...r.metadata, uid: `uid-${r.metadata.name}`, resourceVersion: '1' } };
}

const types = (actions: readonly DaemonSetAction[]) => actions.map((a) => a.type);
const creates = (actions: readonly DaemonSetAction[]) => actions.flatMap((a) => (a.type === 'createPod' ? [a.nodeName] : []));
const deletes = (actions: readonly DaemonSetAction[]) => actions.flatMap((a) => (a.type === 'deletePod' ? [`${a.nodeName}:${a.reason}`] : []));

describe('nodeShouldRunDaemonPod', () => {
  const taint = (key: string, effect: Taint['effect'], value?: string): Taint => ({ key, effect, ...(value ? { value } : {}) });
  const cases: { name: string; node: Node; ds?: DaemonSet; run: boolean; keep: boolean }[] = [
    { name: 'a plain node', node: newNode('n1'), run: true, keep: true },
    { name: 'nodeSelector matches', node: newNode('n1', { labels: { disk: 'ssd' } }), ds: newDaemonSet({ nodeSelector: { disk: 'ssd' } }), run: true, keep: true },
    { name: 'nodeSelector does not match', node: newNode('n1', { labels: { disk: 'hdd' } }), ds: newDaemonSet({ nodeSelector: { disk: 'ssd' } }), run: false, keep: false },
    { name: 'template nodeName names another node', node: newNode('n1'), ds: withSpec({ nodeName: 'n2' }), run: false, keep: false },
    { name: 'template nodeName names this node', node: newNode('n1'), ds: withSpec({ nodeName: 'n1' }), run: true, keep: true },
    {
      name: 'required affinity matches',
      node: newNode('n1', { labels: { zone: 'a' } }),
      ds: withSpec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }),
      run: true,
      keep: true,
    },
    {
      name: 'required affinity does not match',
      node: newNode('n1', { labels: { zone: 'b' } }),
      ds: withSpec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }),
      run: false,
      keep: false,
    },
    { name: 'untolerated NoSchedule taint: no new pod, the old one stays', node: newNode('n1', { taints: [taint('dedicated', 'NoSchedule', 'db')] }), run: false, keep: true },
    { name: 'untolerated NoExecute taint: the pod goes', node: newNode('n1', { taints: [taint('dedicated', 'NoExecute', 'db')] }), run: false, keep: false },
    { name: 'PreferNoSchedule taint is no obstacle', node: newNode('n1', { taints: [taint('dedicated', 'PreferNoSchedule')] }), run: true, keep: true },
    {
      name: 'tolerated taint',
      node: newNode('n1', { taints: [taint('dedicated', 'NoSchedule', 'db')] }),
      ds: withSpec({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }),
      run: true,
      keep: true,
    },
    { name: 'not-ready NoExecute: tolerated automatically', node: newNode('n1', { taints: [taint('node.kubernetes.io/not-ready', 'NoExecute')] }), run: true, keep: true },
    { name: 'unreachable NoExecute: tolerated automatically', node: newNode('n1', { taints: [taint('node.kubernetes.io/unreachable', 'NoExecute')] }), run: true, keep: true },
    { name: 'unschedulable NoSchedule: tolerated automatically', node: newNode('n1', { taints: [taint('node.kubernetes.io/unschedulable', 'NoSchedule')] }), run: true, keep: true },
    { name: 'disk-pressure: tolerated automatically', node: newNode('n1', { taints: [taint('node.kubernetes.io/disk-pressure', 'NoSchedule')] }), run: true, keep: true },
    { name: 'memory-pressure: tolerated automatically', node: newNode('n1', { taints: [taint('node.kubernetes.io/memory-pressure', 'NoSchedule')] }), run: true, keep: true },
    { name: 'pid-pressure: tolerated automatically', node: newNode('n1', { taints: [taint('node.kubernetes.io/pid-pressure', 'NoSchedule')] }), run: true, keep: true },
    { name: 'network-unavailable without hostNetwork: not tolerated', node: newNode('n1', { taints: [taint('node.kubernetes.io/network-unavailable', 'NoSchedule')] }), run: false, keep: true },
    { name: 'network-unavailable with hostNetwork: tolerated', node: newNode('n1', { taints: [taint('node.kubernetes.io/network-unavailable', 'NoSchedule')] }), ds: withSpec({ hostNetwork: true }), run: true, keep: true },
    { name: 'a node not Ready (its implied not-ready NoSchedule taint): no new pod, the old one stays', node: notReady('n1', 'False'), run: false, keep: true },
    { name: 'a node whose Ready is Unknown (unreachable NoSchedule): no new pod, the old one stays', node: notReady('n1', 'Unknown'), run: false, keep: true },
    { name: 'not-ready NoSchedule is not among the automatic tolerations', node: newNode('n1', { taints: [taint('node.kubernetes.io/not-ready', 'NoSchedule')] }), run: false, keep: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(nodeShouldRunDaemonPod(c.node, c.ds ?? newDaemonSet()), { shouldRun: c.run, shouldContinueRunning: c.keep });
    });
  }
});

function notReady(name: string, status: 'False' | 'Unknown'): Node {
  const n = newNode(name);
  return { ...n, status: { conditions: [{ type: 'Ready', status }] } } as Node;
}

function withSpec(extra: Record<string, unknown>): DaemonSet {
  const ds = newDaemonSet();
  return { ...ds, spec: { ...ds.spec, template: { ...ds.spec.template, spec: { ...ds.spec.template.spec, ...extra } } } };
}

describe('daemon pod tolerations and node-name affinity', () => {
  it('the automatic tolerations, in order; network-unavailable only with hostNetwork', () => {
    assert.deepEqual(daemonPodTolerations(false).map((t) => `${t.key}:${t.effect}`), [
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    assert.equal(daemonPodTolerations(true).at(-1)?.key, 'node.kubernetes.io/network-unavailable');
    for (const t of daemonPodTolerations(true)) assert.equal(t.operator, 'Exists');
  });

  it('a matching toleration of the template is replaced (its tolerationSeconds dropped), others kept', () => {
    const tols = withDaemonTolerations({
      containers: [],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'gpu', operator: 'Exists' },
      ],
    });
    assert.equal(tols.length, 7);
    assert.deepEqual(tols[0], { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
    assert.deepEqual(tols[1], { key: 'gpu', operator: 'Exists' });
  });

  it('no affinity: one term matching the node by metadata.name', () => {
    assert.deepEqual(replaceNodeNameAffinity(undefined, 'n1'), {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } },
    });
  });

  it('existing required terms are replaced; preferred terms and pod affinity are kept', () => {
    const a = replaceNodeNameAffinity(
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['x'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
        },
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [] },
      },
      'n2',
    );
    assert.deepEqual(a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] });
    assert.equal(a.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length, 1);
    assert.deepEqual(a.podAffinity, { requiredDuringSchedulingIgnoredDuringExecution: [] });
  });

  it('targetNodeName: spec.nodeName, else the node the affinity names', () => {
    const ds = newDaemonSet();
    const hash = daemonSetHash(ds);
    assert.equal(targetNodeName(daemonPod(ds, 'n1', hash, { bound: false })), 'n1');
    assert.equal(targetNodeName(daemonPod(ds, 'n2', hash)), 'n2');
  });
});

describe('RollingUpdate fenceposts (rounded up from the desired number of nodes)', () => {
  const cases: [maxUnavailable: number | string, maxSurge: number | string, desired: number, want: { maxSurge: number; maxUnavailable: number }][] = [
    [1, 0, 5, { maxSurge: 0, maxUnavailable: 1 }],
    [3, 0, 5, { maxSurge: 0, maxUnavailable: 3 }],
    ['50%', 0, 5, { maxSurge: 0, maxUnavailable: 3 }],
    ['10%', 0, 5, { maxSurge: 0, maxUnavailable: 1 }],
    [0, '10%', 5, { maxSurge: 1, maxUnavailable: 0 }],
    [0, '100%', 5, { maxSurge: 5, maxUnavailable: 0 }],
    [0, 2, 5, { maxSurge: 2, maxUnavailable: 0 }],
    ['0%', 0, 5, { maxSurge: 0, maxUnavailable: 1 }],
    ['0%', '0%', 0, { maxSurge: 0, maxUnavailable: 0 }],
  ];
  for (const [mu, ms, desired, want] of cases) {
    it(`maxUnavailable ${mu}, maxSurge ${ms}, ${desired} nodes → ${JSON.stringify(want)}`, () => {
      const ds = newDaemonSet({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: mu, maxSurge: ms } } } });
      assert.deepEqual(daemonFenceposts(ds, desired), want);
    });
  }
  it('surge only with RollingUpdate and a non-zero maxSurge', () => {
    assert.equal(allowsSurge(newDaemonSet()), false);
    assert.equal(allowsSurge(newDaemonSet({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '1%' } } } })), true);
    assert.equal(allowsSurge(newDaemonSet({ spec: { updateStrategy: { type: 'OnDelete' } } })), false);
  });
});

describe('planDaemonSet: manage', () => {
  const nodes = [newNode('n1'), newNode('n2'), newNode('n3')];

  it('3 nodes, no pods: the first revision, a pod per node, then status', () => {
    const ds = newDaemonSet();
    const plan = planDaemonSet({ ds, nodes, pods: [], revisions: [], now: NOW });
    assert.deepEqual(types(plan.actions), ['createRevision', 'createPod', 'createPod', 'createPod', 'updateStatus']);
    assert.deepEqual(creates(plan.actions), ['n1', 'n2', 'n3']);
    const rev = plan.actions[0]!.type === 'createRevision' ? plan.actions[0]!.revision : undefined;
    const hash = daemonSetHash(ds);
    assert.equal(rev?.metadata.name, `agent-${hash}`);
    assert.equal(rev?.revision, 1);
    assert.deepEqual(rev?.metadata.labels, { app: 'agent', 'controller-revision-hash': hash });
    assert.equal(((rev?.data as { spec: { template: { $patch: string } } }).spec.template.$patch), 'replace');
    const pod = (plan.actions[1] as Extract<DaemonSetAction, { type: 'createPod' }>).pod;
    assert.deepEqual(pod.metadata.labels, { app: 'agent', 'pod-template-generation': '1', 'controller-revision-hash': hash });
    assert.equal(pod.metadata.name, daemonPodName(ds, 'n1', hash));
    assert.match(pod.metadata.name!, /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(pod.spec.nodeName, undefined, 'the scheduler binds it');
    assert.deepEqual(pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]);
    assert.equal(pod.spec.tolerations?.length, 6);
    assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'uid-agent', controller: true, blockOwnerDeletion: true }]);
    const status = plan.actions.at(-1)!.type === 'updateStatus' ? (plan.actions.at(-1) as Extract<DaemonSetAction, { type: 'updateStatus' }>).status : undefined;
    assert.deepEqual(status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 3, observedGeneration: 1 });
  });

  it('the same input plans the same pod names (a create repeated makes one pod)', () => {
    const ds = newDaemonSet();
    const a = planDaemonSet({ ds, nodes, pods: [], revisions: [], now: NOW });
    const b = planDaemonSet({ ds, nodes, pods: [], revisions: [], now: NOW });
    assert.deepEqual(a.actions, b.actions);
    assert.notEqual(daemonPodName(ds, 'n1', 'h1'), daemonPodName(ds, 'n1', 'h2'));
    assert.notEqual(daemonPodName(ds, 'n1', 'h1'), daemonPodName(ds, 'n2', 'h1'));
  });

  function converged(ds: DaemonSet, ns: readonly Node[], extra: { ready?: boolean } = {}) {
    const hash = daemonSetHash(ds);
    const pods = ns.map((n) => daemonPod(ds, n.metadata.name!, hash, extra));
    const status = planDaemonSet({ ds, nodes: ns, pods, revisions: [revisionOf(ds)], now: NOW }).actions.find((a) => a.type === 'updateStatus');
    const withStatus = status?.type === 'updateStatus' ? { ...ds, status: status.status } : ds;
    return { ds: withStatus, pods, hash, revisions: [revisionOf(ds)] };
  }

  it('converged: nothing to do', () => {
    const c = converged(newDaemonSet(), nodes);
    assert.deepEqual(c.ds.status?.numberAvailable, 3);
    assert.deepEqual(planDaemonSet({ ds: c.ds, nodes, pods: c.pods, revisions: c.revisions, now: NOW }).actions, []);
  });

  it('a new node gets a pod', () => {
    const c = converged(newDaemonSet(), nodes);
    const plan = planDaemonSet({ ds: c.ds, nodes: [...nodes, newNode('n4')], pods: c.pods, revisions: c.revisions, now: NOW });
    assert.deepEqual(creates(plan.actions), ['n4']);
  });

  it('a node tainted NoSchedule without toleration gets none; its running pod stays', () => {
    const c = converged(newDaemonSet(), nodes);
    const tainted = newNode('n4', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    const plan = planDaemonSet({ ds: c.ds, nodes: [...nodes, tainted], pods: c.pods, revisions: c.revisions, now: NOW });
    assert.deepEqual(creates(plan.actions), []);
    const n1Tainted = [newNode('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), nodes[1]!, nodes[2]!];
    const plan2 = planDaemonSet({ ds: c.ds, nodes: n1Tainted, pods: c.pods, revisions: c.revisions, now: NOW });
    assert.deepEqual(deletes(plan2.actions), []);
  });

  it('a node tainted NoExecute loses its pod; a node no longer matching the selector too', () => {
    const ds = newDaemonSet({ nodeSelector: { role: 'agent' } });
    const ns = nodes.map((n) => newNode(n.metadata.name!, { labels: { role: 'agent' } }));
    const c = converged(ds, ns);
    const changed = [newNode('n1', { labels: { role: 'agent' }, taints: [{ key: 'evict', effect: 'NoExecute' }] }), newNode('n2'), ns[2]!];
    const plan = planDaemonSet({ ds: c.ds, nodes: changed, pods: c.pods, revisions: c.revisions, now: NOW });
    assert.deepEqual(deletes(plan.actions), ['n1:misscheduled', 'n2:misscheduled']);
    const status = plan.actions.find((a) => a.type === 'updateStatus');
    assert.equal(status?.type === 'updateStatus' && status.status.numberMisscheduled, 2);
    assert.equal(status?.type === 'updateStatus' && status.status.desiredNumberScheduled, 1);
  });

  it('a removed node loses its pod', () => {
    const c = converged(newDaemonSet(), nodes);
    const plan = planDaemonSet({ ds: c.ds, nodes: nodes.slice(0, 2), pods: c.pods, revisions: c.revisions, now: NOW });
    assert.deepEqual(deletes(plan.actions), ['n3:orphaned']);
    assert.equal(plan.actions.find((a) => a.type === 'deletePod')?.type === 'deletePod' && (plan.actions.find((a) => a.type === 'deletePod') as { force?: boolean }).force, true);
  });

  it('two pods on a node: the oldest stays', () => {
    const ds = newDaemonSet();
    const c = converged(ds, nodes);
    const dup = daemonPod(ds, 'n2', c.hash, { name: 'agent-dup', created: 10 });
    const plan = planDaemonSet({ ds: c.ds, nodes, pods: [...c.pods, dup], revisions: c.revisions, now: NOW });
    assert.deepEqual(plan.actions.filter((a) => a.type === 'deletePod').map((a) => (a as { name: string }).name), ['agent-dup']);
  });

  it('a failed pod is deleted with a FailedDaemonPod warning; a terminating pod blocks a new one', () => {
    const ds = newDaemonSet();
    const c = converged(ds, nodes);
    const failed = { ...c.pods[0]!, status: { phase: 'Failed' as const } };
    const plan = planDaemonSet({ ds: c.ds, nodes, pods: [failed, ...c.pods.slice(1)], revisions: c.revisions, now: NOW });
    assert.deepEqual(deletes(plan.actions), ['n1:failed']);
    assert.deepEqual(plan.events.map((e) => [e.type, e.reason]), [['Warning', 'FailedDaemonPod']]);
    assert.match(plan.events[0]!.message, /^Found failed daemon pod default\/agent-\w+ on node n1, will try to kill it$/);
    const terminating = daemonPod(ds, 'n1', c.hash, { deleting: true });
    const plan2 = planDaemonSet({ ds: c.ds, nodes, pods: [terminating, ...c.pods.slice(1)], revisions: c.revisions, now: NOW });
    assert.deepEqual(creates(plan2.actions), []);
    assert.deepEqual(deletes(plan2.actions), []);
  });

  it('a failed pod in back-off stays for now; the DaemonSet is looked at again when the back-off ends', () => {
    const ds = newDaemonSet();
    const c = converged(ds, nodes);
    const failed = { ...c.pods[0]!, status: { phase: 'Failed' as const } };
    const plan = planDaemonSet({ ds: c.ds, nodes, pods: [failed, ...c.pods.slice(1)], revisions: c.revisions, now: NOW, failedPodBackoff: (n) => (n === 'n1' ? 4000 : 0) });
    assert.deepEqual(deletes(plan.actions), []);
    assert.deepEqual(plan.events, []);
    assert.equal(plan.requeueAfterMs, 4000);
    assert.equal(plan.failedPodNodes, undefined);
    const now = planDaemonSet({ ds: c.ds, nodes, pods: [failed, ...c.pods.slice(1)], revisions: c.revisions, now: NOW, failedPodBackoff: () => 0 });
    assert.deepEqual(now.failedPodNodes, ['n1']);
  });

  it('a DaemonSet being deleted only writes its status', () => {
    const ds = { ...newDaemonSet(), metadata: { ...newDaemonSet().metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    assert.deepEqual(types(planDaemonSet({ ds, nodes, pods: [], revisions: [revisionOf(ds)], now: NOW }).actions), ['updateStatus']);
  });
});

describe('planDaemonSet: rolling update', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => newNode(n));

  /** Old pods of template agent:1 everywhere; the DaemonSet now at agent:2 (template generation 2). */
  function updated(strategy: DaemonSet['spec']['updateStrategy'], oldReady: boolean[] = [true, true, true, true]) {
    const v1 = newDaemonSet();
    const h1 = daemonSetHash(v1);
    const pods = nodes.map((n, i) => daemonPod(v1, n.metadata.name!, h1, { ready: oldReady[i] }));
    const v2 = newDaemonSet({ image: 'agent:2', templateGeneration: 2, generation: 2, spec: { updateStrategy: strategy } });
    return { v1, v2, pods, h2: daemonSetHash(v2), revisions: [revisionOf(v1, 1), revisionOf(v2, 2)] };
  }

  it('maxUnavailable 1: one old pod deleted at a time', () => {
    const u = updated({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const plan = planDaemonSet({ ds: u.v2, nodes, pods: u.pods, revisions: u.revisions, now: NOW });
    assert.deepEqual(deletes(plan.actions), ['n1:update']);
  });

  it('maxUnavailable 50% of 4 nodes: two', () => {
    const u = updated({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%', maxSurge: 0 } });
    assert.deepEqual(deletes(planDaemonSet({ ds: u.v2, nodes, pods: u.pods, revisions: u.revisions, now: NOW }).actions), ['n1:update', 'n2:update']);
  });

  it('an unavailable old pod may always be replaced; a node without a pod counts as unavailable', () => {
    const u = updated({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, [true, true, false, true]);
    assert.deepEqual(deletes(planDaemonSet({ ds: u.v2, nodes, pods: u.pods, revisions: u.revisions, now: NOW }).actions), ['n3:update', 'n1:update']);
  });

  it('a new pod not yet available uses up maxUnavailable: nothing more is deleted', () => {
    const u = updated({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const pods = [daemonPod(u.v2, 'n1', u.h2, { ready: false }), ...u.pods.slice(1)];
    const plan = planDaemonSet({ ds: u.v2, nodes, pods, revisions: u.revisions, now: NOW });
    assert.deepEqual(deletes(plan.actions), []);
    const status = plan.actions.find((a) => a.type === 'updateStatus');
    assert.equal(status?.type === 'updateStatus' && status.status.updatedNumberScheduled, 1);
    assert.equal(status?.type === 'updateStatus' && status.status.numberAvailable, 3);
  });

  it('manage first: while a node lacks its pod, no rolling deletes', () => {
    const u = updated({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } });
    const plan = planDaemonSet({ ds: u.v2, nodes, pods: u.pods.slice(1), revisions: u.revisions, now: NOW });
    assert.deepEqual(creates(plan.actions), ['n1']);
    assert.deepEqual(deletes(plan.actions), []);
  });

  it('maxSurge 1: a new pod next to an old one, then the old one goes once the new is available', () => {
    const u = updated({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const plan = planDaemonSet({ ds: u.v2, nodes, pods: u.pods, revisions: u.revisions, now: NOW });
    assert.deepEqual(creates(plan.actions), ['n1']);
    assert.deepEqual(deletes(plan.actions), []);
    const surging = [...u.pods, daemonPod(u.v2, 'n1', u.h2, { ready: false, created: 5 })];
    const waiting = planDaemonSet({ ds: u.v2, nodes, pods: surging, revisions: u.revisions, now: NOW });
    assert.deepEqual([creates(waiting.actions), deletes(waiting.actions)], [[], []]);
    const ready = [...u.pods, daemonPod(u.v2, 'n1', u.h2, { ready: true, created: 5 })];
    const next = planDaemonSet({ ds: u.v2, nodes, pods: ready, revisions: u.revisions, now: NOW });
    assert.deepEqual(deletes(next.actions), ['n1:update']);
    assert.deepEqual(creates(next.actions), ['n2']);
  });

  it('OnDelete: old pods stay until someone deletes them; a deleted one comes back new', () => {
    const u = updated({ type: 'OnDelete' });
    assert.deepEqual(deletes(planDaemonSet({ ds: u.v2, nodes, pods: u.pods, revisions: u.revisions, now: NOW }).actions), []);
    const plan = planDaemonSet({ ds: u.v2, nodes, pods: u.pods.slice(1), revisions: u.revisions, now: NOW });
    const created = plan.actions.find((a) => a.type === 'createPod');
    assert.equal(created?.type === 'createPod' && created.pod.metadata.labels?.['controller-revision-hash'], u.h2);
    assert.equal(created?.type === 'createPod' && created.pod.spec.containers[0]?.image, 'agent:2');
  });
});

describe('ControllerRevision history', () => {
  it('a changed template makes revision max+1; the old revisions stay old', () => {
    const v1 = newDaemonSet();
    const v2 = newDaemonSet({ image: 'agent:2' });
    const step = planHistory(v2, [revisionOf(v1, 1)]);
    assert.equal(step.op, 'create');
    assert.equal(step.op === 'create' && step.revision.revision, 2);
  });

  it('back to an old template (rollout undo): that revision is renumbered to the top', () => {
    const v1 = newDaemonSet();
    const v2 = newDaemonSet({ image: 'agent:2' });
    const step = planHistory(v1, [revisionOf(v1, 1), revisionOf(v2, 2)]);
    assert.equal(step.op, 'renumber');
    assert.equal(step.op === 'renumber' && step.revision.revision, 3);
    assert.equal(step.op === 'renumber' && step.revision.metadata.name, `agent-${daemonSetHash(v1)}`);
  });

  it('the current revision at the top: nothing to write', () => {
    const v1 = newDaemonSet();
    assert.equal(planHistory(v1, [revisionOf(v1, 4)]).op, 'current');
  });

  it('a revision of another template under our name: a collision', () => {
    const v1 = newDaemonSet();
    const other = revisionOf(newDaemonSet({ image: 'other' }), 1);
    const squatter = { ...other, metadata: { ...other.metadata, name: `agent-${daemonSetHash(v1)}` } };
    assert.equal(planHistory(v1, [squatter]).op, 'collision');
    const plan = planDaemonSet({ ds: v1, nodes: [], pods: [], revisions: [squatter], now: NOW });
    assert.deepEqual(plan.actions, [{ type: 'updateStatus', status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, collisionCount: 1 } }]);
  });

  it('cleanup beyond revisionHistoryLimit: oldest first, skipping revisions live pods still carry', () => {
    const revs = [1, 2, 3, 4].map((i) => revisionOf(newDaemonSet({ image: `agent:${i}` }), i));
    const live = daemonPod(newDaemonSet({ image: 'agent:1' }), 'n1', daemonSetHash(newDaemonSet({ image: 'agent:1' })));
    assert.deepEqual(revisionsToDelete(revs, 2, [live]).map((r) => r.revision), [2, 3]);
    assert.deepEqual(revisionsToDelete(revs, 10, []), []);
    assert.deepEqual(revisionsToDelete(revs, 0, []).map((r) => r.revision), [1, 2, 3, 4]);
  });
});

describe('status', () => {
  it('ready, available after minReadySeconds, updated, misscheduled; a requeue while pods wait to be available', () => {
    const ds = newDaemonSet({ spec: { minReadySeconds: 120 }, nodeSelector: { role: 'agent' } });
    const hash = daemonSetHash(ds);
    const ns = [newNode('n1', { labels: { role: 'agent' } }), newNode('n2', { labels: { role: 'agent' } }), newNode('n3')];
    const pods: Pod[] = [daemonPod(ds, 'n1', hash), daemonPod(ds, 'n2', hash, { ready: false }), daemonPod(ds, 'n3', hash)];
    const plan = planDaemonSet({ ds, nodes: ns, pods, revisions: [revisionOf(ds)], now: NOW });
    const status = plan.actions.find((a) => a.type === 'updateStatus');
    assert.deepEqual(status?.type === 'updateStatus' && status.status, {
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      desiredNumberScheduled: 2,
      numberReady: 1,
      updatedNumberScheduled: 2,
      numberAvailable: 0,
      numberUnavailable: 2,
      observedGeneration: 1,
    });
    assert.equal(plan.requeueAfterMs, 120_000);
  });
});

describe('failed-pods back-off', () => {
  it('1 s, doubling per deletion up to 15 min, per DaemonSet and node; forgotten after twice the maximum idle', () => {
    const b = new FailedPodBackoff();
    assert.equal(b.remaining('u', 'n1', 0), 0);
    b.next('u', 'n1', 0);
    assert.equal(b.remaining('u', 'n1', 0), 1000);
    assert.equal(b.remaining('u', 'n1', 400), 600);
    assert.equal(b.remaining('u', 'n2', 400), 0);
    assert.equal(b.remaining('v', 'n1', 400), 0);
    b.next('u', 'n1', 1000);
    assert.equal(b.remaining('u', 'n1', 1000), 2000);
    let t = 1000;
    for (let i = 0; i < 20; i++) b.next('u', 'n1', (t += 1000));
    assert.equal(b.remaining('u', 'n1', t), 15 * 60 * 1000);
    b.next('u', 'n1', t + 31 * 60 * 1000);
    assert.equal(b.remaining('u', 'n1', t + 31 * 60 * 1000), 1000);
  });
});

describe('the scheduler and daemon pods (shared/scheduling filters)', () => {
  const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
  const node = (name: string, o: { taints?: Taint[]; unschedulable?: boolean; ready?: 'True' | 'False' } = {}): Node =>
    ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
      status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: o.ready ?? 'True' }] },
    }) as Node;
  const fits = (pod: Pod, n: Node) => runFilters(preparePod(pod), new NodeInfo(n.metadata.name!, n)) === undefined;
  const ds = newDaemonSet();
  const pod = planDaemonSet({ ds, nodes: [node('n1')], pods: [], revisions: [], now: NOW }).actions.find((a) => a.type === 'createPod');
  const p = (pod as Extract<DaemonSetAction, { type: 'createPod' }>).pod;

  it('fits only the node its matchFields affinity names', () => {
    assert.equal(fits(p, node('n1')), true);
    assert.equal(fits(p, node('n2')), false);
  });
  it('fits a cordoned node (unschedulable toleration) and one tainted unreachable NoExecute', () => {
    assert.equal(fits(p, node('n1', { unschedulable: true })), true);
    assert.equal(fits(p, node('n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] })), true);
  });
  it('does not fit its node tainted with what it does not tolerate', () => {
    assert.equal(fits(p, node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })), false);
  });
});
