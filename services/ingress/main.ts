#!/usr/bin/env node
/** `node dist/services/ingress/main.js`: the ingress controller with /healthz, /readyz and /metrics. */
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { createLogger } from '../../shared/log.js';
import { clusterCAAtStart } from '../../shared/pki/index.js';
import { ingressOptionsFromEnv, startIngress } from './index.js';

await runUntilSignal(
  'ingress',
  async (c) => {
    const log = createLogger('ingress', c.logLevel);
    return startIngress(c, log, { port: ingressOptionsFromEnv().port, clusterCA: await clusterCAAtStart(c.prefix, log) });
  },
  loadConfig(),
);
