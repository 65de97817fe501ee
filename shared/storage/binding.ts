/**
 * Which PersistentVolume satisfies a claim (Kubernetes' findMatchingVolume / FindMatchingVolume,
 * shared by the PV controller and the scheduler's volume binding). Pure.
 *
 * | volume                                         | matches the claim?                       |
 * |------------------------------------------------|------------------------------------------|
 * | being deleted                                  | no                                       |
 * | other class (spec or beta annotation)          | no                                       |
 * | claimRef to this claim (uid unset or equal)    | yes: pre-bound, if class/mode/node fit  |
 * | claimRef to another claim                      | no                                       |
 * | phase not Available (Released, Failed)         | no (Released keeps its claimRef anyway)  |
 * | other volumeMode                               | no                                       |
 * | access modes not a superset of the claim's     | no                                       |
 * | capacity below the request                     | no                                       |
 * | labels not matching the claim's selector       | no                                       |
 * | node affinity not matching the node (if given) | no                                       |
 * | delayed binding (WaitForFirstConsumer), no node| only a pre-bound volume                  |
 * Among the rest the smallest capacity wins (then the name, for determinism).
 */
import type { PersistentVolume, PersistentVolumeClaim } from '../resources/storage-types.js';
import { claimClass, volumeClass } from '../resources/storage-types.js';
import { tryParseQuantity } from '../resources/quantity.js';
import { matchesLabels, tryFromLabelSelector } from '../resources/selectors.js';
import { volumeFitsNode } from './affinity.js';

export interface MatchOptions {
  /** The node the claim's pod goes to (selected-node): volumes must fit it. */
  readonly node?: string;
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** WaitForFirstConsumer without a node: only a pre-bound volume may be taken. */
  readonly delayBinding?: boolean;
}

const storageOf = (m: Readonly<Record<string, string>> | undefined): number => tryParseQuantity(String(m?.storage ?? '')) ?? 0;

/** The claim is what the volume's claimRef names (its uid unset, or equal). */
export function isPreBoundTo(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  return ref.name === claim.metadata.name && (ref.namespace ?? '') === (claim.metadata.namespace ?? '') && (!ref.uid || ref.uid === claim.metadata.uid);
}

export function findBestMatch(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], opts: MatchOptions = {}): PersistentVolume | undefined {
  const want = storageOf(claim.spec?.resources?.requests);
  const modes = claim.spec?.accessModes ?? [];
  const mode = claim.spec?.volumeMode ?? 'Filesystem';
  const sel = claim.spec?.selector ? tryFromLabelSelector(claim.spec.selector) : [];
  const cls = claimClass(claim);
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    if (volumeClass(pv) !== cls) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== mode) continue;
    if (opts.node !== undefined && !volumeFitsNode(pv, opts.node, opts.nodeLabels)) continue;
    if (isPreBoundTo(pv, claim)) return pv;
    if (pv.spec?.claimRef) continue;
    if (opts.delayBinding) continue;
    if (pv.status?.phase && pv.status.phase !== 'Available' && pv.status.phase !== 'Pending') continue;
    if (!modes.every((m) => (pv.spec?.accessModes ?? []).includes(m))) continue;
    const size = storageOf(pv.spec?.capacity);
    if (size < want) continue;
    if (sel === undefined || !matchesLabels(sel, pv.metadata.labels)) continue;
    if (!best || size < storageOf(best.spec?.capacity) || (size === storageOf(best.spec?.capacity) && (pv.metadata.name ?? '') < (best.metadata.name ?? ''))) best = pv;
  }
  return best;
}
