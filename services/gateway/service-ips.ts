/**
 * Every Service gets a cluster IP and, for type NodePort, a node port per port (Kubernetes'
 * service IP and node-port allocators, done at admission): on create an empty `spec.clusterIP`
 * is filled from the service range (`SERVICE_CLUSTER_IP_RANGE`, default 127.10.0.0/16, loopback so
 * the proxy can bind it on one machine), `"None"` stays headless, and an explicit address must lie
 * in the range and be free. Node ports come from 30000-32767, or the one asked for. Each value is a
 * reservation (pools `clusterips` and `nodeports`), so two services never share one, even from two
 * gateways at once; the service's tombstone gives them back, and an update that drops a node port
 * (a type change, a removed port) gives that back once the update is written.
 *
 * Updates keep what was allocated: a PUT that leaves out `clusterIP` or a port's `nodePort` (as
 * `kubectl replace` of the original manifest does) keeps the allocated values, as kube-apiserver
 * does. Candidates are tried from a random start, as Kubernetes does, so separate clusters sharing
 * one host (parallel test stacks) rarely pick the same address.
 */
import { ApiError, invalid, type StatusCause } from '../../shared/errors.js';
import { child, index, invalidValue } from '../../shared/resources/field-errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import type { Service, ServicePort, ServiceSpec } from '../../shared/resources/types.js';
import { NODE_PORT_RANGE } from '../../shared/resources/service-validation.js';
import type { Allocator, Holder } from './allocator.js';
import { canonicalCidr, formatCidr, formatIpv4, parseIpv4, parseIpv4Cidr, type Ipv4Cidr } from './cidr.js';
import type { Reservations } from './reservations.js';

export const CLUSTER_IP_POOL = 'clusterips';
export const NODE_PORT_POOL = 'nodeports';
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '127.10.0.0/16';

/** The usable addresses of a service range: all but the network and broadcast addresses. */
export interface ServiceIpRange {
  readonly range: Ipv4Cidr;
  readonly first: number;
  readonly count: number;
}

/** Parse a service range; throws an Error naming `what` on anything that is not a canonical IPv4 CIDR of /8 to /29. */
export function parseServiceIpRange(s: string, what = 'SERVICE_CLUSTER_IP_RANGE'): ServiceIpRange {
  const c = parseIpv4Cidr(s.trim());
  if (!c) throw new Error(`${what} must be an IPv4 CIDR such as ${DEFAULT_SERVICE_CLUSTER_IP_RANGE}, got "${s}"`);
  const canon = canonicalCidr(c);
  if (canon.base !== c.base) throw new Error(`${what} "${s}" has host bits set; did you mean ${formatCidr(canon)}?`);
  if (c.bits < 8 || c.bits > 29) throw new Error(`${what} "${s}" must have a prefix length between /8 and /29`);
  return { range: c, first: c.base + 1, count: 2 ** (32 - c.bits) - 2 };
}

export function inServiceRange(r: ServiceIpRange, ip: string): boolean {
  const n = parseIpv4(ip);
  return n !== undefined && n >= r.first && n < r.first + r.count;
}

/** Every usable address of the range from position `start`, wrapping around. */
export function* clusterIpCandidates(r: ServiceIpRange, start: number): Generator<string> {
  const s = ((start % r.count) + r.count) % r.count;
  for (let k = 0; k < r.count; k++) yield formatIpv4(r.first + ((s + k) % r.count));
}

const NODE_PORT_COUNT = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1;

/** Every node port from position `start`, wrapping around. */
export function* nodePortCandidates(start: number): Generator<string> {
  const s = ((start % NODE_PORT_COUNT) + NODE_PORT_COUNT) % NODE_PORT_COUNT;
  for (let k = 0; k < NODE_PORT_COUNT; k++) yield String(NODE_PORT_RANGE.min + ((s + k) % NODE_PORT_COUNT));
}

/** What a service holds: its cluster IP (when it has one) and its node ports. */
export interface ServiceValues {
  readonly clusterIP?: string;
  readonly nodePorts: readonly number[];
}

export function heldValues(svc: KObject | undefined): ServiceValues {
  const spec = (svc?.spec ?? {}) as ServiceSpec;
  const ip = spec.clusterIP;
  return {
    ...(ip && ip !== 'None' ? { clusterIP: ip } : {}),
    nodePorts: (spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n > 0),
  };
}

/** A port's identity across updates: the same port number and protocol (Kubernetes matches the same way). */
const portKey = (p: ServicePort): string => `${p.port}/${p.protocol ?? 'TCP'}`;

/**
 * The spec an update or create should carry before allocation (pure): allocated values of `old`
 * kept where the new spec leaves them out, `clusterIPs` and the IP family fields made consistent.
 * Unset values (cluster IP "", node port 0 on a NodePort service) are what `acquire` fills.
 */
export function withKeptValues(svc: Service, old: Service | undefined): Service {
  const spec: Mutable<ServiceSpec> = { ...svc.spec };
  const oldSpec = old?.spec;
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (!spec.clusterIP && oldSpec?.clusterIP) spec.clusterIP = oldSpec.clusterIP;
  if ((spec.type ?? 'ClusterIP') === 'NodePort') {
    const before = new Map((oldSpec?.ports ?? []).filter((p) => p.nodePort).map((p) => [portKey(p), p.nodePort!]));
    spec.ports = (spec.ports ?? []).map((p) => (p.nodePort || !before.has(portKey(p)) ? p : { ...p, nodePort: before.get(portKey(p))! }));
  }
  return { ...svc, spec };
}

function withAllocated(svc: Service, ip: string | undefined, ports: ReadonlyMap<number, number>): Service {
  const spec: Mutable<ServiceSpec> = { ...svc.spec };
  if (ip) {
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    if (ip !== 'None') {
      spec.ipFamilies = ['IPv4'];
      spec.ipFamilyPolicy = spec.ipFamilyPolicy ?? 'SingleStack';
    }
  }
  if (ports.size) spec.ports = (spec.ports ?? []).map((p, i) => (ports.has(i) ? { ...p, nodePort: ports.get(i)! } : p));
  return { ...svc, spec };
}

export class ServiceAllocations implements Reservations {
  constructor(
    private readonly alloc: Allocator,
    readonly range: ServiceIpRange,
    private readonly random: () => number = Math.random,
  ) {}

  applies(info: ResourceInfo): boolean {
    return info.kind === 'Service';
  }

  async acquire(info: ResourceInfo, obj: KObject, old: KObject | undefined, dryRun: boolean): Promise<KObject> {
    const svc = withKeptValues(obj as Service, old as Service | undefined);
    // An explicit value that clashes, or node ports the range has no room for, fail the request:
    // check them all first, so such a request usually writes nothing at all (not even a reservation
    // taken and given back).
    if (!dryRun && (explicitNewValues(svc, old) > 0 || nodePortsToAllocate(svc) > 0)) await this.acquire(info, obj, old, true);
    const spec = svc.spec;
    const name = svc.metadata.name!;
    const holder: Holder = { kind: 'Service', namespace: svc.metadata.namespace ?? '', name, uid: svc.metadata.uid! };
    const had = heldValues(old);
    const taken: [string, string][] = [];
    const fail = async (causes: StatusCause[]): Promise<never> => {
      if (!dryRun) await this.giveBack(taken, holder.uid);
      throw invalid('Service', '', name, causes);
    };

    // The cluster IP: kept, headless, asked for, or allocated.
    let ip: string | undefined = spec.clusterIP;
    if (spec.clusterIPs?.length && ip && spec.clusterIPs[0] !== ip) {
      await fail([invalidValue('spec.clusterIPs', spec.clusterIPs, 'must match spec.clusterIP as its first entry')]);
    }
    if (ip === 'None') {
      // headless: nothing to hold
    } else if (ip && ip === had.clusterIP) {
      // already ours
    } else if (ip) {
      if (!inServiceRange(this.range, ip)) {
        await fail([invalidValue('spec.clusterIPs[0]', ip, `failed to allocate IP ${ip}: provided IP is not in the valid range. The range of valid IPs is ${formatCidr(this.range.range)}`)]);
      }
      if (!(await this.alloc.reserve(CLUSTER_IP_POOL, holder, [ip], { dryRun }))) {
        await fail([invalidValue('spec.clusterIPs[0]', ip, `failed to allocate IP ${ip}: provided IP is already allocated`)]);
      }
      taken.push([CLUSTER_IP_POOL, ip]);
    } else {
      const start = Math.floor(this.random() * this.range.count);
      ip = await this.alloc.reserve(CLUSTER_IP_POOL, holder, clusterIpCandidates(this.range, start), { dryRun });
      if (!ip) throw new ApiError('InternalError', `failed to allocate a cluster IP for service "${name}": the range ${formatCidr(this.range.range)} is full`);
      taken.push([CLUSTER_IP_POOL, ip]);
    }

    // Node ports, for NodePort services: kept, asked for, or allocated.
    const filled = new Map<number, number>();
    if ((spec.type ?? 'ClusterIP') === 'NodePort') {
      const ports = spec.ports ?? [];
      // Ports this service asks for explicitly are skipped when allocating, so a request never collides with itself.
      const explicit = new Set(ports.map((p) => String(p.nodePort ?? 0)));
      for (let i = 0; i < ports.length; i++) {
        const want = ports[i]!.nodePort ?? 0;
        if (want && had.nodePorts.includes(want)) continue;
        const at = child(index('spec.ports', i), 'nodePort');
        if (want) {
          if (!(await this.alloc.reserve(NODE_PORT_POOL, holder, [String(want)], { dryRun }))) {
            await fail([invalidValue(at, want, 'provided port is already allocated')]);
          }
          taken.push([NODE_PORT_POOL, String(want)]);
          continue;
        }
        const candidates = filter(nodePortCandidates(Math.floor(this.random() * NODE_PORT_COUNT)), (v) => !explicit.has(v) && !filledHas(filled, v));
        const pick = await this.alloc.reserve(NODE_PORT_POOL, holder, candidates, { dryRun });
        if (!pick) await fail([invalidValue(at, 0, `failed to allocate a node port: the range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max} is full`)]);
        taken.push([NODE_PORT_POOL, pick!]);
        filled.set(i, Number(pick));
      }
    }
    return withAllocated(svc, ip, filled);
  }

  async release(_info: ResourceInfo, obj: KObject): Promise<void> {
    const uid = obj.metadata.uid;
    if (uid) await this.giveBack(valuesOf(heldValues(obj), this.range), uid);
  }

  /** After an update is written: give back what the old object held and the new one no longer does. */
  async afterUpdate(_info: ResourceInfo, next: KObject, old: KObject): Promise<void> {
    const uid = old.metadata.uid;
    if (!uid) return;
    const keep = new Set(valuesOf(heldValues(next), this.range).map(([p, v]) => `${p}/${v}`));
    await this.giveBack(valuesOf(heldValues(old), this.range).filter(([p, v]) => !keep.has(`${p}/${v}`)), uid);
  }

  private async giveBack(values: readonly (readonly [string, string])[], uid: string): Promise<void> {
    // Best effort: a reservation left behind is stale once its service is gone, and gets taken over.
    await Promise.all(values.map(([pool, v]) => this.alloc.release(pool, v, uid).catch(() => false)));
  }
}

/** How many values `svc` asks for explicitly that `old` does not already hold. */
function explicitNewValues(svc: Service, old: KObject | undefined): number {
  const had = heldValues(old);
  const now = heldValues(svc);
  return (now.clusterIP && now.clusterIP !== had.clusterIP ? 1 : 0) + now.nodePorts.filter((p) => !had.nodePorts.includes(p)).length;
}

/** How many ports of a NodePort service still need a node port allocated. */
function nodePortsToAllocate(svc: Service): number {
  if ((svc.spec.type ?? 'ClusterIP') !== 'NodePort') return 0;
  return (svc.spec.ports ?? []).filter((p) => !p.nodePort).length;
}

/** The reservations behind a service's values (a cluster IP outside the range was never reserved). */
function valuesOf(v: ServiceValues, range: ServiceIpRange): [string, string][] {
  return [
    ...(v.clusterIP && inServiceRange(range, v.clusterIP) ? [[CLUSTER_IP_POOL, v.clusterIP] as [string, string]] : []),
    ...v.nodePorts.map((n) => [NODE_PORT_POOL, String(n)] as [string, string]),
  ];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const filledHas = (m: ReadonlyMap<number, number>, v: string): boolean => [...m.values()].includes(Number(v));

function* filter<T>(it: Iterable<T>, keep: (v: T) => boolean): Generator<T> {
  for (const v of it) if (keep(v)) yield v;
}
