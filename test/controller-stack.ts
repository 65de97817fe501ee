/**
 * A control plane with a controller-manager for controller tests: the stack (gateway + projector
 * on a fresh prefix) plus a controller-manager that can be stopped and started again, and a
 * stand-in for the kubelet that works only through the API: it binds pods, marks them Ready with
 * PUT /status, and finishes the deletion of terminating pods (DELETE with grace 0).
 */
import { createLogger } from '../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../services/controller-manager/manager.js';
import { api, startStack, type Stack } from './stack.js';
import type { GatewayOptions } from '../services/gateway/index.js';
import { eventually, sleep } from './wait.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const NS = '/api/v1/namespaces/default';

export { eventually, sleep } from './wait.js';

export interface ControllerStack {
  readonly stack: Stack;
  readonly url: string;
  cm: RunningControllerManager | undefined;
  startControllerManager(): Promise<RunningControllerManager>;
  stopControllerManager(): Promise<void>;
  close(): Promise<void>;
}

export interface ControllerStackOptions {
  /** The cluster CA certificate (PEM) the controller-manager publishes (rootcacertpublisher). */
  readonly clusterCA?: string;
  /** The gateway's options (its authorization mode). */
  readonly gateway?: GatewayOptions;
}

export async function startControllerStack(
  tag: string,
  controllers: readonly string[] = ['replicaset', 'deployment'],
  opts: ControllerStackOptions = {},
): Promise<ControllerStack> {
  const stack = await startStack(tag, {}, opts.gateway);
  const cs: ControllerStack = {
    stack,
    url: stack.url,
    cm: undefined,
    async startControllerManager() {
      if (cs.cm) throw new Error('a controller-manager is already running');
      cs.cm = await startControllerManager({ ...stack.cfg, gatewayUrl: stack.url }, silent, {
        controllers,
        workers: 4,
        // One controller-manager, and tests that assert no write happens: no Lease renewals on the log.
        leaderElection: { enabled: false },
        ...(opts.clusterCA ? { clusterCA: opts.clusterCA } : {}),
      });
      return cs.cm;
    },
    async stopControllerManager() {
      const cm = cs.cm;
      cs.cm = undefined;
      await cm?.close();
    },
    async close() {
      await cs.stopControllerManager().catch(() => undefined);
      await stack.close();
    },
  };
  try {
    await cs.startControllerManager();
  } catch (e) {
    await stack.close();
    throw e;
  }
  return cs;
}

// ------------------------------------------------------------------ reads

export interface PodLike {
  metadata: { name: string; uid: string; resourceVersion: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[]; creationTimestamp?: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

export async function listPods(url: string, selector?: string): Promise<PodLike[]> {
  const r = await api(url, 'GET', `${NS}/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`);
  if (r.status !== 200) throw new Error(`list pods: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.items as PodLike[];
}

export async function listReplicaSets(url: string): Promise<any[]> {
  const r = await api(url, 'GET', '/apis/apps/v1/namespaces/default/replicasets');
  if (r.status !== 200) throw new Error(`list replicasets: ${r.status}`);
  return r.body.items;
}

export async function getDeployment(url: string, name: string): Promise<any> {
  const r = await api(url, 'GET', `/apis/apps/v1/namespaces/default/deployments/${name}`);
  if (r.status !== 200) throw new Error(`get deployment: ${r.status}`);
  return r.body;
}

export async function listEvents(url: string): Promise<any[]> {
  const r = await api(url, 'GET', `${NS}/events`);
  return r.body.items;
}

/** The newest stream sequence: every write to any object moves it. */
export async function lastSeq(url: string): Promise<number> {
  const r = await api(url, 'GET', '/api/v1/namespaces');
  return Number(r.body.metadata.resourceVersion);
}

/** Wait until nothing is written for quietMs; answers the stream's last sequence. */
export async function quiescent(url: string, quietMs = 1500, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seq = await lastSeq(url);
  let since = Date.now();
  for (;;) {
    await sleep(100);
    const now = await lastSeq(url);
    if (now !== seq) {
      seq = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return seq;
    }
    if (Date.now() > deadline) throw new Error('the cluster never went quiet');
  }
}

export const isReady = (p: PodLike) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const isActive = (p: PodLike) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
export const controllerOf = (p: { metadata: { ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] } }) =>
  p.metadata.ownerReferences?.find((r) => r.controller === true);

// ------------------------------------------------------------------ writes

export function nodeObject(name: string) {
  const capacity = { cpu: '8', memory: '16Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node' }] },
  };
}

export async function createNodes(url: string, names: readonly string[]): Promise<void> {
  for (const n of names) {
    const r = await api(url, 'POST', '/api/v1/nodes', nodeObject(n));
    if (r.status !== 201) throw new Error(`create node ${n}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

export async function bindPod(url: string, name: string, node: string): Promise<number> {
  const r = await api(url, 'POST', `${NS}/pods/${name}/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });
  return r.status;
}

/** PUT /status: phase Running and Ready=True (CAS on the pod's resourceVersion). */
export async function markReady(url: string, pod: PodLike): Promise<number> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady');
  conditions.push({ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now });
  const body = { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata, spec: pod.spec, status: { ...pod.status, phase: 'Running', conditions } };
  const r = await api(url, 'PUT', `${NS}/pods/${pod.metadata.name}/status`, body);
  return r.status;
}

export async function patchDeployment(url: string, name: string, patch: unknown): Promise<any> {
  const r = await api(url, 'PATCH', `/apis/apps/v1/namespaces/default/deployments/${name}`, patch, 'application/merge-patch+json');
  if (r.status !== 200) throw new Error(`patch deployment: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// ------------------------------------------------------------------ a kubelet stand-in

export interface FakeKubeletOptions {
  /** Bind unbound pods to these nodes, round robin (default: leave them unbound). */
  nodes?: readonly string[];
  /** Mark pods Ready (default true); may be switched at runtime. */
  ready?: boolean;
  /** Poll interval (default 100 ms): how long a new pod stays not ready at least. */
  intervalMs?: number;
}

export interface FakeKubelet {
  options: FakeKubeletOptions;
  stop(): Promise<void>;
}

/**
 * Polls the pod list: binds (if nodes are given) and marks Ready every new pod, and finishes the
 * deletion of terminating bound pods as a kubelet would once their containers stopped.
 */
export function startFakeKubelet(url: string, options: FakeKubeletOptions = {}): FakeKubelet {
  let stopped = false;
  let next = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        const pods = await listPods(url);
        for (const p of pods) {
          if (stopped) break;
          if (p.metadata.deletionTimestamp) {
            if (p.spec.nodeName) await api(url, 'DELETE', `${NS}/pods/${p.metadata.name}`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
            continue;
          }
          const nodes = options.nodes ?? [];
          if (nodes.length && !p.spec.nodeName) {
            await bindPod(url, p.metadata.name, nodes[next++ % nodes.length]!);
            continue; // mark ready on a later pass, with the new resourceVersion
          }
          if ((options.ready ?? true) && !isReady(p)) await markReady(url, p);
        }
      } catch {
        /* the gateway is going away at the end of a test */
      }
      await sleep(options.intervalMs ?? 100);
    }
  })();
  return {
    options,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
