#!/usr/bin/env node
/** `node dist/services/ingress/main.js`: the ingress controller with /healthz, /readyz and /metrics. */
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { createLogger } from '../../shared/log.js';
import { ingressOptionsFromEnv, startIngress } from './index.js';

await runUntilSignal('ingress', (c) => startIngress(c, createLogger('ingress', c.logLevel), { port: ingressOptionsFromEnv().port }), loadConfig());
