/**
 * kube-scheduler's VolumeBinding plugin, reduced to what jetkube's storage needs (pure):
 *
 * | the pod's claim                                         | effect                                                     |
 * |---------------------------------------------------------|------------------------------------------------------------|
 * | missing                                                 | unschedulable: persistentvolumeclaim "x" not found         |
 * | being deleted                                           | unschedulable: persistentvolumeclaim "x" is being deleted  |
 * | ReadWriteOncePod, another scheduled pod uses it          | unschedulable: node has pod using PersistentVolumeClaim    |
 * |                                                         |   with the same name and ReadWriteOncePod access mode      |
 * | unbound, Immediate class (or no class)                  | unschedulable: pod has unbound immediate PersistentVolumeClaims |
 * | bound                                                   | nodes outside its volume's node affinity fail:             |
 * |                                                         |   node(s) had volume node affinity conflict                |
 * | bound, volume missing                                   | unschedulable: pvc x was not found / volume not found      |
 * | unbound, WaitForFirstConsumer, node already selected    | only that node (binding is in progress there); wait        |
 * | unbound, WaitForFirstConsumer                           | a node fits when a matching volume is there or the class   |
 * |                                                         |   can provision: node(s) didn't find available persistent  |
 * |                                                         |   volumes to bind; after choosing, the claim is annotated  |
 * |                                                         |   volume.kubernetes.io/selected-node and the pod waits     |
 *
 * Simplification (documented): the PreBind step does not bind static volumes itself; it selects
 * the node on the claim and the PV controller binds a matching volume on that node (or the
 * provisioner makes one), and the pod is bound once every claim is Bound.
 */
import type { Pod } from '../resources/types.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../resources/storage-types.js';
import { ANN, claimClass } from '../resources/storage-types.js';
import { findBestMatch } from '../storage/binding.js';
import { volumeFitsNode } from '../storage/affinity.js';

export const REASON_VOLUME_NODE_AFFINITY = 'node(s) had volume node affinity conflict';
export const REASON_NO_VOLUME_TO_BIND = "node(s) didn't find available persistent volumes to bind";
export const REASON_SELECTED_NODE = "node(s) didn't match the node selected for a pending volume claim";
export const UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** VolumeRestrictions: a ReadWriteOncePod claim another scheduled pod already uses. */
export const RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

export interface VolumeLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  storageClass(name: string): StorageClass | undefined;
  volumes(): readonly PersistentVolume[];
  /** Other pods (not finished) that mount the claim and are on a node (or about to be). */
  claimUsers?(namespace: string, claim: string, except: string): readonly string[];
}

export type VolumeBinding =
  | { readonly ok: false; readonly message: string }
  | {
      readonly ok: true;
      /** A failing reason for the node, or undefined when its volumes fit. */
      readonly filter?: (nodeName: string, labels: ReadonlyMap<string, string>) => string | undefined;
      /** Unbound WaitForFirstConsumer claims to annotate with the chosen node. */
      readonly toSelect: readonly string[];
      /** Some claim is not Bound yet: the pod is not bound until it is. */
      readonly waiting: boolean;
    };

/** Classes that never provision (kubernetes.io/no-provisioner, as for local volumes). */
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export function claimNamesOf(pod: Pod): string[] {
  return (pod.spec.volumes ?? []).map((v) => (v.persistentVolumeClaim as { claimName?: string } | undefined)?.claimName).filter((n): n is string => !!n);
}

export function volumeBinding(pod: Pod, lookup: VolumeLookup): VolumeBinding {
  const names = claimNamesOf(pod);
  if (names.length === 0) return { ok: true, toSelect: [], waiting: false };
  const ns = pod.metadata.namespace ?? '';
  const bound: PersistentVolume[] = [];
  const delayed: PersistentVolumeClaim[] = [];
  let selectedNode: string | undefined;
  for (const name of names) {
    const c = lookup.claim(ns, name);
    if (!c) return { ok: false, message: `persistentvolumeclaim "${name}" not found` };
    if (c.metadata.deletionTimestamp) return { ok: false, message: `persistentvolumeclaim "${name}" is being deleted` };
    if ((c.spec?.accessModes ?? []).includes('ReadWriteOncePod') && (lookup.claimUsers?.(ns, name, pod.metadata.name ?? '') ?? []).length > 0) {
      return { ok: false, message: RWOP_CONFLICT };
    }
    const volumeName = c.spec?.volumeName;
    if (volumeName && c.status?.phase === 'Bound') {
      const pv = lookup.volume(volumeName);
      if (!pv) return { ok: false, message: `pvc ${name} bound to a volume that was not found: persistentvolume "${volumeName}" not found` };
      bound.push(pv);
      continue;
    }
    if (volumeName) {
      // Bound on the claim side, not yet in its status: wait for the PV controller.
      const pv = lookup.volume(volumeName);
      if (pv) bound.push(pv);
      delayed.push(c);
      continue;
    }
    const sc = lookup.storageClass(claimClass(c));
    if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return { ok: false, message: UNBOUND_IMMEDIATE };
    const sel = c.metadata.annotations?.[ANN.selectedNode];
    if (sel) selectedNode = sel;
    delayed.push(c);
  }
  const toSelect = delayed.filter((c) => !c.spec?.volumeName && !c.metadata.annotations?.[ANN.selectedNode]).map((c) => c.metadata.name ?? '');
  const filter = (node: string, labels: ReadonlyMap<string, string>): string | undefined => {
    if (selectedNode !== undefined && node !== selectedNode) return REASON_SELECTED_NODE;
    for (const pv of bound) if (!volumeFitsNode(pv, node, labels)) return REASON_VOLUME_NODE_AFFINITY;
    for (const c of delayed) {
      if (c.spec?.volumeName) continue;
      const sc = lookup.storageClass(claimClass(c));
      const canProvision = !!sc?.provisioner && sc.provisioner !== NO_PROVISIONER;
      if (!canProvision && !findBestMatch(c, lookup.volumes(), { node, nodeLabels: Object.fromEntries(labels) })) return REASON_NO_VOLUME_TO_BIND;
    }
    return undefined;
  };
  return { ok: true, filter, toSelect, waiting: delayed.length > 0 };
}
