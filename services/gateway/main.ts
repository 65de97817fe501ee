#!/usr/bin/env node
import { loadConfig } from '../../shared/config.js';
import { runUntilSignal } from '../../shared/run.js';
import { startGateway } from './index.js';
import { applySecurityMode } from '../../shared/auth/authn/index.js';

// Secure unless JETKUBE_AUTH=off, as `jetkube gateway` (which also takes --insecure).
applySecurityMode({});

await runUntilSignal('gateway', (cfg) => startGateway(cfg), loadConfig());
