/**
 * A DaemonSet's status (Kubernetes' updateDaemonSetStatus): per node that should run the pod,
 * whether it has one (the oldest counts), ready, available, up to date; per node that should
 * not, whether it has one anyway (misscheduled). Pure.
 */
import type { Node, Pod } from '../../../shared/resources/types.js';
import type { DaemonSet, DaemonSetStatus } from '../../../shared/resources/daemonset-types.js';
import { isPodAvailable, isPodReady } from '../replicaset/pods.js';
import { compareDaemonPods, isPodUpdated } from './pods.js';

export interface StatusInput {
  readonly ds: DaemonSet;
  readonly nodes: readonly Node[];
  /** Daemon pods by node, without the deleted terminal ones. */
  readonly nodeToPods: ReadonlyMap<string, readonly Pod[]>;
  readonly shouldRun: (node: Node) => boolean;
  readonly hash: string;
  readonly generation: number | undefined;
  readonly now: Date;
}

export function calculateDaemonSetStatus(input: StatusInput): DaemonSetStatus {
  const { ds, hash, generation, now } = input;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of input.nodes) {
    const pods = input.nodeToPods.get(node.metadata.name ?? '') ?? [];
    if (!input.shouldRun(node)) {
      if (pods.length) misscheduled++;
      continue;
    }
    desired++;
    if (!pods.length) continue;
    current++;
    const pod = [...pods].sort(compareDaemonPods)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) available++;
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  const status: DaemonSetStatus = {
    ...(ds.status ?? {}),
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  return ds.metadata.generation === undefined ? status : { ...status, observedGeneration: ds.metadata.generation };
}

const FIELDS = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'observedGeneration', 'collisionCount'] as const;

/** Equal counts (zero and absent alike, as the API omits zeros). */
export function daemonStatusEqual(a: DaemonSetStatus | undefined, b: DaemonSetStatus | undefined): boolean {
  return FIELDS.every((f) => (a?.[f] ?? 0) === (b?.[f] ?? 0));
}
