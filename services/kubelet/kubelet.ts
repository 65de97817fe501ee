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
import { isDeepStrictEqual } from 'node:util';
import { EventRecorder } from '../../shared/client/index.js';
import { ApiError, isAlreadyExists, isConflict, isNotFound } from '../../shared/errors.js';
import { runController, WorkQueue, splitKey, type ControllerHandle, type Informer } from '../../shared/informer/index.js';
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
import { ProbeManager } from './probes.js';
import { skipWhileRunning } from './periodic.js';
import { isImagePullError, LABELS, type ContainerRuntime, type LogOptions, type RuntimeContainer } from './runtime/types.js';

export interface KubeletDeps {
  readonly client: GatewayClient;
  readonly log: Logger;
  /** Shared informers; `pods` holds (at least) the pods bound to this node. */
  readonly pods: Informer<Pod>;
  readonly configMaps: Informer<ConfigMap>;
  readonly secrets: Informer<Secret>;
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
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const microTime = (d: Date) => d.toISOString().replace(/Z$/, '000Z');
const podKeyOf = (c: RuntimeContainer) => `${c.labels[LABELS.podNamespace]}/${c.labels[LABELS.podName]}`;

export class Kubelet {
  readonly nodeName: string;
  private readonly log: Logger;
  private readonly queue = new WorkQueue({ baseMs: 200, capMs: 10_000 });
  private readonly probes: ProbeManager;
  private readonly recorder: EventRecorder;
  private readonly startFailures = new Map<string, Map<string, StartFailure>>();
  private readonly now: () => Date;
  private readonly bootId = randomBytes(16).toString('hex');
  private ipam: PodIpAllocator | undefined;
  private controller: ControllerHandle | undefined;
  private timers: NodeJS.Timeout[] = [];
  private fingerprints = new Map<string, string>();
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
      reconcile: async (key) => {
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
      },
    });
    for (const p of this.myPods()) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    const every = (ms: number, task: () => Promise<void>) => {
      const fn = skipWhileRunning(task);
      const t = setInterval(() => void fn().catch((err) => this.log.warn({ err }, 'periodic task failed')), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.cfg.leaseRenewMs, () => this.renewLease());
    every(this.cfg.nodeStatusUpdateMs, () => this.updateNodeStatus());
    every(this.cfg.relistMs, () => this.relist());
    every(this.cfg.syncMs, async () => {
      for (const p of this.myPods()) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    });
    await this.relist();
    if (this.deps.runtime.name === 'docker' && this.cfg.clusterDns.port !== 53) {
      this.log.warn(
        { clusterDns: this.cfg.clusterDns },
        "the cluster DNS is not on port 53: /etc/resolv.conf cannot name a port, so containers' resolvers will not reach it (JETKUBE_DNS_SERVER has the port)",
      );
    }
    this.log.info({ runtime: this.deps.runtime.name, podCIDR: this.node?.spec?.podCIDR }, 'kubelet started');
  }

  /** Stop syncing (containers keep running: a restarted kubelet adopts them). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
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
        this.node = node;
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
      this.node = node;
    }
    const desired = nodeStatus(this.facts(this.runtimeVersion), node.status, this.now());
    if (!statusWriteDue(node.status, desired, this.now(), this.cfg.nodeStatusReportMs)) return;
    try {
      this.node = await nodes.updateStatus({ ...node, status: desired });
      this.deps.metrics.statusWrites.inc({ kind: 'node' });
    } catch (e) {
      // Changed (or deleted) since we read it: read it again on the next tick.
      this.node = undefined;
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }

  private statusTicks = 0;

  private async renewLease(): Promise<void> {
    if (this.stopped) return;
    const leases = (this.deps.heartbeats ?? this.deps.client).leases;
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds: this.cfg.leaseDurationSeconds, renewTime: microTime(this.now()) };
    try {
      if (this.lease) {
        this.lease = await leases.update({ ...this.lease, spec: { ...this.lease.spec, ...spec } });
        return;
      }
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
      this.lease = undefined;
    }
    try {
      const cur = await leases.get('kube-node-lease', this.nodeName);
      this.lease = await leases.update({ ...cur, spec: { ...cur.spec, ...spec } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.lease = await leases.create('kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.nodeName, namespace: 'kube-node-lease' },
        spec: { ...spec, acquireTime: spec.renewTime },
      });
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
        await (this.deps.runtime as { removePodDir?: (u: string) => Promise<void> }).removePodDir?.(uid);
      }
      all = all.filter((c) => !stale.includes(c));
    }
    if (!pod) {
      this.probes.removePod(key);
      this.startFailures.delete(key);
      return;
    }
    if (pod.metadata.deletionTimestamp) return await this.terminate(key, pod, all);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.probes.removePod(key);
      const running = all.filter((c) => c.state === 'running');
      if (running.length) await Promise.all(running.map((c) => this.deps.runtime.stop(c.id, pod.spec.terminationGracePeriodSeconds ?? 30)));
      return;
    }

    const uid = pod.metadata.uid!;
    const fromLabels = all.find((c) => c.labels[LABELS.podIp])?.labels[LABELS.podIp];
    const have = this.ipam!.get(uid) ?? pod.status?.podIP ?? fromLabels;
    if (have) this.ipam!.claim(uid, have);
    const podIp = this.ipam!.allocate(uid);

    let requeueAfter: number | undefined;
    let waiting: ReadonlyMap<string, { reason: string; message?: string }> = new Map();
    let views: ContainerView[] = all.map(viewOf);
    for (let round = 0; round < 4; round++) {
      const plan = planPod({
        pod,
        containers: views,
        probes: this.probes,
        startFailures: this.startFailures.get(key) ?? new Map(),
        backoff: { baseMs: this.cfg.backoffBaseMs, capMs: this.cfg.backoffCapMs, resetMs: 2 * this.cfg.backoffCapMs },
        nowMs: this.now().getTime(),
      });
      waiting = plan.waiting;
      requeueAfter = plan.requeueAfterMs;
      if (plan.actions.length === 0) break;
      for (const a of plan.actions) await this.act(key, pod, podIp, a, views);
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

  private async act(key: string, pod: Pod, podIp: string, a: Action, views: readonly ContainerView[]): Promise<void> {
    const rt = this.deps.runtime;
    switch (a.type) {
      case 'remove':
        await rt.remove(a.id);
        return;
      case 'kill': {
        this.event(pod, 'Warning', 'Unhealthy', a.message);
        this.event(pod, 'Normal', 'Killing', `Container ${a.name} failed ${a.reason.toLowerCase()} probe, will be restarted`);
        this.probes.removePod(key);
        await rt.stop(a.id, a.graceSeconds);
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
        const dns = podDns(pod, this.cfg);
        try {
          await rt.start({
            image,
            command: (c.command ?? []).map((s) => expandVars(s, vars)),
            args: (c.args ?? []).map((s) => expandVars(s, vars)),
            // The container's own variables win over the resolver's and the service links.
            env: { HOSTNAME: pod.metadata.name!, ...dnsEnv(dns), ...serviceEnv(pod, this.deps.services?.listByNamespace(pod.metadata.namespace ?? 'default') ?? []), ...vars },
            ...(c.workingDir ? { workingDir: c.workingDir } : {}),
            labels: this.labelsFor(pod, c, a.kind, a.attempt, a.backoff, podIp),
            ports: (c.ports ?? []).map((p) => ({ containerPort: p.containerPort, ...(p.hostPort ? { hostPort: p.hostPort } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })),
            ...limits(c),
            podIp,
            ...(dns ? { dns } : {}),
          });
        } catch (e) {
          this.failure(key, c.name, 'StartError', (e as Error).message);
          this.event(pod, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
          return;
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
      configMap: (ns: string, name: string) => this.deps.configMaps.getByName(ns, name),
      secret: (ns: string, name: string) => this.deps.secrets.getByName(ns, name),
    };
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
    await Promise.all(running.map((c) => this.deps.runtime.stop(c.id, grace)));
    try {
      await this.deps.client.pods.delete(pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid! } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
    await this.removeContainers(containers, 0);
    await (this.deps.runtime as { removePodDir?: (u: string) => Promise<void> }).removePodDir?.(pod.metadata.uid!);
    this.ipam?.release(pod.metadata.uid!);
    this.startFailures.delete(key);
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
}

function limits(c: Container): { cpuMillis?: number; memoryBytes?: number } {
  const l = c.resources?.limits ?? {};
  return {
    ...(l.cpu !== undefined ? { cpuMillis: parseMilli(l.cpu) } : {}),
    ...(l.memory !== undefined ? { memoryBytes: parseQuantity(l.memory) } : {}),
  };
}
