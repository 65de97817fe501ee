/**
 * NodeRestriction (kube-apiserver's admission plugin of that name), the write side: a kubelet
 * authenticated as `system:node:<name>` in `system:nodes` may change only what belongs to its node:
 *   - nodes: its own Node only; on create no restricted label, on update no change to its taints,
 *     configSource or restricted labels (`node-restriction.kubernetes.io/`, and `kubernetes.io` /
 *     `k8s.io` labels other than the kubelet's own);
 *   - pods: delete (and evict) only pods bound to it; create only mirror pods bound to it (owned
 *     by its Node, referencing no ServiceAccount, Secret, ConfigMap or claim); no other pod write;
 *     `pods/status` only of pods bound to it, without touching labels;
 *   - leases: only its own, in kube-node-lease;
 *   - persistentvolumeclaims: only `/status`;
 *   - serviceaccounts/token: only tokens bound to a pod (named by uid) bound to it.
 * Anything else (events, ...) is left to the authorizer, as in Kubernetes.
 *
 * Pure: the caller passes the operation, the object written and the stored one.
 */
import type { UserInfo } from '../../../shared/auth/user.js';
import { forbiddenError, type ApiError } from '../../../shared/errors.js';
import type { KObject } from '../../../shared/resources/meta.js';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node a user is (Kubernetes' default node identifier): `system:node:<name>` in `system:nodes`; '' for a node user naming none. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}

export interface NodeWrite {
  readonly operation: 'create' | 'update' | 'delete';
  /** The resource's plural and group, and the subresource if any. */
  readonly resource: string;
  readonly group: string;
  readonly subresource?: string;
  readonly namespace: string;
  readonly name: string;
  /** The object written (create, update). */
  readonly object?: KObject;
  /** The stored object (update, delete). */
  readonly old?: KObject;
}

/** Refusal of `w` by `user` (a 403), or undefined when NodeRestriction lets it through. */
export function nodeRestriction(user: UserInfo, w: NodeWrite): ApiError | undefined {
  const node = nodeNameOf(user);
  if (node === undefined) return undefined;
  const no = (why: string) => forbiddenError(w.resource, w.group, w.name, why);
  if (node === '') return no(`could not determine node from user ${JSON.stringify(user.username)}`);
  const q = JSON.stringify(node);
  if (w.group === '' && w.resource === 'pods') {
    switch (w.subresource ?? '') {
      case '':
        if (w.operation === 'create') return mirrorPodCreate(node, w.object!, no);
        if (w.operation === 'delete') return nodeNameOfPod(w.old) === node ? undefined : no(`node ${q} can only delete pods with spec.nodeName set to itself`);
        return no(`unexpected operation "UPDATE", node ${q} can only create and delete mirror pods`);
      case 'status':
        if (w.operation !== 'update') return no(`unexpected operation ${JSON.stringify(w.operation.toUpperCase())}`);
        if (nodeNameOfPod(w.old) !== node) return no(`node ${q} can only update pod status for pods with spec.nodeName set to itself`);
        if (!sameLabels(w.object?.metadata.labels, w.old?.metadata.labels)) return no(`node ${q} cannot update labels through pod status`);
        return undefined;
      case 'eviction':
        return nodeNameOfPod(w.old) === node ? undefined : no(`node ${node} can only evict pods with spec.nodeName set to itself`);
      default:
        return no(`unexpected pod subresource ${JSON.stringify(w.subresource)}, only 'status' and 'eviction' are allowed`);
    }
  }
  if (w.group === '' && w.resource === 'nodes') return nodeWrite(node, w, no);
  if (w.group === '' && w.resource === 'persistentvolumeclaims') {
    if (w.subresource !== 'status') return no('may only update PVC status');
    return undefined;
  }
  if (w.group === 'coordination.k8s.io' && w.resource === 'leases') {
    if (w.namespace !== NODE_LEASE_NAMESPACE) return no(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    if (w.name !== node) return no('can only access node lease with the same name as the requesting node');
    return undefined;
  }
  return undefined;
}

function nodeWrite(node: string, w: NodeWrite, no: (why: string) => ApiError): ApiError | undefined {
  const q = JSON.stringify(node);
  if (w.name !== node) return no(`node ${q} is not allowed to modify node ${JSON.stringify(w.name)}`);
  const spec = (o: KObject | undefined) => ((o as { spec?: { taints?: unknown; configSource?: unknown } } | undefined)?.spec ?? {});
  if (w.operation === 'create') {
    if (spec(w.object).configSource != null) return no(`node ${q} is not allowed to create pods with a non-nil configSource`);
    const bad = forbiddenLabels(modifiedLabels(w.object?.metadata.labels, undefined));
    if (bad.length) return no(`node ${q} is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (w.operation === 'update') {
    const cs = spec(w.object).configSource;
    if (cs != null && JSON.stringify(cs) !== JSON.stringify(spec(w.old).configSource)) return no(`node ${q} is not allowed to update configSource to a new non-nil configSource`);
    if (!sameTaints(spec(w.object).taints, spec(w.old).taints)) return no(`node ${q} is not allowed to modify taints`);
    const bad = forbiddenLabels(modifiedLabels(w.object?.metadata.labels, w.old?.metadata.labels));
    if (bad.length) return no(`is not allowed to modify labels: ${bad.join(', ')}`);
  }
  return undefined;
}

function mirrorPodCreate(node: string, pod: KObject, no: (why: string) => ApiError): ApiError | undefined {
  const q = JSON.stringify(node);
  if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
    return no(`pod does not have ${JSON.stringify(MIRROR_POD_ANNOTATION)} annotation, node ${q} can only create mirror pods`);
  }
  if (nodeNameOfPod(pod) !== node) return no(`node ${q} can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) return no(`node ${q} can only create pods with a single owner reference set to itself`);
  const o = owners[0];
  if (!o || o.apiVersion !== 'v1' || o.kind !== 'Node' || o.name !== node) return no(`node ${q} can only create pods with an owner reference set to itself`);
  if (o.controller !== true) return no(`node ${q} can only create pods with a controller owner reference set to itself`);
  if (o.blockOwnerDeletion === true) return no(`node ${q} must not set blockOwnerDeletion on an owner reference`);
  const spec = (pod as { spec?: Record<string, unknown> }).spec ?? {};
  if (spec.serviceAccountName) return no(`node ${q} can not create pods that reference a service account`);
  const refs = JSON.stringify(spec);
  if (/"(secretRef|secretKeyRef|imagePullSecrets|secret)"\s*:/.test(refs)) return no(`node ${q} can not create pods that reference secrets`);
  if (/"(configMapRef|configMapKeyRef|configMap)"\s*:/.test(refs)) return no(`node ${q} can not create pods that reference configmaps`);
  if (/"persistentVolumeClaim"\s*:/.test(refs)) return no(`node ${q} can not create pods that reference persistentvolumeclaims`);
  return undefined;
}

const nodeNameOfPod = (p: KObject | undefined): string | undefined => (p as { spec?: { nodeName?: string } } | undefined)?.spec?.nodeName;

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  return modifiedLabels(a, b).length === 0;
}

function sameTaints(a: unknown, b: unknown): boolean {
  const norm = (t: unknown) => (Array.isArray(t) && t.length ? JSON.stringify(t) : '[]');
  return norm(a) === norm(b);
}

/** Label keys added, removed or changed between two label maps. */
export function modifiedLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => a?.[k] !== b?.[k]).sort();
}

/** The labels the kubelet sets itself (Kubernetes' kubeletapis.IsKubeletLabel). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, of: string) => ns === of || ns.endsWith(`.${of}`);

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((n) => inNamespace(ns, n));
}

/** Of `keys`, those a node may not add, remove or change on its Node (sorted). */
export function forbiddenLabels(keys: readonly string[]): string[] {
  return keys.filter((k) => {
    const ns = labelNamespace(k);
    if (inNamespace(ns, 'node-restriction.kubernetes.io')) return true;
    return (inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io')) && !isKubeletLabel(k);
  });
}

/**
 * A TokenRequest (`serviceaccounts/{name}/token`) from a node: bound to a pod, by uid, that runs on
 * that node. `pod` is the live pod the reference names (the caller reads it).
 */
export function nodeTokenRequest(user: UserInfo, serviceAccount: string, ref: { kind?: string; apiVersion?: string; name?: string; uid?: string } | undefined, pod: () => Promise<KObject>): Promise<ApiError | undefined> | undefined {
  const node = nodeNameOf(user);
  if (node === undefined) return undefined;
  const no = (why: string) => forbiddenError('serviceaccounts', '', serviceAccount, why);
  if (node === '') return Promise.resolve(no(`could not determine node from user ${JSON.stringify(user.username)}`));
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) return Promise.resolve(no('node requested token not bound to a pod'));
  if (!ref.uid) return Promise.resolve(no('node requested token with a pod binding without a uid'));
  return pod().then((p) => {
    if (p.metadata.uid !== ref.uid) return no(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    if (nodeNameOfPod(p) !== node) return no('node requested token bound to a pod scheduled on a different node');
    return undefined;
  });
}
