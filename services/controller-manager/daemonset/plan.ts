/**
 * The DaemonSet controller's pure planner (Kubernetes' pkg/controller/daemon syncDaemonSet):
 * DaemonSet + its nodes, pods and revisions + clock → ordered actions.
 *
 *   1. history: the current ControllerRevision (created, or renumbered on a rollback to it);
 *   2. manage: a pod on each node that should run one and has none; failed pods, pods on nodes
 *      that should not (or no longer) run one, pods of nodes that are gone, and duplicates (all
 *      but the oldest) deleted;
 *   3. rolling update, only when manage has nothing to do (Kubernetes waits for its expectations);
 *   4. old revisions past revisionHistoryLimit deleted;
 *   5. status, when it changed.
 *
 * Level-based: the same caches plan the same actions, a converged DaemonSet plans none. Pod names
 * are deterministic (pods.ts daemonPodName), so a create planned twice makes one pod.
 */
import type { Node, Pod } from '../../../shared/resources/types.js';
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../../../shared/resources/daemonset-types.js';
import { templateGeneration } from '../../../shared/resources/kinds/daemonset.js';
import { nodeShouldRunDaemonPod, targetNodeName, type ShouldRun } from './eligibility.js';
import { compareDaemonPods, isTerminal, newDaemonPod } from './pods.js';
import { CONTROLLER_REVISION_HASH_LABEL, planHistory, revisionHash, revisionsToDelete } from './revisions.js';
import { allowsSurge, rollingUpdate } from './rolling.js';
import { calculateDaemonSetStatus, daemonStatusEqual } from './status.js';

export type DeleteReason = 'failed' | 'succeeded' | 'misscheduled' | 'duplicate' | 'orphaned' | 'update';

export type DaemonSetAction =
  | { readonly type: 'createRevision'; readonly revision: ControllerRevision }
  | { readonly type: 'updateRevision'; readonly revision: ControllerRevision }
  | { readonly type: 'deleteRevision'; readonly name: string; readonly uid?: string }
  | { readonly type: 'createPod'; readonly nodeName: string; readonly pod: Pod }
  | {
      readonly type: 'deletePod';
      readonly name: string;
      readonly uid?: string;
      readonly nodeName?: string;
      readonly reason: DeleteReason;
      /** Grace 0: the pod's node is gone, no kubelet will finish a graceful delete (what pod GC does). */
      readonly force?: boolean;
    }
  | { readonly type: 'updateStatus'; readonly status: DaemonSetStatus };

export interface PlanEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface DaemonSetPlan {
  readonly actions: readonly DaemonSetAction[];
  /** Recorded before the actions run (FailedDaemonPod). */
  readonly events: readonly PlanEvent[];
  /** The hash of the current revision (pods with it are up to date). */
  readonly hash?: string;
  readonly requeueAfterMs?: number;
  /** Nodes whose failed pod is deleted by this plan: their back-off moves on. */
  readonly failedPodNodes?: readonly string[];
}

export interface DaemonSetPlanInput {
  readonly ds: DaemonSet;
  readonly nodes: readonly Node[];
  /** The pods the DaemonSet controls. */
  readonly pods: readonly Pod[];
  /** The ControllerRevisions the DaemonSet controls. */
  readonly revisions: readonly ControllerRevision[];
  readonly now: Date;
  /** Milliseconds before a failed pod on the node may be deleted (the failed-pods back-off); none: now. */
  readonly failedPodBackoff?: (nodeName: string) => number;
}

export const FAILED_DAEMON_POD_REASON = 'FailedDaemonPod';

/** Pods by the node they are on or meant for; pods that name no node are left out. */
export function nodeToDaemonPods(pods: readonly Pod[], includeDeletedTerminal: boolean): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) {
    if (!includeDeletedTerminal && p.metadata.deletionTimestamp && isTerminal(p)) continue;
    const node = targetNodeName(p);
    if (node === undefined) continue;
    const list = m.get(node);
    if (list) list.push(p);
    else m.set(node, [p]);
  }
  return m;
}

interface ManageResult {
  readonly nodesToCreate: string[];
  readonly podsToDelete: { pod: Pod; reason: DeleteReason }[];
  readonly events: PlanEvent[];
  readonly failedPodNodes: string[];
  /** The shortest back-off a failed pod waits for. */
  backoffMs?: number;
}

/** podsShouldBeOnNode for every node, plus the pods of nodes that are gone. */
function manage(
  ds: DaemonSet,
  nodes: readonly Node[],
  byNode: ReadonlyMap<string, Pod[]>,
  should: ReadonlyMap<string, ShouldRun>,
  hash: string,
  backoff: (node: string) => number,
): ManageResult {
  const out: ManageResult = { nodesToCreate: [], podsToDelete: [], events: [], failedPodNodes: [] };
  const surge = allowsSurge(ds);
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const { shouldRun, shouldContinueRunning } = should.get(name)!;
    const pods = byNode.get(name);
    if (shouldRun && !pods) {
      out.nodesToCreate.push(name);
    } else if (shouldContinueRunning && pods) {
      const running: Pod[] = [];
      for (const p of pods) {
        if (p.metadata.deletionTimestamp) continue;
        if (p.status?.phase === 'Failed') {
          const wait = backoff(name);
          if (wait > 0) {
            out.backoffMs = Math.min(out.backoffMs ?? wait, wait);
            continue;
          }
          if (!out.failedPodNodes.includes(name)) out.failedPodNodes.push(name);
          out.events.push({
            type: 'Warning',
            reason: FAILED_DAEMON_POD_REASON,
            message: `Found failed daemon pod ${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''} on node ${name}, will try to kill it`,
          });
          out.podsToDelete.push({ pod: p, reason: 'failed' });
        } else if (p.status?.phase === 'Succeeded') {
          out.podsToDelete.push({ pod: p, reason: 'succeeded' });
        } else {
          running.push(p);
        }
      }
      if (running.length <= 1) continue;
      running.sort(compareDaemonPods);
      if (!surge) {
        for (const p of running.slice(1)) out.podsToDelete.push({ pod: p, reason: 'duplicate' });
        continue;
      }
      // With surge, the oldest up-to-date pod and the oldest old one may stay.
      let keptNew = false;
      let keptOld = false;
      for (const p of running) {
        const isNew = p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
        if (isNew && !keptNew) keptNew = true;
        else if (!isNew && !keptOld) keptOld = true;
        else out.podsToDelete.push({ pod: p, reason: 'duplicate' });
      }
    } else if (!shouldContinueRunning && pods) {
      for (const p of pods) if (!p.metadata.deletionTimestamp) out.podsToDelete.push({ pod: p, reason: 'misscheduled' });
    }
  }
  // Pods meant for nodes that no longer exist: deleted at once (grace 0), as Kubernetes' pod GC
  // would; no kubelet is left to finish a graceful delete.
  const known = new Set(nodes.map((n) => n.metadata.name ?? ''));
  for (const [node, pods] of [...byNode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (known.has(node)) continue;
    for (const p of pods) if (!p.metadata.deletionTimestamp) out.podsToDelete.push({ pod: p, reason: 'orphaned' });
  }
  return out;
}

const deletePod = (p: Pod, reason: DeleteReason): DaemonSetAction => ({
  type: 'deletePod',
  name: p.metadata.name ?? '',
  ...(p.metadata.uid ? { uid: p.metadata.uid } : {}),
  ...(targetNodeName(p) ? { nodeName: targetNodeName(p) } : {}),
  reason,
  ...(reason === 'orphaned' ? { force: true } : {}),
});

export function planDaemonSet(input: DaemonSetPlanInput): DaemonSetPlan {
  const { ds, now } = input;
  const nodes = [...input.nodes].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const actions: DaemonSetAction[] = [];
  const events: PlanEvent[] = [];

  // 1. history
  const history = planHistory(ds, input.revisions);
  let hash: string;
  let old: readonly ControllerRevision[];
  switch (history.op) {
    case 'collision': {
      const status = { ...(ds.status ?? emptyStatus()), collisionCount: (ds.status?.collisionCount ?? 0) + 1 };
      return { actions: [{ type: 'updateStatus', status }], events };
    }
    case 'dedup':
      return { actions: history.remove.map((r) => ({ type: 'deleteRevision', name: r.metadata.name ?? '', ...(r.metadata.uid ? { uid: r.metadata.uid } : {}) })), events };
    case 'create':
      actions.push({ type: 'createRevision', revision: history.revision });
      hash = revisionHash(history.revision);
      old = history.old;
      break;
    case 'renumber':
      actions.push({ type: 'updateRevision', revision: history.revision });
      hash = revisionHash(history.revision);
      old = history.old;
      break;
    case 'current':
      hash = revisionHash(history.current);
      old = history.old;
      break;
  }

  let failedPodNodes: readonly string[] = [];
  let backoffMs: number | undefined;
  const generation = templateGeneration(ds);
  const should = new Map(nodes.map((n) => [n.metadata.name ?? '', nodeShouldRunDaemonPod(n, ds)]));
  const deleting = !!ds.metadata.deletionTimestamp;

  if (!deleting) {
    // 2. manage
    const all = nodeToDaemonPods(input.pods, true);
    const m = manage(ds, nodes, all, should, hash, input.failedPodBackoff ?? (() => 0));
    failedPodNodes = m.failedPodNodes;
    backoffMs = m.backoffMs;
    events.push(...m.events);
    for (const node of m.nodesToCreate) actions.push({ type: 'createPod', nodeName: node, pod: newDaemonPod(ds, node, hash) });
    for (const { pod, reason } of m.podsToDelete) actions.push(deletePod(pod, reason));

    // 3. rolling update, once manage is satisfied
    if (m.nodesToCreate.length === 0 && m.podsToDelete.length === 0 && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const live = nodeToDaemonPods(input.pods, false);
      let desired = 0;
      for (const n of nodes) {
        const name = n.metadata.name ?? '';
        if (!should.get(name)!.shouldRun) continue;
        desired++;
        if (!live.has(name)) live.set(name, []);
      }
      const step = rollingUpdate({ ds, hash, generation, nodeToPods: live, shouldRun: (n) => should.get(n)?.shouldRun ?? false, desired, now });
      // Old pods go first: a surge node whose new pod is available gives its place back before the
      // next surge pod starts (Kubernetes' syncNodes creates first; the bound is only transient there).
      for (const p of step.podsToDelete) actions.push(deletePod(p, 'update'));
      for (const node of step.nodesToCreate) actions.push({ type: 'createPod', nodeName: node, pod: newDaemonPod(ds, node, hash) });
    }

    // 4. history cleanup
    for (const r of revisionsToDelete(old, ds.spec.revisionHistoryLimit ?? 10, input.pods)) {
      actions.push({ type: 'deleteRevision', name: r.metadata.name ?? '', ...(r.metadata.uid ? { uid: r.metadata.uid } : {}) });
    }
  }

  // 5. status, from what the caches show now
  const status = calculateDaemonSetStatus({
    ds,
    nodes,
    nodeToPods: nodeToDaemonPods(input.pods, false),
    shouldRun: (n) => should.get(n.metadata.name ?? '')?.shouldRun ?? false,
    hash,
    generation,
    now,
  });
  if (!daemonStatusEqual(status, ds.status)) actions.push({ type: 'updateStatus', status });
  const minReady = ds.spec.minReadySeconds ?? 0;
  const waits = [minReady > 0 && status.numberReady !== status.numberAvailable ? minReady * 1000 : undefined, backoffMs].filter((x): x is number => x !== undefined);
  const requeueAfterMs = waits.length ? Math.min(...waits) : undefined;
  return { actions, events, hash, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}), ...(failedPodNodes.length ? { failedPodNodes } : {}) };
}

function emptyStatus(): DaemonSetStatus {
  return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
}
