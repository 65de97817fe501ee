/**
 * InterPodAffinity and PodTopologySpread, table-driven, with cases modelled on kube-scheduler's
 * own tests (interpodaffinity/filtering_test.go, scoring_test.go; podtopologyspread/
 * filtering_test.go, scoring_test.go): same situations and expected outcomes, our own tables.
 * Each case builds a SchedulerCache (nodes + bound pods) and asks schedulePod's building blocks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, LabelSelector, Node, Pod, PodAffinityTerm, PodSpec, Taint, TopologySpreadConstraint } from '../../shared/resources/types.js';
import {
  REASON_AFFINITY,
  REASON_ANTI_AFFINITY,
  REASON_EXISTING_ANTI_AFFINITY,
  REASON_SPREAD,
  REASON_SPREAD_MISSING_LABEL,
  SchedulerCache,
  affinityFilter,
  defaultSpreadSelector,
  systemDefaultSpread,
  affinityPreFilter,
  affinityPreScore,
  affinityScore,
  matchesNodeAffinity,
  normalizeAffinityScores,
  normalizeSpreadScores,
  preparePod,
  schedulePod,
  spreadFilter,
  spreadPreFilter,
  spreadPreScore,
  spreadScore,
  type NodeInfo,
  type PreparedPod,
} from '../../shared/scheduling/index.js';
import { mergeAffinityLabelKeys } from '../../shared/resources/pod-scheduling-validation.js';

let seq = 0;

function pod(labels: Record<string, string>, spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${seq}`, namespace: 'default', uid: `uid-${seq}`, labels, ...meta },
    spec: { containers: [{ name: 'c', image: 'x' }], ...spec },
  };
}

function node(name: string, labels: Record<string, string>, taints?: Taint[]): Node {
  const cap = { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: taints ? { taints } : {},
    status: { capacity: cap, allocatable: cap, conditions: [{ type: 'Ready', status: 'True' }] },
  } as Node;
}

/** Nodes and [nodeName, pod] placements. */
function cluster(nodes: Node[], placed: [string, Pod][] = [], namespaces: Record<string, Record<string, string>> = {}): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.upsertNode(n);
  for (const [n, p] of placed) c.upsertPod({ ...p, spec: { ...p.spec, nodeName: n } });
  for (const [ns, l] of Object.entries(namespaces)) c.upsertNamespace(ns, l);
  return c;
}

const sel = (matchExpressions: LabelSelector['matchExpressions'], matchLabels?: Record<string, string>): LabelSelector => ({
  matchExpressions,
  ...(matchLabels ? { matchLabels } : {}),
});
const inSel = (key: string, ...values: string[]): LabelSelector => sel([{ key, operator: 'In', values }]);
const term = (labelSelector: LabelSelector | undefined, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  ...(labelSelector ? { labelSelector } : {}),
  topologyKey,
  ...extra,
});
const affinity = (req: PodAffinityTerm[] = [], anti: PodAffinityTerm[] = []): Affinity => ({
  ...(req.length ? { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: req } } : {}),
  ...(anti.length ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: anti } } : {}),
});

function filterAffinity(p: Pod, c: SchedulerCache): Map<string, string | undefined> {
  const pp = preparePod(p);
  const st = affinityPreFilter(pp, c.nodeInfos(), c.podsWithRequiredAntiAffinity, c.namespaceLabels);
  return new Map(c.nodeInfos().map((ni) => [ni.name, st ? affinityFilter(st, ni) : undefined]));
}

/** The pod as the gateway stores it: matchLabelKeys / mismatchLabelKeys merged into the selector. */
function created(p: Pod): Pod {
  const copy = structuredClone(p) as Pod;
  mergeAffinityLabelKeys(copy);
  return copy;
}

const N1 = node('node1', { region: 'r1', zone: 'z11', 'kubernetes.io/hostname': 'node1' });

// ---------------------------------------------------------------------------------------------
// InterPodAffinity: Filter on one node (filtering_test.go's single-node table)

describe('InterPodAffinity filter (one node)', () => {
  const existing = (labels: Record<string, string>, spec: Partial<PodSpec> = {}, ns = 'default'): [string, Pod] => ['node1', pod(labels, spec, { namespace: ns })];
  const cases: { name: string; pod: Pod; placed: [string, Pod][]; want: string | undefined; ns?: Record<string, Record<string, string>> }[] = [
    { name: 'no required pod affinity terms: fits a node without pods', pod: pod({}), placed: [], want: undefined },
    {
      name: 'affinity In matching the existing pod',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'securityscan', 'value2'), 'region')]) }),
      placed: [existing({ service: 'securityscan' })],
      want: undefined,
    },
    {
      name: 'affinity NotIn matching the existing pod',
      pod: pod({}, { affinity: affinity([term(sel([{ key: 'service', operator: 'NotIn', values: ['securityscan3', 'value3'] }]), 'region')]) }),
      placed: [existing({ service: 'securityscan' })],
      want: undefined,
    },
    {
      name: 'affinity does not match a pod in another namespace',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'securityscan', 'value2'), 'region', { namespaces: ['DiffNameSpace'] })]) }),
      placed: [existing({ service: 'securityscan' })],
      want: REASON_AFFINITY,
    },
    {
      name: 'affinity selector does not match the existing pod',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'antivirusscan', 'value2'), 'region')]) }),
      placed: [existing({ service: 'securityscan' })],
      want: REASON_AFFINITY,
    },
    {
      name: 'several terms with different operators, all matching',
      pod: pod({}, {
        affinity: affinity([
          term(sel([{ key: 'service', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }]), 'region'),
          term(sel([{ key: 'service', operator: 'In', values: ['securityscan'] }, { key: 'service', operator: 'NotIn', values: ['WrongValue'] }]), 'region'),
        ]),
      }),
      placed: [existing({ service: 'securityscan' })],
      want: undefined,
    },
    {
      name: 'several terms, one not matching: the pod must match all terms',
      pod: pod({}, {
        affinity: affinity([
          term(sel([{ key: 'service', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }]), 'region'),
          term(sel([{ key: 'service', operator: 'In', values: ['securityscan2'] }, { key: 'service', operator: 'NotIn', values: ['WrongValue'] }]), 'region'),
        ]),
      }),
      placed: [existing({ service: 'securityscan' })],
      want: REASON_AFFINITY,
    },
    {
      name: 'affinity and anti-affinity both satisfied',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'securityscan', 'value2'), 'region')], [term(inSel('service', 'antivirusscan', 'value2'), 'node')]) }),
      placed: [existing({ service: 'securityscan' })],
      want: undefined,
    },
    {
      name: 'affinity satisfied, anti-affinity and symmetry satisfied',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'securityscan', 'value2'), 'region')], [term(inSel('service', 'antivirusscan', 'value2'), 'node')]) }),
      placed: [existing({ service: 'securityscan' }, { affinity: affinity([], [term(inSel('service', 'antivirusscan', 'value2'), 'node')]) })],
      want: undefined,
    },
    {
      name: 'affinity satisfied but anti-affinity not',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'securityscan', 'value2'), 'region')], [term(inSel('service', 'securityscan', 'value2'), 'zone')]) }),
      placed: [existing({ service: 'securityscan' })],
      want: REASON_ANTI_AFFINITY,
    },
    {
      name: "affinity and anti-affinity satisfied but the existing pod's anti-affinity (symmetry) is not",
      pod: pod({ service: 'securityscan' }, { affinity: affinity([term(inSel('service', 'securityscan', 'value2'), 'region')], [term(inSel('service', 'antivirusscan', 'value2'), 'zone')]) }),
      placed: [existing({ service: 'securityscan' }, { affinity: affinity([], [term(inSel('service', 'securityscan', 'value2'), 'zone')]) })],
      want: REASON_EXISTING_ANTI_AFFINITY,
    },
    {
      name: "existing pod's anti-affinity applies to a pod without terms (symmetry)",
      pod: pod({ service: 'securityscan' }),
      placed: [existing({ service: 'securityscan' }, { affinity: affinity([], [term(inSel('service', 'securityscan', 'value2'), 'zone')]) })],
      want: REASON_EXISTING_ANTI_AFFINITY,
    },
    {
      name: "existing pod's anti-affinity (NotIn) does not match the pod",
      pod: pod({ service: 'securityscan' }),
      placed: [existing({ service: 'securityscan' }, { affinity: affinity([], [term(sel([{ key: 'service', operator: 'NotIn', values: ['securityscan', 'value2'] }]), 'zone')]) })],
      want: undefined,
    },
    {
      name: "existing pod's anti-affinity only counts where its node has the topology key",
      pod: pod({ service: 'securityscan' }),
      placed: [existing({ service: 'securityscan' }, { affinity: affinity([], [term(inSel('service', 'securityscan'), 'rack')]) })],
      want: undefined,
    },
    {
      name: 'first pod of a group: no pod matches anywhere, the pod matches its own terms',
      pod: pod({ service: 'securityscan' }, { affinity: affinity([term(inSel('service', 'securityscan'), 'region')]) }),
      placed: [],
      want: undefined,
    },
    {
      name: 'first pod rule needs the pod to match its own terms',
      pod: pod({ service: 'other' }, { affinity: affinity([term(inSel('service', 'securityscan'), 'region')]) }),
      placed: [],
      want: REASON_AFFINITY,
    },
    {
      name: 'first pod rule still needs the topology key on the node',
      pod: pod({ service: 'securityscan' }, { affinity: affinity([term(inSel('service', 'securityscan'), 'rack')]) }),
      placed: [],
      want: REASON_AFFINITY,
    },
    {
      name: 'a nil labelSelector matches no pod',
      pod: pod({}, { affinity: affinity([term(undefined, 'region')]) }),
      placed: [existing({ service: 'securityscan' })],
      want: REASON_AFFINITY,
    },
    {
      name: 'namespaceSelector matches the namespace by its labels',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'securityscan'), 'region', { namespaceSelector: { matchLabels: { team: 'a' } } })]) }),
      placed: [existing({ service: 'securityscan' }, {}, 'subteam')],
      ns: { subteam: { team: 'a' } },
      want: undefined,
    },
    {
      name: 'namespaceSelector not matching the namespace',
      pod: pod({}, { affinity: affinity([term(inSel('service', 'securityscan'), 'region', { namespaceSelector: { matchLabels: { team: 'b' } } })]) }),
      placed: [existing({ service: 'securityscan' }, {}, 'subteam')],
      ns: { subteam: { team: 'a' } },
      want: REASON_AFFINITY,
    },
    {
      name: 'an empty namespaceSelector selects every namespace',
      pod: pod({}, { affinity: affinity([], [term(inSel('service', 'securityscan'), 'region', { namespaceSelector: {} })]) }),
      placed: [existing({ service: 'securityscan' }, {}, 'elsewhere')],
      want: REASON_ANTI_AFFINITY,
    },
    {
      name: "matchLabelKeys (merged on create) adds the pod's own label value to the selector",
      pod: created(pod({ app: 'web', version: 'v1' }, { affinity: affinity([], [term(inSel('app', 'web'), 'region', { matchLabelKeys: ['version'] })]) })),
      placed: [existing({ app: 'web', version: 'v2' })],
      want: undefined,
    },
    {
      name: "mismatchLabelKeys (merged on create) excludes pods with the pod's own label value",
      pod: created(pod({ app: 'web', tenant: 't1' }, { affinity: affinity([], [term(inSel('app', 'web'), 'region', { mismatchLabelKeys: ['tenant'] })]) })),
      placed: [existing({ app: 'web', tenant: 't2' })],
      want: REASON_ANTI_AFFINITY,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = filterAffinity(c.pod, cluster([N1], c.placed, c.ns));
      assert.equal(got.get('node1'), c.want);
    });
  }
});

describe('InterPodAffinity filter (several nodes)', () => {
  const nodes = [
    node('m1', { region: 'r1', zone: 'z1', hostname: 'h1' }),
    node('m2', { region: 'r1', zone: 'z2', hostname: 'h2' }),
    node('m3', { region: 'r2', zone: 'z3', hostname: 'h3' }),
  ];
  it('affinity by region: nodes in the region of a matching pod fit', () => {
    const c = cluster(nodes, [['m1', pod({ foo: 'bar' })]]);
    const got = filterAffinity(pod({}, { affinity: affinity([term(inSel('foo', 'bar'), 'region')]) }), c);
    assert.deepEqual([...got], [['m1', undefined], ['m2', undefined], ['m3', REASON_AFFINITY]]);
  });
  it('anti-affinity by hostname: only the node with the matching pod is refused', () => {
    const c = cluster(nodes, [['m1', pod({ foo: 'bar' })]]);
    const got = filterAffinity(pod({ foo: 'bar' }, { affinity: affinity([], [term(inSel('foo', 'bar'), 'hostname')]) }), c);
    assert.deepEqual([...got], [['m1', REASON_ANTI_AFFINITY], ['m2', undefined], ['m3', undefined]]);
  });
  it("symmetry by region: the existing pod's anti-affinity refuses its whole region", () => {
    const c = cluster(nodes, [['m1', pod({}, { affinity: affinity([], [term(inSel('foo', 'bar'), 'region')]) })]]);
    const got = filterAffinity(pod({ foo: 'bar' }), c);
    assert.deepEqual([...got], [['m1', REASON_EXISTING_ANTI_AFFINITY], ['m2', REASON_EXISTING_ANTI_AFFINITY], ['m3', undefined]]);
  });
  it('a pod counts for affinity only when it matches all the terms', () => {
    const c = cluster(nodes, [['m1', pod({ a: '1' })], ['m3', pod({ b: '1' })]]);
    const got = filterAffinity(pod({}, { affinity: affinity([term(inSel('a', '1'), 'region'), term(inSel('b', '1'), 'region')]) }), c);
    assert.deepEqual([...got], [['m1', REASON_AFFINITY], ['m2', REASON_AFFINITY], ['m3', REASON_AFFINITY]]);
  });
  it('schedulePod reports the reasons in Kubernetes wording', () => {
    const c = cluster(nodes, [['m1', pod({ app: 'x' })], ['m2', pod({ app: 'x' })], ['m3', pod({ app: 'x' })]]);
    const r = schedulePod(pod({ app: 'x' }, { affinity: affinity([], [term(inSel('app', 'x'), 'hostname')]) }), c);
    assert.equal(r.scheduled, false);
    if (!r.scheduled) assert.equal(r.unschedulable.message, "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
  });
  it('pods without terms in a cluster without anti-affinity skip the plugin entirely', () => {
    const c = cluster(nodes, [['m1', pod({ app: 'x' })]]);
    assert.equal(affinityPreFilter(preparePod(pod({ app: 'x' })), c.nodeInfos(), c.podsWithRequiredAntiAffinity, c.namespaceLabels), undefined);
    assert.equal(affinityPreScore(preparePod(pod({ app: 'x' })), c.nodeInfos(), c.podsWithAffinity, c.namespaceLabels), undefined);
  });
  it('the cache counts pods with affinity as they come and go', () => {
    const p = pod({}, { affinity: affinity([], [term(inSel('foo', 'bar'), 'hostname')]) });
    const c = cluster(nodes);
    c.assume(preparePod(p), 'm1');
    assert.deepEqual([c.podsWithAffinity, c.podsWithRequiredAntiAffinity], [1, 1]);
    c.forget(p);
    assert.deepEqual([c.podsWithAffinity, c.podsWithRequiredAntiAffinity], [0, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// InterPodAffinity: Score (scoring_test.go)

function scoreAffinity(p: Pod, c: SchedulerCache, hard = 1): number[] {
  const pp = preparePod(p);
  const st = affinityPreScore(pp, c.nodeInfos(), c.podsWithAffinity, c.namespaceLabels, hard);
  const raw = c.nodeInfos().map((ni) => (st ? affinityScore(st, ni) : 0));
  normalizeAffinityScores(raw, raw.length);
  return raw;
}

describe('InterPodAffinity score', () => {
  const china = node('n1', { region: 'China' });
  const india = node('n2', { region: 'India' });
  const az = node('n3', { az: 'az1' });
  const preferred = (weight: number, t: PodAffinityTerm, anti = false): Affinity =>
    anti
      ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: t }] } }
      : { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: t }] } };
  const cases: { name: string; pod: Pod; nodes: Node[]; placed: [string, Pod][]; want: number[]; hard?: number }[] = [
    { name: 'no pods with affinity: all nodes score 0', pod: pod({ security: 'S1' }), nodes: [china, india, az], placed: [], want: [0, 0, 0] },
    {
      name: 'preferred affinity: the node whose topology holds a matching pod scores highest',
      pod: pod({}, { affinity: preferred(5, term(inSel('security', 'S1'), 'region')) }),
      nodes: [china, india, az],
      placed: [['n1', pod({ security: 'S1' })], ['n2', pod({ security: 'S2' })], ['n3', pod({ security: 'S1' })]],
      want: [100, 0, 0],
    },
    {
      name: 'preferred affinity: every node in the same topology domain gets the same score',
      pod: pod({}, { affinity: preferred(5, term(inSel('security', 'S1'), 'region')) }),
      nodes: [china, node('n4', { region: 'China' }), india],
      placed: [['n1', pod({ security: 'S1' })]],
      want: [100, 100, 0],
    },
    {
      name: 'preferred anti-affinity: the domain with the matching pod scores lowest',
      pod: pod({}, { affinity: preferred(5, term(inSel('security', 'S1'), 'region'), true) }),
      nodes: [china, india],
      placed: [['n1', pod({ security: 'S1' })], ['n2', pod({ security: 'S2' })]],
      want: [0, 100],
    },
    {
      name: "symmetry: an existing pod's required affinity to the pod counts with hardPodAffinityWeight",
      pod: pod({ security: 'S1' }),
      nodes: [china, india],
      placed: [['n1', pod({}, { affinity: affinity([term(inSel('security', 'S1'), 'region')]) })]],
      want: [100, 0],
    },
    {
      name: 'symmetry: hardPodAffinityWeight 0 turns that off',
      pod: pod({ security: 'S1' }),
      nodes: [china, india],
      placed: [['n1', pod({}, { affinity: affinity([term(inSel('security', 'S1'), 'region')]) })]],
      hard: 0,
      want: [0, 0],
    },
    {
      name: "symmetry: an existing pod's preferred anti-affinity to the pod lowers its domain",
      pod: pod({ security: 'S1' }),
      nodes: [china, india],
      placed: [['n1', pod({}, { affinity: preferred(10, term(inSel('security', 'S1'), 'region'), true) })]],
      want: [0, 100],
    },
    {
      name: 'affinity and anti-affinity weights add up per domain',
      pod: pod({}, {
        affinity: {
          podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 8, podAffinityTerm: term(inSel('security', 'S1'), 'region') }] },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 2, podAffinityTerm: term(inSel('security', 'S2'), 'region') }] },
        },
      }),
      nodes: [china, india, node('n5', { region: 'Japan' })],
      placed: [['n1', pod({ security: 'S1' })], ['n2', pod({ security: 'S2' })]],
      // raw 8, -2, 0 → (s - min) / (max - min)
      want: [100, 0, 20],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(scoreAffinity(c.pod, cluster(c.nodes, c.placed), c.hard), c.want));
  }
});

// ---------------------------------------------------------------------------------------------
// PodTopologySpread: Filter (filtering_test.go)

const tsc = (topologyKey: string, maxSkew: number, labelSelector: LabelSelector | undefined, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({
  maxSkew,
  topologyKey,
  whenUnsatisfiable: 'DoNotSchedule',
  ...(labelSelector ? { labelSelector } : {}),
  ...extra,
});
const fooExists = sel([{ key: 'foo', operator: 'Exists' }]);

const A = node('node-a', { zone: 'zone1', node: 'node-a' });
const B = node('node-b', { zone: 'zone1', node: 'node-b' });
const X = node('node-x', { zone: 'zone2', node: 'node-x' });
const Y = node('node-y', { zone: 'zone2', node: 'node-y' });

function spreadPod(pp: PreparedPod) {
  return { namespace: pp.namespace, labels: pp.labels, tolerations: pp.tolerations, matchesNodeAffinity: (ni: NodeInfo) => matchesNodeAffinity(pp, ni) };
}

function filterSpread(p: Pod, c: SchedulerCache): Record<string, string | undefined> {
  const pp = preparePod(p);
  const st = spreadPreFilter(spreadPod(pp), pp.spread, c.nodeInfos());
  // The scheduler counts from the cache's namespace index: the same state as walking every node.
  const indexed = spreadPreFilter(spreadPod(pp), pp.spread, c.nodeInfos(), c.podsInNamespace(pp.namespace));
  assert.deepEqual(indexed && { ...indexed }, st && { ...st }, 'counts from the namespace index equal the walk over nodes');
  return Object.fromEntries(c.nodeInfos().map((ni) => [ni.name, st ? spreadFilter(st, ni) : undefined]));
}

const many = (n: number, nodeName: string, labels: Record<string, string> = { foo: '' }, meta: Partial<Pod['metadata']> = {}): [string, Pod][] =>
  Array.from({ length: n }, () => [nodeName, pod(labels, {}, meta)]);

describe('PodTopologySpread filter', () => {
  const OK = undefined;
  const cases: { name: string; pod: Pod; nodes: Node[]; placed: [string, Pod][]; want: Record<string, string | undefined> }[] = [
    {
      name: 'no existing pods: every node fits',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [],
      want: { 'node-a': OK, 'node-b': OK, 'node-x': OK, 'node-y': OK },
    },
    {
      name: "no existing pods, the pod doesn't match itself: every node fits",
      pod: pod({ bar: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [],
      want: { 'node-a': OK, 'node-b': OK, 'node-x': OK, 'node-y': OK },
    },
    {
      name: 'pods in another namespace are not counted',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [...many(1, 'node-a', { foo: '' }, { namespace: 'ns1' }), ...many(1, 'node-b', { foo: '' }, { namespace: 'ns2' })],
      want: { 'node-a': OK, 'node-b': OK, 'node-x': OK, 'node-y': OK },
    },
    {
      name: 'zones spread 3/3: every node fits',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [...many(2, 'node-a'), ...many(1, 'node-b'), ...many(1, 'node-x'), ...many(2, 'node-y')],
      want: { 'node-a': OK, 'node-b': OK, 'node-x': OK, 'node-y': OK },
    },
    {
      name: 'zones spread 1/2 (node-b lacks the zone label): only zone1 fits; node-b is refused for the label',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists)] }),
      nodes: [A, node('node-b', { node: 'node-b' }), X, Y],
      placed: [...many(1, 'node-a'), ...many(2, 'node-b'), ...many(1, 'node-x'), ...many(1, 'node-y')],
      want: { 'node-a': OK, 'node-b': REASON_SPREAD_MISSING_LABEL, 'node-x': REASON_SPREAD, 'node-y': REASON_SPREAD },
    },
    {
      name: 'nodes spread 2/1/0/3, maxSkew 1: only node-x fits',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('node', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [...many(2, 'node-a'), ...many(1, 'node-b'), ...many(3, 'node-y')],
      want: { 'node-a': REASON_SPREAD, 'node-b': REASON_SPREAD, 'node-x': OK, 'node-y': REASON_SPREAD },
    },
    {
      name: 'nodes spread 2/1/0/3, maxSkew 2: node-b and node-x fit',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('node', 2, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [...many(2, 'node-a'), ...many(1, 'node-b'), ...many(3, 'node-y')],
      want: { 'node-a': REASON_SPREAD, 'node-b': OK, 'node-x': OK, 'node-y': REASON_SPREAD },
    },
    {
      name: "nodes spread 2/1/0/3, the pod doesn't match itself: node-b and node-x fit",
      pod: pod({ bar: '' }, { topologySpreadConstraints: [tsc('node', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [...many(2, 'node-a'), ...many(1, 'node-b'), ...many(3, 'node-y')],
      want: { 'node-a': REASON_SPREAD, 'node-b': OK, 'node-x': OK, 'node-y': REASON_SPREAD },
    },
    {
      name: 'two constraints (zone 3/4, nodes 2/1/0/4): only node-x satisfies both',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists), tsc('node', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [...many(2, 'node-a'), ...many(1, 'node-b'), ...many(4, 'node-y')],
      want: { 'node-a': REASON_SPREAD, 'node-b': REASON_SPREAD, 'node-x': REASON_SPREAD, 'node-y': REASON_SPREAD },
    },
    {
      name: 'two constraints (zone 1/2, nodes 0/1/1/1): node-a fits',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists), tsc('node', 1, fooExists)] }),
      nodes: [A, B, X, Y],
      placed: [...many(1, 'node-b'), ...many(1, 'node-x'), ...many(1, 'node-y')],
      want: { 'node-a': OK, 'node-b': REASON_SPREAD, 'node-x': REASON_SPREAD, 'node-y': REASON_SPREAD },
    },
    {
      name: 'terminating pods are not counted',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('node', 1, fooExists)] }),
      nodes: [A, B],
      placed: [...many(3, 'node-a', { foo: '' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })],
      want: { 'node-a': OK, 'node-b': OK },
    },
    {
      name: 'minDomains 3 with 2 zones: the global minimum counts as 0',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 2, fooExists, { minDomains: 3 })] }),
      nodes: [A, B, X, Y],
      placed: [...many(2, 'node-a'), ...many(1, 'node-x')],
      want: { 'node-a': REASON_SPREAD, 'node-b': REASON_SPREAD, 'node-x': OK, 'node-y': OK },
    },
    {
      name: 'minDomains 2 with 2 zones: the real minimum applies',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 2, fooExists, { minDomains: 2 })] }),
      nodes: [A, B, X, Y],
      placed: [...many(2, 'node-a'), ...many(1, 'node-x')],
      want: { 'node-a': OK, 'node-b': OK, 'node-x': OK, 'node-y': OK },
    },
    {
      name: "matchLabelKeys: only pods with the pod's own value are counted",
      pod: pod({ foo: '', rev: 'v2' }, { topologySpreadConstraints: [tsc('node', 1, fooExists, { matchLabelKeys: ['rev'] })] }),
      nodes: [A, B],
      placed: [...many(3, 'node-a', { foo: '', rev: 'v1' })],
      want: { 'node-a': OK, 'node-b': OK },
    },
    {
      name: 'a nil labelSelector counts nothing',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [tsc('node', 1, undefined)] }),
      nodes: [A, B],
      placed: [...many(3, 'node-a')],
      want: { 'node-a': OK, 'node-b': OK },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(filterSpread(c.pod, cluster(c.nodes, c.placed)), c.want));
  }

  // nodeAffinityPolicy / nodeTaintsPolicy: node-c (zone3) is excluded by the pod's affinity or an untolerated taint.
  const a = node('node-a', { zone: 'zone1', foo: '' });
  const b = node('node-b', { zone: 'zone2', foo: '' });
  const cNoFoo = node('node-c', { zone: 'zone3' });
  const cTainted = node('node-c', { zone: 'zone3', foo: '' }, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
  const requireFoo: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }] } } };
  const placed = [...many(1, 'node-a'), ...many(1, 'node-b')];
  it('nodeAffinityPolicy Honor (default): nodes the pod cannot go to are not domains', () => {
    const got = filterSpread(pod({ foo: '' }, { affinity: requireFoo, topologySpreadConstraints: [tsc('zone', 1, fooExists)] }), cluster([a, b, cNoFoo], placed));
    assert.equal(got['node-a'], undefined);
  });
  it('nodeAffinityPolicy Ignore: they are, so the minimum is 0', () => {
    const got = filterSpread(pod({ foo: '' }, { affinity: requireFoo, topologySpreadConstraints: [tsc('zone', 1, fooExists, { nodeAffinityPolicy: 'Ignore' })] }), cluster([a, b, cNoFoo], placed));
    assert.equal(got['node-a'], REASON_SPREAD);
  });
  it('nodeTaintsPolicy Ignore (default): a tainted node is a domain', () => {
    const got = filterSpread(pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists)] }), cluster([a, b, cTainted], placed));
    assert.equal(got['node-a'], REASON_SPREAD);
  });
  it('nodeTaintsPolicy Honor: an untolerated tainted node is not a domain', () => {
    const got = filterSpread(pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists, { nodeTaintsPolicy: 'Honor' })] }), cluster([a, b, cTainted], placed));
    assert.equal(got['node-a'], undefined);
  });
  it('schedulePod: the message names the spread constraints', () => {
    // With nodeAffinityPolicy Ignore, zone2 (0 pods) is a domain although the pod can't go there.
    const c = cluster([A, X], [...many(1, 'node-a')]);
    const r = schedulePod(pod({ foo: '' }, { topologySpreadConstraints: [tsc('zone', 1, fooExists, { nodeAffinityPolicy: 'Ignore' })], nodeSelector: { zone: 'zone1' } }), c);
    assert.equal(r.scheduled, false);
    if (!r.scheduled) {
      assert.equal(r.unschedulable.message, "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't match pod topology spread constraints.");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// PodTopologySpread: Score (scoring_test.go)

function scoreSpread(p: Pod, c: SchedulerCache, feasibleNames?: string[]): Record<string, number> {
  const pp = preparePod(p);
  const all = c.nodeInfos();
  const feasible = feasibleNames ? all.filter((ni) => feasibleNames.includes(ni.name)) : [...all];
  const st = spreadPreScore(spreadPod(pp), pp.spread, feasible, feasible.length, all);
  const indexed = spreadPreScore(spreadPod(pp), pp.spread, feasible, feasible.length, all, c.podsInNamespace(pp.namespace));
  assert.deepEqual(indexed?.counts, st?.counts, 'counts from the namespace index equal the walk over nodes');
  const raw = feasible.map((ni) => (st ? spreadScore(st, ni) : 0));
  normalizeSpreadScores(raw, raw.length);
  return Object.fromEntries(feasible.map((ni, i) => [ni.name, raw[i]!]));
}

describe('PodTopologySpread score', () => {
  const anyway = (key: string, maxSkew: number, ls: LabelSelector | undefined = fooExists): TopologySpreadConstraint => ({
    maxSkew,
    topologyKey: key,
    whenUnsatisfiable: 'ScheduleAnyway',
    ...(ls ? { labelSelector: ls } : {}),
  });
  const h = (name: string, zone?: string): Node => node(name, { 'kubernetes.io/hostname': name, ...(zone ? { zone } : {}) });
  const cases: { name: string; pod: Pod; nodes: Node[]; placed: [string, Pod][]; feasible?: string[]; want: Record<string, number> }[] = [
    {
      name: 'one hostname constraint, no existing pods: all 100',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [anyway('kubernetes.io/hostname', 1)] }),
      nodes: [h('node-a'), h('node-b')],
      placed: [],
      want: { 'node-a': 100, 'node-b': 100 },
    },
    {
      name: 'one hostname constraint, same number of matching pods: all 100',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [anyway('kubernetes.io/hostname', 1)] }),
      nodes: [h('node-a'), h('node-b')],
      placed: [...many(1, 'node-a'), ...many(1, 'node-b')],
      want: { 'node-a': 100, 'node-b': 100 },
    },
    {
      name: 'one hostname constraint, 4 candidates with 2/1/0/3 matching pods',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [anyway('kubernetes.io/hostname', 1)] }),
      nodes: [h('node-a'), h('node-b'), h('node-c'), h('node-d')],
      placed: [...many(2, 'node-a'), ...many(1, 'node-b'), ...many(3, 'node-d')],
      want: { 'node-a': 20, 'node-b': 60, 'node-c': 100, 'node-d': 0 },
    },
    {
      name: 'a candidate missing the topology key is ignored (scores 0)',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [anyway('zone', 1)] }),
      nodes: [h('node-a', 'zone1'), h('node-b', 'zone2'), h('node-x')],
      placed: [...many(2, 'node-a')],
      want: { 'node-a': 0, 'node-b': 100, 'node-x': 0 },
    },
    {
      name: 'zone constraint counts pods on non-candidate nodes of a candidate zone',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [anyway('zone', 1)] }),
      nodes: [h('node-a', 'zone1'), h('node-b', 'zone1'), h('node-x', 'zone2'), h('node-y', 'zone2')],
      placed: [...many(3, 'node-b'), ...many(1, 'node-y')],
      feasible: ['node-a', 'node-x'],
      // weight log(2+2): zone1 3 → round(4.16) = 4, zone2 1 → round(1.39) = 1; 100 * (4 + 1 - s) / 4
      want: { 'node-a': 25, 'node-x': 100 },
    },
    {
      name: 'maxSkew raises every score equally (no change in order)',
      pod: pod({ foo: '' }, { topologySpreadConstraints: [anyway('kubernetes.io/hostname', 3)] }),
      nodes: [h('node-a'), h('node-b')],
      placed: [...many(2, 'node-a')],
      // log(4) = 1.386: a → round(2 * 1.386 + 2) = 5, b → 2; 100 * (5 + 2 - s) / 5
      want: { 'node-a': 40, 'node-b': 100 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(scoreSpread(c.pod, cluster(c.nodes, c.placed), c.feasible), c.want));
  }
  it('schedulePod prefers the emptier zone for a ScheduleAnyway constraint', () => {
    const c = cluster([h('node-a', 'zone1'), h('node-x', 'zone2')], [...many(3, 'node-a')]);
    const r = schedulePod(pod({ foo: '' }, { topologySpreadConstraints: [anyway('zone', 1)] }), c);
    assert.equal(r.scheduled && r.nodeName, 'node-x');
  });
});

// ---------------------------------------------------------------------------------------------
// PodTopologySpread: the system default constraints (hostname 3, zone 5, ScheduleAnyway)

describe('PodTopologySpread system defaults', () => {
  const owned = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'rs1', controller: true }] };
  it('the default selector merges the selecting Services and the controller selector', () => {
    const p = pod({ app: 'x', tier: 'fe', v: '1' }, {}, owned);
    const reqs = defaultSpreadSelector(p, {
      services: [{ spec: { selector: { app: 'x' } } }, { spec: { selector: { tier: 'fe' } } }, { spec: { selector: { app: 'other' } } }, { spec: {} }],
      controllerSelector: (kind, name) => (kind === 'ReplicaSet' && name === 'rs1' ? { matchLabels: { v: '1' } } : undefined),
    });
    assert.deepEqual(reqs, [
      { key: 'app', operator: 'In', values: ['x'] },
      { key: 'tier', operator: 'In', values: ['fe'] },
      { key: 'v', operator: 'In', values: ['1'] },
    ]);
  });
  it('nothing selects the pod: no default constraints', () => {
    assert.deepEqual(defaultSpreadSelector(pod({ app: 'x' }), { services: [], controllerSelector: () => undefined }), []);
    assert.equal(systemDefaultSpread([]), undefined);
  });
  it('scores hostname (maxSkew 3) and zone (maxSkew 5); nodes without a zone are not ignored', () => {
    const h = (name: string, zone?: string): Node => node(name, { 'kubernetes.io/hostname': name, ...(zone ? { 'topology.kubernetes.io/zone': zone } : {}) });
    const c = cluster([h('node-a', 'zone1'), h('node-b', 'zone1'), h('node-x', 'zone2'), h('node-y')], [...many(2, 'node-a', { app: 'x' })]);
    const p = pod({ app: 'x' });
    const pp = preparePod(p);
    const info = systemDefaultSpread([{ key: 'app', operator: 'In', values: ['x'] }]);
    const all = c.nodeInfos();
    const st = spreadPreScore(spreadPod(pp), info, all, all.length, all)!;
    assert.deepEqual(spreadPreScore(spreadPod(pp), info, all, all.length, all, c.podsInNamespace('default'))!.counts, st.counts);
    const raw = all.map((ni) => spreadScore(st, ni));
    // hostname weight log(4 + 2), zone weight log(3 + 2) (zone1, zone2 and node-y's ''):
    // a: round(2*1.79 + 2 + 2*1.61 + 4) = 13, b: round(2 + 3.22 + 4) = 9, x: round(2 + 4) = 6, y: 2 (no zone).
    assert.deepEqual(raw, [13, 9, 6, 2]);
    normalizeSpreadScores(raw, raw.length);
    assert.deepEqual(raw, [15, 46, 69, 100]);
  });
  it('schedulePod uses them instead of owner spreading when given a default selector', () => {
    const h = (name: string, zone: string): Node => node(name, { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone });
    const c = cluster([h('node-a', 'zone1'), h('node-b', 'zone1'), h('node-x', 'zone2')], [...many(1, 'node-a', { app: 'x' }), ...many(1, 'node-b', { app: 'x' })]);
    const r = schedulePod(pod({ app: 'x' }, {}, owned), c, { defaultSpreadSelector: [{ key: 'app', operator: 'In', values: ['x'] }] });
    assert.equal(r.scheduled && r.nodeName, 'node-x');
  });
});

describe('PodTopologySpread counts from the namespace index', () => {
  it('equal the walk over every node, on random clusters with moves, deletions, terminating pods and node removals', () => {
    let r = 7;
    const rnd = (n: number) => ((r = (r * 1103515245 + 12345) % 2147483648), r % n);
    for (let round = 0; round < 40; round++) {
      const nodes = Array.from({ length: 2 + rnd(12) }, (_, i) => {
        const labels: Record<string, string> = { 'kubernetes.io/hostname': `n${i}` };
        if (rnd(4) > 0) labels['topology.kubernetes.io/zone'] = `z${rnd(3)}`;
        if (rnd(3) === 0) labels.rack = `r${rnd(2)}`;
        return node(`n${i}`, labels, rnd(5) === 0 ? [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] : undefined);
      });
      const c = cluster(nodes);
      const pods: Pod[] = [];
      for (let k = 0; k < 60; k++) {
        const p = pod({ app: `a${rnd(3)}` }, { nodeName: `n${rnd(nodes.length + 1)}` }, { namespace: `ns${rnd(2)}`, ...(rnd(8) === 0 ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) });
        c.upsertPod(p);
        pods.push(p);
      }
      // Moves, deletions and a node removed (its pods stay known on a ghost NodeInfo).
      for (let k = 0; k < 10; k++) {
        const p = pods[rnd(pods.length)]!;
        if (rnd(2) === 0) c.removePod(p);
        else c.upsertPod({ ...p, spec: { ...p.spec, nodeName: `n${rnd(nodes.length)}` } });
      }
      if (rnd(2) === 0) c.removeNode(`n${rnd(nodes.length)}`);
      const all = c.nodeInfos();
      for (const ns of ['ns0', 'ns1']) {
        const incoming = pod({ app: 'a1' }, {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: inSel('app', 'a1', 'a2') },
            { maxSkew: 2, topologyKey: 'rack', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: inSel('app', 'a1'), nodeTaintsPolicy: 'Honor' },
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: inSel('app', 'a0', 'a1') },
          ],
        }, { namespace: ns });
        const pp = preparePod(incoming);
        const sp = spreadPod(pp);
        const f = spreadPreFilter(sp, pp.spread, all);
        assert.deepEqual({ ...spreadPreFilter(sp, pp.spread, all, c.podsInNamespace(ns)) }, { ...f }, `round ${round} ${ns}: filter`);
        const feasible = all.filter(() => rnd(3) > 0);
        const s = spreadPreScore(sp, pp.spread, feasible, feasible.length, all);
        assert.deepEqual(spreadPreScore(sp, pp.spread, feasible, feasible.length, all, c.podsInNamespace(ns))?.counts, s?.counts, `round ${round} ${ns}: score`);
        const info = systemDefaultSpread([{ key: 'app', operator: 'In', values: ['a1'] }]);
        const d = spreadPreScore(sp, info, feasible, feasible.length, all);
        assert.deepEqual(spreadPreScore(sp, info, feasible, feasible.length, all, c.podsInNamespace(ns))?.counts, d?.counts, `round ${round} ${ns}: system defaults`);
      }
    }
  });
});
