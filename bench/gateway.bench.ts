/**
 * bench:gateway — creates/s and latency through the gateway with 32 concurrent clients, next to the
 * raw baseline measured in the same run: JetStream publishes with expected-last-subject-sequence 0
 * (exactly the write a create makes), 32 in flight, from this process.
 *
 * The gateway runs as its own process (`jetkube gateway`), as in production; the load generator is
 * undici with one connection per client. Env: BENCH_SECONDS (default 10), BENCH_CLIENTS (32).
 * The gateway's CPU time (user + system, from /proc) over each round, per create, is printed too:
 * unlike the rates, it hardly depends on what else the machine is running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { EventLog } from '../shared/eventlog/index.js';
import { loadConfig } from '../shared/config.js';
import { dropPrefix, uniquePrefix } from '../test/harness.js';
import { median, percentile, printTable } from './report.js';

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS || 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);

const cfg = loadConfig({ ...process.env, JETKUBE_PREFIX: uniquePrefix('benchgw'), PORT: String(18000 + Math.floor(Math.random() * 2000)) });

async function timed(seconds: number, clients: number, op: (client: number, i: number) => Promise<void>): Promise<{ ops: number; perSec: number; lat: number[] }> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let ops = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        await op(c, i);
        lat.push(performance.now() - t0);
        ops++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { ops, perSec: ops / elapsed, lat: lat.sort((a, b) => a - b) };
}

const body = (name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench', tier: 'web' } },
    data: { 'config.yaml': 'listen: 8080\nworkers: 4\n', mode: 'bench' },
  });

async function rawBaseline(log: EventLog, round: number) {
  const enc = new TextEncoder();
  return timed(SECONDS, CLIENTS, async (c, i) => {
    const name = `raw-${round}-${c}-${i}`;
    await log.publishCas(log.subjectFor('configmaps', 'rawbench', name), enc.encode(body(name)), 0);
  });
}

async function gatewayRun(pool: Pool, round: number) {
  return timed(SECONDS, CLIENTS, async (c, i) => {
    const name = `gw-${round}-${c}-${i}`;
    const r = await pool.request({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'content-type': 'application/json' }, body: body(name) });
    await r.body.dump();
    if (r.statusCode !== 201) throw new Error(`create ${name}: HTTP ${r.statusCode}`);
  });
}

/** A process' CPU seconds so far (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function startGatewayProcess(): Promise<ChildProcess> {
  const main = fileURLToPath(new URL('../services/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'gateway', '--insecure'], {
    env: { ...process.env, JETKUBE_PREFIX: cfg.prefix, PORT: String(cfg.port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${cfg.port}/readyz`);
      if (r.ok) return child;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('gateway did not become ready');
}

const log = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject });
const gw = await startGatewayProcess();
const pool = new Pool(`http://127.0.0.1:${cfg.port}`, { connections: CLIENTS, pipelining: 1 });
try {
  const raws: Awaited<ReturnType<typeof timed>>[] = [];
  const gws: Awaited<ReturnType<typeof timed>>[] = [];
  const cpuPerCreate: number[] = [];
  await gatewayRun(pool, -1).catch(() => undefined); // warm-up (JIT, connections)
  for (let r = 0; r < ROUNDS; r++) {
    raws.push(await rawBaseline(log, r));
    const cpu0 = cpuSeconds(gw.pid);
    const g = await gatewayRun(pool, r);
    cpuPerCreate.push(((cpuSeconds(gw.pid) - cpu0) * 1e6) / g.ops);
    gws.push(g);
  }
  const raw = median(raws.map((x) => x.perSec));
  const gwRate = median(gws.map((x) => x.perSec));
  const p50 = median(gws.map((x) => percentile(x.lat, 50)));
  const p99 = median(gws.map((x) => percentile(x.lat, 99)));
  const rawP50 = median(raws.map((x) => percentile(x.lat, 50)));
  const rawP99 = median(raws.map((x) => percentile(x.lat, 99)));
  printTable(`bench:gateway — ${CLIENTS} clients, ${SECONDS}s x ${ROUNDS} rounds (medians)`, [
    ['raw JetStream CAS publishes', `${raw.toFixed(0)}/s`, `p50 ${rawP50.toFixed(2)} ms`, `p99 ${rawP99.toFixed(2)} ms`],
    ['gateway creates (HTTP POST)', `${gwRate.toFixed(0)}/s`, `p50 ${p50.toFixed(2)} ms`, `p99 ${p99.toFixed(2)} ms`],
    ['gateway / raw', `${((100 * gwRate) / raw).toFixed(1)}%`, 'target ≥ 50%', `p99 target < 50 ms`],
    ['gateway CPU per create', `${median(cpuPerCreate).toFixed(0)} µs`, `rounds ${cpuPerCreate.map((x) => x.toFixed(0)).join(' / ')}`, `load ${loadavg()[0]!.toFixed(2)}`],
  ]);
} finally {
  await pool.close();
  gw.kill('SIGTERM');
  await new Promise((r) => gw.once('exit', r));
  await log.close();
  await dropPrefix(cfg);
}
