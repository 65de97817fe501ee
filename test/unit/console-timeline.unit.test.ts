/**
 * The console's timeline and topology logic (shared/console/): revisions → lanes and rows, object
 * states, the time scale's zoom/pan/ticks, and the topology graph and its layout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildLanes, extentOf, orderRows, pointNear, rowWindow, segmentAt, timeMs, visibleSegments, type RevisionLike, type RevisionType } from '../../shared/console/timeline/lanes.js';
import { COLORS, stateOf } from '../../shared/console/timeline/state.js';
import { fit, MIN_SPAN_MS, panBy, tOf, ticks, wheelFactor, xOf, zoomAt, type TimeScale } from '../../shared/console/timeline/scale.js';
import { buildGraph, layout, type TopoObject } from '../../shared/console/topology.js';

const T0 = Date.parse('2026-12-06T18:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('Z', '123Z'); // microseconds, as the API writes them

let seq = 0;
function rev(kind: string, name: string, uid: string, type: RevisionType, s: number, object?: object, summary?: string): RevisionLike {
  return {
    sequence: ++seq,
    time: at(s),
    type,
    involvedObject: { kind, name, namespace: 'default', uid },
    ...(summary ? { summary } : {}),
    ...(object ? { object: { metadata: { uid }, ...object } } : {}),
  };
}
const owned = (owner: string) => ({ ownerReferences: [{ uid: owner }] });
const rs = (uid: string, owner: string, replicas: number, ready: number) => ({ metadata: { uid, ...owned(owner) }, spec: { replicas }, status: { readyReplicas: ready } });
const pod = (uid: string, owner: string, phase: string, ready = false, nodeName?: string) => ({
  metadata: { uid, ...owned(owner) },
  spec: nodeName ? { nodeName } : {},
  status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('object states', () => {
  const cases: [string, string, object, string, string][] = [
    ['pod pending', 'Pod', { status: { phase: 'Pending' } }, 'Pending', 'Pending (unscheduled)'],
    ['pod running not ready', 'Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } }, 'NotReady', 'Running, not ready'],
    ['pod ready', 'Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, 'Ready', 'Running'],
    ['pod failed', 'Pod', { status: { phase: 'Failed' } }, 'Failed', 'Failed'],
    ['pod terminating', 'Pod', { metadata: { deletionTimestamp: 'x' }, status: { phase: 'Running' } }, 'Terminating', 'Terminating'],
    ['rs ready', 'ReplicaSet', { spec: { replicas: 3 }, status: { readyReplicas: 3 } }, 'Ready', '3/3'],
    ['rs scaling', 'ReplicaSet', { spec: { replicas: 3 }, status: { readyReplicas: 1 } }, 'Scaling', '1/3'],
    ['rs none ready', 'ReplicaSet', { spec: { replicas: 3 }, status: {} }, 'Unready', '0/3'],
    ['rs scaling down', 'ReplicaSet', { spec: { replicas: 0 }, status: { replicas: 1, readyReplicas: 1 } }, 'Scaling', '1/0'],
    ['rs scaled down', 'ReplicaSet', { spec: { replicas: 0 }, status: {} }, 'ScaledDown', '0/0'],
    ['rs replicas default 1', 'ReplicaSet', { spec: {}, status: { readyReplicas: 1 } }, 'Ready', '1/1'],
    ['deploy available', 'Deployment', { spec: { replicas: 2 }, status: { readyReplicas: 2, conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }] } }, 'Available', '2/2'],
    ['deploy rolling', 'Deployment', { spec: { replicas: 2 }, status: { readyReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] } }, 'Progressing', '1/2'],
    ['deploy unavailable', 'Deployment', { spec: { replicas: 2 }, status: { conditions: [{ type: 'Available', status: 'False' }] } }, 'Unavailable', '0/2'],
    ['deploy stalled', 'Deployment', { spec: { replicas: 2 }, status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } }, 'Stalled', '0/2 ProgressDeadlineExceeded'],
    ['deploy new', 'Deployment', { spec: { replicas: 2 } }, 'Progressing', '0/2'],
    ['other kinds exist', 'ConfigMap', {}, 'Exists', ''],
  ];
  for (const [name, kind, obj, state, label] of cases) {
    it(name, () => {
      const s = stateOf(kind, obj);
      assert.equal(s.state, state);
      assert.equal(s.label, label);
    });
  }
  it('colors: ready green, stalled red', () => {
    assert.equal(stateOf('Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }).color, COLORS.good);
    assert.equal(stateOf('Pod', { status: { phase: 'Failed' } }).color, COLORS.bad);
  });
});

describe('lanes from revisions', () => {
  it('parses microsecond times', () => {
    assert.equal(timeMs('2026-12-06T18:00:01.123456Z'), T0 + 1123);
    assert.equal(timeMs('2026-12-06T18:00:01Z'), T0 + 1000);
  });

  // A rollout: deploy d creates rs1 (3 pods), then rs2 replaces it.
  seq = 0;
  const revs: RevisionLike[] = [
    rev('Deployment', 'web', 'd', 'ADDED', 0, { spec: { replicas: 2 } }, 'created'),
    rev('ReplicaSet', 'web-1', 'rs1', 'ADDED', 1, rs('rs1', 'd', 2, 0)),
    rev('Pod', 'web-1-a', 'p1', 'ADDED', 2, pod('p1', 'rs1', 'Pending')),
    rev('Pod', 'web-1-a', 'p1', 'MODIFIED', 3, pod('p1', 'rs1', 'Running', true, 'n1')),
    rev('ReplicaSet', 'web-1', 'rs1', 'MODIFIED', 4, rs('rs1', 'd', 2, 2), 'status.readyReplicas ∅→2'),
    rev('ReplicaSet', 'web-1', 'rs1', 'MODIFIED', 4.5, rs('rs1', 'd', 2, 2)), // status churn, same state: no new segment
    rev('ReplicaSet', 'web-2', 'rs2', 'ADDED', 10, rs('rs2', 'd', 2, 0)),
    rev('Pod', 'web-2-a', 'p2', 'ADDED', 11, pod('p2', 'rs2', 'Running', true, 'n2')),
    rev('ReplicaSet', 'web-1', 'rs1', 'MODIFIED', 12, rs('rs1', 'd', 0, 0), 'spec.replicas 2→0'),
    rev('Pod', 'web-1-a', 'p1', 'DELETED', 13, pod('p1', 'rs1', 'Running', true, 'n1')),
    { ...rev('Pod', 'web-2-b', 'p3', 'ADDED', 14), compacted: true },
  ];

  const lanes = buildLanes([...revs].reverse().concat(revs.slice(0, 2))); // any order, duplicates dropped
  const lane = (uid: string) => lanes.find((l) => l.uid === uid)!;

  it('one lane per object, keyed by uid', () => {
    assert.deepEqual(lanes.map((l) => l.key).sort(), ['d', 'p1', 'p2', 'p3', 'rs1', 'rs2']);
    assert.deepEqual(lane('rs1').ownerUids, ['d']);
  });

  it('segments change with the state; a repeat of the same state extends it', () => {
    const s = lane('rs1').segments.map((x) => [x.state, x.label, (x.from - T0) / 1000, x.to === undefined ? null : (x.to - T0) / 1000]);
    assert.deepEqual(s, [
      ['Unready', '0/2', 1, 4],
      ['Ready', '2/2', 4, 12],
      ['ScaledDown', '0/0', 12, null],
    ]);
    assert.equal(lane('rs1').points.length, 4);
    assert.equal(lane('rs1').points[3]!.summary, 'spec.replicas 2→0');
  });

  it('a deletion closes the lane', () => {
    const p = lane('p1');
    assert.equal(p.deleted, T0 + 13_000);
    assert.deepEqual(p.segments.map((x) => [x.state, x.to! - T0]), [['Pending', 3000], ['Ready', 13_000]]);
    assert.equal(p.points[2]!.summary, 'deleted');
  });

  it('a compacted revision marks a point without a known state', () => {
    assert.equal(lane('p3').points[0]!.summary, '(compacted)');
    assert.equal(lane('p3').segments[0]!.state, 'Unknown');
  });

  it('rows: grouped by kind, each kind in owner-tree order', () => {
    const rows = orderRows(lanes).map((r) => (r.type === 'header' ? `# ${r.kind} ${r.count}` : `${r.lane.name}@${r.depth}`));
    assert.deepEqual(rows, ['# Deployment 1', 'web@0', '# ReplicaSet 2', 'web-1@1', 'web-2@1', '# Pod 3', 'web-1-a@2', 'web-2-a@2', 'web-2-b@0']);
  });

  it('extent, visible segments, the point or segment under a click', () => {
    const now = T0 + 20_000;
    assert.deepEqual(extentOf(lanes, now), { start: T0, end: now });
    assert.deepEqual(extentOf([], now), { start: now - 3_600_000, end: now });
    assert.deepEqual(visibleSegments(lane('rs1'), T0 + 5000, T0 + 6000).map((s) => s.label), ['2/2']);
    assert.deepEqual(visibleSegments(lane('rs1'), T0 + 15_000, T0 + 16_000).map((s) => s.label), ['0/0']);
    assert.equal(pointNear(lane('rs1'), T0 + 4_400, 300)?.sequence, lane('rs1').points[2]!.sequence);
    assert.equal(pointNear(lane('rs1'), T0 + 7_000, 300), undefined);
    assert.equal(segmentAt(lane('rs1'), T0 + 7_000)?.label, '2/2');
    assert.equal(segmentAt(lane('p1'), T0 + 15_000), undefined);
  });
});

describe('virtualized rows', () => {
  const cases: [string, [number, number, number, number, number], { first: number; last: number }][] = [
    ['top of a long list', [0, 100, 10, 5000, 2], { first: 0, last: 12 }],
    ['scrolled into the middle', [2000, 100, 10, 5000, 2], { first: 198, last: 212 }],
    ['part rows at both edges', [2005, 100, 10, 5000, 0], { first: 200, last: 211 }],
    ['at the end', [49_900, 100, 10, 5000, 2], { first: 4988, last: 5000 }],
    ['fewer rows than fit', [0, 1000, 10, 3, 2], { first: 0, last: 3 }],
    ['empty', [0, 100, 10, 0, 2], { first: 0, last: 0 }],
  ];
  for (const [name, args, want] of cases) it(name, () => assert.deepEqual(rowWindow(...args), want));
});

describe('time scale', () => {
  const s: TimeScale = { start: T0, end: T0 + 60_000, width: 600 };
  it('time ↔ pixel', () => {
    assert.equal(xOf(s, T0 + 30_000), 300);
    assert.equal(tOf(s, 150), T0 + 15_000);
  });
  it('zoom keeps the time under the cursor in place', () => {
    const z = zoomAt(s, 150, 0.5);
    assert.equal(z.end - z.start, 30_000);
    assert.equal(tOf(z, 150), T0 + 15_000);
    const tiny = zoomAt(s, 0, 1e-9);
    assert.equal(tiny.end - tiny.start, MIN_SPAN_MS);
  });
  it('wheel: down zooms out, up zooms in', () => {
    assert.ok(wheelFactor(100) > 1);
    assert.ok(wheelFactor(-100) < 1);
    assert.equal(wheelFactor(0), 1);
  });
  it('pan: dragging right shows earlier times', () => {
    const p = panBy(s, 100);
    assert.equal(p.start, T0 - 10_000);
    assert.equal(p.end - p.start, 60_000);
  });
  it('fit pads both ends', () => {
    const f = fit(T0, T0 + 100_000, 800, 0.1);
    assert.deepEqual([f.start, f.end], [T0 - 10_000, T0 + 110_000]);
  });
  it('ticks at round steps', () => {
    const t = ticks(s, 90);
    assert.deepEqual(t.map((x) => x.label), ['18:00:00', '18:00:10', '18:00:20', '18:00:30', '18:00:40', '18:00:50', '18:01:00']);
    assert.deepEqual(ticks({ start: T0, end: T0 + 3_600_000, width: 600 }).map((x) => x.label), ['18:00', '18:10', '18:20', '18:30', '18:40', '18:50', '19:00']);
  });
});

describe('topology', () => {
  const o = (name: string, uid: string, extra: { metadata?: object; [k: string]: unknown } = {}): TopoObject => ({ ...extra, metadata: { ...extra.metadata, name, uid } });
  const input = {
    deployments: [o('web', 'd', { spec: { replicas: 2 }, status: { readyReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] } })],
    replicasets: [o('web-1', 'rs1', { metadata: owned('d'), spec: { replicas: 2 }, status: { readyReplicas: 2 } }), o('other', 'rs9', { spec: { replicas: 0 } })],
    pods: [
      o('web-1-b', 'p2', pod('p2', 'rs1', 'Running', true, 'n2')),
      o('web-1-a', 'p1', pod('p1', 'rs1', 'Running', true, 'n1')),
      o('lonely', 'p3', { status: { phase: 'Pending' } }),
    ],
    services: [o('web', 's', { spec: { clusterIP: '10.0.0.9' } })],
    endpoints: [o('web', 'e', { subsets: [{ addresses: [{ ip: '1', targetRef: { kind: 'Pod', name: 'web-1-a', uid: 'p1' } }], notReadyAddresses: [{ ip: '2', targetRef: { kind: 'Pod', name: 'web-1-b' } }] }] })],
    nodes: [o('n1', 'n1', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }), o('n2', 'n2', {})],
  };
  const g = buildGraph(input);
  it('edges: owners, nodes, service → endpoints → pods', () => {
    const e = g.edges.map((x) => `${x.from}>${x.to}${x.dashed ? ' (not ready)' : ''}`).sort();
    assert.deepEqual(e, [
      'Deployment/web>ReplicaSet/web-1',
      'Endpoints/web>Pod/web-1-a',
      'Endpoints/web>Pod/web-1-b (not ready)',
      'Pod/web-1-a>Node/n1',
      'Pod/web-1-b>Node/n2',
      'ReplicaSet/web-1>Pod/web-1-a',
      'ReplicaSet/web-1>Pod/web-1-b',
      'Service/web>Endpoints/web',
    ]);
  });
  it('vertices carry their state', () => {
    const v = (id: string) => g.vertices.find((x) => x.id === id)!;
    assert.equal(v('ReplicaSet/web-1').label, '2/2');
    assert.equal(v('Node/n1').label, 'Ready');
    assert.equal(v('Node/n2').label, 'NotReady');
    assert.equal(v('Endpoints/web').label, '1 ready');
  });
  it('layout: columns by layer, each vertex near its sources', () => {
    const l = layout(g, { colWidth: 100, rowHeight: 10, margin: 0 });
    const pos = new Map(l.vertices.map((v) => [v.id, [v.x, v.y]]));
    assert.deepEqual(pos.get('Deployment/web'), [0, 0]);
    assert.deepEqual(pos.get('Service/web'), [0, 10]);
    assert.deepEqual(pos.get('ReplicaSet/web-1'), [100, 0]);
    assert.deepEqual(pos.get('Endpoints/web'), [100, 10]);
    assert.deepEqual(pos.get('ReplicaSet/other'), [100, 20]);
    assert.deepEqual(pos.get('Pod/web-1-a'), [200, 0]);
    assert.deepEqual(pos.get('Pod/web-1-b'), [200, 10]);
    assert.deepEqual(pos.get('Pod/lonely'), [200, 20]);
    assert.deepEqual(pos.get('Node/n1'), [300, 0]);
    assert.deepEqual([l.width, l.height], [400, 30]);
  });
});
