/**
 * `jetkube up` (secure by default) and `jetkube init`: the credentials of a secure cluster, made from the cluster CA on first
 * start and kept in the data directory: a client certificate per component (Kubernetes' user
 * names: system:kube-controller-manager, system:kube-scheduler, system:kube-proxy, and
 * system:node:<name> in system:nodes for a kubelet), and an admin kubeconfig
 * (`<dataDir>/admin.kubeconfig`, user kubernetes-admin in system:masters, like kubeadm's
 * admin.conf or k3s' k3s.yaml); `jetkube init` also writes a kubeconfig per component
 * (`<dataDir>/kubeconfigs/`) for components run alone (the compose stack).
 */
import { dirname, join } from 'node:path';
import { ADMIN_KUBECONFIG, gatewayUrlOf, type Config, type GatewayCredentials } from '../../shared/config.js';
import { ensureClientCert, issueCertificate, writeAtomic, type SigningCA } from '../../shared/pki/index.js';
import { kubeconfigYaml } from '../../shared/auth/authn/index.js';
import { MASTERS_GROUP } from '../../shared/auth/user.js';
import { mkdir } from 'node:fs/promises';

export const ADMIN_USER = 'kubernetes-admin';
export const KUBECONFIGS_DIR = 'kubeconfigs';
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
  return writeKubeconfigFor(cfg, dataDir, ca, { file: 'admin', user: ADMIN_USER, groups: [MASTERS_GROUP] }, join(dataDir, ADMIN_KUBECONFIG));
}

/** Where `jetkube init` puts a component's kubeconfig: `<dataDir>/kubeconfigs/<file>.kubeconfig`. */
export function componentKubeconfigPath(dataDir: string, id: Identity): string {
  return join(dataDir, KUBECONFIGS_DIR, `${id.file}.kubeconfig`);
}

/**
 * Write (replace) a kubeconfig for `id` (its client certificate kept under clients/) at `file`,
 * by default its place under kubeconfigs/ (kubeadm's /etc/kubernetes/*.conf); answers the path.
 */
export async function writeKubeconfigFor(cfg: Config, dataDir: string, ca: SigningCA, id: Identity, file = componentKubeconfigPath(dataDir, id)): Promise<string> {
  const c = await ensureClientCert(dataDir, ca, id.file, id.user, id.groups);
  const server = gatewayUrlOf({ ...cfg, secure: true }).split(',')[0]!;
  const text = kubeconfigYaml({ server, caPem: ca.certPem, certPem: c.certPem, keyPem: c.keyPem, clusterName: 'jetkube', userName: id.user });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeAtomic(file, text, 0o600);
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
