import type { FastifyInstance } from 'fastify';
import type { Config } from '../../shared/config.js';
import { schemaName } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { loadEncryption } from '../../shared/encryption/index.js';
import { EventLog, eventLogOptionsOf } from '../../shared/eventlog/index.js';
import { createDb, migrateOrAwait } from '../../shared/db/index.js';
import { buildGateway, ensureSystemNamespaces } from './server.js';
import { ensureDefaultStorageClass } from './default-storage-class.js';
import type { ObjectStore } from './store.js';
import { parseBlockRange } from './cidr.js';
import { DEFAULT_CLUSTER_POD_CIDR } from './node-cidrs.js';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, parseServiceIpRange } from './service-ips.js';
import { authConfigFromEnv, type AuthConfig } from '../../shared/auth/authn/index.js';
import { pkiConfigFromEnv } from '../../shared/config.js';
import { clusterCAAtStart } from '../../shared/pki/index.js';
import { ensureServingCert, servingSANs, type SigningCA } from '../../shared/pki/index.js';
import { parseAuthorizationMode, type AuthorizationMode } from './authz/index.js';
import { ensureBootstrapPolicy } from './authz/bootstrap.js';
import { ensureKubernetesService, kubernetesServiceIp } from './kubernetes-service.js';

export { buildGateway, ensureSystemNamespaces } from './server.js';
export { ObjectStore } from './store.js';

export interface RunningGateway {
  readonly app: FastifyInstance;
  readonly store: ObjectStore;
  readonly log: EventLog;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  close(): Promise<void>;
}

/** Connect to NATS and Postgres, make sure the stream, tables and system namespaces exist, listen. */
export interface GatewayOptions {
  readonly bookmarkIntervalMs?: number;
  /** Overrides env CLUSTER_POD_CIDR (default 127.64.0.0/10): where node pod ranges come from. */
  readonly clusterPodCidr?: string;
  /** Overrides env SERVICE_CLUSTER_IP_RANGE (default 127.10.0.0/16): where service cluster IPs come from. */
  readonly serviceClusterIpRange?: string;
  /** Overrides the environment's authentication settings (JETKUBE_AUTH, TOKEN_AUTH_FILE, ANONYMOUS_AUTH, …). */
  readonly auth?: AuthConfig;
  /** Overrides env AUTHORIZATION_MODE (AlwaysAllow, the default, or RBAC). RBAC also creates the bootstrap policy. */
  readonly authorizationMode?: AuthorizationMode;
  /** Overrides env METRICS_RESOLUTION (seconds, default 15): how often metrics.k8s.io scrapes the kubelets at most. */
  readonly metricsResolutionMs?: number;
  /** Overrides env DISABLE_ADMISSION_PLUGINS (a comma list; `ServiceAccount` turns ServiceAccount admission off). */
  readonly serviceAccountAdmission?: boolean;
  /** Overrides env DISABLE_ADMISSION_PLUGINS=NodeRestriction. */
  readonly nodeRestriction?: boolean;
}

/** How often the gateway makes sure the system namespaces exist (kube-apiserver: every minute). */
const SYSTEM_NAMESPACES_INTERVAL_MS = 60_000;

/** How long `close()` lets in-flight requests finish before it closes their connections. */
const CLOSE_GRACE_MS = 2_000;

export async function startGateway(cfg: Config, logger: Logger = createLogger('gateway', cfg.logLevel), opts: GatewayOptions = {}): Promise<RunningGateway> {
  const clusterPodCidr = opts.clusterPodCidr ?? (process.env.CLUSTER_POD_CIDR || DEFAULT_CLUSTER_POD_CIDR);
  const serviceClusterIpRange = opts.serviceClusterIpRange ?? (process.env.SERVICE_CLUSTER_IP_RANGE || DEFAULT_SERVICE_CLUSTER_IP_RANGE);
  // A malformed range stops the start here, before any connection.
  parseBlockRange(clusterPodCidr);
  parseServiceIpRange(serviceClusterIpRange);
  const resolution = process.env.METRICS_RESOLUTION ? Number(process.env.METRICS_RESOLUTION) * 1000 : undefined;
  if (resolution !== undefined && !(resolution > 0)) throw new Error(`METRICS_RESOLUTION must be a positive number of seconds, got "${process.env.METRICS_RESOLUTION}"`);
  const auth = opts.auth ?? authConfigFromEnv();
  const disabledPlugins = (process.env.DISABLE_ADMISSION_PLUGINS ?? '').split(',').map((p) => p.trim());
  const serviceAccountAdmission = opts.serviceAccountAdmission ?? !disabledPlugins.includes('ServiceAccount');
  const nodeRestriction = opts.nodeRestriction ?? !disabledPlugins.includes('NodeRestriction');
  // Secure mode authorizes with RBAC unless told otherwise (kube-apiserver as kubeadm runs it); plain HTTP allows all.
  const authorizationMode = opts.authorizationMode ?? parseAuthorizationMode(process.env.AUTHORIZATION_MODE || (auth.secure ? 'RBAC' : undefined));
  // Secure mode: a serving certificate from the cluster CA (made on first start, kept in the data directory).
  const https = auth.secure ? await servingTls(cfg, auth, logger, kubernetesServiceIp(serviceClusterIpRange)) : undefined;
  // Secrets encrypted at rest as ENCRYPTION_PROVIDER_CONFIG says (shared/encryption); a bad file stops the start here.
  const encryption = await loadEncryption(cfg.encryptionProviderConfig);
  const log = await EventLog.connect({ ...eventLogOptionsOf(cfg, 'jetkube-gateway', true), ...(encryption ? { encryption } : {}) });
  const db = createDb(cfg.databaseUrl, schemaName(cfg.prefix));
  await migrateOrAwait(db, () => logger.info('the schema is not current and this role may not migrate it: waiting for the projector'));
  const { app, store, tracker } = await buildGateway({
    cfg,
    log,
    db,
    logger,
    ...(resolution ? { metricsResolutionMs: resolution } : {}),
    ...opts,
    clusterPodCidr,
    serviceClusterIpRange,
    ...(https ? { https } : {}),
    authConfig: auth,
    authorizationMode,
    serviceAccountAdmission,
    nodeRestriction,
  });
  await ensureSystemNamespaces(store);
  // Like kube-apiserver's RBAC post-start hook: the bootstrap roles and bindings, created or reconciled.
  if (authorizationMode === 'RBAC') await ensureBootstrapPolicy(store);
  await ensureDefaultStorageClass(store);
  // Like kube-apiserver's system namespaces controller: one that went missing comes back.
  const systemNamespaces = setInterval(() => {
    ensureSystemNamespaces(store).catch((e: unknown) => logger.warn({ err: e }, 'could not ensure the system namespaces'));
  }, SYSTEM_NAMESPACES_INTERVAL_MS);
  systemNamespaces.unref();
  await app.listen({ port: cfg.port, host: cfg.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  logger.info({ port, prefix: cfg.prefix, stream: log.stream, tls: Boolean(https), authentication: auth.secure }, 'gateway listening');
  // Like kube-apiserver's endpoint reconciler: the `kubernetes` Service names this gateway.
  const ownIp = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  await ensureKubernetesService(store, { serviceClusterIpRange, ip: ownIp, port }).catch((e: unknown) =>
    logger.warn({ err: e }, 'could not create or update the kubernetes Service and its Endpoints'),
  );
  return {
    app,
    store,
    log,
    url: `${https ? 'https' : 'http'}://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${port}`,
    async close() {
      clearInterval(systemNamespaces);
      tracker.stop();
      // In-flight requests get a moment to finish; then whatever is still open (watches, and
      // connections Node still counts as busy) is cut, so a stop never waits for a client.
      const force = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      await app.close();
      clearTimeout(force);
      await db.destroy();
      await log.close();
    },
  };
}

/** The serving certificate and key (from the cluster CA, covering servingSANs) and the CA that verifies client certificates. */
async function servingTls(cfg: Config, auth: AuthConfig, logger: Logger, serviceIp: string): Promise<{ cert: string; key: string; ca: string }> {
  const ca = await clusterCAAtStart(cfg.prefix, logger);
  if (!ca.keyPem) throw new Error('authentication is on but the cluster CA has no key (CLUSTER_CA_FILE holds a certificate alone): the gateway cannot make its serving certificate');
  const serving = await ensureGatewayServingCert(cfg, auth, { certPem: ca.certPem, keyPem: ca.keyPem }, serviceIp);
  logger.info({ certFile: serving.certFile }, 'serving HTTPS');
  return { cert: serving.certPem, key: serving.keyPem, ca: ca.certPem };
}

/**
 * The gateway's serving certificate in the data directory, kept while it covers servingSANs (HOST,
 * TLS_SAN, the `kubernetes` Service's IP), else (re)issued from the CA; `jetkube init` makes it ahead.
 */
export async function ensureGatewayServingCert(cfg: Config, auth: AuthConfig, ca: SigningCA, serviceIp: string) {
  const dataDir = pkiConfigFromEnv(process.env, cfg.prefix).dataDir;
  return ensureServingCert(dataDir, ca, servingSANs(cfg.host, [...auth.extraSANs, serviceIp]));
}
