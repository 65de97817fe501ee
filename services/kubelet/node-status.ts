/**
 * The kubelet's Node object and its status (pure): registration (labels, taints, capacity,
 * addresses, the kubelet endpoint), the conditions it reports, and whether a status write is due
 * (something changed, or the heartbeat is older than the report interval). Plus the pod IP
 * allocator over the node's pod CIDR.
 */
import { arch, release, platform } from 'node:os';
import type { Node, NodeCondition, NodeStatus, Pod } from '../../shared/resources/types.js';
import type { KubeletConfig } from './config.js';
import { rfc3339 } from '../../shared/resources/time.js';

export const KUBELET_VERSION = 'v1.32.0-jetkube';



export interface NodeFacts {
  readonly cfg: KubeletConfig;
  readonly port: number;
  readonly runtimeVersion: string;
  readonly bootId: string;
}

/** The Node to create when none exists. */
export function registrationNode(f: NodeFacts, now: Date): Node {
  const { cfg } = f;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: cfg.nodeName,
      labels: {
        'kubernetes.io/hostname': cfg.nodeName,
        'kubernetes.io/os': platform() === 'win32' ? 'windows' : platform(),
        'kubernetes.io/arch': goArch(),
        'beta.kubernetes.io/os': platform(),
        'beta.kubernetes.io/arch': goArch(),
        ...cfg.labels,
      },
    },
    spec: {
      ...(cfg.taints.length ? { taints: cfg.taints } : {}),
      ...(cfg.podCidr ? { podCIDR: cfg.podCidr, podCIDRs: [cfg.podCidr] } : {}),
    },
    status: nodeStatus(f, undefined, now),
  };
}

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

const CONDITIONS: readonly { type: string; reason: string; message: string }[] = [
  { type: 'MemoryPressure', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  { type: 'Ready', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

/** The status the kubelet reports now; transition times carried over from `old` when unchanged. */
export function nodeStatus(f: NodeFacts, old: NodeStatus | undefined, now: Date): NodeStatus {
  const { cfg } = f;
  const capacity = { cpu: cfg.cpu, memory: cfg.memory, pods: String(cfg.maxPods), 'ephemeral-storage': '100Gi' };
  const conditions: NodeCondition[] = CONDITIONS.map((c) => {
    const status = c.type === 'Ready' ? 'True' : 'False';
    const prev = old?.conditions?.find((o) => o.type === c.type);
    return {
      type: c.type,
      status,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
      reason: c.reason,
      message: c.message,
    };
  });
  return {
    capacity,
    allocatable: capacity,
    conditions,
    addresses: [
      { type: 'InternalIP', address: cfg.nodeIp },
      { type: 'Hostname', address: cfg.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: f.port } },
    nodeInfo: {
      machineID: f.bootId,
      systemUUID: f.bootId,
      bootID: f.bootId,
      kernelVersion: release(),
      osImage: `jetkube ${cfg.runtime} runtime`,
      containerRuntimeVersion: f.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: platform(),
      architecture: goArch(),
    },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Two JSON values alike but for heartbeat times (`lastHeartbeatTime`, wherever it is): object keys
 * in any order, an undefined field the same as an absent one. Allocates nothing: every node of a
 * pool asks this every 10 s (two JSON.stringify of a copied status each time, before).
 */
export function sameButHeartbeat(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameButHeartbeat(a[i], b[i])) return false;
    return true;
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  let n = 0;
  for (const k in a) {
    if (a[k] === undefined || k === 'lastHeartbeatTime') continue;
    n++;
    if (!sameButHeartbeat(a[k], b[k])) return false;
  }
  for (const k in b) if (b[k] !== undefined && k !== 'lastHeartbeatTime') n--;
  return n === 0;
}

/** Whether the node's status must be written: it changed, or the last heartbeat is too old. */
export function statusWriteDue(current: NodeStatus | undefined, desired: NodeStatus, now: Date, reportMs: number): boolean {
  if (!sameButHeartbeat(current, desired)) return true;
  const beat = Date.parse(current?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '');
  return !Number.isFinite(beat) || now.getTime() - beat >= reportMs;
}

/** The kubelet reads its Node on every NODE_READ_EVERY-th status tick (once a minute at 10 s). */
export const NODE_READ_EVERY = 6;

/** Whether status tick `tick` (0, 1, …) reads the Node first: always when none is cached. */
export function nodeReadDue(tick: number, cached: unknown): boolean {
  return cached === undefined || tick % NODE_READ_EVERY === NODE_READ_EVERY - 1;
}

// ---------------------------------------------------------------------------------------------- pod IPs

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}
const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function parseCidr(cidr: string): { first: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const b = Number(bits);
  if (!ip || !Number.isInteger(b) || b < 8 || b > 30) throw new Error(`pod CIDR must be an IPv4 CIDR with a /8../30 prefix, got "${cidr}"`);
  const size = 2 ** (32 - b);
  const base = ipToInt(ip) - (ipToInt(ip) % size);
  return { first: base, size };
}

/**
 * Pod IPs from the node's range: the network address and the first host (.1, the node's gateway
 * by convention) are skipped, as is the broadcast address. The lowest free address is taken.
 */
export class PodIpAllocator {
  private readonly byUid = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(private readonly cidr: string) {
    parseCidr(cidr);
  }

  /** Record an address a pod already has (from its status or its containers). */
  claim(uid: string, ip: string): void {
    const cur = this.byUid.get(uid);
    if (cur === ip) return;
    if (cur) this.used.delete(cur);
    this.byUid.set(uid, ip);
    this.used.add(ip);
  }

  get(uid: string): string | undefined {
    return this.byUid.get(uid);
  }

  allocate(uid: string): string {
    const have = this.byUid.get(uid);
    if (have) return have;
    const { first, size } = parseCidr(this.cidr);
    for (let i = 2; i < size - 1; i++) {
      const ip = intToIp(first + i);
      if (!this.used.has(ip)) {
        this.claim(uid, ip);
        return ip;
      }
    }
    throw new Error(`pod CIDR ${this.cidr} is exhausted`);
  }

  release(uid: string): void {
    const ip = this.byUid.get(uid);
    if (ip) this.used.delete(ip);
    this.byUid.delete(uid);
  }

  /** Keep only the pods given (uids); free the rest. */
  retain(uids: ReadonlySet<string>): void {
    for (const uid of [...this.byUid.keys()]) if (!uids.has(uid)) this.release(uid);
  }
}

/** A pod that still holds its IP (not terminal). */
export const holdsIp = (p: Pod) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
