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
 * The figures: requests/s, latency and the CPU time each process spent per request (target,
 * ingress, load generator), medians; the ratio both of the medians and round by round.
 *
 * Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3), BENCH_WARMUP (2 s);
 * BENCH_CPU_PROF=<dir>: the ingress child runs with --cpu-prof and writes its profile there.
 */
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import pino from 'pino';
import type { Logger } from '../shared/log.js';
import { IngressServer } from '../services/ingress/server.js';
import { buildRouteTable, CONTROLLER_NAME } from '../services/ingress/routes.js';
import type { Ingress, IngressClass } from '../shared/resources/ingress.js';
import type { Endpoints, Service } from '../shared/resources/types.js';
import { median, printTable } from './report.js';
import { announce, child, CONNECTIONS, loadAutocannon, ROUNDS, runLoadCpu, runTarget, SECONDS, stopChild, WARMUP, type CpuRun } from './http-load.js';

const HOST = 'web.bench.test';
const SELF = fileURLToPath(import.meta.url);

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

type Run = CpuRun;

async function main(): Promise<void> {
  const target = await child(SELF, ['target'], false);
  const ingress = await child(SELF, ['ingress', String(target.msg.port)]);
  const urls = { direct: `http://127.0.0.1:${target.msg.port as number}/`, ingress: `http://127.0.0.1:${ingress.msg.port as number}/` };
  const autocannon = await loadAutocannon();
  /** Load at the url with the Ingress rule's host; CPU per request of [target, ingress] and of the load generator. */
  const load = (url: string, seconds: number): Promise<Run> => runLoadCpu(autocannon, url, seconds, [target.proc, ingress.proc], { host: HOST });
  try {
    for (const kind of ['direct', 'ingress'] as const) await load(urls[kind], WARMUP);
    const runs: Record<'direct' | 'ingress', Run[]> = { direct: [], ingress: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const kind of ['direct', 'ingress'] as const) {
        const r = await load(urls[kind], SECONDS);
        runs[kind].push(r);
        const cpu = `cpu/req target ${r.cpuUs[0]!.toFixed(1)} µs, ingress ${r.cpuUs[1]!.toFixed(1)} µs (${r.sysUs[1]!.toFixed(1)} sys), load generator ${r.loadCpuUs.toFixed(1)} µs`;
        console.log(`  round ${i + 1} ${kind.padEnd(7)} ${Math.round(r.rps)} req/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   ${cpu}${r.failures ? `   ${r.failures} failures` : ''}`);
      }
    }
    const med = (kind: keyof typeof runs, f: (r: Run) => number) => median(runs[kind].map(f));
    const d = { rps: med('direct', (r) => r.rps), p50: med('direct', (r) => r.p50), p99: med('direct', (r) => r.p99) };
    const g = { rps: med('ingress', (r) => r.rps), p50: med('ingress', (r) => r.p50), p99: med('ingress', (r) => r.p99) };
    printTable(`bench:ingress — ${CONNECTIONS} keep-alive connections, ${SECONDS} s x ${ROUNDS} rounds (medians)`, [
      ['measure', 'direct', 'through the ingress', ''],
      ['requests/s', d.rps.toFixed(0), g.rps.toFixed(0), `ratio ${((100 * g.rps) / d.rps).toFixed(1)}%; target ≥ 60%: ${g.rps / d.rps >= 0.6 ? 'met' : 'NOT met'}`],
      // Each ingress round against the direct round just before it (the same moment of a shared machine's load).
      ['  round by round', '', '', `ratio ${(100 * median(runs.ingress.map((r, i) => r.rps / runs.direct[i]!.rps))).toFixed(1)}% (median)`],
      ['latency p50', `${d.p50.toFixed(3)} ms`, `${g.p50.toFixed(3)} ms`, `added ${(g.p50 - d.p50).toFixed(3)} ms`],
      ['latency p99', `${d.p99.toFixed(3)} ms`, `${g.p99.toFixed(3)} ms`, `added ${(g.p99 - d.p99).toFixed(3)} ms`],
      ['CPU per request', `target ${med('direct', (r) => r.cpuUs[0]!).toFixed(1)} µs`, `ingress ${med('ingress', (r) => r.cpuUs[1]!).toFixed(1)} µs (${med('ingress', (r) => r.sysUs[1]!).toFixed(1)} sys)`, `load generator ${med('direct', (r) => r.loadCpuUs).toFixed(1)} µs`],
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
