/**
 * The scheduling core's plugins, table-driven, mostly with the cases of kube-scheduler's own
 * tests (noderesources/fit_test.go, least_allocated_test.go, balanced_allocation_test.go,
 * tainttoleration/taint_toleration_test.go, nodeaffinity/node_affinity_test.go).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Node, NodeAffinity, Pod, PodSpec, ResourceList, Taint, Toleration } from '../../shared/resources/types.js';
import {
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  NodeInfo,
  balancedAllocationApplies,
  balancedAllocationScore,
  computePodRequests,
  defaultNormalizeScore,
  filterNodeAffinity,
  filterNodeName,
  filterNodePorts,
  filterNodeResourcesFit,
  filterNodeUnschedulable,
  filterTaintToleration,
  intolerablePreferNoScheduleTaints,
  leastAllocatedScore,
  nodeAffinityPreferredWeight,
  nodeAllocatable,
  normalizeSpreadScore,
  ownerSpreadCount,
  preparePod,
  quantityValue,
  runFilters,
  toleratesTaint,
} from '../../shared/scheduling/index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

let seq = 0;

function newPod(spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${seq}`, namespace: 'default', uid: `uid-${seq}`, ...meta },
    spec: { containers: [], ...spec },
  };
}

function ctr(requests?: ResourceList, limits?: ResourceList): Container {
  return { name: `c${++seq}`, image: 'x', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
}

/** A pod whose containers each request (milliCPU, memory bytes), like Kubernetes' newResourcePod. */
function resourcePod(...usage: [number, number][]): Pod {
  return newPod({ containers: usage.map(([c, m]) => ctr({ cpu: `${c}m`, memory: `${m}` })) });
}

function withInit(pod: Pod, ...usage: [number, number][]): Pod {
  return { ...pod, spec: { ...pod.spec, initContainers: usage.map(([c, m]) => ctr({ cpu: `${c}m`, memory: `${m}` })) } };
}

function newNode(
  name: string,
  opts: { alloc?: ResourceList; capacity?: ResourceList; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; ready?: string | null } = {},
): Node {
  const ready = opts.ready === undefined ? 'True' : opts.ready;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}), ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: {
      ...(opts.alloc ? { allocatable: opts.alloc } : {}),
      ...(opts.capacity ? { capacity: opts.capacity } : {}),
      ...(ready === null ? {} : { conditions: [{ type: 'Ready', status: ready as 'True' }] }),
    },
  };
}

function nodeInfo(node: Node, ...pods: Pod[]): NodeInfo {
  const ni = new NodeInfo(node.metadata.name!, node);
  for (const p of pods) ni.addPod(p);
  return ni;
}

// ---------------------------------------------------------------------------------------------
// Resources

describe('scheduling: pod requests', () => {
  const cases: { name: string; pod: Pod; want: { milliCPU: number; memory: number; nonZeroMilliCPU: number; nonZeroMemory: number } }[] = [
    { name: 'no containers', pod: newPod(), want: { milliCPU: 0, memory: 0, nonZeroMilliCPU: 0, nonZeroMemory: 0 } },
    {
      name: 'best effort container counts the scoring defaults only',
      pod: newPod({ containers: [ctr()] }),
      want: { milliCPU: 0, memory: 0, nonZeroMilliCPU: DEFAULT_MILLI_CPU_REQUEST, nonZeroMemory: DEFAULT_MEMORY_REQUEST },
    },
    {
      name: 'containers are summed',
      pod: newPod({ containers: [ctr({ cpu: '100m', memory: '1Gi' }), ctr({ cpu: '0.5', memory: '512Mi' })] }),
      want: { milliCPU: 600, memory: 1.5 * 2 ** 30, nonZeroMilliCPU: 600, nonZeroMemory: 1.5 * 2 ** 30 },
    },
    {
      name: 'limits stand in for missing requests, per resource',
      pod: newPod({ containers: [ctr({ cpu: '250m' }, { cpu: '1', memory: '256Mi' })] }),
      want: { milliCPU: 250, memory: 256 * 2 ** 20, nonZeroMilliCPU: 250, nonZeroMemory: 256 * 2 ** 20 },
    },
    {
      name: 'an explicit zero request is not defaulted for scoring',
      pod: newPod({ containers: [ctr({ cpu: '0', memory: '0' })] }),
      want: { milliCPU: 0, memory: 0, nonZeroMilliCPU: 0, nonZeroMemory: 0 },
    },
    {
      name: 'init containers are max-ed, not summed',
      pod: withInit(resourcePod([1000, 1000]), [3000, 500], [2000, 4000]),
      want: { milliCPU: 3000, memory: 4000, nonZeroMilliCPU: 3000, nonZeroMemory: 4000 },
    },
    {
      name: 'sidecars add to the sum and to later init containers',
      pod: {
        ...resourcePod([1000, 1000]),
        spec: {
          containers: [ctr({ cpu: '1', memory: '1000' })],
          initContainers: [
            { ...ctr({ cpu: '500m', memory: '100' }), restartPolicy: 'Always' },
            ctr({ cpu: '1200m', memory: '100' }),
          ],
        },
      },
      // main: 1000 + 500 sidecar = 1500; init 1200 + 500 = 1700 wins for cpu; memory 1100 vs 200.
      want: { milliCPU: 1700, memory: 1100, nonZeroMilliCPU: 1700, nonZeroMemory: 1100 },
    },
    {
      name: 'overhead is added',
      pod: newPod({ containers: [ctr({ cpu: '100m', memory: '100' })], overhead: { cpu: '250m', memory: '120' } }),
      want: { milliCPU: 350, memory: 220, nonZeroMilliCPU: 350, nonZeroMemory: 220 },
    },
    {
      name: 'fractional millicores round up',
      pod: newPod({ containers: [ctr({ cpu: '0.0001', memory: '1.5' })] }),
      want: { milliCPU: 1, memory: 2, nonZeroMilliCPU: 1, nonZeroMemory: 2 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = computePodRequests(c.pod);
      assert.deepEqual(
        { milliCPU: r.milliCPU, memory: r.memory, nonZeroMilliCPU: r.nonZeroMilliCPU, nonZeroMemory: r.nonZeroMemory },
        c.want,
      );
    });
  }

  it('extended resources are kept as scalars', () => {
    const r = computePodRequests(newPod({ containers: [ctr({ cpu: '1', 'example.com/gpu': '2' }), ctr({ 'example.com/gpu': '1' })] }));
    assert.deepEqual(r.scalar, [['example.com/gpu', 3]]);
  });

  it('quantityValue: cpu in millicores, the rest in base units', () => {
    assert.equal(quantityValue('cpu', '0.7'), 700);
    assert.equal(quantityValue('cpu', 2), 2000);
    assert.equal(quantityValue('memory', '1Ki'), 1024);
    assert.equal(quantityValue('memory', '1k'), 1000);
    assert.equal(quantityValue('memory', 'bogus'), 0);
  });

  it('node allocatable falls back to capacity per resource', () => {
    const a = nodeAllocatable(newNode('n', { alloc: { cpu: '3500m' }, capacity: { cpu: '4', memory: '8Gi', pods: '110', 'example.com/gpu': '2' } }));
    assert.deepEqual(
      { cpu: a.milliCPU, mem: a.memory, pods: a.pods, gpu: a.scalar.get('example.com/gpu') },
      { cpu: 3500, mem: 8 * 2 ** 30, pods: 110, gpu: 2 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// NodeResourcesFit (fit_test.go: makeAllocatableResources(10, 20, 32, 5, 20, 5))

describe('scheduling: NodeResourcesFit filter', () => {
  const alloc = { cpu: '10m', memory: '20', pods: '32', 'example.com/aaa': '5', 'ephemeral-storage': '20' };
  const cases: { name: string; pod: Pod; existing: Pod[]; want: string[] | undefined; allocPods?: string }[] = [
    { name: 'no resources requested always fits', pod: newPod(), existing: [resourcePod([10, 20])], want: undefined },
    { name: 'too many resources fails', pod: resourcePod([1, 1]), existing: [resourcePod([10, 20])], want: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'too many resources fails due to init container cpu', pod: withInit(resourcePod([1, 1]), [3, 1]), existing: [resourcePod([8, 19])], want: ['Insufficient cpu'] },
    {
      name: 'too many resources fails due to highest init container cpu',
      pod: withInit(resourcePod([1, 1]), [3, 1], [2, 1]),
      existing: [resourcePod([8, 19])],
      want: ['Insufficient cpu'],
    },
    { name: 'too many resources fails due to init container memory', pod: withInit(resourcePod([1, 1]), [1, 3]), existing: [resourcePod([9, 19])], want: ['Insufficient memory'] },
    {
      name: 'too many resources fails due to highest init container memory',
      pod: withInit(resourcePod([1, 1]), [1, 3], [1, 2]),
      existing: [resourcePod([9, 19])],
      want: ['Insufficient memory'],
    },
    { name: "init container fits because it's the max, not sum, of containers and init containers", pod: withInit(resourcePod([1, 1]), [1, 1]), existing: [resourcePod([9, 19])], want: undefined },
    { name: 'multiple init containers fit because it is the max, not sum', pod: withInit(resourcePod([1, 1]), [1, 1], [1, 1]), existing: [resourcePod([9, 19])], want: undefined },
    { name: 'both resources fit', pod: resourcePod([1, 1]), existing: [resourcePod([5, 5])], want: undefined },
    { name: 'one resource memory fits', pod: resourcePod([2, 1]), existing: [resourcePod([9, 5])], want: ['Insufficient cpu'] },
    { name: 'one resource cpu fits', pod: resourcePod([1, 2]), existing: [resourcePod([5, 19])], want: ['Insufficient memory'] },
    { name: 'equal edge case', pod: resourcePod([5, 1]), existing: [resourcePod([5, 19])], want: undefined },
    { name: 'equal edge case for init container', pod: withInit(resourcePod([4, 1]), [5, 1]), existing: [resourcePod([5, 19])], want: undefined },
    {
      name: 'extended resource fits',
      pod: newPod({ containers: [ctr({ 'example.com/aaa': '1' })] }),
      existing: [resourcePod([0, 0])],
      want: undefined,
    },
    {
      name: 'extended resource capacity enforced',
      pod: newPod({ containers: [ctr({ 'example.com/aaa': '10' })] }),
      existing: [resourcePod([0, 0])],
      want: ['Insufficient example.com/aaa'],
    },
    {
      name: 'extended resource allocatable enforced for multiple containers',
      pod: newPod({ containers: [ctr({ 'example.com/aaa': '3' }), ctr({ 'example.com/aaa': '3' })] }),
      existing: [newPod({ containers: [ctr({ 'example.com/aaa': '2' })] })],
      want: ['Insufficient example.com/aaa'],
    },
    {
      name: 'unknown extended resource is insufficient',
      pod: newPod({ containers: [ctr({ 'example.com/bbb': '1' })] }),
      existing: [],
      want: ['Insufficient example.com/bbb'],
    },
    {
      name: 'ephemeral local storage is sufficient',
      pod: newPod({ containers: [ctr({ 'ephemeral-storage': '10' })] }),
      existing: [newPod({ containers: [ctr({ 'ephemeral-storage': '2' })] })],
      want: undefined,
    },
    {
      name: 'pod + existing ephemeral storage exceeds allocatable',
      pod: newPod({ containers: [ctr({ 'ephemeral-storage': '19' })] }),
      existing: [newPod({ containers: [ctr({ 'ephemeral-storage': '2' })] })],
      want: ['Insufficient ephemeral-storage'],
    },
    // notEnoughPodsTests: allocatable pods = 1
    {
      name: "even without specified resources, fails when there's no space for an additional pod",
      pod: newPod(),
      existing: [resourcePod([10, 20])],
      want: ['Too many pods'],
      allocPods: '1',
    },
    { name: 'even if both resources fit, fails when there is no space for an additional pod', pod: resourcePod([1, 1]), existing: [resourcePod([5, 5])], want: ['Too many pods'], allocPods: '1' },
    { name: 'even for equal edge case, fails when there is no space for an additional pod', pod: resourcePod([5, 1]), existing: [resourcePod([5, 19])], want: ['Too many pods'], allocPods: '1' },
    {
      name: 'all failing resources are reported together',
      pod: resourcePod([6, 2]),
      existing: [resourcePod([5, 19])],
      want: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'],
      allocPods: '1',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ni = nodeInfo(newNode('n', { alloc: { ...alloc, pods: c.allocPods ?? alloc.pods } }), ...c.existing);
      const got = filterNodeResourcesFit(preparePod(c.pod), ni);
      assert.deepEqual(got === undefined ? undefined : [...got], c.want);
    });
  }

  it('a node that reports no pods allocatable fits nothing, as in Kubernetes', () => {
    const ni = nodeInfo(newNode('n', { alloc: { cpu: '4', memory: '1Gi' } }));
    assert.deepEqual(filterNodeResourcesFit(preparePod(newPod()), ni), ['Too many pods']);
  });

  it('removing a pod gives its resources back', () => {
    const existing = resourcePod([8, 19]);
    const ni = nodeInfo(newNode('n', { alloc }), existing);
    const pp = preparePod(resourcePod([5, 5]));
    assert.deepEqual(filterNodeResourcesFit(pp, ni), ['Insufficient cpu', 'Insufficient memory']);
    assert.equal(ni.removePod(existing.metadata.uid!), true);
    assert.equal(filterNodeResourcesFit(pp, ni), undefined);
    assert.deepEqual([ni.requestedMilliCPU, ni.requestedMemory, ni.nonZeroRequestedMilliCPU, ni.podCount], [0, 0, 0, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// TaintToleration (taint_toleration_test.go)

describe('scheduling: TaintToleration filter', () => {
  const cases: { name: string; tolerations: Toleration[]; taints: Taint[]; want: string | undefined }[] = [
    {
      name: "a pod having no tolerations can't be scheduled onto a node with nonempty taints",
      tolerations: [],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'a pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule',
      tolerations: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: undefined,
    },
    {
      name: "a pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'a toleration with operator Exists tolerates the taints on the node',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      want: undefined,
    },
    {
      name: 'multiple tolerations, multiple taints, all tolerated',
      tolerations: [
        { key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      ],
      taints: [
        { key: 'dedicated', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      ],
      want: undefined,
    },
    {
      name: "key and value match but the (non-empty) effect doesn't",
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {foo: bar}',
    },
    {
      name: 'an empty toleration effect matches every effect',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      want: undefined,
    },
    {
      name: "a PreferNoSchedule taint doesn't filter",
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'PreferNoSchedule' }],
      want: undefined,
    },
    { name: 'no tolerations, PreferNoSchedule taint', tolerations: [], taints: [{ key: 'dedicated', value: 'user1', effect: 'PreferNoSchedule' }], want: undefined },
    {
      name: 'NoExecute taints filter too',
      tolerations: [],
      taints: [{ key: 'evict', effect: 'NoExecute' }],
      want: 'node(s) had untolerated taint {evict: }',
    },
    {
      name: 'an empty key with Exists tolerates everything',
      tolerations: [{ operator: 'Exists' }],
      taints: [
        { key: 'a', value: 'b', effect: 'NoSchedule' },
        { key: 'c', effect: 'NoExecute' },
      ],
      want: undefined,
    },
    {
      name: 'the first untolerated taint is reported',
      tolerations: [{ key: 'a', operator: 'Exists' }],
      taints: [
        { key: 'a', value: 'b', effect: 'NoSchedule' },
        { key: 'c', value: 'd', effect: 'NoExecute' },
        { key: 'e', value: 'f', effect: 'NoSchedule' },
      ],
      want: 'node(s) had untolerated taint {c: d}',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ni = nodeInfo(newNode('n', { taints: c.taints }));
      assert.equal(filterTaintToleration(preparePod(newPod({ tolerations: c.tolerations })), ni), c.want);
    });
  }

  it('toleratesTaint: Equal with no value matches an empty taint value only', () => {
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal' }, 'k', '', 'NoSchedule'), true);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal' }, 'k', 'v', 'NoSchedule'), false);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, 'k', 'v', 'NoSchedule'), false);
  });

  const readiness: { name: string; ready: string | null; tolerations: Toleration[]; want: string | undefined }[] = [
    { name: 'a Ready node passes', ready: 'True', tolerations: [], want: undefined },
    { name: 'a NotReady node is tainted not-ready', ready: 'False', tolerations: [], want: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }' },
    { name: 'a node that never reported is not-ready', ready: null, tolerations: [], want: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }' },
    { name: 'an Unknown node is unreachable', ready: 'Unknown', tolerations: [], want: 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }' },
    {
      name: 'a pod tolerating not-ready (a DaemonSet pod) passes',
      ready: 'False',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
      want: undefined,
    },
  ];
  for (const c of readiness) {
    it(`readiness: ${c.name}`, () => {
      const ni = nodeInfo(newNode('n', { ready: c.ready }));
      assert.equal(filterTaintToleration(preparePod(newPod({ tolerations: c.tolerations })), ni), c.want);
    });
  }

  it('readiness taints can be turned off', () => {
    const ni = new NodeInfo('n', newNode('n', { ready: 'False' }), { readinessTaints: false });
    assert.equal(filterTaintToleration(preparePod(newPod()), ni), undefined);
  });
});

describe('scheduling: NodeUnschedulable and NodeName filters', () => {
  it('an unschedulable node fails unless the pod tolerates node.kubernetes.io/unschedulable', () => {
    const ni = nodeInfo(newNode('n', { unschedulable: true }));
    assert.equal(filterNodeUnschedulable(preparePod(newPod()), ni), 'node(s) were unschedulable');
    const tolerant = newPod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    assert.equal(filterNodeUnschedulable(preparePod(tolerant), ni), undefined);
    assert.equal(filterNodeUnschedulable(preparePod(newPod()), nodeInfo(newNode('m'))), undefined);
  });

  it('spec.nodeName pins the pod', () => {
    const pp = preparePod(newPod({ nodeName: 'a' }));
    assert.equal(filterNodeName(pp, nodeInfo(newNode('a'))), undefined);
    assert.equal(filterNodeName(pp, nodeInfo(newNode('b'))), "node(s) didn't match the requested node name");
  });
});

// ---------------------------------------------------------------------------------------------
// NodeAffinity (node_affinity_test.go)

describe('scheduling: NodeAffinity filter', () => {
  const MISMATCH = "node(s) didn't match Pod's node affinity/selector";
  const req = (...terms: NonNullable<NodeAffinity['requiredDuringSchedulingIgnoredDuringExecution']>['nodeSelectorTerms'][number][]): PodSpec['affinity'] => ({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
  });
  const cases: { name: string; spec: Partial<PodSpec>; labels?: Record<string, string>; node?: string; fits: boolean }[] = [
    { name: 'no selector', spec: {}, labels: { foo: 'bar' }, fits: true },
    { name: 'missing labels', spec: { nodeSelector: { foo: 'bar' } }, fits: false },
    { name: 'same labels', spec: { nodeSelector: { foo: 'bar' } }, labels: { foo: 'bar' }, fits: true },
    { name: 'node labels are superset', spec: { nodeSelector: { foo: 'bar' } }, labels: { foo: 'bar', baz: 'blah' }, fits: true },
    { name: 'node labels are subset', spec: { nodeSelector: { foo: 'bar', baz: 'blah' } }, labels: { foo: 'bar' }, fits: false },
    {
      name: 'matchExpressions using In that matches',
      spec: { affinity: req({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }] }) },
      labels: { foo: 'bar' },
      fits: true,
    },
    {
      name: 'matchExpressions using Gt that matches',
      spec: { affinity: req({ matchExpressions: [{ key: 'kernel-version', operator: 'Gt', values: ['0204'] }] }) },
      labels: { 'kernel-version': '0206' },
      fits: true,
    },
    {
      name: 'matchExpressions using Gt that does not match (equal)',
      spec: { affinity: req({ matchExpressions: [{ key: 'kernel-version', operator: 'Gt', values: ['206'] }] }) },
      labels: { 'kernel-version': '0206' },
      fits: false,
    },
    {
      name: 'matchExpressions using Lt that matches',
      spec: { affinity: req({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['5'] }] }) },
      labels: { gen: '-3' },
      fits: true,
    },
    {
      name: 'Lt against a non-integer label does not match',
      spec: { affinity: req({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['5'] }] }) },
      labels: { gen: 'v4' },
      fits: false,
    },
    {
      name: 'Gt against a missing label does not match',
      spec: { affinity: req({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['1'] }] }) },
      labels: {},
      fits: false,
    },
    {
      name: 'Gt with a non-integer operand is invalid and matches nothing',
      spec: { affinity: req({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['1.5'] }] }) },
      labels: { gen: '3' },
      fits: false,
    },
    {
      name: 'matchExpressions using NotIn that matches',
      spec: { affinity: req({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR', 'DDR2'] }] }) },
      labels: { 'mem-type': 'DDR3' },
      fits: true,
    },
    {
      name: 'NotIn is satisfied by a missing label',
      spec: { affinity: req({ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR'] }] }) },
      labels: {},
      fits: true,
    },
    {
      name: 'matchExpressions using Exists that matches',
      spec: { affinity: req({ matchExpressions: [{ key: 'GPU', operator: 'Exists' }] }) },
      labels: { GPU: 'NVIDIA-GRID-K1' },
      fits: true,
    },
    {
      name: 'DoesNotExist',
      spec: { affinity: req({ matchExpressions: [{ key: 'GPU', operator: 'DoesNotExist' }] }) },
      labels: { GPU: 'NVIDIA-GRID-K1' },
      fits: false,
    },
    {
      name: "affinity that doesn't match node's labels",
      spec: { affinity: req({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['value1', 'value2'] }] }) },
      labels: { foo: 'bar' },
      fits: false,
    },
    { name: 'an empty []NodeSelectorTerm matches nothing', spec: { affinity: req() }, labels: { foo: 'bar' }, fits: false },
    { name: 'empty matchExpressions is a term that matches nothing', spec: { affinity: req({ matchExpressions: [] }) }, labels: { foo: 'bar' }, fits: false },
    { name: 'affinity without nodeAffinity schedules', spec: { affinity: {} }, labels: { foo: 'bar' }, fits: true },
    { name: 'nodeAffinity without required terms schedules', spec: { affinity: { nodeAffinity: {} } }, labels: { foo: 'bar' }, fits: true },
    {
      name: 'multiple matchExpressions ANDed that match',
      spec: {
        affinity: req({
          matchExpressions: [
            { key: 'GPU', operator: 'Exists' },
            { key: 'GPU', operator: 'NotIn', values: ['AMD', 'INTER'] },
          ],
        }),
      },
      labels: { GPU: 'NVIDIA-GRID-K1' },
      fits: true,
    },
    {
      name: "multiple matchExpressions ANDed that don't match",
      spec: {
        affinity: req({
          matchExpressions: [
            { key: 'GPU', operator: 'Exists' },
            { key: 'GPU', operator: 'In', values: ['AMD', 'INTER'] },
          ],
        }),
      },
      labels: { GPU: 'NVIDIA-GRID-K1' },
      fits: false,
    },
    {
      name: 'multiple NodeSelectorTerms ORed, one matches',
      spec: {
        affinity: req(
          { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }] },
          { matchExpressions: [{ key: 'diffkey', operator: 'In', values: ['wrong', 'value2'] }] },
        ),
      },
      labels: { foo: 'bar' },
      fits: true,
    },
    {
      name: 'affinity and nodeSelector both satisfied',
      spec: { nodeSelector: { foo: 'bar' }, affinity: req({ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }) },
      labels: { foo: 'bar' },
      fits: true,
    },
    {
      name: 'affinity matches but nodeSelector does not',
      spec: { nodeSelector: { foo: 'bar' }, affinity: req({ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }) },
      labels: { foo: 'barrrrrr' },
      fits: false,
    },
    {
      name: 'an invalid value in an affinity term matches nothing',
      spec: { affinity: req({ matchExpressions: [{ key: 'foo', operator: 'NotIn', values: ['invalid value: ___@#$%^'] }] }) },
      labels: { foo: 'bar' },
      fits: false,
    },
    {
      name: 'an invalid term does not stop another term from matching',
      spec: {
        affinity: req(
          { matchExpressions: [{ key: 'foo', operator: 'In', values: [] }] },
          { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] },
        ),
      },
      labels: { foo: 'bar' },
      fits: true,
    },
    { name: 'matchFields In matches the node name', spec: { affinity: req({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node_1'] }] }) }, node: 'node_1', fits: true },
    { name: 'matchFields In does not match another node', spec: { affinity: req({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node_2'] }] }) }, node: 'node_1', fits: false },
    { name: 'matchFields NotIn', spec: { affinity: req({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node_2'] }] }) }, node: 'node_1', fits: true },
    {
      name: 'two terms: matchFields does not match, but matchExpressions matches',
      spec: {
        affinity: req(
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node_2'] }] },
          { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] },
        ),
      },
      labels: { foo: 'bar' },
      node: 'node_1',
      fits: true,
    },
    {
      name: 'one term: matchFields does not match, but matchExpressions matches',
      spec: {
        affinity: req({
          matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node_2'] }],
          matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }],
        }),
      },
      labels: { foo: 'bar' },
      node: 'node_1',
      fits: false,
    },
    {
      name: 'one term: both matchFields and matchExpressions match',
      spec: {
        affinity: req({
          matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node_1'] }],
          matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }],
        }),
      },
      labels: { foo: 'bar' },
      node: 'node_1',
      fits: true,
    },
    {
      name: 'two terms: neither matches',
      spec: {
        affinity: req(
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node_2'] }] },
          { matchExpressions: [{ key: 'foo', operator: 'In', values: ['not-match-to-bar'] }] },
        ),
      },
      labels: { foo: 'bar' },
      node: 'node_1',
      fits: false,
    },
    {
      name: 'matchFields on another field is invalid',
      spec: { affinity: req({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['x'] }] }) },
      node: 'node_1',
      fits: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ni = nodeInfo(newNode(c.node ?? 'n', c.labels ? { labels: c.labels } : {}));
      assert.equal(filterNodeAffinity(preparePod(newPod(c.spec)), ni), c.fits ? undefined : MISMATCH);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// NodePorts

describe('scheduling: NodePorts filter', () => {
  const FAIL = "node(s) didn't have free ports for the requested pod ports";
  const portPod = (...ports: { hostPort: number; protocol?: 'TCP' | 'UDP'; hostIP?: string }[]): Pod =>
    newPod({ containers: [{ name: 'c', ports: ports.map((p) => ({ containerPort: 8080, ...p })) }] });
  const cases: { name: string; pod: Pod; existing: Pod[]; fits: boolean }[] = [
    { name: 'nothing running', pod: portPod({ hostPort: 8080 }), existing: [], fits: true },
    { name: 'other port', pod: portPod({ hostPort: 8080 }), existing: [portPod({ hostPort: 9090 })], fits: true },
    { name: 'same port', pod: portPod({ hostPort: 8080 }), existing: [portPod({ hostPort: 8080 })], fits: false },
    { name: 'same port, other protocol', pod: portPod({ hostPort: 8080, protocol: 'UDP' }), existing: [portPod({ hostPort: 8080 })], fits: true },
    { name: 'same port, other host IPs', pod: portPod({ hostPort: 8080, hostIP: '127.0.0.1' }), existing: [portPod({ hostPort: 8080, hostIP: '127.0.0.2' })], fits: true },
    { name: 'same port and IP', pod: portPod({ hostPort: 8080, hostIP: '127.0.0.1' }), existing: [portPod({ hostPort: 8080, hostIP: '127.0.0.1' })], fits: false },
    { name: '0.0.0.0 wanted, specific IP used', pod: portPod({ hostPort: 8001 }), existing: [portPod({ hostPort: 8001, hostIP: '127.0.0.1' })], fits: false },
    { name: 'specific IP wanted, 0.0.0.0 used', pod: portPod({ hostPort: 8001, hostIP: '127.0.0.1' }), existing: [portPod({ hostPort: 8001 })], fits: false },
    { name: 'one of several ports conflicts', pod: portPod({ hostPort: 8001 }, { hostPort: 8002 }), existing: [portPod({ hostPort: 8002, protocol: 'TCP' })], fits: false },
    {
      name: 'hostNetwork pods use containerPort as hostPort',
      pod: newPod({ hostNetwork: true, containers: [{ name: 'c', ports: [{ containerPort: 53, protocol: 'UDP' }] }] }),
      existing: [portPod({ hostPort: 53, protocol: 'UDP' })],
      fits: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ni = nodeInfo(newNode('n'), ...c.existing);
      assert.equal(filterNodePorts(preparePod(c.pod), ni), c.fits ? undefined : FAIL);
    });
  }

  it('ports are released when the pod is removed', () => {
    const existing = portPod({ hostPort: 8080 });
    const ni = nodeInfo(newNode('n'), existing);
    const pp = preparePod(portPod({ hostPort: 8080 }));
    assert.equal(filterNodePorts(pp, ni), FAIL);
    ni.removePod(existing.metadata.uid!);
    assert.equal(filterNodePorts(pp, ni), undefined);
  });
});

describe('scheduling: runFilters order', () => {
  it('stops at the first failing plugin (unschedulable before taints before affinity before fit)', () => {
    const node = newNode('n', { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }], alloc: { cpu: '1m', memory: '1', pods: '0' } });
    const pod = newPod({ nodeSelector: { a: 'b' }, containers: [ctr({ cpu: '1', memory: '1Gi' })] });
    assert.deepEqual(runFilters(preparePod(pod), nodeInfo(node)), ['node(s) were unschedulable']);
    const tainted = newNode('n', { taints: [{ key: 'k', effect: 'NoSchedule' }], alloc: { cpu: '1m', memory: '1', pods: '0' } });
    assert.deepEqual(runFilters(preparePod(pod), nodeInfo(tainted)), ['node(s) had untolerated taint {k: }']);
    const small = newNode('n', { labels: { a: 'b' }, alloc: { cpu: '1m', memory: '1', pods: '0' } });
    assert.deepEqual(runFilters(preparePod(pod), nodeInfo(small)), ['Too many pods', 'Insufficient cpu', 'Insufficient memory']);
  });
});

// ---------------------------------------------------------------------------------------------
// Scores

describe('scheduling: NodeResourcesFit LeastAllocated score (least_allocated_test.go)', () => {
  const cpuAndMemory = (): Pod => resourcePod([1000, 2000], [2000, 3000]);
  const cpuOnly = (): Pod => newPod({ containers: [ctr({ cpu: '1000m', memory: '0' }), ctr({ cpu: '2000m', memory: '0' })] });
  const cases: { name: string; pod: Pod; nodes: [string, string][]; existing: Pod[][]; want: number[] }[] = [
    { name: 'nothing scheduled, nothing requested', pod: newPod(), nodes: [['4000m', '10000'], ['4000m', '10000']], existing: [[], []], want: [100, 100] },
    { name: 'nothing scheduled, resources requested, differently sized nodes', pod: cpuAndMemory(), nodes: [['4000m', '10000'], ['6000m', '10000']], existing: [[], []], want: [37, 50] },
    {
      name: 'no resources requested, pods scheduled with resources',
      pod: newPod(),
      nodes: [['10000m', '20000'], ['10000m', '20000']],
      existing: [[cpuOnly()], [cpuAndMemory()]],
      // node1: cpu (10000-3000)*100/10000 = 70, mem 100 → 85; node2: cpu 70, mem (20000-5000)*100/20000 = 75 → 72
      want: [85, 72],
    },
    {
      name: 'requested resources exceed node capacity score 0 for that resource',
      pod: cpuAndMemory(),
      nodes: [['4000m', '10000'], ['4000m', '50000']],
      existing: [[cpuOnly()], [cpuAndMemory()]],
      // node1: cpu 6000 > 4000 → 0, mem (10000-5000) → 50 → 25; node2: cpu 0, mem (50000-10000)*100/50000 = 80 → 40
      want: [25, 40],
    },
    {
      name: 'best-effort containers count 100m / 200Mi',
      pod: newPod({ containers: [ctr()] }),
      nodes: [['1000m', `${1000 * 2 ** 20}`], ['1000m', `${1000 * 2 ** 20}`]],
      existing: [[], [newPod({ containers: [ctr(), ctr()] })]],
      // node1: cpu 90, mem 80 → 85; node2: cpu 70, mem 40 → 55
      want: [85, 55],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pp = preparePod(c.pod);
      const got = c.nodes.map(([cpu, memory], i) => leastAllocatedScore(pp, nodeInfo(newNode(`n${i}`, { alloc: { cpu, memory, pods: '110' } }), ...c.existing[i]!)));
      assert.deepEqual(got, c.want);
    });
  }
});

describe('scheduling: NodeResourcesBalancedAllocation score (balanced_allocation_test.go)', () => {
  const cpuAndMemory = (): Pod => resourcePod([1000, 2000], [2000, 3000]);
  const cpuOnly = (): Pod => newPod({ containers: [ctr({ cpu: '1000m', memory: '0' }), ctr({ cpu: '2000m', memory: '0' })] });
  const cases: { name: string; pod: Pod; nodes: [string, string][]; existing: Pod[][]; want: number[] }[] = [
    { name: 'nothing scheduled, resources requested, differently sized nodes', pod: cpuAndMemory(), nodes: [['4000m', '10000'], ['6000m', '10000']], existing: [[], []], want: [87, 100] },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: cpuAndMemory(),
      nodes: [['10000m', '20000'], ['10000m', '50000']],
      existing: [[cpuOnly()], [cpuAndMemory()]],
      want: [82, 80],
    },
    {
      name: 'fractions above 1 are capped',
      pod: cpuAndMemory(),
      nodes: [['2000m', '5000'], ['1000m', '10000']],
      existing: [[], []],
      // node1: cpu 1.5→1, mem 1 → 100; node2: cpu 3→1, mem .5 → std .25 → 75
      want: [100, 75],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pp = preparePod(c.pod);
      const got = c.nodes.map(([cpu, memory], i) => balancedAllocationScore(pp, nodeInfo(newNode(`n${i}`, { alloc: { cpu, memory, pods: '110' } }), ...c.existing[i]!)));
      assert.deepEqual(got, c.want);
    });
  }

  it('best-effort pods skip balanced allocation', () => {
    assert.equal(balancedAllocationApplies(preparePod(newPod({ containers: [ctr()] }))), false);
    assert.equal(balancedAllocationApplies(preparePod(resourcePod([1, 0]))), true);
  });
});

describe('scheduling: TaintToleration score (taint_toleration_test.go)', () => {
  const prefer = (key: string, value?: string): Taint => ({ key, ...(value !== undefined ? { value } : {}), effect: 'PreferNoSchedule' });
  const cases: { name: string; tolerations: Toleration[]; nodes: Taint[][]; want: number[] }[] = [
    {
      name: 'nodes with tolerated taints score higher than nodes with intolerable taints',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
      nodes: [[prefer('foo', 'bar')], [prefer('foo', 'blah')]],
      want: [100, 0],
    },
    {
      name: 'all-tolerated nodes score the same, however many tolerated taints they have',
      tolerations: [
        { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'PreferNoSchedule' },
        { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: 'PreferNoSchedule' },
      ],
      nodes: [[], [prefer('cpu-type', 'arm64')], [prefer('cpu-type', 'arm64'), prefer('disk-type', 'ssd')]],
      want: [100, 100, 100],
    },
    {
      name: 'the more intolerable taints a node has, the lower its score',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
      nodes: [[], [prefer('cpu-type', 'arm64')], [prefer('cpu-type', 'arm64'), prefer('disk-type', 'ssd')]],
      want: [100, 50, 0],
    },
    {
      name: 'only PreferNoSchedule taints and tolerations are considered',
      tolerations: [
        { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
        { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: 'NoSchedule' },
      ],
      nodes: [[], [{ key: 'cpu-type', value: 'arm64', effect: 'NoSchedule' }], [prefer('cpu-type', 'arm64'), prefer('disk-type', 'ssd')]],
      want: [100, 100, 0],
    },
    { name: 'no taints and no tolerations', tolerations: [], nodes: [[], []], want: [100, 100] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pp = preparePod(newPod({ tolerations: c.tolerations }));
      const raw = c.nodes.map((taints, i) => intolerablePreferNoScheduleTaints(pp, nodeInfo(newNode(`n${i}`, { taints }))));
      defaultNormalizeScore(raw, raw.length, true);
      assert.deepEqual(raw, c.want);
    });
  }
});

describe('scheduling: preferred NodeAffinity score (TestNodeAffinityPriority)', () => {
  const affinity1: PodSpec['affinity'] = {
    nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 2, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] } }] },
  };
  const affinity2: PodSpec['affinity'] = {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 2, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] } },
        { weight: 4, preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] } },
        {
          weight: 5,
          preference: {
            matchExpressions: [
              { key: 'foo', operator: 'In', values: ['bar'] },
              { key: 'key', operator: 'In', values: ['value'] },
              { key: 'az', operator: 'In', values: ['az1'] },
            ],
          },
        },
        { weight: 0, preference: { matchExpressions: [{ key: 'foo', operator: 'Exists' }] } },
        { weight: 7, preference: {} },
      ],
    },
  };
  const label1 = { foo: 'bar' };
  const label2 = { key: 'value' };
  const label3 = { az: 'az1' };
  const label4 = { abc: 'az11', def: 'az22' };
  const label5 = { foo: 'bar', key: 'value', az: 'az1' };
  const cases: { name: string; affinity: PodSpec['affinity']; nodes: Record<string, string>[]; want: number[] }[] = [
    { name: 'all nodes are the same priority as NodeAffinity is nil', affinity: undefined, nodes: [label1, label2, label3], want: [0, 0, 0] },
    { name: 'no node matches the preferred terms', affinity: affinity1, nodes: [label4, label2, label3], want: [0, 0, 0] },
    { name: 'only node1 matches', affinity: affinity1, nodes: [label1, label2, label3], want: [100, 0, 0] },
    { name: 'all nodes match with different priorities (weight 0 and empty terms ignored)', affinity: affinity2, nodes: [label1, label5, label2], want: [18, 100, 36] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pp = preparePod(newPod(c.affinity ? { affinity: c.affinity } : {}));
      const raw = c.nodes.map((labels, i) => nodeAffinityPreferredWeight(pp, nodeInfo(newNode(`n${i}`, { labels }))));
      defaultNormalizeScore(raw, raw.length, false);
      assert.deepEqual(raw, c.want);
    });
  }
});

describe('scheduling: owner spread score', () => {
  const owned = (uid: string): Pod =>
    newPod({ containers: [ctr()] }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, controller: true }] });
  it('fewer pods of the same owner scores higher; other owners do not count', () => {
    const pp = preparePod(owned('rs1'));
    const nodes = [nodeInfo(newNode('a')), nodeInfo(newNode('b'), owned('rs1')), nodeInfo(newNode('c'), owned('rs1'), owned('rs1'), owned('rs1')), nodeInfo(newNode('d'), owned('rs2'))];
    const raw = nodes.map((ni) => ownerSpreadCount(pp, ni));
    assert.deepEqual(raw, [0, 1, 3, 0]);
    normalizeSpreadScore(raw, raw.length);
    assert.deepEqual(raw, [100, 66, 0, 100]);
  });
  it('no owner pods anywhere: all nodes score 100', () => {
    const raw = [0, 0];
    normalizeSpreadScore(raw, 2);
    assert.deepEqual(raw, [100, 100]);
  });
  it('pods without a controller owner are not counted', () => {
    const pp = preparePod(newPod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' }] }));
    assert.equal(pp.ownerKey, undefined);
  });
});
