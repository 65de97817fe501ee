/**
 * The node lifecycle controller's I/O layer (kube-controller-manager's node-lifecycle-controller
 * with its NoExecute taint manager, plus PodGC's orphan rule). The decisions are evaluate.ts'.
 *
 * Two queues over the shared informers of nodes, leases (kube-node-lease only) and pods:
 *
 *  - nodes (key = node name), enqueued by node and Lease events: when the node is stale, PUT
 *    /status with every condition Unknown (CAS on the observed resourceVersion) and record
 *    NodeNotReady; then PUT the node with the taints its Ready condition calls for. A fresh node
 *    is looked at again when its heartbeat would expire (requeueAfter), not by polling.
 *  - pods (key = namespace/name), enqueued by pod events and by taint changes and deletions of
 *    their node (nodeName index): evict (graceful DELETE with a uid precondition, Event
 *    TaintManagerEviction) when a NoExecute taint says so, or come back when a toleration runs
 *    out; force-delete (grace 0) a pod whose node the gateway confirms is gone.
 *
 * Idempotent across restarts: every write is derived from the stored state (conditions already
 * Unknown, taints already there, pods already terminating are left alone), and within one process
 * a pod this controller deleted is not deleted again before its informer shows it.
 */
import type { Lease, Node, Pod, Taint } from '../../../shared/resources/types.js';
import { EventRecorder, gatewayWriter } from '../../../shared/client/index.js';
import { isConflict, isNotFound } from '../../../shared/errors.js';
import { deepEqual } from '../../../shared/resources/json.js';
import { Indexes, WorkQueue, nodeNameIndex, objectKey, startController, type ReconcileResult } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import {
  DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS,
  DEFAULT_TOLERATION_SECONDS,
  NODE_LEASE_NAMESPACE,
  desiredTaints,
  markNodeStatusUnknown,
  nodeHealth,
  podAction,
} from './evaluate.js';

export const NODE_LIFECYCLE_CONTROLLER = 'nodelifecycle';
const COMPONENT = 'node-controller';
/** Requeue a little after the computed expiry, so the check lands past it. */
const EXPIRY_SLACK_MS = 20;

export const startNodeLifecycleController: ControllerFactory = (ctx, opts) => {
  const log = ctx.log.child({ controller: NODE_LIFECYCLE_CONTROLLER });
  const graceMs = opts.nodeMonitorGracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS;
  const defaultTolerationSeconds = opts.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
  const now = opts.now;
  const nodeClient = gatewayWriter(ctx.client).resource<Node>('nodes');
  const podClient = gatewayWriter(ctx.client).resource<Pod>('pods');
  const nodeRecorder = new EventRecorder(ctx.client, { component: COMPONENT, now, log });
  const podRecorder = new EventRecorder(ctx.client, { component: 'taint-eviction-controller', now, log });

  const nodes = ctx.informers.informer<Node>('nodes');
  const leases = ctx.informers.informer<Lease>('leases');
  const pods = ctx.informers.informer<Pod>('pods');
  pods.ensureIndexer(Indexes.nodeName, nodeNameIndex);

  const nodeQueue = new WorkQueue();
  const podQueue = new WorkQueue();
  /** uids of pods this process deleted, until their informer shows them terminating or gone. */
  const deleted = new Set<string>();
  /** When a NoExecute taint without timeAdded was first seen, by node then taint. */
  const firstSeen = new Map<string, Map<string, number>>();

  const enqueuePodsOn = (nodeName: string | undefined) => {
    if (!nodeName) return;
    for (const p of pods.byIndex(Indexes.nodeName, nodeName)) podQueue.add(objectKey(p));
  };
  const taintsOf = (n: Node) => n.spec?.taints ?? [];

  const unregister: (() => void)[] = [];
  unregister.push(nodes.addEventHandler({
    onAdd: (n) => {
      nodeQueue.add(n.metadata.name ?? '');
      enqueuePodsOn(n.metadata.name);
    },
    onUpdate: (old, n) => {
      nodeQueue.add(n.metadata.name ?? '');
      if (old === n || !deepEqual(taintsOf(old), taintsOf(n))) enqueuePodsOn(n.metadata.name);
    },
    onDelete: (n) => {
      firstSeen.delete(n.metadata.name ?? '');
      enqueuePodsOn(n.metadata.name);
    },
  }));
  const leaseEvent = (l: Lease) => {
    if (l.metadata.namespace === NODE_LEASE_NAMESPACE && l.metadata.name) nodeQueue.add(l.metadata.name);
  };
  unregister.push(leases.addEventHandler({ onAdd: leaseEvent, onUpdate: (_o, l) => leaseEvent(l), onDelete: leaseEvent }));
  const podEvent = (p: Pod) => {
    if (p.metadata.deletionTimestamp && p.metadata.uid) deleted.delete(p.metadata.uid);
    if (p.spec?.nodeName) podQueue.add(objectKey(p));
  };
  unregister.push(pods.addEventHandler({
    onAdd: podEvent,
    onUpdate: (_o, p) => podEvent(p),
    onDelete: (p) => {
      if (p.metadata.uid) deleted.delete(p.metadata.uid);
    },
  }));

  // ------------------------------------------------------------------ nodes

  async function reconcileNode(name: string): Promise<ReconcileResult | void> {
    let node = nodes.getByName(undefined, name);
    if (!node) return;
    const at = now();
    const health = nodeHealth(node, leases.getByName(NODE_LEASE_NAMESPACE, name), at, graceMs);
    if (health.stale) {
      const status = markNodeStatusUnknown(node, at);
      if (status) {
        node = await nodeClient.updateStatus({ ...node, status });
        log.info({ node: name, lastSeen: health.probeTime && new Date(health.probeTime).toISOString(), source: health.source }, 'node stopped posting status: Unknown');
        nodeRecorder.record(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      }
    }
    const taints = desiredTaints(node, at);
    if (taints) {
      node = await nodeClient.update({ ...node, spec: { ...(node.spec ?? {}), taints } });
      log.info({ node: name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'node taints updated');
    }
    if (health.expiresAt !== undefined) return { requeueAfter: Math.max(1, health.expiresAt - at.getTime() + EXPIRY_SLACK_MS) };
  }

  // ------------------------------------------------------------------ pods

  function seenSince(nodeName: string, nowMs: number): (t: Taint) => number {
    return (t) => {
      let m = firstSeen.get(nodeName);
      if (!m) firstSeen.set(nodeName, (m = new Map()));
      const id = `${t.key}\u0000${t.value ?? ''}`;
      let since = m.get(id);
      if (since === undefined) m.set(id, (since = nowMs));
      return since;
    };
  }

  async function reconcilePod(key: string): Promise<ReconcileResult | void> {
    const pod = pods.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || !pod.metadata.uid || deleted.has(pod.metadata.uid)) return;
    const at = now();
    const node = nodes.getByName(undefined, nodeName);
    const decision = podAction(pod, node, at, defaultTolerationSeconds, seenSince(nodeName, at.getTime()));
    switch (decision.action) {
      case 'none':
        return;
      case 'wait':
        return { requeueAfter: Math.max(1, decision.at - at.getTime() + EXPIRY_SLACK_MS) };
      case 'forceDelete':
        return await deleteOrphan(pod, nodeName);
      case 'evict': {
        const ns = pod.metadata.namespace ?? '';
        const name = pod.metadata.name ?? '';
        if (!(await deletePod(pod, {}))) return;
        log.info({ pod: key, node: nodeName, taint: decision.eviction.taint.key, tolerated: decision.eviction.tolerated }, 'evicting pod');
        podRecorder.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
        return;
      }
    }
  }

  /** A pod whose node is not in the cache: gone for good only if the gateway says so too (the node informer may lag). */
  async function deleteOrphan(pod: Pod, nodeName: string): Promise<void> {
    try {
      await nodeClient.get(undefined, nodeName);
      return; // it exists: its informer event will bring the pod back here
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (await deletePod(pod, { gracePeriodSeconds: 0 })) {
      log.info({ pod: objectKey(pod), node: nodeName }, 'force-deleted pod bound to a node that no longer exists');
    }
  }

  /** DELETE with the uid precondition; false when the pod is already gone or replaced. */
  async function deletePod(pod: Pod, extra: { gracePeriodSeconds?: number }): Promise<boolean> {
    const uid = pod.metadata.uid!;
    try {
      await podClient.delete(pod.metadata.namespace, pod.metadata.name ?? '', { ...extra, preconditions: { uid } });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return false;
      throw e;
    }
    deleted.add(uid);
    return true;
  }

  // Two loops over the same caches: nodes, and the pods on them.
  const informers = [nodes, leases, pods];
  const loops = [
    startController({ name: `${NODE_LIFECYCLE_CONTROLLER}-nodes`, informers, queue: nodeQueue, reconcile: reconcileNode, workers: opts.workers, recorder: nodeRecorder, log }),
    startController({ name: `${NODE_LIFECYCLE_CONTROLLER}-pods`, informers, queue: podQueue, reconcile: reconcilePod, workers: opts.workers, recorder: podRecorder, log }),
  ];
  return {
    name: NODE_LIFECYCLE_CONTROLLER,
    async stop() {
      for (const u of unregister) u();
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
};
