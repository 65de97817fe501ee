import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, ContainerStatus, Deployment, Endpoints, Event, Lease, Namespace, Node, Pod, ReplicaSet, Secret, Service } from '../../shared/resources/types.js';
import { RESOURCES } from '../../shared/resources/registry.js';
import { age, formatEndpoints, humanDuration, podSummary, printerFor, portString } from '../../shared/printers/index.js';

const NOW = new Date('2026-12-03T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const row = (kind: string, obj: unknown) => printerFor(kind).row(obj as never, NOW);
const names = (kind: string) => printerFor(kind).columns.map((c) => c.name);
const shown = (kind: string) => printerFor(kind).columns.filter((c) => c.priority === 0).map((c) => c.name);

function pod(status: Pod['status'], spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(65), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    ...(status ? { status } : {}),
  };
}

const cs = (state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus => ({ name: 'app', image: 'nginx', ready: false, restartCount: 0, state, ...extra });

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  const cases: [number, string][] = [
    [-2.5, '<invalid>'],
    [-1.5, '0s'],
    [0, '0s'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [182, '3m2s'],
    [599, '9m59s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [4 * 3600 + 30 * 60, '4h30m'],
    [8 * 3600 + 59 * 60, '8h'],
    [47 * 3600, '47h'],
    [51 * 3600, '2d3h'],
    [72 * 3600, '3d'],
    [9 * 86400, '9d'],
    [730 * 86400, '2y'],
    [(3 * 365 + 12) * 86400, '3y12d'],
    [9 * 365 * 86400, '9y'],
  ];
  for (const [s, want] of cases) it(`${s}s → ${want}`, () => assert.equal(humanDuration(s * 1000), want));
  it('age: time since a timestamp, <unknown> without one', () => {
    assert.equal(age(ago(65), NOW), '65s');
    assert.equal(age(undefined, NOW), '<unknown>');
    assert.equal(age('garbage', NOW), '<unknown>');
  });
});

describe('pods: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES)', () => {
  it('has kubectl columns, the last four only in wide output', () => {
    assert.deepEqual(shown('Pod'), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    assert.deepEqual(names('Pod').slice(5), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  });
  it('a running, ready pod', () => {
    const p = pod({ phase: 'Running', podIP: '127.64.1.2', podIPs: [{ ip: '127.64.1.2' }], conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [cs({ running: {} }, { ready: true })] }, { nodeName: 'n1' });
    assert.deepEqual(row('Pod', p), ['web-1', '1/1', 'Running', '0', '65s', '127.64.1.2', 'n1', '<none>', '<none>']);
  });
  it('a pending pod without statuses shows its phase and <none> for what it lacks', () => {
    assert.deepEqual(row('Pod', pod({ phase: 'Pending' })), ['web-1', '0/1', 'Pending', '0', '65s', '<none>', '<none>', '<none>', '<none>']);
  });
  it('a waiting reason wins over the phase (ContainerCreating, CrashLoopBackOff)', () => {
    assert.equal(podSummary(pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })] })).status, 'ContainerCreating');
    const crashing = pod({
      phase: 'Running',
      containerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } })],
    });
    const r = row('Pod', crashing);
    assert.equal(r[2], 'CrashLoopBackOff');
    assert.equal(r[3], '3 (5m ago)');
  });
  it('restarts without a known time are just a number', () => {
    assert.equal(row('Pod', pod({ phase: 'Running', containerStatuses: [cs({ running: {} }, { restartCount: 2, ready: true })] }))[3], '2');
  });
  it('terminated reasons and exit codes', () => {
    assert.equal(podSummary(pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] })).status, 'Completed');
    assert.equal(podSummary(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 2 } })] })).status, 'ExitCode:2');
    assert.equal(podSummary(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 137, signal: 9 } })] })).status, 'Signal:9');
    assert.equal(podSummary(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 1, reason: 'Error' } })] })).status, 'Error');
  });
  it('a completed container next to a running one: Running if the pod is Ready, else NotReady', () => {
    const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
    const statuses = [cs({ running: {} }, { name: 'a', ready: true }), cs({ terminated: { exitCode: 0, reason: 'Completed' } }, { name: 'b' })];
    assert.equal(podSummary(pod({ phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] }, spec)).status, 'Running');
    const s = podSummary(pod({ phase: 'Running', containerStatuses: statuses }, spec));
    assert.equal(s.status, 'NotReady');
    assert.equal(`${s.ready}/${s.total}`, '1/2');
  });
  it('init containers: Init:x/y while they run, Init:<reason> when they fail', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const done = cs({ terminated: { exitCode: 0 } }, { name: 'i1' });
    assert.equal(podSummary(pod({ phase: 'Pending', initContainerStatuses: [done, cs({ running: {} }, { name: 'i2' })] }, spec)).status, 'Init:1/2');
    assert.equal(podSummary(pod({ phase: 'Pending', initContainerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff' } }, { name: 'i1' })] }, spec)).status, 'Init:CrashLoopBackOff');
    assert.equal(podSummary(pod({ phase: 'Pending', initContainerStatuses: [cs({ terminated: { exitCode: 3 } }, { name: 'i1' })] }, spec)).status, 'Init:ExitCode:3');
    assert.equal(podSummary(pod({ phase: 'Pending', initContainerStatuses: [cs({ waiting: { reason: 'PodInitializing' } }, { name: 'i1' })] }, spec)).status, 'Init:0/2');
  });
  it('a sidecar (init container with restartPolicy Always) counts towards READY', () => {
    const spec = { initContainers: [{ name: 'side', restartPolicy: 'Always' as const }] };
    const s = podSummary(pod({ phase: 'Running', initContainerStatuses: [cs({ running: {} }, { name: 'side', ready: true, started: true })], containerStatuses: [cs({ running: {} }, { ready: true })] }, spec));
    assert.deepEqual([s.ready, s.total, s.status], [2, 2, 'Running']);
  });
  it('Terminating once deletion started, unless the pod already finished', () => {
    assert.equal(podSummary(pod({ phase: 'Running' }, {}, { deletionTimestamp: ago(1) })).status, 'Terminating');
    assert.equal(podSummary(pod({ phase: 'Succeeded' }, {}, { deletionTimestamp: ago(1) })).status, 'Succeeded');
  });
  it('SchedulingGated and readiness gates', () => {
    assert.equal(podSummary(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })).status, 'SchedulingGated');
    const gated = pod({ phase: 'Running', conditions: [{ type: 'x/ready', status: 'True' }] }, { readinessGates: [{ conditionType: 'x/ready' }, { conditionType: 'y/ready' }] });
    assert.equal(row('Pod', gated)[8], '1/2');
  });
});

describe('workloads', () => {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', creationTimestamp: ago(3 * 3600) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', tier: 'fe' } }, template: { spec: { containers: [{ name: 'a', image: 'nginx:1.27' }, { name: 'b', image: 'busybox' }] } } },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  it('deployments: READY UP-TO-DATE AVAILABLE AGE (+ CONTAINERS IMAGES SELECTOR)', () => {
    assert.deepEqual(shown('Deployment'), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    assert.deepEqual(row('Deployment', d), ['web', '2/3', 3, 2, '3h', 'a,b', 'nginx:1.27,busybox', 'app=web,tier=fe']);
  });
  it('a deployment without status', () => {
    assert.deepEqual(row('Deployment', { ...d, status: undefined }).slice(1, 4), ['0/3', 0, 0]);
  });
  it('replicasets: DESIRED CURRENT READY AGE', () => {
    const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', creationTimestamp: ago(10) }, spec: { ...d.spec, replicas: 3 }, status: { replicas: 3, readyReplicas: 1 } };
    assert.deepEqual(shown('ReplicaSet'), ['Name', 'Desired', 'Current', 'Ready', 'Age']);
    assert.deepEqual(row('ReplicaSet', rs).slice(0, 5), ['web-abc', 3, 3, 1, '10s']);
  });
});

describe('services and endpoints', () => {
  const svc = (spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', creationTimestamp: ago(5) }, spec });
  it('NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (+ SELECTOR)', () => {
    assert.deepEqual(names('Service'), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    const s = svc({ type: 'NodePort', clusterIP: '127.10.0.5', clusterIPs: ['127.10.0.5'], selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] });
    assert.deepEqual(row('Service', s), ['web', 'NodePort', '127.10.0.5', '<none>', '80:30080/TCP,53/UDP', '5s', 'app=web']);
  });
  it('defaults: ClusterIP type, TCP, <none> for no ports, IP or selector', () => {
    assert.deepEqual(row('Service', svc({})), ['web', 'ClusterIP', '<none>', '<none>', '<none>', '5s', '<none>']);
    assert.equal(portString([{ port: 8080 }]), '8080/TCP');
    assert.equal(row('Service', svc({ externalIPs: ['1.2.3.4', '5.6.7.8'] }))[3], '1.2.3.4,5.6.7.8');
  });
  const ep = (subsets: Endpoints['subsets']): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, ...(subsets ? { subsets } : {}) });
  it('endpoints: ip:port pairs, three at most, then + N more...', () => {
    const addresses = ['127.64.1.2', '127.64.1.3', '127.64.2.2', '127.64.2.3'].map((ip) => ({ ip }));
    assert.equal(formatEndpoints(ep([{ addresses, ports: [{ port: 8080 }] }])), '127.64.1.2:8080,127.64.1.3:8080,127.64.2.2:8080 + 1 more...');
    assert.equal(formatEndpoints(ep([{ addresses: addresses.slice(0, 2), ports: [{ port: 80 }] }])), '127.64.1.2:80,127.64.1.3:80');
  });
  it('endpoints: none, headless without ports, filtered by port name', () => {
    assert.equal(formatEndpoints(ep(undefined)), '<none>');
    assert.equal(formatEndpoints(ep([{ notReadyAddresses: [{ ip: '1.1.1.1' }], ports: [{ port: 80 }] }])), '<none>');
    assert.equal(formatEndpoints(ep([{ addresses: [{ ip: '1.1.1.1' }] }])), '1.1.1.1');
    const two = ep([{ addresses: [{ ip: '1.1.1.1' }], ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] }]);
    assert.equal(formatEndpoints(two, new Set(['metrics'])), '1.1.1.1:9090');
    assert.equal(row('Endpoints', two)[1], '1.1.1.1:80,1.1.1.1:9090');
  });
});

describe('nodes, namespaces, leases, config', () => {
  const node = (status: Node['status'], spec: Node['spec'] = {}, labels: Record<string, string> = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels, creationTimestamp: ago(86400 * 3) }, spec, status });
  it('nodes: STATUS from the Ready condition, ROLES from labels, wide system info', () => {
    assert.deepEqual(shown('Node'), ['Name', 'Status', 'Roles', 'Age', 'Version']);
    const n = node(
      { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'fake://0.1.0' } },
      {},
      { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'edge' },
    );
    assert.deepEqual(row('Node', n), ['n1', 'Ready', 'control-plane,edge', '3d', 'v1.32.0', '127.0.0.1', '<none>', 'Debian', '6.1', 'fake://0.1.0']);
  });
  it('nodes: NotReady, Unknown, SchedulingDisabled', () => {
    assert.equal(row('Node', node({ conditions: [{ type: 'Ready', status: 'Unknown' }] }))[1], 'NotReady');
    assert.equal(row('Node', node({}, { unschedulable: true }))[1], 'Unknown,SchedulingDisabled');
    assert.equal(row('Node', node({}))[2], '<none>');
  });
  it('namespaces, configmaps, secrets, leases', () => {
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', creationTimestamp: ago(1) }, status: { phase: 'Active' } };
    assert.deepEqual(row('Namespace', ns), ['shop', 'Active', '1s']);
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', creationTimestamp: ago(1) }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } };
    assert.deepEqual(row('ConfigMap', cm), ['cm', 3, '1s']);
    const sec: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', creationTimestamp: ago(1) }, data: { p: 'eA==' } };
    assert.deepEqual(row('Secret', sec), ['s', 'Opaque', 1, '1s']);
    const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', creationTimestamp: ago(1) }, spec: { holderIdentity: 'n1' } };
    assert.deepEqual(row('Lease', lease), ['n1', 'n1', '1s']);
    assert.equal(row('Lease', { ...lease, spec: {} })[1], '<none>');
  });
  it('events: LAST SEEN TYPE REASON OBJECT MESSAGE (wide: SUBOBJECT SOURCE FIRST SEEN COUNT NAME)', () => {
    assert.deepEqual(shown('Event'), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1' },
      involvedObject: { kind: 'Pod', name: 'web-1' },
      type: 'Normal',
      reason: 'Scheduled',
      message: ' assigned \n',
      count: 2,
      firstTimestamp: ago(600),
      lastTimestamp: ago(30),
      source: { component: 'kubelet', host: 'n1' },
    };
    assert.deepEqual(row('Event', ev), ['30s', 'Normal', 'Scheduled', 'pod/web-1', '', 'kubelet, n1', 'assigned', '10m', 2, 'web.1']);
  });
  it('other kinds get NAME AGE', () => {
    assert.deepEqual(names('Widget'), ['Name', 'Age']);
    assert.deepEqual(row('Widget', { metadata: { name: 'w', creationTimestamp: ago(3) } }), ['w', '3s']);
  });
});

describe('every kind', () => {
  it('has a printer whose rows have a cell per column, a name column and valid priorities', () => {
    for (const r of RESOURCES) {
      const p = printerFor(r.kind);
      assert.equal(p.columns.filter((c) => c.format === 'name').length, 1, r.kind);
      assert.ok(p.columns.every((c) => c.priority === 0 || c.priority === 1 && c.description), r.kind);
      const cells = p.row({ apiVersion: 'v1', kind: r.kind, metadata: { name: 'x' }, spec: { containers: [] } } as never, NOW);
      assert.equal(cells.length, p.columns.length, r.kind);
    }
  });
});
