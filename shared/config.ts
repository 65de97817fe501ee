/**
 * Configuration from the environment. Every variable has a default and a line in the README.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface Config {
  /** NATS server(s), comma separated. */
  readonly natsUrl: string;
  /** Postgres connection string. */
  readonly databaseUrl: string;
  /** Isolation key: stream name, subject root and Postgres schema derive from it. */
  readonly prefix: string;
  /** Gateway HTTP port. */
  readonly port: number;
  /** Gateway bind address. */
  readonly host: string;
  readonly logLevel: string;
  /** Messages kept per object subject (history depth, like etcd compaction). */
  readonly historyPerObject: number;
  /** Where controllers, the scheduler and kubelets reach the gateway (default: this host's PORT). */
  readonly gatewayUrl?: string;
  /** JETKUBE_AUTH=on: the gateway serves HTTPS and authenticates every request (shared/auth/authn). */
  readonly secure?: boolean;
  /** How this process authenticates to the gateway (secure mode): CA to trust, client certificate or token. */
  readonly gatewayCredentials?: GatewayCredentials;
}

/** What a client presents to the gateway over TLS (and the CA it trusts). */
export interface GatewayCredentials {
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly token?: string;
}

const PREFIX_RE = /^[a-z][a-z0-9_]{0,39}$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const cfg: Config = {
    natsUrl: env.NATS_URL || 'nats://127.0.0.1:4222',
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    prefix: env.JETKUBE_PREFIX || 'jetkube',
    port: intFrom(env.PORT, 8080, 'PORT'),
    host: env.HOST || '127.0.0.1',
    logLevel: env.LOG_LEVEL || 'info',
    historyPerObject: intFrom(env.JETKUBE_HISTORY, 64, 'JETKUBE_HISTORY'),
    ...(env.GATEWAY_URL ? { gatewayUrl: env.GATEWAY_URL.replace(/\/+$/, '') } : {}),
    ...(boolFromEnv(env.JETKUBE_AUTH, 'JETKUBE_AUTH', false) ? { secure: true } : {}),
    ...overrides,
  };
  if (!PREFIX_RE.test(cfg.prefix)) {
    throw new Error(`JETKUBE_PREFIX must match ${PREFIX_RE} (lower-case letters, digits, _), got "${cfg.prefix}"`);
  }
  return cfg;
}

/** An on/off variable (on, true, yes, 1 / off, false, no, 0, empty); anything else is an error naming it. */
export function boolFromEnv(v: string | undefined, name: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  const s = v.trim().toLowerCase();
  if (['1', 'on', 'true', 'yes'].includes(s)) return true;
  if (['', '0', 'off', 'false', 'no'].includes(s)) return false;
  throw new Error(`${name} must be on or off, got "${v}"`);
}

function intFrom(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
}

/** Names derived from the prefix. */
export function streamName(prefix: string): string {
  return prefix.toUpperCase();
}
export function schemaName(prefix: string): string {
  return prefix;
}

/** The gateway's base URL as the other services reach it. */
export function gatewayUrlOf(cfg: Config): string {
  if (cfg.gatewayUrl) return cfg.gatewayUrl;
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  return `${cfg.secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${cfg.port}`;
}

/** Where the cluster CA comes from (see shared/pki). */
export interface PkiConfig {
  /**
   * The cluster's data directory (the CA's ca.crt and ca.key live here): JETKUBE_DATA_DIR as given,
   * else `$XDG_DATA_HOME/jetkube/<prefix>` (an absolute XDG_DATA_HOME only), else
   * `~/.local/share/jetkube/<prefix>`: one directory per prefix, so clusters on one host keep apart.
   */
  readonly dataDir: string;
  /** CLUSTER_CA_FILE: an existing CA certificate (PEM) to publish instead of the one in dataDir. */
  readonly clusterCAFile?: string;
}

/** The admin kubeconfig `jetkube up` and `jetkube init` write in the data directory. */
export const ADMIN_KUBECONFIG = 'admin.kubeconfig';

/** Where a local cluster of `env`'s prefix keeps its admin kubeconfig (jkctl's last resort). */
export function adminKubeconfigPath(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  return join(pkiConfigFromEnv(env, env.JETKUBE_PREFIX || 'jetkube', home).dataDir, ADMIN_KUBECONFIG);
}

export function pkiConfigFromEnv(env: NodeJS.ProcessEnv, prefix: string, home: string = homedir()): PkiConfig {
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return {
    dataDir: env.JETKUBE_DATA_DIR ? resolve(env.JETKUBE_DATA_DIR) : join(xdg, 'jetkube', prefix),
    ...(env.CLUSTER_CA_FILE ? { clusterCAFile: resolve(env.CLUSTER_CA_FILE) } : {}),
  };
}
