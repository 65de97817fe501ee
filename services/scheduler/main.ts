#!/usr/bin/env node
/** `node dist/services/scheduler/main.js`: the scheduler with /healthz, /readyz and /metrics. */
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { createLogger } from '../../shared/log.js';
import { leaderElectionFromArgs } from '../../shared/leaderelection/index.js';
import { schedulerPort, startScheduler } from './index.js';

await runUntilSignal('scheduler', (c) => startScheduler(c, createLogger('scheduler', c.logLevel), {
    port: schedulerPort(),
    leaderElection: leaderElectionFromArgs(process.argv.slice(2)),
    onLeadershipLost: () => process.exit(1),
  }), loadConfig());
