/**
 * One node's kubelet: registers the Node, renews its Lease, keeps the node status current, and
 * reconciles every pod bound to it against the container runtime. Level-based like a controller:
 * pod events, container changes found by relisting the runtime (PLEG), probe results and backoff
 * timers only put the pod's key on a work queue; `syncPod(key)` reads the pod from the shared
 * informer and the containers from the runtime (the labels on them are the kubelet's memory, so a
 * restarted kubelet adopts what runs and keeps restart counts), acts (pod-plan.ts), computes the
 * status (pod-status.ts) and writes it with the resourceVersion it saw, only when it changed.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { EventRecorder } from '../../shared/client/index.js';
import { ApiError, isAlreadyExists, isConflict, isNotFound } from '../../shared/errors.js';
import { runController, WorkQueue, splitKey, withoutManagedFields, type ControllerHandle, type Informer } from '../../shared/informer/index.js';
import type { Logger } from '../../shared/log.js';
import { parseMilli, parseQuantity } from '../../shared/resources/quantity.js';
import type { ConfigMap, Container, Lease, Node, Pod, Secret, Service } from '../../shared/resources/types.js';
import type { GatewayClient } from '../../shared/client/index.js';
import type { KubeletConfig } from './config.js';
import { dnsEnv, expandVars, podDns, resolveEnv, serviceEnv } from './env.js';
import type { KubeletMetrics } from './metrics.js';
import { holdsIp, nodeReadDue, nodeStatus, PodIpAllocator, registrationNode, statusWriteDue, type NodeFacts } from './node-status.js';
import { planPod, viewOf, type Action, type ContainerView, type StartFailure } from './pod-plan.js';
import { computePodStatus, sameStatus } from './pod-status.js';
import type { PortForwardPod } from './portforward.js';
import { ProbeManager } from './probes.js';
import { isEventedRuntime, isImagePullError, isContainerConfigError, LABELS, type ContainerRuntime, type LogOptions, type RuntimeContainer, type RuntimeMount } from './runtime/types.js';
import { hookOf, POST_START_TIMEOUT_MS, runHook } from './lifecycle.js';
import { effectiveSecurity, runAsNonRootViolation, unsupportedSecurity, type EffectiveSecurity } from './security-context.js';
import { VolumeManager } from './volumes/manager.js';
import { containerMounts } from './volumes/mounts.js';
import { emptyDirEviction, planVolumes, type VolumeSetup } from './volumes/plan.js';
import { TokenManager, type TokenSource } from './volumes/token-manager.js';
import { every, type SyncSlots } from './periodic.js';
import { firstDelayMs, nextDelayMs, renewalLate, type Slot } from './heartbeat-schedule.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/resources/storage-types.js';
import { KUBELET_STORAGE_DIR } from '../../shared/storage/local-path.js';
import { isStatsRuntime, type ContainerStats } from './runtime/types.js';
import { buildSummary, type Summary } from './stats/summary.js';
import { parseSyntheticUsage, SYNTHETIC_USAGE_ANNOTATION } from './stats/synthetic.js';
import { rfc3339 } from '../../shared/resources/time.js';
import type { PodConfigSource } from './pod-config.js';

export interface KubeletDeps {
  readonly client: GatewayClient;
  readonly log: Logger;
  /** Shared informers; `pods` holds (at least) the pods bound to this node. */
  readonly pods: Informer<Pod>;
  /** The ConfigMaps and Secrets its pods read, through the gateway (pod-config.ts): not from the stream. */
  readonly podConfig: PodConfigSource;
  /** Claims and volumes, for persistentVolumeClaim volumes (without them such pods get FailedMount). */
  readonly claims?: Informer<PersistentVolumeClaim>;
  readonly volumes?: Informer<PersistentVolume>;
  /** Services, for the containers' service-link variables (optional: none without). */
  readonly services?: Informer<Service>;
  readonly runtime: ContainerRuntime;
  /** The port the kubelet's HTTP server (logs) listens on, advertised in the Node. */
  readonly port: number;
  readonly metrics: KubeletMetrics;
  readonly now?: () => Date;
  /** The client for Lease and Node writes, when they get connections of their own (a pool); default: `client`. */
  readonly heartbeats?: GatewayClient;
  /** One Event sink for every kubelet of the process (a fake pool); default: this kubelet's own. */
  readonly recorder?: EventRecorder;
  /** This node's place in its pool: its periodic tasks run at its own phase of each interval (heartbeat-schedule.ts). */
  readonly slot?: Slot;
  /** The pool's bound on pod syncs in flight (heartbeats never wait for it); default: none. */
  readonly syncSlots?: SyncSlots;
  /** Random numbers in [0, 1) for the jitter (tests pin them); default Math.random. */
  readonly random?: () => number;
}

/**
 * A runtime that tells its container changes (fake) is relisted this often only, as a safety net
 * (Kubernetes' evented PLEG relists every 300 s); the others every relistMs.
 */
export const EVENTED_RELIST_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const microTime = (d: Date) => d.toISOString().replace(/Z$/, '000Z');
/** Where the fake runtime's volumes would be (nothing is written there). */
const FAKE_PODS_DIR = '/var/lib/kubelet/pods';

/** A pod's volumes, set up for this sync (or why they could not be). */
type PodVolumes =
  | { readonly ok: true; readonly volumes: readonly VolumeSetup[]; readonly dirs: ReadonlyMap<string, string>; readonly evict?: string }
  | { readonly ok: false; readonly message: string };

/** After a preStop hook, a container still gets this much grace (Kubernetes' minimumGracePeriodInSeconds). */
const MIN_GRACE_AFTER_PRESTOP_S = 2;

const podKeyOf = (c: RuntimeContainer) => `${c.labels[LABELS.podNamespace]}/${c.labels[LABELS.podName]}`;

export class Kubelet {
  readonly nodeName: string;
  private readonly log: Logger;
  private readonly queue = new WorkQueue({ baseMs: 200, capMs: 10_000 });
  private readonly probes: ProbeManager;
  private readonly recorder: EventRecorder;
  private readonly startFailures = new Map<string, Map<string, StartFailure>>();
  private readonly volumes: VolumeManager;
  /** Pod-bound ServiceAccount tokens for projected serviceAccountToken sources (not asked for on the fake runtime). */
  private readonly tokens: TokenManager;
  /** The uid whose volumes were set up, per pod key: a pod gone without containers still has files to remove. */
  private readonly volumeUids = new Map<string, string>();
  /** The last FailedMount event per pod (not repeated on every sync). */
  private readonly mountEvents = new Map<string, { readonly message: string; readonly atMs: number }>();
  private readonly now: () => Date;
  private readonly bootId = randomBytes(16).toString('hex');
  private ipam: PodIpAllocator | undefined;
  private controller: ControllerHandle | undefined;
  private stops: (() => void)[] = [];
  /** When the Lease was last renewed (ms), to count late renewals. */
  private lastRenewMs: number | undefined;
  private fingerprints = new Map<string, string>();
  /**
   * The Lease and Node as last written, without managedFields (thousands of nodes in a fake pool
   * kept kilobytes each of them): an update that leaves managedFields out keeps the stored ones.
   */
  private lease: Lease | undefined;
  private stopped = false;
  private relisting = false;
  private node: Node | undefined;

  constructor(
    readonly cfg: KubeletConfig,
    private readonly deps: KubeletDeps,
  ) {
    this.nodeName = cfg.nodeName;
    this.log = deps.log.child({ node: cfg.nodeName });
    this.now = deps.now ?? (() => new Date());
    // docker binds a Memory emptyDir's directory: the kubelet mounts a tmpfs there (shared by the
    // pod's containers, kept across their restarts); the process runtime keeps a plain directory.
    this.volumes = new VolumeManager({ memoryTmpfs: deps.runtime.name === 'docker' });
    this.tokens = new TokenManager(deps.client, this.now);
    this.probes = new ProbeManager(deps.runtime, (key) => this.queue.add(key), { enabled: deps.runtime.name !== 'fake', log: this.log });
    this.recorder = deps.recorder ?? new EventRecorder(deps.client, { component: 'kubelet', host: cfg.nodeName, log: this.log, now: this.now });
  }

  // ------------------------------------------------------------------------------------ lifecycle

  /** Register the node and its lease, then start syncing pods (call once the informers synced). */
  async start(): Promise<void> {
    await this.register();
    await this.renewLease();
    this.controller = runController({
      name: `kubelet/${this.nodeName}`,
      queue: this.queue,
      workers: this.cfg.workers,
      log: this.log,
      reconcile: (key) => (this.deps.syncSlots ? this.deps.syncSlots.run(() => this.timedSync(key)) : this.timedSync(key)),
    });
    for (const p of this.myPods()) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    const slot = this.deps.slot ?? { index: 0, of: 1 };
    const rand = this.deps.random ?? Math.random;
    // Each task at this node's phase of its interval (a pool's nodes spread over it), the Lease
    // first and the node status half an interval later; never overlapping itself, never catching up.
    const periodic = (intervalMs: number, phase: number, task: (dueMs: number) => Promise<void>) => {
      this.stops.push(every({
        intervalMs,
        firstDelayMs: firstDelayMs(intervalMs, slot, rand(), phase),
        nextDelayMs: (dueMs, nowMs) => nextDelayMs(intervalMs, dueMs, nowMs, rand()),
        task,
        onError: (err) => this.log.warn({ err }, 'periodic task failed'),
      }));
    };
    periodic(this.cfg.leaseRenewMs, 0, (dueMs) => this.heartbeat(dueMs));
    periodic(this.cfg.nodeStatusUpdateMs, 0.5, () => this.updateNodeStatus());
    // PLEG: a runtime that tells its changes enqueues the pod at once; the relist is then a safety net.
    const rt = this.deps.runtime;
    if (isEventedRuntime(rt)) {
      this.stops.push(rt.onContainerChange((c) => {
        if (c.labels[LABELS.node] === this.nodeName) this.enqueue(podKeyOf(c));
      }));
    }
    periodic(isEventedRuntime(rt) ? Math.max(this.cfg.relistMs, EVENTED_RELIST_MS) : this.cfg.relistMs, 0.25, () => this.relist());
    periodic(this.cfg.syncMs, 0.75, async () => {
      for (const p of this.myPods()) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
      await this.cleanupOrphanedPodDirs();
      await this.cleanupReleasedVolumeDirs();
    });
    await this.relist();
    await this.cleanupOrphanedPodDirs().catch((err) => this.log.warn({ err }, 'orphaned pod directories cleanup failed'));
    if (this.deps.runtime.name === 'docker' && this.cfg.clusterDns.port !== 53) {
      this.log.warn(
        { clusterDns: this.cfg.clusterDns },
        "the cluster DNS is not on port 53: /etc/resolv.conf cannot name a port, so containers' resolvers will not reach it (JETKUBE_DNS_SERVER has the port)",
      );
    }
    this.log.info({ runtime: this.deps.runtime.name, podCIDR: this.node?.spec?.podCIDR }, 'kubelet started');
  }

  /** One pod sync, counted and timed. */
  private async timedSync(key: string): Promise<{ requeueAfter?: number } | void> {
    const started = performance.now();
    try {
      const r = await this.syncPod(key);
      this.deps.metrics.syncs.inc({ result: 'ok' });
      return r;
    } catch (e) {
      this.deps.metrics.syncs.inc({ result: isConflict(e) ? 'conflict' : 'error' });
      throw e;
    } finally {
      this.deps.metrics.syncSeconds.observe((performance.now() - started) / 1000);
    }
  }

  /** Stop syncing (containers keep running: a restarted kubelet adopts them). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const stop of this.stops) stop();
    this.probes.stop();
    await this.controller?.stop();
    await this.recorder.flush();
  }

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder.record(pod, type, reason, message, this.nodeName);
  }

  /** A pod bound here changed (called by the host's shared informer handler). */
  enqueue(key: string): void {
    if (!this.stopped) this.queue.add(key);
  }

  myPods(): Pod[] {
    return this.deps.pods.byIndex('node', this.nodeName);
  }

  // ------------------------------------------------------------------------------------ node + lease

  private facts(runtimeVersion: string): NodeFacts {
    return { cfg: this.cfg, port: this.deps.port, runtimeVersion, bootId: this.bootId };
  }

  private async register(): Promise<void> {
    const facts = this.facts(await this.deps.runtime.version());
    const nodes = (this.deps.heartbeats ?? this.deps.client).nodes;
    for (let attempt = 0; ; attempt++) {
      try {
        let node: Node;
        try {
          node = await nodes.get(undefined, this.nodeName);
          const want = registrationNode(facts, this.now()).metadata.labels ?? {};
          const labels = { ...node.metadata.labels, ...want };
          if (!isDeepStrictEqual(labels, node.metadata.labels ?? {})) node = await nodes.update({ ...node, metadata: { ...node.metadata, labels } });
        } catch (e) {
          if (!isNotFound(e)) throw e;
          node = await nodes.create(undefined, registrationNode(facts, this.now()));
        }
        const status = nodeStatus(facts, node.status, this.now());
        node = await nodes.updateStatus({ ...node, status });
        this.node = withoutManagedFields(node);
        break;
      } catch (e) {
        if (attempt >= 20 || !(isConflict(e) || isAlreadyExists(e) || (e instanceof ApiError && e.reason === 'ServiceUnavailable'))) throw e;
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
    const cidr = this.cfg.podCidr || this.node?.spec?.podCIDR;
    if (!cidr) throw new Error(`node ${this.nodeName} has no spec.podCIDR and POD_CIDR is not set: pods would have no address`);
    this.ipam = new PodIpAllocator(cidr);
    for (const p of this.myPods()) if (p.status?.podIP && holdsIp(p)) this.ipam.claim(p.metadata.uid!, p.status.podIP);
    this.runtimeVersion = facts.runtimeVersion;
  }

  private runtimeVersion = '';

  private async updateNodeStatus(): Promise<void> {
    if (this.stopped) return;
    const nodes = (this.deps.heartbeats ?? this.deps.client).nodes;
    // The node is read every NODE_READ_EVERY-th tick (to see a status someone else wrote, or the
    // node deleted); in between the status is compared with the one this kubelet last wrote. At
    // 10 s a tick, a GET per node per tick was half of a large cluster's heartbeat requests.
    let node = nodeReadDue(this.statusTicks++, this.node) ? undefined : this.node;
    if (!node) {
      try {
        node = await nodes.get(undefined, this.nodeName);
      } catch (e) {
        if (isNotFound(e)) {
          // Deleted under us (an operator, a test): register again, as a kubelet does.
          this.log.warn('node object is gone; registering again');
          await this.register();
          return;
        }
        throw e;
      }
      this.node = withoutManagedFields(node);
    }
    const desired = nodeStatus(this.facts(this.runtimeVersion), node.status, this.now());
    if (!statusWriteDue(node.status, desired, this.now(), this.cfg.nodeStatusReportMs)) return;
    try {
      this.node = withoutManagedFields(await nodes.updateStatus({ ...node, status: desired }));
      this.deps.metrics.statusWrites.inc({ kind: 'node' });
    } catch (e) {
      // Changed (or deleted) since we read it: read it again on the next tick.
      this.node = undefined;
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }

  private statusTicks = 0;

  /** One scheduled Lease renewal, counted: attempted, then succeeded (and late?) or failed. */
  private async heartbeat(dueMs: number): Promise<void> {
    if (this.stopped) return;
    const m = this.deps.metrics;
    const startedMs = Date.now();
    m.leaseRenewDelay.observe(Math.max(0, startedMs - dueMs) / 1000);
    m.leaseRenewals.inc({ outcome: 'attempted' });
    try {
      await this.renewLease();
    } catch (e) {
      m.leaseRenewals.inc({ outcome: 'failed' });
      throw e;
    }
    const nowMs = Date.now();
    m.leaseRenewals.inc({ outcome: 'succeeded' });
    if (renewalLate(this.lastRenewMs, nowMs, this.cfg.leaseRenewMs)) m.leaseRenewals.inc({ outcome: 'late' });
    this.lastRenewMs = nowMs;
  }

  private async renewLease(): Promise<void> {
    if (this.stopped) return;
    const leases = (this.deps.heartbeats ?? this.deps.client).leases;
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds: this.cfg.leaseDurationSeconds, renewTime: microTime(this.now()) };
    try {
      if (this.lease) {
        this.lease = withoutManagedFields(await leases.update({ ...this.lease, spec: { ...this.lease.spec, ...spec } }));
        return;
      }
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
      this.lease = undefined;
    }
    try {
      const cur = await leases.get('kube-node-lease', this.nodeName);
      this.lease = withoutManagedFields(await leases.update({ ...withoutManagedFields(cur), spec: { ...cur.spec, ...spec } }));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.lease = withoutManagedFields(await leases.create('kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.nodeName, namespace: 'kube-node-lease' },
        spec: { ...spec, acquireTime: spec.renewTime },
      }));
    }
  }

  // ------------------------------------------------------------------------------------ PLEG

  /** List the runtime; enqueue pods whose containers changed, and containers that belong to no pod. */
  private async relist(): Promise<void> {
    if (this.relisting || this.stopped) return;
    this.relisting = true;
    try {
      const all = await this.deps.runtime.list({ [LABELS.node]: this.nodeName });
      const next = new Map<string, string>();
      for (const c of all) {
        const key = podKeyOf(c);
        next.set(key, `${next.get(key) ?? ''}|${c.id}:${c.state}:${c.exitCode ?? ''}`);
      }
      for (const [key, fp] of next) if (this.fingerprints.get(key) !== fp) this.queue.add(key);
      for (const key of this.fingerprints.keys()) if (!next.has(key)) this.queue.add(key);
      this.fingerprints = next;
    } finally {
      this.relisting = false;
    }
  }

  // ------------------------------------------------------------------------------------ pods

  private boundPod(key: string): Pod | undefined {
    const p = this.deps.pods.get(key);
    return p && p.spec.nodeName === this.nodeName ? p : undefined;
  }

  private async podContainers(ns: string, name: string): Promise<RuntimeContainer[]> {
    return await this.deps.runtime.list({ [LABELS.node]: this.nodeName, [LABELS.podNamespace]: ns, [LABELS.podName]: name });
  }

  async syncPod(key: string): Promise<{ requeueAfter?: number } | void> {
    const { namespace: ns, name } = splitKey(key);
    const pod = this.boundPod(key);
    let all = await this.podContainers(ns, name);
    // Containers of another pod with this name (deleted, recreated, moved elsewhere): they go.
    const stale = all.filter((c) => !pod || c.labels[LABELS.podUid] !== pod.metadata.uid);
    if (stale.length) {
      await this.removeContainers(stale, 2);
      for (const uid of new Set(stale.map((c) => c.labels[LABELS.podUid]!))) {
        this.ipam?.release(uid);
        await this.removePodDir(uid);
      }
      all = all.filter((c) => !stale.includes(c));
    }
    if (!pod) {
      this.probes.removePod(key);
      this.startFailures.delete(key);
      this.mountEvents.delete(key);
      const volumesOf = this.volumeUids.get(key);
      if (volumesOf) await this.removePodDir(volumesOf);
      return;
    }
    if (pod.metadata.deletionTimestamp) return await this.terminate(key, pod, all);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.probes.removePod(key);
      const running = all.filter((c) => c.state === 'running');
      if (running.length) await Promise.all(running.map((c) => this.stopContainer(pod, c.id, c.labels[LABELS.container] ?? '', pod.spec.terminationGracePeriodSeconds ?? 30, pod.status?.podIP)));
      return;
    }

    const uid = pod.metadata.uid!;
    const fromLabels = all.find((c) => c.labels[LABELS.podIp])?.labels[LABELS.podIp];
    const have = this.ipam!.get(uid) ?? pod.status?.podIP ?? fromLabels;
    if (have) this.ipam!.claim(uid, have);
    const podIp = this.ipam!.allocate(uid);

    // The ConfigMaps and Secrets it reads (volumes now, env below), fetched when older than their TTL.
    await this.deps.podConfig.prepare(pod);
    const vols = await this.setUpVolumes(key, pod, podIp);
    if (vols.ok && vols.evict) return await this.evict(key, pod, all, vols.evict, podIp);
    // A failed mount is retried (and a ConfigMap or Secret arriving enqueues the pod at once).
    const mountRetryMs = vols.ok ? undefined : Math.min(this.cfg.syncMs, 10_000);
    let requeueAfter: number | undefined = mountRetryMs;
    let waiting: ReadonlyMap<string, { reason: string; message?: string }> = new Map();
    let views: ContainerView[] = all.map(viewOf);
    for (let round = 0; round < 4; round++) {
      const planned = planPod({
        pod,
        containers: views,
        probes: this.probes,
        startFailures: this.startFailures.get(key) ?? new Map(),
        backoff: { baseMs: this.cfg.backoffBaseMs, capMs: this.cfg.backoffCapMs, resetMs: 2 * this.cfg.backoffCapMs },
        nowMs: this.now().getTime(),
      });
      // Volumes that could not be set up hold every start back (the pod waits in ContainerCreating).
      const plan = vols.ok ? planned : { ...planned, actions: planned.actions.filter((a) => a.type !== 'start') };
      waiting = plan.waiting;
      requeueAfter = mountRetryMs === undefined ? plan.requeueAfterMs : Math.min(mountRetryMs, plan.requeueAfterMs ?? Infinity);
      if (plan.actions.length === 0) break;
      for (const a of plan.actions) await this.act(key, pod, podIp, a, views, vols);
      all = await this.podContainers(ns, name);
      views = all.filter((c) => c.labels[LABELS.podUid] === uid).map(viewOf);
    }

    // A runtime that gives containers their own address (docker's bridge) reports that one.
    const reportedIp = views.find((v) => v.ip)?.ip ?? podIp;
    this.probes.sync(
      key,
      views
        .filter((v) => v.state === 'running' && v.kind === 'app')
        .map((v) => ({ containerId: v.id, container: pod.spec.containers.find((c) => c.name === v.name)!, podIp: reportedIp }))
        .filter((t) => t.container),
      pod.status?.containerStatuses ?? [],
    );
    // Waiting reasons for containers that did start in the last round are stale: drop them.
    const startedNames = new Set(views.filter((v) => v.state === 'running').map((v) => v.name));
    const w = new Map([...waiting].filter(([n, r]) => !(startedNames.has(n) && (r.reason === 'ContainerCreating' || r.reason === 'PodInitializing'))));
    const status = computePodStatus({ pod, containers: views, waiting: w, probes: this.probes, runtime: this.deps.runtime.name, podIp: reportedIp, hostIp: this.cfg.nodeIp, now: this.now() });
    await this.writeStatus(pod, status);
    return requeueAfter !== undefined ? { requeueAfter: Math.max(10, requeueAfter) } : undefined;
  }

  private async writeStatus(pod: Pod, status: Pod['status']): Promise<void> {
    if (sameStatus(pod.status, status)) return;
    try {
      await this.deps.client.pods.updateStatus({ ...pod, status: status! });
      this.deps.metrics.statusWrites.inc({ kind: 'pod' });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e; // a conflict: the informer brings the newer pod, and the key is requeued
    }
  }

  private failure(key: string, name: string, reason: string, message: string): void {
    const m = this.startFailures.get(key) ?? new Map<string, StartFailure>();
    const prev = m.get(name);
    m.set(name, { reason, message, count: (prev?.count ?? 0) + 1, atMs: this.now().getTime() });
    this.startFailures.set(key, m);
  }

  /**
   * Plan the pod's volumes and set them up under its directory (every sync: ConfigMap and Secret
   * updates reach the files). A volume that cannot be set up is a FailedMount event.
   */
  private async setUpVolumes(key: string, pod: Pod, podIp: string): Promise<PodVolumes> {
    if (!pod.spec.volumes?.length) return { ok: true, volumes: [], dirs: new Map() };
    const fake = !this.deps.runtime.podDir;
    if (!fake) {
      // Tokens first (the I/O), then the pure plan; the pod is synced again when one is due (80% of its life).
      const due = await this.tokens.prepare(pod);
      if (due !== undefined) this.queue.addAfter(key, Math.max(1000, due - this.now().getTime()));
    }
    const tokenSource = fake ? () => ({ ok: true as const, token: '' }) : (p: Pod, src: TokenSource) => this.tokens.lookup(p, src);
    const plan = planVolumes(pod, { ...this.envSources(), serviceAccountToken: tokenSource }, { podIp, hostIp: this.cfg.nodeIp, nodeCpu: this.cfg.cpu, nodeMemory: this.cfg.memory, storageDir: this.storageDir() });
    const uid = pod.metadata.uid!;
    let result: PodVolumes;
    if (!plan.ok) result = { ok: false, message: plan.message };
    else {
      const rt = this.deps.runtime;
      if (rt.podDir) {
        // A pod of this name set up before under another uid (deleted, recreated): its files go.
        const before = this.volumeUids.get(key);
        if (before && before !== uid) await this.removePodDir(before);
        this.volumeUids.set(key, uid);
        const r = await this.volumes.setUp(rt.podDir(uid), plan.volumes, this.now());
        if (!r.ok) result = { ok: false, message: r.message };
        else {
          // emptyDir sizeLimit: measured on the host (docker's Memory emptyDir is a tmpfs of that size: full, never over).
          const usage = new Map<string, number>();
          for (const v of plan.volumes) {
            if (v.kind === 'emptyDir' && v.sizeLimitBytes !== undefined && !(v.medium === 'Memory' && rt.name === 'docker')) {
              usage.set(v.name, await this.volumes.usage(r.dirs.get(v.name)!));
            }
          }
          const evict = emptyDirEviction(plan.volumes, usage);
          result = { ok: true, volumes: plan.volumes, dirs: r.dirs, ...(evict ? { evict: evict.message } : {}) };
        }
      } else {
        const podDir = `${FAKE_PODS_DIR}/${uid}`;
        result = { ok: true, volumes: plan.volumes, dirs: new Map(plan.volumes.map((v) => [v.name, this.volumes.volumeDir(podDir, v)])) };
      }
    }
    if (!result.ok) {
      const last = this.mountEvents.get(key);
      const nowMs = this.now().getTime();
      if (!last || last.message !== result.message || nowMs - last.atMs >= 60_000) {
        this.mountEvents.set(key, { message: result.message, atMs: nowMs });
        this.event(pod, 'Warning', 'FailedMount', result.message);
        this.log.info({ pod: key, reason: 'FailedMount', message: result.message }, 'volume setup failed');
      }
    } else this.mountEvents.delete(key);
    return result;
  }

  /** The container's mounts for the runtime, or why it cannot have them. */
  private async mountsFor(pod: Pod, c: Container, env: Readonly<Record<string, string>>, vols: PodVolumes & { ok: true }): Promise<{ ok: true; mounts: RuntimeMount[] } | { ok: false; message: string }> {
    if (!c.volumeMounts?.length) return { ok: true, mounts: [] };
    const planned = containerMounts(c, vols.volumes, env);
    if (!planned.ok) return planned;
    const sharedBy = new Map<string, number>();
    for (const x of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      for (const name of new Set((x.volumeMounts ?? []).map((m) => m.name))) sharedBy.set(name, (sharedBy.get(name) ?? 0) + 1);
    }
    try {
      return { ok: true, mounts: await this.volumes.resolve(planned.mounts, vols.dirs, sharedBy, !!this.deps.runtime.podDir) };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  /**
   * Evict the pod (an emptyDir over its sizeLimit): a Warning Event `Evicted`, its containers
   * stopped, and the pod Failed with reason Evicted; its controller replaces it.
   */
  private async evict(key: string, pod: Pod, containers: RuntimeContainer[], message: string, podIp: string): Promise<void> {
    this.log.info({ pod: key, reason: 'Evicted', message }, 'evicting pod');
    this.event(pod, 'Warning', 'Evicted', message);
    this.probes.removePod(key);
    const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
    await Promise.all(containers.filter((c) => c.state === 'running' || c.state === 'created').map((c) => this.stopContainer(pod, c.id, c.labels[LABELS.container] ?? '', grace, podIp)));
    const views = (await this.podContainers(pod.metadata.namespace!, pod.metadata.name!)).filter((c) => c.labels[LABELS.podUid] === pod.metadata.uid).map(viewOf);
    const status = computePodStatus({ pod, containers: views, waiting: new Map(), probes: this.probes, runtime: this.deps.runtime.name, podIp, hostIp: this.cfg.nodeIp, now: this.now() });
    await this.writeStatus(pod, { ...status, phase: 'Failed', reason: 'Evicted', message });
  }

  /**
   * Housekeeping (the kubelet's cleanupOrphanedPodDirs): a pod directory whose pod is gone and
   * has no container left (deleted while this kubelet was down) is removed,
   * volumes (tmpfs mounts) included. Listed before the pods and containers are read, so a pod
   * created meanwhile is never taken for an orphan.
   */
  private async cleanupOrphanedPodDirs(): Promise<void> {
    const rt = this.deps.runtime;
    if (!rt.podDir || this.stopped) return;
    const podsDir = dirname(rt.podDir('x'));
    const uids = await readdir(podsDir).catch(() => [] as string[]);
    if (!uids.length) return;
    // Any pod or container known here counts (kubelets in one process may share a runtime and root).
    const live = new Set(this.deps.pods.list().map((p) => p.metadata.uid));
    const running = new Set((await rt.list({})).map((c) => c.labels[LABELS.podUid]));
    for (const uid of uids) {
      if (live.has(uid) || running.has(uid)) continue;
      this.log.info({ podUid: uid }, 'removing orphaned pod directory');
      await this.removePodDir(uid);
    }
  }

  private async removePodDir(uid: string): Promise<void> {
    this.tokens.forget(uid);
    for (const [k, u] of this.volumeUids) if (u === uid) this.volumeUids.delete(k);
    const rt = this.deps.runtime;
    if (rt.podDir) await this.volumes.tearDown(rt.podDir(uid));
    await rt.removePodDir?.(uid);
  }

  private async act(key: string, pod: Pod, podIp: string, a: Action, views: readonly ContainerView[], vols: PodVolumes): Promise<void> {
    const rt = this.deps.runtime;
    switch (a.type) {
      case 'remove':
        await rt.remove(a.id);
        return;
      case 'kill': {
        this.event(pod, 'Warning', 'Unhealthy', a.message);
        this.event(pod, 'Normal', 'Killing', `Container ${a.name} failed ${a.reason.toLowerCase()} probe, will be restarted`);
        this.probes.removePod(key);
        await this.stopContainer(pod, a.id, a.name, a.graceSeconds, podIp);
        return;
      }
      case 'start': {
        const c = a.container;
        const image = c.image ?? '';
        try {
          await rt.ensureImage(image, c.imagePullPolicy ?? (image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent'));
        } catch (e) {
          const reason = isImagePullError(e) ? e.reason : 'ErrImagePull';
          this.failure(key, c.name, reason, (e as Error).message);
          this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${(e as Error).message}`);
          return;
        }
        const env = resolveEnv(pod, c, this.envSources(), { podIp, hostIp: this.cfg.nodeIp });
        if (!env.ok) {
          this.failure(key, c.name, env.reason, env.message);
          this.event(pod, 'Warning', 'Failed', `Error: ${env.message}`);
          return;
        }
        const vars = { ...env.env };
        if (!vols.ok) return; // not reached: starts wait for the volumes
        const mounts = await this.mountsFor(pod, c, vars, vols);
        if (!mounts.ok) {
          this.failure(key, c.name, 'CreateContainerConfigError', mounts.message);
          this.event(pod, 'Warning', 'Failed', `Error: ${mounts.message}`);
          return;
        }
        const security = effectiveSecurity(pod, c);
        const refused = await this.securityRefusal(rt, pod, c, image, security);
        if (refused) {
          this.failure(key, c.name, 'CreateContainerConfigError', refused);
          this.event(pod, 'Warning', 'Failed', `Error: ${refused}`);
          return;
        }
        // fake runtime: the synthetic load the pod declares (stats/synthetic.ts); a malformed one is refused.
        const synthetic = rt.name === 'fake' && pod.metadata.annotations?.[SYNTHETIC_USAGE_ANNOTATION] !== undefined ? parseSyntheticUsage(pod.metadata.annotations[SYNTHETIC_USAGE_ANNOTATION]!) : undefined;
        if (synthetic && 'error' in synthetic) {
          this.failure(key, c.name, 'CreateContainerConfigError', synthetic.error);
          this.event(pod, 'Warning', 'Failed', `Error: ${synthetic.error}`);
          return;
        }
        // process runtime: $(JETKUBE_ROOT) (where mount paths are) expands like a variable of the container's.
        const expand = rt.containerRoot ? { JETKUBE_ROOT: rt.containerRoot(pod.metadata.uid!), ...vars } : vars;
        const dns = podDns(pod, this.cfg);
        let id: string;
        try {
          id = await rt.start({
            image,
            command: (c.command ?? []).map((s) => expandVars(s, expand)),
            args: (c.args ?? []).map((s) => expandVars(s, expand)),
            // The container's own variables win over the resolver's and the service links.
            env: { HOSTNAME: pod.metadata.name!, ...dnsEnv(dns), ...serviceEnv(pod, [...(this.deps.services?.listByNamespace(pod.metadata.namespace ?? 'default') ?? []), ...[this.deps.services?.getByName('default', 'kubernetes')].filter((s) => s !== undefined)]), ...vars },
            ...(c.workingDir ? { workingDir: c.workingDir } : {}),
            labels: this.labelsFor(pod, c, a.kind, a.attempt, a.backoff, podIp),
            ports: (c.ports ?? []).map((p) => ({ containerPort: p.containerPort, ...(p.hostPort ? { hostPort: p.hostPort } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })),
            ...limits(c),
            podIp,
            ...(dns ? { dns } : {}),
            ...(mounts.mounts.length ? { mounts: mounts.mounts } : {}),
            ...(c.stdin ? { stdin: true, ...(c.stdinOnce ? { stdinOnce: true } : {}) } : {}),
            ...(c.tty ? { tty: true } : {}),
            ...(synthetic ? { syntheticUsage: synthetic } : {}),
            ...(Object.keys(security).length ? { security } : {}),
          });
        } catch (e) {
          if (isContainerConfigError(e)) {
            this.failure(key, c.name, 'CreateContainerConfigError', e.message);
            this.event(pod, 'Warning', 'Failed', `Error: ${e.message}`);
            return;
          }
          this.failure(key, c.name, 'StartError', (e as Error).message);
          this.event(pod, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
          return;
        }
        const postStart = a.kind === 'app' ? hookOf(c, 'postStart') : undefined;
        if (postStart) {
          const failed = await runHook(postStart, { pod, container: c, containerId: id, podIp }, rt, POST_START_TIMEOUT_MS);
          if (failed) {
            // Kubernetes kills a container whose postStart hook failed; restartPolicy decides what follows.
            this.event(pod, 'Warning', 'FailedPostStartHook', failed);
            this.event(pod, 'Normal', 'Killing', 'FailedPostStartHook');
            await rt.stop(id, pod.spec.terminationGracePeriodSeconds ?? 30);
            return;
          }
        }
        this.startFailures.get(key)?.delete(c.name);
        this.deps.metrics.containerStarts.inc({ kind: a.kind });
        if (a.attempt > 0 && views.some((v) => v.name === c.name)) {
          this.event(pod, 'Normal', 'Started', `Restarted container ${c.name} (restart ${a.attempt})`);
        } else this.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
        return;
      }
      default: {
        const never: never = a;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  /** What in the container's securityContext the runtime can't honour, or a runAsNonRoot breach: the message; else undefined. */
  private async securityRefusal(rt: ContainerRuntime, pod: Pod, c: Container, image: string, security: EffectiveSecurity): Promise<string | undefined> {
    if (!rt.securitySupport) return undefined; // fake: recorded only
    const unsupported = unsupportedSecurity(security, rt.securitySupport);
    if (unsupported) return unsupported;
    if (security.runAsNonRoot === true && rt.imageUser) {
      try {
        return runAsNonRootViolation(security, security.runAsUser !== undefined ? '' : await rt.imageUser(image), pod, c.name);
      } catch (e) {
        return `cannot verify the image's user for runAsNonRoot: ${(e as Error).message}`;
      }
    }
    return undefined;
  }

  private labelsFor(pod: Pod, c: Container, kind: string, attempt: number, backoff: number, podIp: string): Record<string, string> {
    return {
      [LABELS.node]: this.nodeName,
      [LABELS.podUid]: pod.metadata.uid!,
      [LABELS.podName]: pod.metadata.name!,
      [LABELS.podNamespace]: pod.metadata.namespace!,
      [LABELS.container]: c.name,
      [LABELS.kind]: kind,
      [LABELS.attempt]: String(attempt),
      [LABELS.backoff]: String(backoff),
      [LABELS.podIp]: podIp,
    };
  }

  private envSources() {
    return {
      configMap: (ns: string, name: string) => this.deps.podConfig.configMap(ns, name),
      secret: (ns: string, name: string) => this.deps.podConfig.secret(ns, name),
      claim: (ns: string, name: string) => this.deps.claims?.getByName(ns, name),
      volume: (name: string) => this.deps.volumes?.getByName(undefined, name),
    };
  }

  /** Where this node keeps local-path volumes: `<root>/storage` (the fake runtime only records it). */
  private storageDir(): string {
    const rt = this.deps.runtime;
    return rt.podDir ? join(dirname(dirname(rt.podDir('x'))), KUBELET_STORAGE_DIR) : `/var/lib/kubelet/${KUBELET_STORAGE_DIR}`;
  }

  /**
   * Reclaim (the local-path provisioner's delete helper): a volume directory under the storage
   * directory whose PersistentVolume is gone (its claim was deleted with reclaim policy Delete) is
   * removed. A directory is named `<volume>_<namespace>_<claim>`; nothing is touched before the
   * volume cache has synced, and a volume still known keeps its directory.
   */
  private async cleanupReleasedVolumeDirs(): Promise<void> {
    const vols = this.deps.volumes;
    if (!vols || !this.deps.runtime.podDir || this.stopped || !vols.hasSynced()) return;
    const dir = this.storageDir();
    for (const entry of await readdir(dir).catch(() => [] as string[])) {
      const pvName = entry.split('_')[0] ?? '';
      if (!pvName.startsWith('pvc-') || vols.getByName(undefined, pvName)) continue;
      this.log.info({ volume: pvName, dir: join(dir, entry) }, 'removing the directory of a deleted local-path volume');
      await rm(join(dir, entry), { recursive: true, force: true });
    }
  }

  /**
   * Graceful deletion: SIGTERM every running container, SIGKILL after the grace period, report the
   * final status, then remove the pod for good (DELETE with grace 0 and the uid as precondition).
   */
  private async terminate(key: string, pod: Pod, containers: RuntimeContainer[]): Promise<void> {
    this.probes.removePod(key);
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    const running = containers.filter((c) => c.state === 'running' || c.state === 'created');
    for (const c of running) this.event(pod, 'Normal', 'Killing', `Stopping container ${c.labels[LABELS.container]}`);
    const ip = pod.status?.podIP;
    await Promise.all(running.map((c) => this.stopContainer(pod, c.id, c.labels[LABELS.container] ?? '', grace, ip)));
    try {
      await this.deps.client.pods.delete(pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid! } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
    await this.removeContainers(containers, 0);
    await this.removePodDir(pod.metadata.uid!);
    this.ipam?.release(pod.metadata.uid!);
    this.startFailures.delete(key);
    this.mountEvents.delete(key);
  }

  /**
   * Stop one container as Kubernetes' killContainer does: its preStop hook first (an app container
   * of the pod's spec), inside the grace period, then SIGTERM with what is left of it (at least 2 s).
   */
  private async stopContainer(pod: Pod, id: string, name: string, graceSeconds: number, podIp: string | undefined): Promise<void> {
    const c = pod.spec.containers.find((x) => x.name === name);
    const preStop = c ? hookOf(c, 'preStop') : undefined;
    let grace = graceSeconds;
    if (c && preStop && graceSeconds > 0) {
      const started = Date.now();
      const failed = await runHook(preStop, { pod, container: c, containerId: id, podIp }, this.deps.runtime, graceSeconds * 1000);
      if (failed) this.event(pod, 'Warning', 'FailedPreStopHook', failed);
      grace = Math.max(MIN_GRACE_AFTER_PRESTOP_S, graceSeconds - Math.floor((Date.now() - started) / 1000));
    }
    await this.deps.runtime.stop(id, grace);
  }

  private async removeContainers(cs: readonly RuntimeContainer[], graceSeconds: number): Promise<void> {
    await Promise.all(
      cs.map(async (c) => {
        if (c.state === 'running' || c.state === 'created') await this.deps.runtime.stop(c.id, graceSeconds);
        await this.deps.runtime.remove(c.id);
      }),
    );
  }

  // ------------------------------------------------------------------------------------ logs

  /** The container whose logs `kubectl logs` wants: the current attempt, or the one before (previous). */
  async logContainer(ns: string, podName: string, container: string, previous: boolean): Promise<RuntimeContainer> {
    const pod = this.boundPod(`${ns}/${podName}`);
    if (!pod) throw new ApiError('NotFound', `pods "${podName}" not found`);
    const cs = (await this.podContainers(ns, podName))
      .filter((c) => c.labels[LABELS.podUid] === pod.metadata.uid && c.labels[LABELS.container] === container)
      .sort((a, b) => Number(b.labels[LABELS.attempt] ?? 0) - Number(a.labels[LABELS.attempt] ?? 0));
    const c = previous ? cs[1] : cs[0];
    if (!c) {
      if (previous) throw new ApiError('BadRequest', `previous terminated container "${container}" in pod "${podName}" not found`);
      throw new ApiError('BadRequest', `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
    }
    return c;
  }

  logs(id: string, opts: LogOptions): AsyncIterable<string> {
    return this.deps.runtime.logs(id, opts);
  }

  // ------------------------------------------------------------------------------------ stats

  private readonly startedAt = rfc3339(new Date());
  private previousStats = new Map<string, ContainerStats>();

  /** The Summary API's answer for this node: its running app containers as the runtime measures them (stats/summary.ts). */
  async summary(): Promise<Summary> {
    const rt = this.deps.runtime;
    if (!isStatsRuntime(rt)) throw new ApiError('ServiceUnavailable', `the ${rt.name} runtime does not measure its containers`);
    const containers = (await rt.list({ [LABELS.node]: this.nodeName })).filter((c) => c.state === 'running' && c.labels[LABELS.kind] !== 'init');
    const stats = await rt.stats(containers.map((c) => c.id));
    const { summary, remember } = buildSummary({ nodeName: this.nodeName, nodeStartTime: this.startedAt, containers, stats, previous: this.previousStats, now: this.now() });
    this.previousStats = remember;
    return summary;
  }

  /** kubectl exec: the running container `container` of the pod, and the runtime it runs in (exec.ts). */
  async execTarget(ns: string, podName: string, container: string): Promise<{ runtime: ContainerRuntime; container?: RuntimeContainer; stdin?: boolean; tty?: boolean }> {
    const pod = this.boundPod(`${ns}/${podName}`);
    if (!pod) throw new ApiError('NotFound', `pods "${podName}" not found`);
    const c = (await this.podContainers(ns, podName))
      .filter((x) => x.labels[LABELS.podUid] === pod.metadata.uid && x.labels[LABELS.container] === container && x.state === 'running')
      .sort((a, b) => Number(b.labels[LABELS.attempt] ?? 0) - Number(a.labels[LABELS.attempt] ?? 0))[0];
    const spec = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find((x) => x.name === container);
    return { runtime: this.deps.runtime, ...(c ? { container: c } : {}), ...(spec?.stdin ? { stdin: true } : {}), ...(spec?.tty ? { tty: true } : {}) };
  }

  /**
   * kubectl port-forward (portforward.ts): the pod, and the address its ports are reached at (both
   * runtimes that run processes give a pod its own loopback address; the fake runtime has none).
   */
  portForwardPod(ns: string, podName: string): PortForwardPod {
    const pod = this.boundPod(`${ns}/${podName}`);
    if (!pod) throw new ApiError('NotFound', `pods "${podName}" not found`);
    const uid = pod.metadata.uid ?? '';
    return {
      fullName: `${podName}_${ns}`,
      uid,
      address: async () => {
        if (this.deps.runtime.name === 'fake') throw new Error('the fake runtime runs no processes, so there is no port to forward to');
        const running = (await this.podContainers(ns, podName)).filter((c) => c.labels[LABELS.podUid] === uid && c.state === 'running');
        if (running.length === 0) throw new Error('the pod has no running container');
        const ip = running.map((c) => c.labels[LABELS.podIp] || c.ip).find(Boolean) ?? this.boundPod(`${ns}/${podName}`)?.status?.podIP;
        if (!ip) throw new Error('the pod has no IP address yet');
        return ip;
      },
    };
  }
}

function limits(c: Container): { cpuMillis?: number; memoryBytes?: number } {
  const l = c.resources?.limits ?? {};
  return {
    ...(l.cpu !== undefined ? { cpuMillis: parseMilli(l.cpu) } : {}),
    ...(l.memory !== undefined ? { memoryBytes: parseQuantity(l.memory) } : {}),
  };
}
