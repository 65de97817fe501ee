#!/usr/bin/env node
/**
 * `jetkube`: one binary for every service (like k3s). `jetkube up` runs them all in one process;
 * `jetkube gateway`, `jetkube projector`, `jetkube controller-manager`, `jetkube scheduler` run one; `jetkube replay` rebuilds the projections.
 */
import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { runUntilSignal } from '../../shared/run.js';
import { startGateway } from '../gateway/index.js';
import { replay, runProjector, startProjector } from '../projector/index.js';
import { schedulerPort, startScheduler } from '../scheduler/index.js';
import { controllerManagerPort, startControllerManager } from '../controller-manager/manager.js';

type Service = (cfg: Config) => Promise<{ close(): Promise<void> }>;

/** Every service `up` knows how to run, in start order. Inside `up` they share the gateway's port for health. */
const SERVICES: Record<string, Service> = {
  projector: (cfg) => startProjector(cfg, createLogger('projector', cfg.logLevel)),
  gateway: (cfg) => startGateway(cfg),
  'controller-manager': (cfg) => startControllerManager(cfg, createLogger('controller-manager', cfg.logLevel)),
  scheduler: (cfg) => startScheduler(cfg, createLogger('scheduler', cfg.logLevel)),
};

/** Run alone, a service serves its own /healthz, /readyz and /metrics. */
const STANDALONE: Record<string, Service> = {
  ...SERVICES,
  projector: (cfg) => runProjector(cfg, createLogger('projector', cfg.logLevel)),
  'controller-manager': (cfg) =>
    startControllerManager(cfg, createLogger('controller-manager', cfg.logLevel), { port: controllerManagerPort() }),
  scheduler: (cfg) => startScheduler(cfg, createLogger('scheduler', cfg.logLevel), { port: schedulerPort() }),
};

const program = new Command()
  .name('jetkube')
  .description('An event-sourced Kubernetes-style orchestrator: NATS JetStream is the log, Postgres holds the projections.')
  .version('0.1.0');

program
  .command('up')
  .description('run every service in one process')
  .addOption(new Option('--services <list>', 'comma-separated subset to run').default(Object.keys(SERVICES).join(',')))
  .action(async (opts: { services: string }) => {
    const wanted = opts.services.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((s) => !SERVICES[s]);
    if (unknown.length) program.error(`unknown service(s): ${unknown.join(', ')}; known: ${Object.keys(SERVICES).join(', ')}`);
    await runUntilSignal('jetkube', async (cfg) => {
      const started: { close(): Promise<void> }[] = [];
      for (const name of Object.keys(SERVICES).filter((s) => wanted.includes(s))) started.push(await SERVICES[name]!(cfg));
      return { close: async () => void (await Promise.allSettled(started.reverse().map((s) => s.close()))) };
    }, loadConfig());
  });

for (const name of Object.keys(SERVICES)) {
  program
    .command(name)
    .description(`run the ${name} alone`)
    .action(async () => runUntilSignal(name, STANDALONE[name]!, loadConfig()));
}

program
  .command('replay')
  .description('rebuild the projections from the event log (all of it, or up to a sequence or time into asof_<seq>)')
  .option('--to-seq <n>', 'build the cluster as it was at this sequence into schema <prefix>_asof_<n>')
  .option('--to-time <iso>', 'build the cluster as it was at this time')
  .action(async (opts: { toSeq?: string; toTime?: string }) => {
    const cfg = loadConfig();
    const toSeq = opts.toSeq !== undefined ? Number(opts.toSeq) : undefined;
    if (toSeq !== undefined && (!Number.isInteger(toSeq) || toSeq < 1)) program.error('--to-seq takes a positive integer');
    const toTime = opts.toTime !== undefined ? new Date(opts.toTime) : undefined;
    if (toTime && Number.isNaN(toTime.getTime())) program.error('--to-time takes an ISO-8601 time, e.g. 2026-11-22T10:00:00Z');
    let lastPrint = 0;
    const res = await replay(cfg, {
      ...(toSeq !== undefined ? { toSeq } : {}),
      ...(toTime ? { toTime } : {}),
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastPrint < 250 && p.done < p.total) return;
        lastPrint = now;
        const pct = p.total ? Math.min(100, (100 * p.done) / p.total) : 100;
        process.stderr.write(`\rreplay: ${p.done}/${p.total} events (${pct.toFixed(1)}%), ${Math.round(p.eventsPerSec)} events/s   `);
      },
    });
    process.stderr.write('\n');
    console.log(
      `replayed ${res.events} events up to sequence ${res.lastSeq} in ${res.seconds.toFixed(2)} s into schema "${res.schema}"` +
        (res.warning ? `\nwarning: ${res.warning}` : ''),
    );
    process.exit(0);
  });

await program.parseAsync(process.argv);
