/**
 * bench:proxy — HTTP keep-alive load (autocannon) straight at a target server, then through the
 * proxier on a 127.10.x.x cluster IP with that server as its single backend: requests/s and
 * p50 / p99 latency of both, the throughput ratio and the latency the proxy adds. Targets: at
 * least 70% of direct throughput, less than 1 ms added at p50.
 *
 * Target and proxier each run in their own child process (this file, with a role argument), so the
 * proxy shares no event loop with the load generator. Rounds alternate direct and proxied after a
 * warm-up of both; figures are medians over rounds. Latency percentiles come from every response
 * time (autocannon's own histogram keeps whole milliseconds, too coarse for "added p50"). The CPU
 * time each child spends per request is reported too: it depends much less than throughput on
 * what else runs on the machine.
 *
 * Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3), BENCH_WARMUP (2 s),
 * BENCH_CPU_PROF (a directory: the children run with --cpu-prof and write their profiles there).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { createLogger } from '../shared/log.js';
import { Proxier } from '../services/proxy/proxier.js';
import { planListeners } from '../services/proxy/plan.js';
import type { Endpoints, Service } from '../shared/resources/types.js';
import { median, printTable } from './report.js';
import { announce, child, CONNECTIONS, loadAutocannon, ROUNDS, runLoadCpu, runTarget, SECONDS, stopChild, WARMUP, type Autocannon, type LoadRun } from './http-load.js';

const SELF = fileURLToPath(import.meta.url);

async function runProxy(clusterIP: string, port: number, backendPort: number): Promise<void> {
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'bench', name: 'target' },
    spec: { clusterIP, ports: [{ name: 'http', port, protocol: 'TCP' }] },
  };
  const endpoints: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { namespace: 'bench', name: 'target' },
    subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }] }],
  };
  const plan = planListeners({ services: [service], endpoints: () => endpoints, nodePortAddresses: [] });
  const proxier = new Proxier({ log: createLogger('bench-proxy', 'warn'), registry: new Registry() });
  await proxier.apply(plan.listeners);
  if (proxier.listening().length !== 1) throw new Error(`proxier did not listen on ${clusterIP}:${port}`);
  announce({ listening: proxier.listening() });
}

// ------------------------------------------------------------------ parent

/** socat listening on ip:port and relaying to the target, or undefined when it is not installed. */
function startSocat(ip: string, port: number, targetPort: number): ChildProcess | undefined {
  const has = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (has.error || has.status !== 0) return undefined;
  return spawn('socat', [`TCP-LISTEN:${port},bind=${ip},fork,reuseaddr,nodelay`, `TCP:127.0.0.1:${targetPort},nodelay`], { stdio: 'ignore' });
}

async function waitListening(host: string, port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${host}:${port}`);
}

interface Run extends LoadRun {
  /** CPU time (user + system) per request of the target and of the proxy, in microseconds. */
  readonly targetCpuUs: number;
  readonly proxyCpuUs: number;
  /** The proxy's share of it spent in the kernel (system time). */
  readonly proxySysUs: number;
}

async function load(autocannon: Autocannon, url: string, seconds: number, target: ChildProcess, proxy: ChildProcess): Promise<Run> {
  const r = await runLoadCpu(autocannon, url, seconds, [target, proxy]);
  return { ...r, targetCpuUs: r.cpuUs[0]!, proxyCpuUs: r.cpuUs[1]!, proxySysUs: r.sysUs[1]! };
}

async function main(): Promise<void> {
  const clusterIP = `127.10.${1 + Math.floor(Math.random() * 254)}.${1 + Math.floor(Math.random() * 254)}`;
  const servicePort = 8080;
  const target = await child(SELF, ['target']);
  const targetPort = target.msg.port as number;
  const proxy = await child(SELF, ['proxy', clusterIP, String(servicePort), String(targetPort)]);
  // A native userspace proxy in the same place, when the host has one: socat (C, a process per connection).
  const socatIP = clusterIP.replace(/\.\d+$/, (m) => `.${(Number(m.slice(1)) % 254) + 1}`);
  const socat = startSocat(socatIP, servicePort, targetPort);
  const urls = { direct: `http://127.0.0.1:${targetPort}/`, proxied: `http://${clusterIP}:${servicePort}/`, socat: `http://${socatIP}:${servicePort}/` };
  const kinds = socat ? (['direct', 'proxied', 'socat'] as const) : (['direct', 'proxied'] as const);
  const autocannon = await loadAutocannon();
  try {
    if (socat) await waitListening(socatIP, servicePort);
    for (const kind of kinds) await load(autocannon, urls[kind], WARMUP, target.proc, proxy.proc);
    const runs: { direct: Run[]; proxied: Run[]; socat: Run[] } = { direct: [], proxied: [], socat: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const kind of kinds) {
        const r = await load(autocannon, urls[kind], SECONDS, target.proc, proxy.proc);
        runs[kind].push(r);
        console.log(
          `  round ${i + 1} ${kind.padEnd(7)} ${Math.round(r.rps)} req/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms` +
            `   cpu/req target ${r.targetCpuUs.toFixed(1)} µs, proxy ${r.proxyCpuUs.toFixed(1)} µs (${r.proxySysUs.toFixed(1)} sys)${r.failures ? `   ${r.failures} failures` : ''}`,
        );
      }
    }
    const med = (kind: keyof typeof runs, f: (r: Run) => number) => median(runs[kind].map(f));
    const d = { rps: med('direct', (r) => r.rps), p50: med('direct', (r) => r.p50), p99: med('direct', (r) => r.p99), cpu: med('direct', (r) => r.targetCpuUs) };
    const p = { rps: med('proxied', (r) => r.rps), p50: med('proxied', (r) => r.p50), p99: med('proxied', (r) => r.p99), cpu: med('proxied', (r) => r.proxyCpuUs), sys: med('proxied', (r) => r.proxySysUs) };
    const ratio = p.rps / d.rps;
    const added = p.p50 - d.p50;
    printTable(`bench:proxy — ${CONNECTIONS} keep-alive connections, ${SECONDS} s x ${ROUNDS} rounds (medians)`, [
      ['measure', 'direct', 'proxied', ''],
      ['requests/s', d.rps.toFixed(0), p.rps.toFixed(0), `ratio ${(ratio * 100).toFixed(1)}%; target ≥ 70%: ${ratio >= 0.7 ? 'met' : 'NOT met'}`],
      ['latency p50', `${d.p50.toFixed(3)} ms`, `${p.p50.toFixed(3)} ms`, `added ${added.toFixed(3)} ms; target < 1 ms: ${added < 1 ? 'met' : 'NOT met'}`],
      ['latency p99', `${d.p99.toFixed(3)} ms`, `${p.p99.toFixed(3)} ms`, `added ${(p.p99 - d.p99).toFixed(3)} ms`],
      ['CPU per request', `target ${d.cpu.toFixed(1)} µs`, `proxy ${p.cpu.toFixed(1)} µs`, `user + system of the child processes; the proxy's system share ${p.sys.toFixed(1)} µs`],
      ...(socat
        ? [
            ['reference: socat', '', `${med('socat', (r) => r.rps).toFixed(0)} req/s`, `ratio ${((100 * med('socat', (r) => r.rps)) / d.rps).toFixed(1)}%; p50 ${med('socat', (r) => r.p50).toFixed(3)} ms, p99 ${med('socat', (r) => r.p99).toFixed(3)} ms`],
          ]
        : []),
    ]);
  } finally {
    socat?.kill('SIGTERM');
    await Promise.all([stopChild(proxy.proc), stopChild(target.proc)]);
  }
}

const [role, ...args] = process.argv.slice(2);
if (role === 'target') await runTarget();
else if (role === 'proxy') await runProxy(args[0]!, Number(args[1]), Number(args[2]));
else {
  await main();
  process.exit(0);
}
