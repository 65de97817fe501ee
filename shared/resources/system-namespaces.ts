/**
 * The namespaces every cluster has. kube-apiserver creates them at start and again whenever one is
 * missing, and refuses to delete them (NamespaceLifecycle admission): `default`, `kube-system`,
 * `kube-public`, plus `kube-node-lease`, which holds the kubelets' Leases.
 */
export const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function isSystemNamespace(name: string): boolean {
  return SYSTEM_NAMESPACES.includes(name);
}
