/**
 * Configuration from the environment. Every variable has a default and a line in the README.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface Config {
  /** NATS server(s), comma separated. */
  readonly natsUrl: string;
  /**
   * NATS_USER with NATS_PASSWORD (or NATS_PASSWORD_FILE): this process' user on a locked server
   * (shared/nats-lock/config.ts says which user may do what). None: connect without one.
   */
  readonly natsCredentials?: NatsUserCredentials;
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
  /**
   * An EncryptionConfiguration file: Secrets are encrypted at rest as it says (shared/encryption).
   * ENCRYPTION_PROVIDER_CONFIG, else the data directory's if there (encryptionConfigFile).
   */
  readonly encryptionProviderConfig?: string;
}

export interface NatsUserCredentials {
  readonly user: string;
  readonly password: string;
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
    ...natsCredentialsFromEnv(env),
    databaseUrl: withPasswordFile(env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', env.DATABASE_PASSWORD_FILE),
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
  if ('encryptionProviderConfig' in overrides) return cfg;
  const encryption = encryptionConfigFile(env, cfg.prefix);
  return encryption ? { ...cfg, encryptionProviderConfig: encryption } : cfg;
}

/** DATABASE_PASSWORD_FILE: the password of DATABASE_URL's user kept out of the URL (compose's role secrets). */
function withPasswordFile(url: string, file: string | undefined): string {
  if (!file) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(readFileSync(file, 'utf8').trim());
  return u.toString();
}

function natsCredentialsFromEnv(env: NodeJS.ProcessEnv): { natsCredentials?: NatsUserCredentials } {
  if (!env.NATS_USER) {
    if (env.NATS_PASSWORD || env.NATS_PASSWORD_FILE) throw new Error('NATS_PASSWORD / NATS_PASSWORD_FILE need NATS_USER');
    return {};
  }
  const password = env.NATS_PASSWORD ?? (env.NATS_PASSWORD_FILE ? readFileSync(env.NATS_PASSWORD_FILE, 'utf8').trim() : undefined);
  if (!password) throw new Error('NATS_USER needs NATS_PASSWORD or NATS_PASSWORD_FILE');
  return { natsCredentials: { user: env.NATS_USER, password } };
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

/** The EncryptionConfiguration `jetkube up` (and `jetkube gateway`) make in the data directory on first start. */
export const ENCRYPTION_CONFIG_FILE = 'encryption-config.yaml';

/**
 * ENCRYPTION_PROVIDER_CONFIG (empty: none), else the data directory's encryption-config.yaml if it
 * is there (a service run alone beside `up` reads Secrets as `up` stores them), else none.
 */
export function encryptionConfigFile(env: NodeJS.ProcessEnv, prefix: string): string | undefined {
  if (env.ENCRYPTION_PROVIDER_CONFIG !== undefined) return env.ENCRYPTION_PROVIDER_CONFIG ? resolve(env.ENCRYPTION_PROVIDER_CONFIG) : undefined;
  const file = join(pkiConfigFromEnv(env, prefix).dataDir, ENCRYPTION_CONFIG_FILE);
  return existsSync(file) ? file : undefined;
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
