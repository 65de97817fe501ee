/**
 * RollingUpdate for DaemonSets (Kubernetes' pkg/controller/daemon/update.go rollingUpdate,
 * updatedDesiredNodeCounts, findUpdatedPodsOnNode; util.UnavailableCount, SurgeCount). Without
 * surge, old pods are deleted (the manage step then creates their replacements) while no more
 * than maxUnavailable nodes lack an available up-to-date pod; with surge, new pods are created
 * next to old ones on at most maxSurge nodes at a time, and an old pod goes once the new one on
 * its node is available. Both counts are rounded up from percentages of the desired number of
 * nodes. Pure; nodes are walked in name order so the same input always gives the same plan.
 */
import type { IntOrString, Pod } from '../../../shared/resources/types.js';
import type { DaemonSet } from '../../../shared/resources/daemonset-types.js';
import { scaledValueFromIntOrPercent } from '../deployment/fenceposts.js';
import { isPodAvailable } from '../replicaset/pods.js';
import { isPodUpdated } from './pods.js';

export interface DaemonFenceposts {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

function scaled(v: IntOrString | undefined, total: number): number {
  if (v === undefined) return 0;
  try {
    return scaledValueFromIntOrPercent(v, total, true);
  } catch {
    return 0;
  }
}

/** maxSurge and maxUnavailable for `desired` nodes; both 0 becomes maxUnavailable 1 (the API forbids it, the controller still moves). */
export function daemonFenceposts(ds: DaemonSet, desired: number): DaemonFenceposts {
  const ru = ds.spec.updateStrategy?.type === 'OnDelete' ? undefined : ds.spec.updateStrategy?.rollingUpdate;
  const maxUnavailable = scaled(ru?.maxUnavailable ?? 1, desired);
  const maxSurge = scaled(ru?.maxSurge ?? 0, desired);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) return { maxSurge: 0, maxUnavailable: 1 };
  return { maxSurge, maxUnavailable };
}

/** util.AllowsSurge: RollingUpdate with a non-zero maxSurge. */
export function allowsSurge(ds: DaemonSet): boolean {
  const s = ds.spec.updateStrategy;
  if ((s?.type ?? 'RollingUpdate') !== 'RollingUpdate') return false;
  return scaled(s?.rollingUpdate?.maxSurge ?? 0, 1) !== 0;
}

/**
 * findUpdatedPodsOnNode: the one up-to-date and the one old pod among the node's pods not being
 * deleted; ok false when there are two of either (the manage step prunes them first).
 */
export function updatedPodsOnNode(pods: readonly Pod[], hash: string, generation: number | undefined): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingInput {
  readonly ds: DaemonSet;
  readonly hash: string;
  readonly generation: number | undefined;
  /** Every node with daemon pods, and every node that should run one (then maybe with none), in name order. */
  readonly nodeToPods: ReadonlyMap<string, readonly Pod[]>;
  /** Whether a node (that exists) should run a new daemon pod. */
  readonly shouldRun: (nodeName: string) => boolean;
  readonly desired: number;
  readonly now: Date;
}

export interface RollingStep {
  readonly podsToDelete: readonly Pod[];
  readonly nodesToCreate: readonly string[];
}

export function rollingUpdate(input: RollingInput): RollingStep {
  const { ds, hash, generation, now } = input;
  const { maxSurge, maxUnavailable } = daemonFenceposts(ds, input.desired);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const nodes = [...input.nodeToPods.keys()].sort();

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowedReplacement: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of nodes) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(input.nodeToPods.get(node) ?? [], hash, generation);
      if (!ok) {
        numUnavailable++;
        continue;
      }
      if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) allowedReplacement.push(oldPod);
        else if (numUnavailable < maxUnavailable) candidates.push(oldPod);
      }
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    return { podsToDelete: [...allowedReplacement, ...candidates.slice(0, remaining)], nodesToCreate: [] };
  }

  let numSurge = 0;
  const podsToDelete: Pod[] = [];
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  for (const node of nodes) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(input.nodeToPods.get(node) ?? [], hash, generation);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!input.shouldRun(node)) podsToDelete.push(oldPod);
        else allowedNew.push(node);
      } else if (numSurge < maxSurge) {
        candidateNew.push(node);
      }
      continue;
    }
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    podsToDelete.push(oldPod);
  }
  const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNew.length);
  return { podsToDelete, nodesToCreate: [...allowedNew, ...candidateNew.slice(0, remaining)] };
}
