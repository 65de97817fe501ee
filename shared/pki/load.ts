/** The cluster CA as a process starts: CLUSTER_CA_FILE when set, else the data directory's (created on first start). */
import { pkiConfigFromEnv, type PkiConfig } from '../config.js';
import type { Logger } from '../log.js';
import { caInfo } from './ca.js';
import { ensureClusterCA, loadCACertificate, type ClusterCA } from './store.js';

export async function loadClusterCA(pki: PkiConfig): Promise<ClusterCA> {
  return pki.clusterCAFile ? loadCACertificate(pki.clusterCAFile) : ensureClusterCA(pki.dataDir);
}

/** loadClusterCA from the environment, logged (where it lives, whether it was just made): what a binary calls at start. */
export async function clusterCAAtStart(prefix: string, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<ClusterCA> {
  const pki = pkiConfigFromEnv(env, prefix);
  const ca = await loadClusterCA(pki);
  const info = caInfo(ca.certPem);
  log.info(
    { certFile: ca.certFile, ...(ca.keyFile ? { keyFile: ca.keyFile } : {}), subject: info.subject, notAfter: info.notAfter.toISOString(), source: pki.clusterCAFile ? 'CLUSTER_CA_FILE' : 'data dir' },
    ca.created ? 'cluster CA created' : 'cluster CA loaded',
  );
  return ca;
}
