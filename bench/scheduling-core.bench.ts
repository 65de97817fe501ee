/**
 * bench:scheduling-core — the pure scheduling core alone: schedule 10,000 pods onto 5,000 nodes
 * (prepare, filter, score, assume), no I/O. Prints pods/s; asserts nothing.
 *
 * Env: BENCH_NODES (default 5000), BENCH_PODS (10000), BENCH_ROUNDS (3).
 */
import type { Node, Pod } from '../shared/resources/types.js';
import { SchedulerCache, preparePod, schedulePod } from '../shared/scheduling/index.js';

const NODES = Number(process.env.BENCH_NODES || 5000);
const PODS = Number(process.env.BENCH_PODS || 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);

const ZONES = ['a', 'b', 'c'];

function makeNode(i: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `node-${i}`,
      labels: {
        'kubernetes.io/hostname': `node-${i}`,
        'topology.kubernetes.io/zone': `zone-${ZONES[i % 3]}`,
        'node.kubernetes.io/instance-type': i % 10 === 0 ? 'big' : 'standard',
        ...(i % 50 === 0 ? { gpu: 'true' } : {}),
      },
    },
    spec: {
      // 2% of nodes are tainted for GPU work, 1% prefer not to schedule.
      taints: [
        ...(i % 50 === 0 ? [{ key: 'gpu', value: 'true', effect: 'NoSchedule' as const }] : []),
        ...(i % 100 === 1 ? [{ key: 'maintenance', effect: 'PreferNoSchedule' as const }] : []),
      ],
      unschedulable: i % 500 === 7,
    },
    status: {
      capacity: { cpu: '16', memory: '64Gi', pods: '110' },
      allocatable: { cpu: '15800m', memory: '62Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: i % 1000 === 3 ? 'False' : 'True' }],
    },
  };
}

function makePod(i: number): Pod {
  const rs = i % 200; // 200 ReplicaSets of 50 pods
  const cpu = `${100 + (rs % 8) * 100}m`;
  const mem = `${128 * (1 + (rs % 6))}Mi`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${rs}-${i}`,
      namespace: 'default',
      uid: `uid-${i}`,
      labels: { app: `web-${rs}` },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${rs}`, uid: `rs-${rs}`, controller: true }],
    },
    spec: {
      containers: [
        { name: 'app', image: 'nginx', resources: { requests: { cpu, memory: mem }, limits: { memory: mem } } },
        ...(rs % 4 === 0 ? [{ name: 'sidecar', image: 'envoy', resources: { requests: { cpu: '50m', memory: '64Mi' } } }] : []),
      ],
      ...(rs % 10 === 0 ? { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-a' } } : {}),
      ...(rs % 25 === 0
        ? {
            affinity: {
              nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 50, preference: { matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In' as const, values: ['big'] }] } },
                ],
              },
            },
          }
        : {}),
      ...(rs % 100 === 0 ? { tolerations: [{ key: 'gpu', operator: 'Exists' as const, effect: 'NoSchedule' as const }] } : {}),
    },
  };
}

function round(): { podsPerSec: number; scheduled: number; unschedulable: number; ms: number; evaluated: number } {
  const cache = new SchedulerCache();
  for (let i = 0; i < NODES; i++) cache.upsertNode(makeNode(i));
  const pods = Array.from({ length: PODS }, (_, i) => makePod(i));
  let scheduled = 0;
  let unschedulable = 0;
  let evaluated = 0;
  const t0 = performance.now();
  for (const pod of pods) {
    const pp = preparePod(pod);
    const r = schedulePod(pp, cache);
    evaluated += r.evaluated;
    if (r.scheduled) {
      cache.assume(pp, r.nodeName);
      scheduled++;
    } else {
      unschedulable++;
    }
  }
  const ms = performance.now() - t0;
  return { podsPerSec: (PODS / ms) * 1000, scheduled, unschedulable, ms, evaluated: evaluated / PODS };
}

console.log(`scheduling-core: ${PODS} pods onto ${NODES} nodes, ${ROUNDS} rounds (fresh cache each)`);
for (let r = 1; r <= ROUNDS; r++) {
  const res = round();
  console.log(
    `round ${r}: ${res.podsPerSec.toFixed(0)} pods/s (${res.ms.toFixed(0)} ms, ${(res.ms / PODS).toFixed(3)} ms/pod, ` +
      `${res.evaluated.toFixed(0)} nodes evaluated/pod) scheduled=${res.scheduled} unschedulable=${res.unschedulable}`,
  );
}
