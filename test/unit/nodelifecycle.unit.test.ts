import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, Node, NodeCondition, Pod, Taint, Toleration } from '../../shared/resources/types.js';
import {
  NODE_STATUS_NEVER_UPDATED_REASON,
  NODE_STATUS_UNKNOWN_MESSAGE,
  NODE_STATUS_UNKNOWN_REASON,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  desiredTaints,
  effectiveTolerations,
  evictionTime,
  markNodeStatusUnknown,
  nodeHealth,
  parseTime,
  podAction,
} from '../../services/controller-manager/nodelifecycle/index.js';
import { controllerOptionsFromEnv } from '../../services/controller-manager/manager.js';
import { at, deepFreeze, ms } from './controller-fixtures.js';

const GRACE = 40_000;
const micro = (s: number) => at(s).replace('Z', '.000000Z');

function node(o: { ready?: NodeCondition['status']; heartbeat?: number; created?: number; taints?: Taint[]; conditions?: NodeCondition[] } = {}): Node {
  const conditions: NodeCondition[] =
    o.conditions ??
    (o.ready
      ? [
          {
            type: 'Ready',
            status: o.ready,
            reason: 'KubeletReady',
            ...(o.heartbeat !== undefined ? { lastHeartbeatTime: at(o.heartbeat) } : {}),
            lastTransitionTime: at(0),
          },
        ]
      : []);
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', uid: 'u-n1', resourceVersion: '7', creationTimestamp: at(o.created ?? 0) },
    spec: o.taints ? { taints: o.taints } : {},
    status: { conditions },
  } as Node);
}

const lease = (renew?: number): Lease =>
  deepFreeze({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, ...(renew !== undefined ? { renewTime: micro(renew) } : {}) },
  } as Lease);

function pod(o: { tolerations?: Toleration[]; nodeName?: string; deleting?: boolean; phase?: string } = {}): Pod {
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u-p', ...(o.deleting ? { deletionTimestamp: at(1) } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'x' }],
      ...(o.nodeName !== undefined ? { nodeName: o.nodeName } : { nodeName: 'n1' }),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
    },
    ...(o.phase ? { status: { phase: o.phase } } : {}),
  } as Pod);
}

const unreachableNE = (added: number): Taint => ({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', timeAdded: at(added) });
const unreachableNS: Taint = { key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' };
const notReadyNE = (added: number): Taint => ({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute', timeAdded: at(added) });
const notReadyNS: Taint = { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' };

describe('parseTime', () => {
  it('reads RFC 3339 with seconds, milliseconds and microseconds; absent or junk is undefined', () => {
    assert.equal(parseTime(at(5)), ms(5));
    assert.equal(parseTime('2024-01-01T00:00:05.123456Z'), ms(5) + 123);
    assert.equal(parseTime('2024-01-01T00:00:05.1Z'), ms(5) + 100);
    assert.equal(parseTime(undefined), undefined);
    assert.equal(parseTime('yesterday'), undefined);
  });
});

describe('nodeHealth', () => {
  const cases: { name: string; node: Node; lease?: Lease; now: number; want: ReturnType<typeof nodeHealth> }[] = [
    {
      name: 'lease renewed recently: fresh, expires renew + grace',
      node: node({ ready: 'True', heartbeat: 0 }),
      lease: lease(30),
      now: 50,
      want: { monitored: true, probeTime: ms(30), source: 'lease', stale: false, expiresAt: ms(70) },
    },
    {
      name: 'lease older than grace: stale',
      node: node({ ready: 'True', heartbeat: 0 }),
      lease: lease(5),
      now: 46,
      want: { monitored: true, probeTime: ms(5), source: 'lease', stale: true },
    },
    {
      name: 'exactly at the grace period: not yet stale',
      node: node({ ready: 'True', heartbeat: 0 }),
      lease: lease(5),
      now: 45,
      want: { monitored: true, probeTime: ms(5), source: 'lease', stale: false, expiresAt: ms(45) },
    },
    {
      name: 'a newer Ready heartbeat beats an old lease',
      node: node({ ready: 'True', heartbeat: 20 }),
      lease: lease(5),
      now: 50,
      want: { monitored: true, probeTime: ms(20), source: 'heartbeat', stale: false, expiresAt: ms(60) },
    },
    {
      name: 'no lease: the Ready heartbeat counts',
      node: node({ ready: 'True', heartbeat: 1 }),
      now: 42,
      want: { monitored: true, probeTime: ms(1), source: 'heartbeat', stale: true },
    },
    {
      name: 'a lease without renewTime falls back to the heartbeat',
      node: node({ ready: 'True', heartbeat: 10 }),
      lease: lease(),
      now: 20,
      want: { monitored: true, probeTime: ms(10), source: 'heartbeat', stale: false, expiresAt: ms(50) },
    },
    {
      name: 'no lease, no conditions: counts from creation (fresh within grace)',
      node: node({ created: 10 }),
      now: 49,
      want: { monitored: true, probeTime: ms(10), source: 'creation', stale: false, expiresAt: ms(50) },
    },
    {
      name: 'no lease, no conditions, created long ago: stale',
      node: node({ created: 10 }),
      now: 51,
      want: { monitored: true, probeTime: ms(10), source: 'creation', stale: true },
    },
    {
      name: 'static node (Ready written by hand, no heartbeat, no lease): never aged',
      node: node({ ready: 'True' }),
      now: 100_000,
      want: { monitored: false, stale: false },
    },
    {
      name: 'static node that gets a lease is monitored from then on',
      node: node({ ready: 'True' }),
      lease: lease(100),
      now: 150,
      want: { monitored: true, probeTime: ms(100), source: 'lease', stale: true },
    },
    {
      name: 'a lease but no Ready condition: the lease counts',
      node: node(),
      lease: lease(100),
      now: 110,
      want: { monitored: true, probeTime: ms(100), source: 'lease', stale: false, expiresAt: ms(140) },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(nodeHealth(c.node, c.lease, ms(c.now), GRACE), c.want));
  }

  it('accepts a Date for now', () => {
    assert.equal(nodeHealth(node({ ready: 'True', heartbeat: 0 }), lease(0), new Date(ms(41)), GRACE).stale, true);
  });
});

describe('markNodeStatusUnknown', () => {
  it('every condition not already Unknown becomes Unknown, keeping its heartbeat; now is the transition time', () => {
    const n = node({
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: at(3), lastTransitionTime: at(0) },
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: at(3), lastTransitionTime: at(0) },
        { type: 'DiskPressure', status: 'Unknown', reason: 'Whatever', lastHeartbeatTime: at(2), lastTransitionTime: at(1) },
      ],
    });
    const s = markNodeStatusUnknown(n, ms(60));
    assert.deepEqual(s?.conditions, [
      { type: 'Ready', status: 'Unknown', reason: NODE_STATUS_UNKNOWN_REASON, message: NODE_STATUS_UNKNOWN_MESSAGE, lastHeartbeatTime: at(3), lastTransitionTime: at(60) },
      { type: 'MemoryPressure', status: 'Unknown', reason: NODE_STATUS_UNKNOWN_REASON, message: NODE_STATUS_UNKNOWN_MESSAGE, lastHeartbeatTime: at(3), lastTransitionTime: at(60) },
      { type: 'DiskPressure', status: 'Unknown', reason: 'Whatever', lastHeartbeatTime: at(2), lastTransitionTime: at(1) },
    ]);
  });

  it('already all Unknown: no write', () => {
    assert.equal(markNodeStatusUnknown(node({ ready: 'Unknown', heartbeat: 1 }), ms(60)), undefined);
  });

  it('no Ready condition: adds Ready=Unknown NodeStatusNeverUpdated with the creation time as heartbeat', () => {
    const s = markNodeStatusUnknown(node({ created: 4 }), ms(60));
    assert.deepEqual(s?.conditions, [
      { type: 'Ready', status: 'Unknown', reason: NODE_STATUS_NEVER_UPDATED_REASON, message: 'Kubelet never posted node status.', lastHeartbeatTime: at(4), lastTransitionTime: at(60) },
    ]);
  });

  it('keeps the rest of the status', () => {
    const n = deepFreeze({ ...node({ ready: 'True', heartbeat: 1 }), status: { ...node({ ready: 'True', heartbeat: 1 }).status, capacity: { cpu: '4' } } } as Node);
    assert.deepEqual(markNodeStatusUnknown(n, ms(60))?.capacity, { cpu: '4' });
  });
});

describe('desiredTaints', () => {
  const other: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const cases: { name: string; node: Node; want: Taint[] | undefined }[] = [
    { name: 'Ready=True, no taints: nothing to do', node: node({ ready: 'True' }), want: undefined },
    { name: 'Ready=Unknown: unreachable NoExecute (timeAdded now) + NoSchedule', node: node({ ready: 'Unknown' }), want: [unreachableNE(9), unreachableNS] },
    { name: 'Ready=False: not-ready NoExecute + NoSchedule', node: node({ ready: 'False' }), want: [notReadyNE(9), notReadyNS] },
    { name: 'Ready=Unknown already tainted: nothing (timeAdded kept)', node: node({ ready: 'Unknown', taints: [unreachableNE(2), unreachableNS] }), want: undefined },
    { name: 'Ready=Unknown with only NoSchedule: adds NoExecute', node: node({ ready: 'Unknown', taints: [unreachableNS] }), want: [unreachableNS, unreachableNE(9)] },
    { name: 'False → Unknown: swaps not-ready for unreachable', node: node({ ready: 'Unknown', taints: [other, notReadyNE(1), notReadyNS] }), want: [other, unreachableNE(9), unreachableNS] },
    { name: 'Ready=True removes both, keeps other taints', node: node({ ready: 'True', taints: [unreachableNE(1), other, unreachableNS, notReadyNS] }), want: [other] },
    {
      name: 'a PreferNoSchedule taint with a lifecycle key is not ours',
      node: node({ ready: 'True', taints: [{ key: TAINT_NODE_UNREACHABLE, effect: 'PreferNoSchedule' }] }),
      want: undefined,
    },
    { name: 'no Ready condition: taints left as they are', node: node({ taints: [unreachableNS] }), want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(desiredTaints(c.node, ms(9)), c.want));
});

describe('effectiveTolerations (DefaultTolerationSeconds)', () => {
  const defaults = (s: number): Toleration[] => [
    { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s },
    { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s },
  ];
  it('no tolerations: both defaults', () => assert.deepEqual(effectiveTolerations(pod(), 300), defaults(300)));
  it('a toleration for unreachable: only the not-ready default is added', () => {
    const t: Toleration = { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 };
    assert.deepEqual(effectiveTolerations(pod({ tolerations: [t] }), 300), [t, defaults(300)[0]]);
  });
  it('an empty-key Exists toleration covers both', () => {
    const t: Toleration = { operator: 'Exists' };
    assert.deepEqual(effectiveTolerations(pod({ tolerations: [t] }), 300), [t]);
  });
  it('a NoSchedule-only toleration does not count', () => {
    const t: Toleration = { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoSchedule' };
    assert.deepEqual(effectiveTolerations(pod({ tolerations: [t] }), 2), [t, ...defaults(2)]);
  });
});

describe('evictionTime', () => {
  const cases: { name: string; pod: Pod; taints: Taint[]; want: { at: number; key: string; tolerated: boolean } | undefined }[] = [
    { name: 'no taints: never', pod: pod(), taints: [], want: undefined },
    { name: 'NoSchedule only: never', pod: pod(), taints: [unreachableNS], want: undefined },
    { name: 'unreachable, default toleration: timeAdded + default', pod: pod(), taints: [unreachableNE(10), unreachableNS], want: { at: ms(310), key: TAINT_NODE_UNREACHABLE, tolerated: true } },
    {
      name: 'own toleration with seconds wins over the default',
      pod: pod({ tolerations: [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 }] }),
      taints: [unreachableNE(10)],
      want: { at: ms(17), key: TAINT_NODE_UNREACHABLE, tolerated: true },
    },
    {
      name: 'tolerated forever (no tolerationSeconds): never',
      pod: pod({ tolerations: [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }] }),
      taints: [unreachableNE(10)],
      want: undefined,
    },
    {
      name: 'tolerationSeconds 0 or negative: at timeAdded',
      pod: pod({ tolerations: [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -3 }] }),
      taints: [unreachableNE(10)],
      want: { at: ms(10), key: TAINT_NODE_UNREACHABLE, tolerated: true },
    },
    {
      name: 'a foreign NoExecute taint it does not tolerate: at once',
      pod: pod(),
      taints: [unreachableNE(10), { key: 'example.com/drain', effect: 'NoExecute', timeAdded: at(20) }],
      want: { at: 0, key: 'example.com/drain', tolerated: false },
    },
    {
      name: 'tolerating everything forever (operator Exists, no key): never, defaults not added',
      pod: pod({ tolerations: [{ operator: 'Exists' }] }),
      taints: [unreachableNE(10), { key: 'example.com/drain', effect: 'NoExecute' }],
      want: undefined,
    },
    {
      name: 'two taints: the earliest deadline wins',
      pod: pod({ tolerations: [{ key: 'a', operator: 'Equal', value: 'x', effect: 'NoExecute', tolerationSeconds: 100 }] }),
      taints: [{ key: 'a', value: 'x', effect: 'NoExecute', timeAdded: at(0) }, notReadyNE(50)],
      want: { at: ms(100), key: 'a', tolerated: true },
    },
    {
      name: 'an Equal toleration with the wrong value does not tolerate',
      pod: pod({ tolerations: [{ key: 'a', operator: 'Equal', value: 'y', effect: 'NoExecute' }] }),
      taints: [{ key: 'a', value: 'x', effect: 'NoExecute', timeAdded: at(0) }],
      want: { at: 0, key: 'a', tolerated: false },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = evictionTime(c.pod, c.taints, 300);
      assert.deepEqual(e && { at: e.at, key: e.taint.key, tolerated: e.tolerated }, c.want);
    });
  }

  it('a NoExecute taint without timeAdded counts from when it was first seen', () => {
    const e = evictionTime(pod(), [{ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' }], 2, () => ms(30));
    assert.equal(e?.at, ms(32));
  });
});

describe('podAction', () => {
  const tainted = node({ ready: 'Unknown', heartbeat: 0, taints: [unreachableNE(10), unreachableNS] });
  const cases: { name: string; pod: Pod; node: Node | undefined; now: number; tol?: number; want: string; at?: number }[] = [
    { name: 'unbound pod: nothing', pod: pod({ nodeName: '' }), node: undefined, now: 0, want: 'none' },
    { name: 'node missing: force delete', pod: pod(), node: undefined, now: 0, want: 'forceDelete' },
    { name: 'node missing, pod terminating: still force delete', pod: pod({ deleting: true }), node: undefined, now: 0, want: 'forceDelete' },
    { name: 'healthy node: nothing', pod: pod(), node: node({ ready: 'True', heartbeat: 0 }), now: 0, want: 'none' },
    { name: 'unreachable, within the default toleration: wait', pod: pod(), node: tainted, now: 11, tol: 2, want: 'wait', at: ms(12) },
    { name: 'unreachable, toleration run out: evict', pod: pod(), node: tainted, now: 12, tol: 2, want: 'evict' },
    { name: 'terminating pod on an unreachable node stays terminating', pod: pod({ deleting: true }), node: tainted, now: 1000, want: 'none' },
    { name: 'a Succeeded pod is left alone', pod: pod({ phase: 'Succeeded' }), node: tainted, now: 1000, want: 'none' },
    { name: 'a Failed pod is left alone', pod: pod({ phase: 'Failed' }), node: tainted, now: 1000, want: 'none' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = podAction(c.pod, c.node, ms(c.now), c.tol ?? 300);
      assert.equal(a.action, c.want);
      if (c.at !== undefined) assert.equal(a.action === 'wait' ? a.at : undefined, c.at);
    });
  }
});

describe('controllerOptionsFromEnv', () => {
  it('reads NODE_MONITOR_GRACE_PERIOD (seconds) and DEFAULT_TOLERATION_SECONDS', () => {
    assert.deepEqual(controllerOptionsFromEnv({ NODE_MONITOR_GRACE_PERIOD: '1.5', DEFAULT_TOLERATION_SECONDS: '2' }), {
      nodeMonitorGracePeriodMs: 1500,
      defaultTolerationSeconds: 2,
    });
  });
  it('unset or empty: nothing (the defaults apply)', () => {
    assert.deepEqual(controllerOptionsFromEnv({ NODE_MONITOR_GRACE_PERIOD: '' }), {});
  });
  it('rejects nonsense', () => {
    assert.throws(() => controllerOptionsFromEnv({ NODE_MONITOR_GRACE_PERIOD: '0' }), /NODE_MONITOR_GRACE_PERIOD/);
    assert.throws(() => controllerOptionsFromEnv({ NODE_MONITOR_GRACE_PERIOD: '40s' }), /NODE_MONITOR_GRACE_PERIOD/);
    assert.throws(() => controllerOptionsFromEnv({ DEFAULT_TOLERATION_SECONDS: '-1' }), /DEFAULT_TOLERATION_SECONDS/);
    assert.throws(() => controllerOptionsFromEnv({ DEFAULT_TOLERATION_SECONDS: '1.5' }), /DEFAULT_TOLERATION_SECONDS/);
  });
});
