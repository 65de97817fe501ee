/** A PersistentVolume's nodeAffinity against a node (CheckNodeAffinity in Kubernetes' volume util). */
import type { PersistentVolume } from '../resources/storage-types.js';
import { compileTerms, matchesAnyTerm } from '../scheduling/node-selector.js';

/** True when the volume has no node affinity, or its required terms match the node. */
export function volumeFitsNode(pv: PersistentVolume, nodeName: string, labels: Readonly<Record<string, string>> = {}): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!pv.spec?.nodeAffinity?.required) return true;
  return matchesAnyTerm(compileTerms(terms ?? []), nodeName, new Map(Object.entries({ 'kubernetes.io/hostname': nodeName, ...labels })));
}
