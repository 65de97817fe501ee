/**
 * `jkctl top pod|node`: what `kubectl top` prints, from metrics.k8s.io/v1beta1 (the gateway's
 * metrics API): cpu in millicores, memory in MiB, and for nodes the share of their allocatable.
 */
import type { Ctx } from './context.js';
import { CliError } from './errors.js';
import { getTabWriter } from './tabwriter.js';
import { tryParseQuantity } from '../../shared/resources/quantity.js';
import { isApiError } from '../../shared/errors.js';
import type { NodeMetrics, PodMetrics } from '../../shared/metrics/types.js';
import { METRICS_API_VERSION } from '../../shared/metrics/types.js';
import type { Node } from '../../shared/resources/types.js';

export interface TopOptions {
  readonly selector?: string;
  readonly allNamespaces?: boolean;
  readonly containers?: boolean;
}

const q = (v: string | undefined) => tryParseQuantity(v ?? '0') ?? 0;
/** As kubectl: cpu as millicores (`250m`), memory as whole MiB (`64Mi`). */
export const cpuCell = (v: string | undefined) => `${Math.round(q(v) * 1000)}m`;
export const memoryCell = (v: string | undefined) => `${Math.floor(q(v) / (1024 * 1024))}Mi`;
const percent = (used: number, total: number) => `${total > 0 ? Math.floor((used * 100) / total) : 0}%`;

/** The lines of `top pod` (pure). */
export function podLines(items: readonly PodMetrics[], opts: TopOptions): string[][] {
  const ns = opts.allNamespaces ? ['NAMESPACE'] : [];
  if (opts.containers) {
    return [
      [...ns, 'POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ...items.flatMap((p) => p.containers.map((c) => [...(opts.allNamespaces ? [p.metadata.namespace ?? ''] : []), p.metadata.name ?? '', c.name, cpuCell(c.usage.cpu), memoryCell(c.usage.memory)])),
    ];
  }
  return [
    [...ns, 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
    ...items.map((p) => {
      const cpu = p.containers.reduce((a, c) => a + q(c.usage.cpu), 0);
      const mem = p.containers.reduce((a, c) => a + q(c.usage.memory), 0);
      return [...(opts.allNamespaces ? [p.metadata.namespace ?? ''] : []), p.metadata.name ?? '', cpuCell(String(cpu)), memoryCell(String(mem))];
    }),
  ];
}

/** The lines of `top node` (pure): usage and its share of the node's allocatable. */
export function nodeLines(items: readonly NodeMetrics[], nodes: ReadonlyMap<string, Node>): string[][] {
  return [
    ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
    ...items.map((m) => {
      const alloc = (nodes.get(m.metadata.name ?? '')?.status as { allocatable?: Record<string, string> } | undefined)?.allocatable ?? {};
      return [m.metadata.name ?? '', cpuCell(m.usage.cpu), percent(q(m.usage.cpu), q(alloc.cpu)), memoryCell(m.usage.memory), percent(q(m.usage.memory), q(alloc.memory))];
    }),
  ];
}

async function metrics<T>(ctx: Ctx, path: string): Promise<T> {
  try {
    return await ctx.client.request<T>('GET', path);
  } catch (e) {
    if (isApiError(e) && e.code === 404 && !/metrics\.k8s\.io "/.test(e.message)) throw new CliError('Metrics API not available');
    throw e;
  }
}

export async function top(ctx: Ctx, what: string, name: string | undefined, opts: TopOptions): Promise<number> {
  const sel = opts.selector ? `?labelSelector=${encodeURIComponent(opts.selector)}` : '';
  let lines: string[][];
  if (what === 'pod' || what === 'pods' || what === 'po') {
    const base = opts.allNamespaces ? `/apis/${METRICS_API_VERSION}/pods` : `/apis/${METRICS_API_VERSION}/namespaces/${encodeURIComponent(ctx.namespace)}/pods`;
    const items = name ? [await metrics<PodMetrics>(ctx, `${base}/${encodeURIComponent(name)}`)] : (await metrics<{ items: PodMetrics[] }>(ctx, `${base}${sel}`)).items;
    if (!items.length) throw new CliError(opts.allNamespaces ? 'No resources found' : `No resources found in ${ctx.namespace} namespace.`);
    lines = podLines(items, opts);
  } else if (what === 'node' || what === 'nodes' || what === 'no') {
    const base = `/apis/${METRICS_API_VERSION}/nodes`;
    const items = name ? [await metrics<NodeMetrics>(ctx, `${base}/${encodeURIComponent(name)}`)] : (await metrics<{ items: NodeMetrics[] }>(ctx, `${base}${sel}`)).items;
    const nodes = new Map((await ctx.client.nodes.listAll()).map((n) => [n.metadata.name!, n]));
    lines = nodeLines(items, nodes);
  } else throw new CliError(`unknown resource "${what}" for top: use pod or node`);
  ctx.out.write(getTabWriter().format(lines.map((l) => `${l.join('\t')}\t\n`).join('')));
  return 0;
}
