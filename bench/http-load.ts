/**
 * What the HTTP data-plane benchmarks (bench:proxy, bench:ingress) share: the target server and the
 * data plane under test each run as a child process of the bench file (a role argument), announce
 * themselves with one JSON line on stdout, answer CPU-time questions over IPC and exit cleanly on
 * SIGTERM (so --cpu-prof is written); the parent drives keep-alive load with autocannon and keeps
 * every response time (autocannon's own histogram keeps whole milliseconds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { percentile } from './report.js';

export const SECONDS = Number(process.env.BENCH_SECONDS || 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
export const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
export const WARMUP = Number(process.env.BENCH_WARMUP || 2);
const BODY = 'hello from the bench target\n';

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void;
}
export type Autocannon = (
  opts: { url: string; connections: number; duration: number; headers?: Record<string, string> },
  cb: (err: Error | null, r: AutocannonResult) => void,
) => AutocannonInstance;

/** Loaded by the parent only: the children need none of it. autocannon 9 ships no type declarations. */
export async function loadAutocannon(): Promise<Autocannon> {
  // @ts-ignore (no declaration file for 'autocannon'; the part used here is typed above)
  const mod = (await import('autocannon')) as { default: Autocannon };
  return mod.default;
}

/** In a child: print one JSON line for the parent, answer its CPU-time questions, exit on SIGTERM. */
export function announce(msg: object): void {
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  process.on('message', () => process.send!(process.cpuUsage()));
  console.log(JSON.stringify(msg));
}

/** In a child: the keep-alive HTTP server every request is for. */
export async function runTarget(): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  announce({ port: (server.address() as { port: number }).port });
}

/**
 * Start `script` with a role and its arguments; resolves with the process and its announcement.
 * Later stdout lines (access logs) are drained, not read. `profile`: run it with --cpu-prof into
 * BENCH_CPU_PROF (when set).
 */
export function child(script: string, args: readonly string[], profile = true): Promise<{ proc: ChildProcess; msg: Record<string, unknown> }> {
  const prof = profile && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const proc = spawn(process.execPath, [...prof, script, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)));
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      proc.stdout!.resume();
      resolve({ proc, msg: JSON.parse(line) as Record<string, unknown> });
    });
  });
}

/** The child's CPU time so far (user + system), in microseconds. */
export function cpuOf(proc: ChildProcess): Promise<{ user: number; system: number }> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m as { user: number; system: number }));
    proc.send('cpu');
  });
}

export function stopChild(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

export interface LoadRun {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  /** Requests answered. */
  readonly total: number;
}

/** `seconds` of keep-alive load at `url` (CONNECTIONS connections). */
export async function runLoad(autocannon: Autocannon, url: string, seconds: number, headers?: Record<string, string>): Promise<LoadRun> {
  const lat: number[] = [];
  const r = await new Promise<AutocannonResult>((resolve, reject) => {
    const inst = autocannon({ url, connections: CONNECTIONS, duration: seconds, ...(headers ? { headers } : {}) }, (err, res) => (err ? reject(err) : resolve(res)));
    inst.on('response', (_c, _status, _bytes, ms) => lat.push(ms));
  });
  lat.sort((a, b) => a - b);
  return { rps: r.requests.average, p50: percentile(lat, 50), p99: percentile(lat, 99), failures: r.errors + r.timeouts + r.non2xx, total: r.requests.total };
}

export interface CpuRun extends LoadRun {
  /** CPU time (user + system) per request of each child process asked for, in microseconds. */
  readonly cpuUs: readonly number[];
  /** Their system (kernel) share. */
  readonly sysUs: readonly number[];
  /** The load generator's own (this process's) CPU time per request. */
  readonly loadCpuUs: number;
}

/** runLoad, and the CPU time each of `procs` and the load generator spent per request meanwhile. */
export async function runLoadCpu(autocannon: Autocannon, url: string, seconds: number, procs: readonly ChildProcess[], headers?: Record<string, string>): Promise<CpuRun> {
  const cpu0 = await Promise.all(procs.map(cpuOf));
  const self0 = process.cpuUsage();
  const r = await runLoad(autocannon, url, seconds, headers);
  const self = process.cpuUsage(self0);
  const cpu1 = await Promise.all(procs.map(cpuOf));
  const n = Math.max(1, r.total);
  return {
    ...r,
    cpuUs: procs.map((_, i) => (cpu1[i]!.user + cpu1[i]!.system - cpu0[i]!.user - cpu0[i]!.system) / n),
    sysUs: procs.map((_, i) => (cpu1[i]!.system - cpu0[i]!.system) / n),
    loadCpuUs: (self.user + self.system) / n,
  };
}
