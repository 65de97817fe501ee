/**
 * Host ports in use on a node (the scheduler's HostPortInfo): a port conflicts with one in use on
 * the same protocol and port when either binds 0.0.0.0 or both bind the same IP. Mutable, owned
 * by a NodeInfo; ref-counted so removing a pod releases exactly what it added.
 */
import type { Pod, Protocol } from '../resources/types.js';

export const BIND_ALL_HOST_IP = '0.0.0.0';

export interface HostPort {
  readonly protocol: Protocol;
  readonly hostIP: string;
  readonly port: number;
}

const PROTOCOL_CODE: Readonly<Record<string, number>> = { TCP: 0, UDP: 1, SCTP: 2 };

/** A number naming protocol and port, the map key. */
export function portKey(protocol: string, port: number): number {
  return port * 4 + (PROTOCOL_CODE[protocol] ?? 3);
}

/** The host ports a pod asks for (containers' ports with a hostPort; hostNetwork defaults it to containerPort). */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const hostNetwork = pod.spec.hostNetwork === true;
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      const port = p.hostPort ?? (hostNetwork ? p.containerPort : 0);
      if (!port || port <= 0) continue;
      out.push({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP || BIND_ALL_HOST_IP, port });
    }
  }
  return out;
}

export class HostPortSet {
  /** portKey → hostIP → reference count. */
  private readonly used = new Map<number, Map<string, number>>();

  get size(): number {
    return this.used.size;
  }

  add(p: HostPort): void {
    const k = portKey(p.protocol, p.port);
    let ips = this.used.get(k);
    if (!ips) this.used.set(k, (ips = new Map()));
    ips.set(p.hostIP, (ips.get(p.hostIP) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const k = portKey(p.protocol, p.port);
    const ips = this.used.get(k);
    if (!ips) return;
    const n = (ips.get(p.hostIP) ?? 0) - 1;
    if (n > 0) ips.set(p.hostIP, n);
    else ips.delete(p.hostIP);
    if (ips.size === 0) this.used.delete(k);
  }

  /** HostPortInfo.CheckConflict. */
  conflicts(p: HostPort): boolean {
    const ips = this.used.get(portKey(p.protocol, p.port));
    if (!ips) return false;
    if (p.hostIP === BIND_ALL_HOST_IP) return ips.size > 0;
    return ips.has(p.hostIP) || ips.has(BIND_ALL_HOST_IP);
  }

  conflictsAny(ports: readonly HostPort[]): boolean {
    if (this.used.size === 0) return false;
    for (let i = 0; i < ports.length; i++) if (this.conflicts(ports[i]!)) return true;
    return false;
  }
}
