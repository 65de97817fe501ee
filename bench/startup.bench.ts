/**
 * bench:startup — a Deployment of BENCH_REPLICAS (100) on BENCH_NODES (10) kubelets, once with the
 * fake runtime and once with the process runtime: time from the Deployment's creation until every
 * pod is Ready, and pod startup latency as Kubernetes' SLI defines it (creationTimestamp → the pod
 * observed Running with all containers started, via a watch), p50 / p99.
 *
 * Raw baselines in the same run: BENCH_REPLICAS pod creates POSTed straight to the gateway, 16 in
 * flight (the API floor of the fake case), and BENCH_REPLICAS `sleep` processes spawned directly
 * (the process floor of the process case).
 *
 * The control plane (`jetkube up --nodes 0`) runs as its own process; the kubelets in this one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { startKubelets } from '../services/kubelet/index.js';
import { kubeletConfigFromEnv, kubeletConfigs, type RuntimeKind } from '../services/kubelet/config.js';
import { dropPrefix, uniquePrefix } from '../test/harness.js';
import { startJetkube, stop } from '../test/e2e/cli.js';
import { percentile, printTable } from './report.js';

const REPLICAS = Number(process.env.BENCH_REPLICAS || 100);
const NODES = Number(process.env.BENCH_NODES || 10);

async function post(base: string, path: string, body: unknown): Promise<void> {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
}

const ready = (p: any) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
const running = (p: any) =>
  p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).length > 0 && p.status.containerStatuses.every((c: any) => c.started || c.state?.running);

async function runCase(runtime: RuntimeKind): Promise<{ allReadyS: number; p50: number; p99: number }> {
  const prefix = uniquePrefix(`bst${runtime}`);
  const port = 21000 + Math.floor(Math.random() * 9000);
  const cfg = loadConfig({ ...process.env, JETKUBE_PREFIX: prefix, PORT: String(port), LOG_LEVEL: 'warn' });
  const base = `http://127.0.0.1:${port}`;
  const work = mkdtempSync(join(tmpdir(), 'jk-bench-'));
  const up = await startJetkube(['up', '--insecure', '--nodes', '0'], cfg, `${base}/readyz`);
  const log = createLogger('bench', 'warn');
  const kcfg = kubeletConfigFromEnv({ ...process.env, KUBELET_PORT: '0', KUBELET_RELIST_MS: '200', KUBELET_ROOT_DIR: join(work, 'node') }, { runtime, nodeName: `bench-${runtime}` });
  const kubelets = await startKubelets({ ...cfg, gatewayUrl: base }, kubeletConfigs(kcfg, NODES), log);
  try {
    // Watch pods from now on: first time each is seen Running (startup SLI) and Ready.
    const listed = await (await fetch(`${base}/api/v1/namespaces/default/pods`)).json() as { metadata: { resourceVersion: string } };
    const ctl = new AbortController();
    const runningAt = new Map<string, number>();
    const readyAt = new Map<string, number>();
    const created = new Map<string, number>();
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    void (async () => {
      const res = await fetch(`${base}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${listed.metadata.resourceVersion}`, { signal: ctl.signal });
      const dec = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          const p = ev.object;
          const name = p?.metadata?.name;
          if (!name || ev.type === 'DELETED') continue;
          if (!created.has(name)) created.set(name, Date.parse(p.metadata.creationTimestamp));
          const now = Date.now();
          if (running(p) && !runningAt.has(name)) runningAt.set(name, now);
          if (ready(p) && !readyAt.has(name)) readyAt.set(name, now);
          if (readyAt.size >= REPLICAS) resolveDone();
        }
      }
    })().catch(() => undefined);
    const t0 = Date.now();
    await post(base, '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'startup' },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'startup' } },
        template: { metadata: { labels: { app: 'startup' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '10m' } } }] } },
      },
    });
    await Promise.race([done, new Promise((r) => setTimeout(r, 120_000))]);
    ctl.abort();
    const allReadyS = (Math.max(...readyAt.values()) - t0) / 1000;
    // creationTimestamp has second precision: startup latency is measured from max(creation, t0).
    const lat = [...runningAt].map(([n, t]) => t - Math.max(created.get(n) ?? t0, t0)).sort((a, b) => a - b);
    if (readyAt.size < REPLICAS) console.log(`  warning: only ${readyAt.size}/${REPLICAS} pods became Ready within 120 s`);
    await fetch(`${base}/apis/apps/v1/namespaces/default/deployments/startup`, { method: 'DELETE' });
    return { allReadyS, p50: percentile(lat, 50), p99: percentile(lat, 99) };
  } finally {
    await kubelets.close();
    await stop(up);
    // Anything the process runtime still runs goes with the bench.
    spawn('pkill', ['-9', '-f', work]).on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    await dropPrefix(cfg);
    rmSync(work, { recursive: true, force: true });
  }
}

async function rawPosts(): Promise<number> {
  const prefix = uniquePrefix('bstraw');
  const port = 21000 + Math.floor(Math.random() * 9000);
  const cfg = loadConfig({ ...process.env, JETKUBE_PREFIX: prefix, PORT: String(port), LOG_LEVEL: 'warn' });
  const base = `http://127.0.0.1:${port}`;
  const up = await startJetkube(['up', '--insecure', '--services', 'projector,gateway'], cfg, `${base}/readyz`);
  try {
    // No controller-manager here to make the namespace's ServiceAccount, which pod admission asks for.
    await post(base, '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = next++; i < REPLICAS; i = next++) {
        await post(base, '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `raw-${i}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      }
    }));
    return (performance.now() - t0) / 1000;
  } finally {
    await stop(up);
    await dropPrefix(cfg);
  }
}

async function rawSpawns(): Promise<number> {
  const t0 = performance.now();
  const kids = await Promise.all(Array.from({ length: REPLICAS }, () => new Promise<ReturnType<typeof spawn>>((resolve) => {
    const c = spawn('sleep', ['3600'], { stdio: 'ignore' });
    c.once('spawn', () => resolve(c));
  })));
  const s = (performance.now() - t0) / 1000;
  for (const k of kids) k.kill('SIGKILL');
  return s;
}

const rows: string[][] = [];
const posts = await rawPosts();
const spawns = await rawSpawns();
const results: Record<string, { allReadyS: number; p50: number; p99: number }> = {};
for (const rt of ['fake', 'process'] as const) results[rt] = await runCase(rt);
rows.push(['raw: pod creates POSTed to the gateway (16 in flight)', `${posts.toFixed(2)} s`, `for ${REPLICAS} pods`]);
rows.push(['raw: sleep processes spawned directly', `${spawns.toFixed(2)} s`, `for ${REPLICAS} processes`]);
for (const [rt, r] of Object.entries(results)) {
  const target = rt === 'fake' ? 3 : 10;
  rows.push([`${rt}: Deployment created → all ${REPLICAS} Ready`, `${r.allReadyS.toFixed(2)} s`, `target < ${target} s: ${r.allReadyS < target ? 'met' : 'NOT met'}; ${(r.allReadyS / (rt === 'fake' ? posts : spawns)).toFixed(1)}x raw`]);
  rows.push([`${rt}: pod startup (creation → Running on watch) p50 / p99`, `${Math.round(r.p50)} / ${Math.round(r.p99)} ms`, `SLO p99 ≤ 5 s: ${r.p99 <= 5000 ? 'met' : 'NOT met'}`]);
}
printTable(`bench:startup — ${REPLICAS} replicas on ${NODES} nodes`, [['measure', 'value', ''], ...rows]);
process.exit(0);
