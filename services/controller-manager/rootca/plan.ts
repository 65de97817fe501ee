/**
 * Kubernetes' root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher, the
 * controller-manager's `root-ca-cert-publisher`): every active namespace holds a ConfigMap
 * `kube-root-ca.crt` whose data is exactly `{ "ca.crt": <the cluster CA PEM> }`, with the
 * `kubernetes.io/description` annotation. A missing one is created, a changed one (data or the
 * annotation) is restored with an update that keeps its other metadata; binaryData is left alone,
 * as upstream does. Terminating or vanished namespaces get nothing.
 */
import type { ConfigMap, Namespace } from '../../../shared/resources/types.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

export type RootCAAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'create'; readonly configMap: ConfigMap }
  /** configMap carries the observed resourceVersion (the update's precondition). */
  | { readonly kind: 'update'; readonly configMap: ConfigMap };

const NONE: RootCAAction = { kind: 'none' };

export function isTerminating(ns: Namespace): boolean {
  return Boolean(ns.metadata.deletionTimestamp) || ns.status?.phase === 'Terminating';
}

/** What to write in namespace `ns` (undefined: gone), given its `kube-root-ca.crt` (undefined: none). */
export function planRootCA(ns: Namespace | undefined, existing: ConfigMap | undefined, caPem: string): RootCAAction {
  if (!ns || isTerminating(ns)) return NONE;
  const name = ns.metadata.name ?? '';
  if (!existing) {
    return {
      kind: 'create',
      configMap: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data: { [ROOT_CA_KEY]: caPem },
      },
    };
  }
  if (existing.metadata.deletionTimestamp) return NONE; // on its way out: recreated after the delete
  const data = existing.data ?? {};
  const keys = Object.keys(data);
  const dataOk = keys.length === 1 && data[ROOT_CA_KEY] === caPem;
  if (dataOk && existing.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return NONE;
  return {
    kind: 'update',
    configMap: {
      ...existing,
      metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
      data: { [ROOT_CA_KEY]: caPem },
    },
  };
}
