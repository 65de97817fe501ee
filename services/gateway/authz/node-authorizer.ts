/**
 * The read side of Kubernetes' Node authorizer: a node (`system:node:<name>` in `system:nodes`)
 * reads a Secret, ConfigMap or PersistentVolumeClaim only by name, and only one a pod bound to it
 * refers to (env, volumes, projected sources, image pull secrets, claims). Other requests are left
 * to the authorizer (RBAC's `system:node` role). Pure: the caller reads the node's pods in the
 * namespace.
 */
import type { RequestAttributes } from '../../../shared/auth/user.js';
import type { Pod } from '../../../shared/resources/types.js';
import { podPullsWith, podReferences, podUsesClaim } from '../../../shared/resources/pod-references.js';
import { nodeNameOf } from './node-restriction.js';

const READ_VERBS = new Set(['get', 'list', 'watch']);
const KINDS: Readonly<Record<string, (pod: Pod, name: string) => boolean>> = {
  secrets: (p, n) => podReferences(p, 'Secret', n) || podPullsWith(p, n),
  configmaps: (p, n) => podReferences(p, 'ConfigMap', n),
  persistentvolumeclaims: podUsesClaim,
};

/** The node and what it reads, when the Node authorizer decides the request; else undefined. */
export function nodeRead(a: RequestAttributes): { readonly node: string; readonly namespace: string; readonly name: string } | undefined {
  if (!a.resourceRequest || a.apiGroup !== '' || !KINDS[a.resource ?? '']) return undefined;
  const node = nodeNameOf(a.user);
  if (node === undefined) return undefined;
  return { node, namespace: a.namespace ?? '', name: a.name ?? '' };
}

/** Why the node may not make this read (the 403's reason), or undefined when a pod of `pods` (the node's, in the namespace) refers to it. */
export function nodeReadRefusal(a: RequestAttributes, pods: readonly Pod[]): string | undefined {
  const r = nodeRead(a);
  if (!r) return undefined;
  if (!READ_VERBS.has(a.verb)) return undefined; // writes: the authorizer and NodeRestriction decide
  if (a.subresource) return 'cannot read subresource';
  if (!r.namespace) return 'can only read namespaced object of this type';
  if (!r.name) return 'No Object name found';
  const refers = KINDS[a.resource!]!;
  if (r.node && pods.some((p) => p.spec.nodeName === r.node && (p.metadata.namespace ?? '') === r.namespace && refers(p, r.name))) return undefined;
  return `no relationship found between node '${r.node}' and this object`;
}
