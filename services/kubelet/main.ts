#!/usr/bin/env node
/** `node dist/services/kubelet/main.js`: one kubelet configured from the environment (see config.ts). */
import { loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { runUntilSignal } from '../../shared/run.js';
import { kubeletConfigFromEnv } from './config.js';
import { startKubelets } from './index.js';

await runUntilSignal('kubelet', (c) => startKubelets(c, [kubeletConfigFromEnv()], createLogger('kubelet', c.logLevel)), loadConfig());
