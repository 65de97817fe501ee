#!/usr/bin/env node
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { startGateway } from './index.js';

await runUntilSignal('gateway', (cfg) => startGateway(cfg), loadConfig());
