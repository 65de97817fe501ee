/**
 * bench:ingress — HTTP keep-alive load (autocannon) straight at a target server, through the
 * ingress controller's data plane (IngressServer: @fastify/reply-from, with a routing table of one
 * Ingress whose rule sends `web.bench.test/` to that server), and through the peer baseline, the
 * hand-written undici forwarder the ingress had before (bench/ingress-hand, same routing table):
 * requests/s and p50 / p99 latency of the three in the same run, rounds alternating after a
 * warm-up, medians over rounds.
 *
 * Target and both proxies each run in their own child process (this file with a role argument),
 * so none shares an event loop with the load generator. Access logs are off unless
 * BENCH_ACCESS_LOG=1 (then they go to the proxy children's stdout, which is discarded).
 *
 * The figures: requests/s, latency and the CPU time each process spent per request (target,
 * proxy, load generator), medians; the ratios both of the medians and round by round.
 *
 * Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3), BENCH_WARMUP (2 s);
 * BENCH_CPU_PROF=<dir>: the ingress child runs with --cpu-prof and writes its profile there.
 */
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import pino from 'pino';
import type { Logger } from '../shared/log.js';
import { IngressServer } from '../services/ingress/server.js';
import { HandForwarder } from './ingress-hand/server.js';
import { buildRouteTable, CONTROLLER_NAME } from '../services/ingress/routes.js';
import type { Ingress, IngressClass } from '../shared/resources/ingress.js';
import type { Endpoints, Service } from '../shared/resources/types.js';
import { median, printTable } from './report.js';
import { announce, child, CONNECTIONS, loadAutocannon, ROUNDS, runLoadCpu, runTarget, SECONDS, stopChild, WARMUP, type CpuRun } from './http-load.js';

const HOST = 'web.bench.test';
const SELF = fileURLToPath(import.meta.url);

async function runIngress(backendPort: number, hand: boolean): Promise<void> {
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
  const opts = { log, registry: new Registry(), http: { host: '127.0.0.1', port: 0 } };
  const server = hand ? new HandForwarder(opts.http) : new IngressServer(opts);
  await server.listen();
  server.setTable(buildRouteTable({ ingresses: [ing], classes: [cls], service: () => svc, endpoints: () => ep, secret: () => undefined }));
  announce({ port: server.addresses().http!.port });
}

type Run = CpuRun;
const KINDS = ['direct', 'hand', 'ingress'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = { direct: 'direct', hand: 'hand forwarder', ingress: 'reply-from' };

async function main(): Promise<void> {
  const target = await child(SELF, ['target'], false);
  const ingress = await child(SELF, ['ingress', String(target.msg.port)]);
  const hand = await child(SELF, ['hand', String(target.msg.port)]);
  const urls: Record<Kind, string> = {
    direct: `http://127.0.0.1:${target.msg.port as number}/`,
    hand: `http://127.0.0.1:${hand.msg.port as number}/`,
    ingress: `http://127.0.0.1:${ingress.msg.port as number}/`,
  };
  const autocannon = await loadAutocannon();
  /** Load at the url with the Ingress rule's host; CPU per request of [target, reply-from ingress, hand forwarder] and of the load generator. */
  const load = (url: string, seconds: number): Promise<Run> => runLoadCpu(autocannon, url, seconds, [target.proc, ingress.proc, hand.proc], { host: HOST });
  /** The CPU per request of the process that served a kind's load (the proxy's; direct: the target's). */
  const proxyCpu = (kind: Kind) => (kind === 'direct' ? 0 : kind === 'ingress' ? 1 : 2);
  try {
    for (const kind of KINDS) await load(urls[kind], WARMUP);
    const runs: Record<Kind, Run[]> = { direct: [], hand: [], ingress: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const kind of KINDS) {
        const r = await load(urls[kind], SECONDS);
        runs[kind].push(r);
        const p = proxyCpu(kind);
        const cpu = `cpu/req target ${r.cpuUs[0]!.toFixed(1)} µs${p ? `, proxy ${r.cpuUs[p]!.toFixed(1)} µs (${r.sysUs[p]!.toFixed(1)} sys)` : ''}, load generator ${r.loadCpuUs.toFixed(1)} µs`;
        console.log(`  round ${i + 1} ${LABEL[kind].padEnd(14)} ${Math.round(r.rps)} req/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   ${cpu}${r.failures ? `   ${r.failures} failures` : ''}`);
      }
    }
    const med = (kind: Kind, f: (r: Run) => number) => median(runs[kind].map(f));
    const fig = (kind: Kind) => ({ rps: med(kind, (r) => r.rps), p50: med(kind, (r) => r.p50), p99: med(kind, (r) => r.p99), cpu: med(kind, (r) => r.cpuUs[proxyCpu(kind)]!), sys: med(kind, (r) => r.sysUs[proxyCpu(kind)]!) });
    const d = fig('direct');
    const h = fig('hand');
    const g = fig('ingress');
    // Each proxy round against the round just before it (the same moment of a shared machine's load).
    const byRound = (kind: Kind, base: Kind) => (100 * median(runs[kind].map((r, i) => r.rps / runs[base][i]!.rps))).toFixed(1);
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
    printTable(`bench:ingress — ${CONNECTIONS} keep-alive connections, ${SECONDS} s x ${ROUNDS} rounds (medians)`, [
      ['measure', 'direct', 'hand forwarder (peer)', 'ingress (reply-from)', ''],
      ['requests/s', d.rps.toFixed(0), h.rps.toFixed(0), g.rps.toFixed(0), `ingress ${pct(g.rps, d.rps)} of direct (target ≥ 60%: ${g.rps / d.rps >= 0.6 ? 'met' : 'NOT met'}), ${(g.rps / h.rps).toFixed(2)}× the hand forwarder`],
      ['  of direct', '', pct(h.rps, d.rps), pct(g.rps, d.rps), `round by round: hand ${byRound('hand', 'direct')}%, ingress ${byRound('ingress', 'direct')}%; ingress/hand ${byRound('ingress', 'hand')}%`],
      ['latency p50', `${d.p50.toFixed(3)} ms`, `${h.p50.toFixed(3)} ms`, `${g.p50.toFixed(3)} ms`, `added: hand ${(h.p50 - d.p50).toFixed(3)} ms, ingress ${(g.p50 - d.p50).toFixed(3)} ms`],
      ['latency p99', `${d.p99.toFixed(3)} ms`, `${h.p99.toFixed(3)} ms`, `${g.p99.toFixed(3)} ms`, ''],
      ['CPU per request', `target ${d.cpu.toFixed(1)} µs`, `${h.cpu.toFixed(1)} µs (${h.sys.toFixed(1)} sys)`, `${g.cpu.toFixed(1)} µs (${g.sys.toFixed(1)} sys)`, `load generator ${med('direct', (r) => r.loadCpuUs).toFixed(1)} µs`],
    ]);
  } finally {
    await Promise.all([stopChild(ingress.proc), stopChild(hand.proc), stopChild(target.proc)]);
  }
}

const [role, ...args] = process.argv.slice(2);
if (role === 'target') await runTarget();
else if (role === 'ingress' || role === 'hand') await runIngress(Number(args[0]), role === 'hand');
else {
  await main();
  process.exit(0);
}
