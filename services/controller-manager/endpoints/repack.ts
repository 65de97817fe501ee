/**
 * Kubernetes' RepackSubsets and SortSubsets (pkg/api/v1/endpoints/util.go): the API wants the
 * N-to-M association of addresses and ports as few subsets as possible, each one a set of
 * addresses that all serve the same set of ports. The controller builds one subset per (pod, port)
 * and lets this file fold them: ports whose (address, ready) sets are equal share a subset, and an
 * address that is not ready on a port stays not ready there even if another input says ready.
 *
 * Everything comes out sorted (addresses by IP then pod name, ports by name, subsets by their
 * ports), so equal inputs in any order give deep-equal outputs and "nothing changed" is a plain
 * deepEqual against what is stored.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from '../../../shared/resources/types.js';

/** A port-less subset (a headless service without ports) is tracked under this key. */
const NO_PORT = '';

/** Two addresses are one when they have the same IP and the same target (Kubernetes' addressKey). */
function addressKey(a: EndpointAddress): string {
  return JSON.stringify([a.ip, a.targetRef?.uid ?? '']);
}

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']);
}

interface PortAddresses {
  readonly port: EndpointPort | undefined;
  /** addressKey → ready. */
  readonly ready: Map<string, boolean>;
}

/** Fold subsets into the fewest subsets with the same meaning, sorted (see the file comment). */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  const byPort = new Map<string, PortAddresses>();
  const note = (port: EndpointPort | undefined, a: EndpointAddress, ready: boolean): void => {
    const ak = addressKey(a);
    if (!addresses.has(ak)) addresses.set(ak, a);
    const pk = port ? portKey(port) : NO_PORT;
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, ready: new Map() }));
    // Not ready trumps ready.
    if (entry.ready.get(ak) !== false) entry.ready.set(ak, ready);
  };
  for (const s of subsets) {
    const ports: readonly (EndpointPort | undefined)[] = s.ports?.length ? s.ports : [undefined];
    for (const port of ports) {
      for (const a of s.addresses ?? []) note(port, a, true);
      for (const a of s.notReadyAddresses ?? []) note(port, a, false);
    }
  }

  // Ports served by the same (address, ready) set share one subset.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    if (ready.size === 0) continue;
    const key = [...ready].map(([ak, r]) => `${ak}:${r}`).sort().join(',');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ready, ports: [] }));
    if (port) group.ports.push(port);
  }

  const out: EndpointSubset[] = [];
  for (const { ready, ports } of groups.values()) {
    const readyAddrs: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [ak, r] of ready) (r ? readyAddrs : notReady).push(addresses.get(ak)!);
    out.push(subset(readyAddrs, notReady, ports));
  }
  return sortSubsets(out);
}

/** A subset without empty lists (the API omits them, so a stored subset compares equal). */
function subset(addresses: readonly EndpointAddress[], notReady: readonly EndpointAddress[], ports: readonly EndpointPort[]): EndpointSubset {
  return {
    ...(addresses.length ? { addresses } : {}),
    ...(notReady.length ? { notReadyAddresses: notReady } : {}),
    ...(ports.length ? { ports } : {}),
  };
}

/** Every list sorted, subsets in a stable order; the input is left alone. */
export function sortSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const sorted = subsets.map((s) =>
    subset([...(s.addresses ?? [])].sort(compareAddresses), [...(s.notReadyAddresses ?? [])].sort(compareAddresses), [...(s.ports ?? [])].sort(comparePorts)),
  );
  return sorted
    .map((s) => [subsetKey(s), s] as const)
    .sort((a, b) => compareStrings(a[0], b[0]))
    .map(([, s]) => s);
}

/** By IP, then pod name, then uid. */
export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareStrings(a.ip, b.ip) || compareStrings(a.targetRef?.name ?? '', b.targetRef?.name ?? '') || compareStrings(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

/** By name, then number, then protocol. */
export function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return compareStrings(a.name ?? '', b.name ?? '') || a.port - b.port || compareStrings(a.protocol ?? 'TCP', b.protocol ?? 'TCP');
}

/** A sorted subset's identity: its ports first (unique across subsets after repacking), then its addresses. */
function subsetKey(s: EndpointSubset): string {
  return JSON.stringify([
    (s.ports ?? []).map(portKey),
    (s.addresses ?? []).map(addressKey),
    (s.notReadyAddresses ?? []).map(addressKey),
  ]);
}

/** Code-unit order (not locale order: the same on every machine). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
