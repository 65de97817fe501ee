/** A PersistentVolume's nodeAffinity against a node (CheckNodeAffinity in Kubernetes' volume util). */
import type { PersistentVolume } from '../resources/storage-types.js';
import { compileTerms, matchesAnyTerm } from '../scheduling/node-selector.js';

/**
 * True when the volume has no required node affinity, or one of its terms matches the node.
 * `kubernetes.io/hostname` is the node's name unless its labels say otherwise.
 */
export function volumeFitsNode(pv: PersistentVolume, nodeName: string, labels: Readonly<Record<string, string>> | ReadonlyMap<string, string> = {}): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  if (!req) return true;
  const m = new Map<string, string>([['kubernetes.io/hostname', nodeName]]);
  for (const [k, v] of labels instanceof Map ? labels : Object.entries(labels)) m.set(k, v);
  return matchesAnyTerm(compileTerms(req.nodeSelectorTerms ?? []), nodeName, m);
}
