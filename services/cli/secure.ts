/**
 * `jetkube up --secure`: the credentials of a secure cluster, made from the cluster CA on first
 * start and kept in the data directory: a client certificate per component (Kubernetes' user
 * names: system:kube-controller-manager, system:kube-scheduler, system:kube-proxy, and
 * system:node:<name> in system:nodes for a kubelet), and an admin kubeconfig
 * (`<dataDir>/admin.kubeconfig`, user kubernetes-admin in system:masters, like kubeadm's
 * admin.conf or k3s' k3s.yaml).
 */
import { join } from 'node:path';
import { gatewayUrlOf, type Config, type GatewayCredentials } from '../../shared/config.js';
import { ensureClientCert, issueCertificate, type SigningCA } from '../../shared/pki/index.js';
import { kubeconfigYaml } from '../../shared/auth/authn/index.js';
import { MASTERS_GROUP } from '../../shared/auth/user.js';
import { writeFile, rename } from 'node:fs/promises';

export const ADMIN_KUBECONFIG = 'admin.kubeconfig';
export const ADMIN_USER = 'kubernetes-admin';
export const NODES_GROUP = 'system:nodes';

export interface Identity {
  /** File name under clients/. */
  readonly file: string;
  readonly user: string;
  readonly groups: readonly string[];
}

/** Who each component `up` runs is, as Kubernetes names them. The projector never calls the gateway. */
export const COMPONENT_IDENTITIES: Readonly<Record<string, Identity>> = {
  'controller-manager': { file: 'kube-controller-manager', user: 'system:kube-controller-manager', groups: [] },
  scheduler: { file: 'kube-scheduler', user: 'system:kube-scheduler', groups: [] },
  proxy: { file: 'kube-proxy', user: 'system:kube-proxy', groups: [] },
  dns: { file: 'jetkube-dns', user: 'system:jetkube-dns', groups: [] },
  ingress: { file: 'jetkube-ingress', user: 'system:jetkube-ingress', groups: [] },
};

export function nodeIdentity(nodeName: string): Identity {
  return { file: `node-${nodeName}`, user: `system:node:${nodeName}`, groups: [NODES_GROUP] };
}

export async function credentialsFor(dataDir: string, ca: SigningCA, id: Identity): Promise<GatewayCredentials> {
  const c = await ensureClientCert(dataDir, ca, id.file, id.user, id.groups);
  return { caPem: ca.certPem, certPem: c.certPem, keyPem: c.keyPem };
}

/** The config a component runs with: the gateway over HTTPS, authenticated as `id`. */
export async function secureConfig(cfg: Config, dataDir: string, ca: SigningCA, id: Identity): Promise<Config> {
  return { ...cfg, secure: true, gatewayCredentials: await credentialsFor(dataDir, ca, id) };
}

/** Write (replace) the admin kubeconfig; answers its path. */
export async function writeAdminKubeconfig(cfg: Config, dataDir: string, ca: SigningCA): Promise<string> {
  const admin = await ensureClientCert(dataDir, ca, 'admin', ADMIN_USER, [MASTERS_GROUP]);
  const server = gatewayUrlOf({ ...cfg, secure: true }).split(',')[0]!;
  const text = kubeconfigYaml({ server, caPem: ca.certPem, certPem: admin.certPem, keyPem: admin.keyPem, clusterName: 'jetkube', userName: ADMIN_USER });
  const file = join(dataDir, ADMIN_KUBECONFIG);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
  return file;
}

/**
 * A kubeconfig for any user: a new client certificate from the CA (CN the user, O the groups),
 * like `kubeadm kubeconfig user --client-name`. Nothing is kept on disk.
 */
export async function userKubeconfig(server: string, ca: SigningCA, user: string, groups: readonly string[]): Promise<string> {
  const c = await issueCertificate(ca, { commonName: user, organizations: groups, usage: 'client' });
  return kubeconfigYaml({ server, caPem: ca.certPem, certPem: c.certPem, keyPem: c.keyPem, clusterName: 'jetkube', userName: user });
}
