/**
 * The scheduler (kube-scheduler): pods with no spec.nodeName wait on a queue; one at a time each is
 * filtered and scored against a cache of nodes (shared/scheduling), assumed onto the winner at once
 * so the next decision sees it, and bound through the gateway's `pods/{name}/binding` in the
 * background. A failed binding forgets the assumption and retries with backoff; a pod that fits
 * nowhere gets PodScheduled=False with the reason and a FailedScheduling Event, and is tried again
 * when nodes change, when a pod goes away, or after a while.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServiceContext } from '../../shared/service/context.js';
import { EventRecorder } from '../../shared/client/index.js';
import { isConflict, isNotFound } from '../../shared/errors.js';
import { objectKey as keyOf, WorkQueue, type Informer } from '../../shared/informer/index.js';
import type { Node, Pod, PodCondition } from '../../shared/resources/types.js';
import { preparePod, schedulePod, SchedulerCache } from '../../shared/scheduling/index.js';
import { rfc3339 } from '../../shared/resources/time.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../shared/resources/storage-types.js';
import { ANN } from '../../shared/resources/storage-types.js';
import { claimNamesOf, volumeBinding, type VolumeLookup } from '../../shared/scheduling/volume-binding.js';
import { formatUnschedulableMessage } from '../../shared/scheduling/schedule.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions {
  /** Pods whose spec.schedulerName is this (or unset) are ours. */
  readonly schedulerName?: string;
  /** Bindings in flight at once (default 64). */
  readonly bindConcurrency?: number;
  readonly percentageOfNodesToScore?: number;
  /** Retry unschedulable pods at least this often even without a cluster change (default 60 s). */
  readonly unschedulableFlushMs?: number;
  /** Per-pod retry backoff (Kubernetes: 1 s doubling to 10 s). */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  readonly now?: () => Date;
  /** Record a `Scheduled` Event per binding (default true; Kubernetes does). */
  readonly scheduledEvents?: boolean;
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly volumeLookup: VolumeLookup;
  private readonly queue: WorkQueue;
  private readonly recorder: EventRecorder;
  private readonly name: string;
  private readonly now: () => Date;
  /** Keys (ns/name) that fit nowhere last time, with the message we reported. */
  private readonly unschedulable = new Map<string, string>();
  private loop: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private bindsInFlight = 0;
  private bindSlots: (() => void)[] = [];
  private readonly metrics;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.now = opts.now ?? (() => new Date());
    this.pods = ctx.informers.informer<Pod>('pods');
    this.nodes = ctx.informers.informer<Node>('nodes');
    this.claims = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    this.volumes = ctx.informers.informer<PersistentVolume>('persistentvolumes');
    this.classes = ctx.informers.informer<StorageClass>('storageclasses');
    this.volumeLookup = {
      claim: (ns, name) => this.claims.getByName(ns, name),
      volume: (name) => this.volumes.getByName(undefined, name),
      storageClass: (name) => (name ? this.classes.getByName(undefined, name) : undefined),
      volumes: () => this.volumes.list(),
      claimUsers: (ns, claim, except) =>
        this.pods
          .listByNamespace(ns)
          .filter((p) => p.metadata.name !== except && (p.spec.nodeName || this.cache.isAssumed(p)) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && claimNamesOf(p).includes(claim))
          .map((p) => p.metadata.name ?? ''),
    };
    this.queue = new WorkQueue({ baseMs: opts.backoffBaseMs ?? 1000, capMs: opts.backoffCapMs ?? 10_000 });
    this.recorder = new EventRecorder(ctx.client, { component: this.name, log: ctx.log, now: this.now });
    const r = ctx.registry;
    this.metrics = {
      attempts: new Counter({ name: 'jetkube_scheduler_schedule_attempts_total', help: 'Scheduling attempts by result', labelNames: ['result'], registers: [r] }),
      bindSeconds: new Histogram({
        name: 'jetkube_scheduler_binding_duration_seconds',
        help: 'Time to bind a pod through the gateway',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [r],
      }),
      e2eSeconds: new Histogram({
        name: 'jetkube_scheduler_pod_scheduling_duration_seconds',
        help: 'From pod creation to a successful binding',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [r],
      }),
      pending: new Gauge({ name: 'jetkube_scheduler_pending_pods', help: 'Pods waiting by queue', labelNames: ['queue'], registers: [r] }),
    };
  }

  /** Register handlers and start the scheduling loop (informers are started by the caller's factory). */
  start(): this {
    this.nodes.addEventHandler({
      onAdd: (n) => this.onNode(n),
      onUpdate: (_o, n) => this.onNode(n),
      onDelete: (n) => {
        this.cache.removeNode(n.metadata.name!);
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (p) => {
        const key = keyOf(p);
        this.unschedulable.delete(key);
        if (this.cache.removePod(p)) this.retryUnschedulable();
      },
    });
    // A claim that changes (bound, provisioned, created) may unblock the pods that mount it.
    const onClaim = (c: PersistentVolumeClaim) => {
      for (const p of this.pods.listByNamespace(c.metadata.namespace ?? '')) {
        if (!p.spec.nodeName && this.responsibleFor(p) && claimNamesOf(p).includes(c.metadata.name ?? '')) this.queue.add(keyOf(p));
      }
    };
    this.claims.addEventHandler({ onAdd: onClaim, onUpdate: (_o, c) => onClaim(c), onDelete: onClaim });
    this.volumes.addEventHandler({ onAdd: () => this.retryUnschedulable(), onUpdate: () => undefined });
    this.classes.addEventHandler({ onAdd: () => this.retryUnschedulable() });
    this.loop = this.run();
    const flushMs = this.opts.unschedulableFlushMs ?? 60_000;
    this.flushTimer = setInterval(() => this.retryUnschedulable(), flushMs);
    this.flushTimer.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.queue.shutDown();
    await this.loop;
    while (this.bindsInFlight > 0) await new Promise((r) => setTimeout(r, 10));
    await this.recorder.flush();
  }

  /** Events the recorder dropped (its queue was full) and failed to write. */
  eventStats(): { dropped: number; failed: number } {
    return { dropped: this.recorder.dropped, failed: this.recorder.failed };
  }

  /** Pods waiting for a decision (queued or unschedulable). */
  pending(): { active: number; unschedulable: number; binding: number } {
    return { active: this.queue.len, unschedulable: this.unschedulable.size, binding: this.bindsInFlight };
  }

  // ---- events --------------------------------------------------------------------------------------

  private onNode(n: Node): void {
    this.cache.upsertNode(n);
    // A new or changed node may fit what did not fit before.
    this.retryUnschedulable();
  }

  private onPod(p: Pod): void {
    if (p.spec.nodeName) {
      this.unschedulable.delete(keyOf(p));
      this.cache.upsertPod(p);
      const phase = p.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') this.retryUnschedulable();
      return;
    }
    if (this.responsibleFor(p)) this.queue.add(keyOf(p));
  }

  private responsibleFor(p: Pod): boolean {
    const name = p.spec.schedulerName || DEFAULT_SCHEDULER_NAME;
    if (name !== this.name) return false;
    if (p.metadata.deletionTimestamp) return false;
    const phase = p.status?.phase;
    return phase !== 'Succeeded' && phase !== 'Failed';
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable.keys()) this.queue.addRateLimited(key);
    this.metrics.pending.set({ queue: 'unschedulable' }, this.unschedulable.size);
  }

  // ---- one scheduling cycle -------------------------------------------------------------------------

  /**
   * One decision at a time against one cache (bindings run in the background). Not runController:
   * an unschedulable pod keeps its backoff count until it is bound, so its retries slow down.
   */
  private async run(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      try {
        await this.scheduleOne(key);
      } catch (err) {
        this.ctx.log.warn({ err, pod: key }, 'scheduling attempt failed; retrying');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
      this.metrics.pending.set({ queue: 'active' }, this.queue.len);
    }
  }

  private async scheduleOne(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || pod.spec.nodeName || !this.responsibleFor(pod)) {
      this.unschedulable.delete(key);
      return;
    }
    if (this.cache.isAssumed(pod)) return; // its binding is in flight
    const pp = preparePod(pod);
    const vb = volumeBinding(pod, this.volumeLookup);
    if (!vb.ok) {
      this.metrics.attempts.inc({ result: 'unschedulable' });
      await this.markUnschedulable(key, pod, formatUnschedulableMessage(this.cache.nodeInfos().length, new Map()).replace(/\.$/, `: ${vb.message}.`));
      return;
    }
    const r = schedulePod(pp, this.cache, {
      ...(this.opts.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: this.opts.percentageOfNodesToScore } : {}),
      ...(vb.filter ? { extraFilter: vb.filter } : {}),
    });
    if (!r.scheduled) {
      this.metrics.attempts.inc({ result: 'unschedulable' });
      await this.markUnschedulable(key, pod, r.unschedulable.message);
      return;
    }
    this.metrics.attempts.inc({ result: 'scheduled' });
    this.unschedulable.delete(key);
    if (vb.waiting) {
      // VolumeBinding's PreBind: the claims learn the node; the pod is bound once they are Bound
      // (their update events requeue it).
      for (const name of vb.toSelect) await this.selectNode(pod.metadata.namespace ?? '', name, r.nodeName);
      return;
    }
    this.cache.assume(pp, r.nodeName);
    await this.bindSlot();
    void this.bind(key, pod, r.nodeName);
  }

  private async bindSlot(): Promise<void> {
    while (this.bindsInFlight >= (this.opts.bindConcurrency ?? 64)) await new Promise<void>((r) => this.bindSlots.push(r));
    this.bindsInFlight++;
  }

  private async bind(key: string, pod: Pod, nodeName: string): Promise<void> {
    const started = performance.now();
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    try {
      await this.ctx.client.bind(ns, name, nodeName);
      this.metrics.bindSeconds.observe((performance.now() - started) / 1000);
      const created = Date.parse(pod.metadata.creationTimestamp ?? '');
      if (Number.isFinite(created)) this.metrics.e2eSeconds.observe(Math.max(0, this.now().getTime() - created) / 1000);
      this.queue.forget(key);
      if (this.opts.scheduledEvents !== false) this.recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
    } catch (err) {
      this.cache.forget(pod);
      this.metrics.attempts.inc({ result: 'error' });
      if (isNotFound(err)) return; // deleted meanwhile
      if (isConflict(err)) {
        // Bound by someone else, or changed under us: the informer brings the truth; look again.
        this.queue.addRateLimited(key);
        return;
      }
      this.ctx.log.warn({ err, pod: key, node: nodeName }, 'binding failed; retrying');
      this.queue.addRateLimited(key);
    } finally {
      this.bindsInFlight--;
      this.bindSlots.shift()?.();
    }
  }

  /** volume.kubernetes.io/selected-node on an unbound WaitForFirstConsumer claim. */
  private async selectNode(namespace: string, claim: string, node: string): Promise<void> {
    try {
      await this.ctx.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').patch(namespace, claim, { metadata: { annotations: { [ANN.selectedNode]: node } } }, 'merge');
      this.ctx.log.info({ claim: `${namespace}/${claim}`, node }, 'selected a node for a WaitForFirstConsumer claim');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** PodScheduled=False with the reason, and a FailedScheduling Event, each only when the message changed. */
  private async markUnschedulable(key: string, pod: Pod, message: string): Promise<void> {
    const before = this.unschedulable.get(key);
    this.unschedulable.set(key, message);
    this.metrics.pending.set({ queue: 'unschedulable' }, this.unschedulable.size);
    const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    if (before === message && cond?.status === 'False' && cond.message === message) return;
    this.recorder.record(pod, 'Warning', 'FailedScheduling', message);
    if (cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === message) return;
    const next: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: cond?.status === 'False' && cond.lastTransitionTime ? cond.lastTransitionTime : rfc3339(this.now()),
    };
    const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), next];
    try {
      await this.ctx.client.pods.updateStatus({ ...pod, status: { phase: 'Pending', ...pod.status, conditions } });
    } catch (err) {
      // A conflict means the pod changed: its update event requeues it anyway.
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }
}


