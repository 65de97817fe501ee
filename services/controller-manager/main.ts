#!/usr/bin/env node
/** `node dist/services/controller-manager/main.js`: every controller, with /healthz, /readyz and /metrics. */
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { createLogger } from '../../shared/log.js';
import { leaderElectionFromArgs } from '../../shared/leaderelection/index.js';
import { clusterCAAtStart } from '../../shared/pki/index.js';
import { controllerManagerPort, startControllerManager } from './manager.js';

await runUntilSignal(
  'controller-manager',
  async (c) => startControllerManager(c, createLogger('controller-manager', c.logLevel), {
    clusterCA: (await clusterCAAtStart(c.prefix, createLogger('controller-manager', c.logLevel))).certPem,
    port: controllerManagerPort(),
    leaderElection: leaderElectionFromArgs(process.argv.slice(2)),
    onLeadershipLost: () => process.exit(1),
  }),
  loadConfig(),
);
