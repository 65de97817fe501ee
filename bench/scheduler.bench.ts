/**
 * bench:scheduler — BENCH_NODES Node objects (default 5,000) and BENCH_PODS pending pods (10,000)
 * are created through the gateway in a burst; then the scheduler starts and binds them all.
 * Prints pods bound per second (first binding to last) and p50/p99 from a pod's creation to its
 * binding being observed on the watch (the informer), as Kubernetes' pod-startup SLI is measured.
 *
 * Raw baseline in the same run: the pure scheduling core (filter, score, assume) on the same nodes
 * and pods with no I/O, i.e. the ceiling the service could reach if bindings cost nothing.
 *
 * The gateway and projector run as their own process (`jetkube up --services projector,gateway`),
 * the scheduler in this one, as in production.
 */
import { Pool } from 'undici';
import { loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import type { Node, Pod } from '../shared/resources/types.js';
import { preparePod, schedulePod, SchedulerCache } from '../shared/scheduling/index.js';
import { startScheduler } from '../services/scheduler/index.js';
import { dropPrefix, uniquePrefix } from '../test/harness.js';
import { startJetkube, stop } from '../test/e2e/cli.js';
import { median, percentile, printTable } from './report.js';

const NODES = Number(process.env.BENCH_NODES || 5000);
const PODS = Number(process.env.BENCH_PODS || 10000);
const CONCURRENCY = 64;

const cfg = loadConfig({
  ...process.env,
  JETKUBE_PREFIX: uniquePrefix('benchsched'),
  PORT: String(18000 + Math.floor(Math.random() * 2000)),
  LOG_LEVEL: 'warn',
});
const base = `http://127.0.0.1:${cfg.port}`;

function node(i: number): Node {
  const capacity = { cpu: '32', memory: '128Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, zone: `z${i % 10}` } },
    spec: {},
    status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True' }] },
  } as Node;
}

function pod(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: `app-${i % 100}` } },
    spec: { containers: [{ name: 'main', image: 'registry.local/app:1', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  } as Pod;
}

async function post(pool: Pool, path: string, objs: readonly object[]): Promise<Map<string, number>> {
  const created = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < objs.length) {
        const obj = objs[next++] as { metadata: { name: string } };
        const r = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(obj) });
        const text = await r.body.text();
        if (r.statusCode !== 201) throw new Error(`POST ${path}: ${r.statusCode} ${text}`);
        created.set(obj.metadata.name, performance.now());
      }
    }),
  );
  return created;
}

async function bindDirect(pool: Pool, pods: number, nodes: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < pods) {
        const i = next++;
        const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name: `pod-${i}` }, target: { kind: 'Node', name: `node-${i % nodes}` } };
        const r = await pool.request({
          method: 'POST',
          path: `/api/v1/namespaces/raw/pods/pod-${i}/binding`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        await r.body.text();
        if (r.statusCode !== 201) throw new Error(`binding: ${r.statusCode}`);
      }
    }),
  );
  return pods / ((performance.now() - t0) / 1000);
}

function coreOnly(nodes: readonly Node[], pods: readonly Pod[]): number {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.upsertNode(n);
  const t0 = performance.now();
  for (const p of pods) {
    const pp = preparePod({ ...p, metadata: { ...p.metadata, uid: p.metadata.name! } });
    const r = schedulePod(pp, cache);
    if (r.scheduled) cache.assume(pp, r.nodeName);
  }
  return pods.length / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const nodes = Array.from({ length: NODES }, (_, i) => node(i));
  const pods = Array.from({ length: PODS }, (_, i) => pod(i));
  const cores = [coreOnly(nodes, pods), coreOnly(nodes, pods), coreOnly(nodes, pods)];

  const up = await startJetkube(['up', '--insecure', '--services', 'projector,gateway'], cfg, `${base}/readyz`);
  const pool = new Pool(base, { connections: CONCURRENCY });
  try {
    let t = performance.now();
    await post(pool, '/api/v1/nodes', nodes);
    const nodeSecs = (performance.now() - t) / 1000;
    t = performance.now();
    const created = await post(pool, '/api/v1/namespaces/default/pods', pods);
    const podSecs = (performance.now() - t) / 1000;
    console.error(`created ${NODES} nodes in ${nodeSecs.toFixed(1)} s, ${PODS} pods in ${podSecs.toFixed(1)} s`);

    const bound = new Map<string, number>();
    let done!: () => void;
    const allBound = new Promise<void>((r) => (done = r));
    const schedStart = performance.now();
    const sched = await startScheduler({ ...cfg, gatewayUrl: base }, createLogger('scheduler', 'warn'), { scheduledEvents: process.env.BENCH_EVENTS !== '0' });
    sched.ctx.informers.informer<Pod>('pods').addEventHandler({
      onUpdate: (_o, p) => {
        if (p.spec.nodeName && !bound.has(p.metadata.name!)) {
          bound.set(p.metadata.name!, performance.now());
          if (bound.size === PODS) done();
        }
      },
    });
    await allBound;
    const end = performance.now();
    await sched.close();
    const events = sched.scheduler.eventStats();

    // Raw I/O baseline: the same number of bindings posted straight to the gateway, no scheduler.
    await post(pool, '/api/v1/namespaces', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'raw' } }]);
    await post(pool, '/api/v1/namespaces/raw/pods', pods.map((p) => ({ ...p, metadata: { ...p.metadata, namespace: 'raw' } })));
    const rawBind = await bindDirect(pool, PODS, NODES);

    const times = [...bound.values()].sort((a, b) => a - b);
    const first = times[0]!;
    const rate = PODS / ((end - first) / 1000);
    const lat = [...bound.entries()].map(([n, at]) => at - created.get(n)!).sort((a, b) => a - b);
    const sinceStart = [...bound.values()].map((at) => at - schedStart).sort((a, b) => a - b);
    const perNode = new Map<string, number>();
    const list = (await (await fetch(`${base}/api/v1/pods?limit=100000`)).json()) as { items: Pod[] };
    for (const p of list.items) perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
    printTable(`scheduler: ${PODS} pods onto ${NODES} nodes (gateway + projector in their own process)`, [
      ['measure', 'value', ''],
      ['pods bound per second (first to last binding)', rate.toFixed(0), ''],
      ['raw: scheduling core only, no I/O (median of 3)', median(cores).toFixed(0), `${(rate / median(cores)).toFixed(2)}x of raw`],
      [`raw: bindings POSTed straight to the gateway, ${CONCURRENCY} in flight`, rawBind.toFixed(0), `${(rate / rawBind).toFixed(2)}x of raw`],
      ['creation -> binding seen, p50 / p99 (ms)', `${percentile(lat, 50).toFixed(0)} / ${percentile(lat, 99).toFixed(0)}`, 'includes waiting for the scheduler to start'],
      ['scheduler start -> binding seen, p50 / p99 (ms)', `${percentile(sinceStart, 50).toFixed(0)} / ${percentile(sinceStart, 99).toFixed(0)}`, ''],
      ['Scheduled events dropped by the recorder (queue full) / failed', `${events.dropped} / ${events.failed}`, 'BENCH_EVENTS=0 turns them off'],
      ['nodes used / max pods on one node', `${perNode.size - (perNode.has('') ? 1 : 0)} / ${Math.max(...[...perNode.entries()].filter(([k]) => k).map(([, v]) => v))}`, ''],
    ]);
  } finally {
    await pool.close();
    await stop(up);
    await dropPrefix(cfg);
  }
}

await main();
process.exit(0);
