#!/usr/bin/env node
/** `node dist/services/projector/main.js`: the projector with /healthz, /readyz and /metrics. */
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { createLogger } from '../../shared/log.js';
import { runProjector } from './run.js';

const cfg = loadConfig();
await runUntilSignal('projector', (c) => runProjector(c, createLogger('projector', c.logLevel)), cfg);
