/**
 * Leader election settings from flags and the environment, as Kubernetes' components take them:
 * `--leader-elect` (default true), `--leader-elect-lease-duration` (15s), `--leader-elect-renew-deadline`
 * (10s), `--leader-elect-retry-period` (2s); or LEADER_ELECT, LEADER_ELECT_LEASE_DURATION,
 * LEADER_ELECT_RENEW_DEADLINE, LEADER_ELECT_RETRY_PERIOD. Durations are Go-style (`15s`, `500ms`,
 * `1m`) or a bare number of seconds. A flag wins over the variable.
 */
import type { ElectionTiming } from './decide.js';

export interface LeaderElectionSettings extends ElectionTiming {
  /** Run for leadership (default true); false: lead at once, without a Lease. */
  readonly enabled: boolean;
}

export const DEFAULT_LEADER_ELECTION: LeaderElectionSettings = {
  enabled: true,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** client-go's JitterFactor: a candidate waits retryPeriod × (1 + random × 1.2) between attempts. */
export const JITTER_FACTOR = 1.2;

/** `15s`, `1.5s`, `500ms`, `1m`, `1m30s`, or a bare number of seconds → milliseconds. */
export function parseDuration(s: string, what: string): number {
  const t = s.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000;
  else {
    const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (!parts.length || parts.map((p) => p[0]).join('') !== t) throw new Error(`${what} must be a duration like 15s or 500ms, got "${s}"`);
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    ms = parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0);
  }
  if (!(ms > 0)) throw new Error(`${what} must be positive, got "${s}"`);
  return Math.round(ms);
}

function parseBool(s: string, what: string): boolean {
  const t = s.trim().toLowerCase();
  if (['true', '1', 't', 'yes'].includes(t)) return true;
  if (['false', '0', 'f', 'no'].includes(t)) return false;
  throw new Error(`${what} must be true or false, got "${s}"`);
}

type Partial_ = { -readonly [K in keyof LeaderElectionSettings]?: LeaderElectionSettings[K] };

/** Settings from LEADER_ELECT and LEADER_ELECT_{LEASE_DURATION,RENEW_DEADLINE,RETRY_PERIOD}; unset ones are left out. */
export function leaderElectionFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<LeaderElectionSettings> {
  const out: Partial_ = {};
  const v = (k: string) => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  if (v('LEADER_ELECT')) out.enabled = parseBool(v('LEADER_ELECT')!, 'LEADER_ELECT');
  if (v('LEADER_ELECT_LEASE_DURATION')) out.leaseDurationMs = parseDuration(v('LEADER_ELECT_LEASE_DURATION')!, 'LEADER_ELECT_LEASE_DURATION');
  if (v('LEADER_ELECT_RENEW_DEADLINE')) out.renewDeadlineMs = parseDuration(v('LEADER_ELECT_RENEW_DEADLINE')!, 'LEADER_ELECT_RENEW_DEADLINE');
  if (v('LEADER_ELECT_RETRY_PERIOD')) out.retryPeriodMs = parseDuration(v('LEADER_ELECT_RETRY_PERIOD')!, 'LEADER_ELECT_RETRY_PERIOD');
  return out;
}

const FLAGS: Record<string, keyof LeaderElectionSettings> = {
  '--leader-elect': 'enabled',
  '--leader-elect-lease-duration': 'leaseDurationMs',
  '--leader-elect-renew-deadline': 'renewDeadlineMs',
  '--leader-elect-retry-period': 'retryPeriodMs',
};

/**
 * Settings from command-line flags (`--leader-elect`, `--leader-elect=false`, `--leader-elect false`,
 * `--leader-elect-lease-duration=15s`, …); other arguments are ignored.
 */
export function leaderElectionFromArgs(argv: readonly string[]): Partial<LeaderElectionSettings> {
  const out: Partial_ = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const key = FLAGS[flag];
    if (!key) continue;
    let value = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (key === 'enabled') {
      if (value === undefined && /^(true|false)$/i.test(argv[i + 1] ?? '')) value = argv[++i];
      out.enabled = value === undefined ? true : parseBool(value, flag);
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a duration`);
    out[key] = parseDuration(value, flag);
  }
  return out;
}

/** Layers (later wins) over the defaults, then checks client-go's constraints. */
export function resolveLeaderElection(...layers: (Partial<LeaderElectionSettings> | undefined)[]): LeaderElectionSettings {
  const s: LeaderElectionSettings = Object.assign({}, DEFAULT_LEADER_ELECTION, ...layers.filter(Boolean));
  validateTiming(s);
  return s;
}

/** client-go's rules: leaseDuration > renewDeadline > retryPeriod × JitterFactor, all > 0. */
export function validateTiming(t: ElectionTiming): void {
  if (!(t.retryPeriodMs > 0)) throw new Error('leader election: the retry period must be positive');
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) throw new Error('leader election: the lease duration must be greater than the renew deadline');
  if (!(t.renewDeadlineMs > JITTER_FACTOR * t.retryPeriodMs)) throw new Error(`leader election: the renew deadline must be greater than the retry period × ${JITTER_FACTOR}`);
}

/** What a service (controller-manager, scheduler) takes: settings over the environment's, and the Lease's place. */
export interface LeaderElectionOptions extends Partial<LeaderElectionSettings> {
  /** Default `<hostname>_<uuid>`. */
  readonly identity?: string;
  /** Default `kube-system`. */
  readonly leaseNamespace?: string;
  /** Default the component's (`kube-controller-manager`, `kube-scheduler`). */
  readonly leaseName?: string;
  /** Candidate jitter (default 1.2, client-go's). */
  readonly jitterFactor?: number;
}

export const LEASE_NAMESPACE = 'kube-system';
