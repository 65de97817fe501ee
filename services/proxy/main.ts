#!/usr/bin/env node
/** `node dist/services/proxy/main.js`: the proxy (kube-proxy) with /healthz, /readyz and /metrics. */
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { createLogger } from '../../shared/log.js';
import { proxyOptionsFromEnv, startProxy } from './index.js';

await runUntilSignal('proxy', (c) => startProxy(c, createLogger('proxy', c.logLevel), proxyOptionsFromEnv()), loadConfig());
