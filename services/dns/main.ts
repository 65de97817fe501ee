#!/usr/bin/env node
/** `node dist/services/dns/main.js`: the cluster DNS with /healthz, /readyz and /metrics. */
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { createLogger } from '../../shared/log.js';
import { dnsHealthPort, dnsOptionsFromEnv, startDns } from './index.js';

await runUntilSignal('dns', (c) => startDns(c, createLogger('dns', c.logLevel), { ...dnsOptionsFromEnv(), healthPort: dnsHealthPort() }), loadConfig());
