/**
 * bench:ingress — HTTP keep-alive load (autocannon) straight at a target server, then through the
 * ingress controller's data plane (IngressServer with a routing table of one Ingress whose rule
 * sends `web.bench.test/` to that server): requests/s and p50 / p99 latency of both in the same
 * run, rounds alternating after a warm-up, medians over rounds.
 *
 * Target and ingress each run in their own child process (this file with a role argument), so
 * neither shares an event loop with the load generator. Access logs are off unless
 * BENCH_ACCESS_LOG=1 (then they go to the ingress child's stdout, which is discarded).
 *
 * Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3), BENCH_WARMUP (2 s);
 * BENCH_CPU_PROF=<dir>: the ingress child runs with --cpu-prof and writes its profile there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import pino from 'pino';
import type { Logger } from '../shared/log.js';
import { IngressServer } from '../services/ingress/server.js';
import { buildRouteTable, CONTROLLER_NAME } from '../services/ingress/routes.js';
import type { Ingress, IngressClass } from '../shared/resources/ingress.js';
import type { Endpoints, Service } from '../shared/resources/types.js';
import { median, percentile, printTable } from './report.js';

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const WARMUP = Number(process.env.BENCH_WARMUP || 2);
const BODY = 'hello from the bench target\n';
const HOST = 'web.bench.test';

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  opts: { url: string; connections: number; duration: number; headers?: Record<string, string> },
  cb: (err: Error | null, r: AutocannonResult) => void,
) => AutocannonInstance;

async function loadAutocannon(): Promise<Autocannon> {
  // @ts-ignore (no declaration file for 'autocannon'; the part used here is typed above)
  const mod = (await import('autocannon')) as { default: Autocannon };
  return mod.default;
}

function announce(msg: object): void {
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  console.log(JSON.stringify(msg));
}

async function runTarget(): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  announce({ port: (server.address() as { port: number }).port });
}

async function runIngress(backendPort: number): Promise<void> {
  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: 'bench', name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { ingressClassName: 'jetkube', rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'target', port: { number: 80 } } } }] } }] },
  };
  const cls: IngressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'jetkube' }, spec: { controller: CONTROLLER_NAME } };
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name: 'target' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } as Service;
  const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'bench', name: 'target' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }] }] };
  // Access lines go to stdout after the announcement; the parent reads only the first line.
  const log = pino({ level: process.env.BENCH_ACCESS_LOG === '1' ? 'info' : 'warn' }) as unknown as Logger;
  const server = new IngressServer({ log, registry: new Registry(), http: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  server.setTable(buildRouteTable({ ingresses: [ing], classes: [cls], service: () => svc, endpoints: () => ep, secret: () => undefined }));
  announce({ port: server.addresses().http!.port });
}

function child(...args: string[]): Promise<{ proc: ChildProcess; msg: Record<string, unknown> }> {
  const prof = process.env.BENCH_CPU_PROF && args[0] === 'ingress' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const proc = spawn(process.execPath, [...prof, fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)));
    const lines = createInterface({ input: proc.stdout! });
    lines.once('line', (line) => {
      proc.stdout!.resume(); // later lines (access logs) are drained, not read
      resolve({ proc, msg: JSON.parse(line) as Record<string, unknown> });
    });
  });
}

function stopChild(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

async function load(autocannon: Autocannon, url: string, seconds: number): Promise<Run> {
  const lat: number[] = [];
  const r = await new Promise<AutocannonResult>((resolve, reject) => {
    const inst = autocannon({ url, connections: CONNECTIONS, duration: seconds, headers: { host: HOST } }, (err, res) => (err ? reject(err) : resolve(res)));
    inst.on('response', (_c, _status, _bytes, ms) => lat.push(ms));
  });
  lat.sort((a, b) => a - b);
  return { rps: r.requests.average, p50: percentile(lat, 50), p99: percentile(lat, 99), failures: r.errors + r.timeouts + r.non2xx };
}

async function main(): Promise<void> {
  const target = await child('target');
  const ingress = await child('ingress', String(target.msg.port));
  const urls = { direct: `http://127.0.0.1:${target.msg.port as number}/`, ingress: `http://127.0.0.1:${ingress.msg.port as number}/` };
  const autocannon = await loadAutocannon();
  try {
    for (const kind of ['direct', 'ingress'] as const) await load(autocannon, urls[kind], WARMUP);
    const runs: Record<'direct' | 'ingress', Run[]> = { direct: [], ingress: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const kind of ['direct', 'ingress'] as const) {
        const r = await load(autocannon, urls[kind], SECONDS);
        runs[kind].push(r);
        console.log(`  round ${i + 1} ${kind.padEnd(7)} ${Math.round(r.rps)} req/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms${r.failures ? `   ${r.failures} failures` : ''}`);
      }
    }
    const med = (kind: keyof typeof runs, f: (r: Run) => number) => median(runs[kind].map(f));
    const d = { rps: med('direct', (r) => r.rps), p50: med('direct', (r) => r.p50), p99: med('direct', (r) => r.p99) };
    const g = { rps: med('ingress', (r) => r.rps), p50: med('ingress', (r) => r.p50), p99: med('ingress', (r) => r.p99) };
    printTable(`bench:ingress — ${CONNECTIONS} keep-alive connections, ${SECONDS} s x ${ROUNDS} rounds (medians)`, [
      ['measure', 'direct', 'through the ingress', ''],
      ['requests/s', d.rps.toFixed(0), g.rps.toFixed(0), `ratio ${((100 * g.rps) / d.rps).toFixed(1)}%`],
      ['latency p50', `${d.p50.toFixed(3)} ms`, `${g.p50.toFixed(3)} ms`, `added ${(g.p50 - d.p50).toFixed(3)} ms`],
      ['latency p99', `${d.p99.toFixed(3)} ms`, `${g.p99.toFixed(3)} ms`, `added ${(g.p99 - d.p99).toFixed(3)} ms`],
    ]);
  } finally {
    await Promise.all([stopChild(ingress.proc), stopChild(target.proc)]);
  }
}

const [role, ...args] = process.argv.slice(2);
if (role === 'target') await runTarget();
else if (role === 'ingress') await runIngress(Number(args[0]));
else {
  await main();
  process.exit(0);
}
