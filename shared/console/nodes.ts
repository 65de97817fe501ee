/**
 * The console's node rows: capacity, allocatable, and what is allocated (the sum of the requests
 * of the pods bound to the node that have not finished), as `kubectl describe node` counts them.
 */
import type { Node, Pod } from '../resources/types.js';
import { nodeStatus } from '../printers/cluster.js';
import { nodeAllocatable, podRequestAmounts, RESOURCE_CPU, RESOURCE_MEMORY } from '../scheduling/resources.js';

export interface NodeRow {
  readonly name: string;
  readonly status: string;
  /** Allocatable, in millicores, bytes and pods. */
  readonly milliCPU: number;
  readonly memory: number;
  readonly pods: number;
  /** Requested by the node's unfinished pods. */
  readonly requestedMilliCPU: number;
  readonly requestedMemory: number;
  readonly podCount: number;
  /** `Ready=True, MemoryPressure=False, …` */
  readonly conditions: string;
  readonly node: Node;
}

const finished = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

export function nodeRows(nodes: readonly Node[], pods: readonly Pod[]): NodeRow[] {
  const used = new Map<string, { cpu: number; mem: number; n: number }>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (!n || finished(p)) continue;
    const r = podRequestAmounts(p);
    const u = used.get(n) ?? { cpu: 0, mem: 0, n: 0 };
    u.cpu += r.get(RESOURCE_CPU) ?? 0;
    u.mem += r.get(RESOURCE_MEMORY) ?? 0;
    u.n += 1;
    used.set(n, u);
  }
  return nodes.map((node) => {
    const a = nodeAllocatable(node);
    const name = node.metadata.name ?? '';
    const u = used.get(name) ?? { cpu: 0, mem: 0, n: 0 };
    return {
      name,
      status: nodeStatus(node),
      milliCPU: a.milliCPU,
      memory: a.memory,
      pods: a.pods,
      requestedMilliCPU: u.cpu,
      requestedMemory: u.mem,
      podCount: u.n,
      conditions: (node.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(', '),
      node,
    };
  });
}

/** `250m (12%)` */
export function cpuCell(milli: number, of: number): string {
  return `${milli}m${of ? ` (${Math.round((100 * milli) / of)}%)` : ''}`;
}

/** `512Mi (6%)` */
export function memoryCell(bytes: number, of: number): string {
  return `${Math.round(bytes / 1024 / 1024)}Mi${of ? ` (${Math.round((100 * bytes) / of)}%)` : ''}`;
}
