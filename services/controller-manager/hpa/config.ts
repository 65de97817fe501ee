/**
 * The HPA controller's settings, Kubernetes' kube-controller-manager flags as environment
 * variables (seconds unless said): HPA_SYNC_PERIOD (--horizontal-pod-autoscaler-sync-period, 15),
 * HPA_DOWNSCALE_STABILIZATION (--horizontal-pod-autoscaler-downscale-stabilization, 300),
 * HPA_CPU_INITIALIZATION_PERIOD (300), HPA_INITIAL_READINESS_DELAY (30) and HPA_TOLERANCE (0.1).
 */
import { DEFAULT_CALCULATOR_CONFIG } from './replicas.js';
import type { HpaConfig } from './plan.js';

export interface HpaControllerConfig extends HpaConfig {
  readonly syncPeriodMs: number;
}

export const DEFAULT_HPA_CONFIG: HpaControllerConfig = {
  ...DEFAULT_CALCULATOR_CONFIG,
  downscaleStabilizationMs: 300_000,
  syncPeriodMs: 15_000,
};

/** The settings the environment sets (pure); throws on a malformed value. */
export function hpaConfigFromEnv(env: NodeJS.ProcessEnv): Partial<HpaControllerConfig> {
  const out: { -readonly [K in keyof HpaControllerConfig]?: HpaControllerConfig[K] } = {};
  const seconds = (name: string, key: 'syncPeriodMs' | 'downscaleStabilizationMs' | 'cpuInitializationPeriodMs' | 'delayOfInitialReadinessStatusMs', positive: boolean) => {
    const v = env[name];
    if (v === undefined || v === '') return;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (positive && n === 0)) throw new Error(`${name} must be a ${positive ? 'positive' : 'non-negative'} number of seconds, got "${v}"`);
    out[key] = Math.round(n * 1000);
  };
  seconds('HPA_SYNC_PERIOD', 'syncPeriodMs', true);
  seconds('HPA_DOWNSCALE_STABILIZATION', 'downscaleStabilizationMs', false);
  seconds('HPA_CPU_INITIALIZATION_PERIOD', 'cpuInitializationPeriodMs', false);
  seconds('HPA_INITIAL_READINESS_DELAY', 'delayOfInitialReadinessStatusMs', false);
  const tol = env.HPA_TOLERANCE;
  if (tol !== undefined && tol !== '') {
    const n = Number(tol);
    if (!Number.isFinite(n) || n < 0) throw new Error(`HPA_TOLERANCE must be a non-negative number, got "${tol}"`);
    out.tolerance = n;
  }
  return out;
}
