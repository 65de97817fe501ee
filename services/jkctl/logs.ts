/**
 * `jkctl logs POD|KIND/NAME [-c CONTAINER] [-f] [--tail N] [--previous] [--timestamps]`: the
 * gateway's `pods/{name}/log`, streamed to stdout as it arrives (so `-f` follows the container).
 * For a Deployment or ReplicaSet, like kubectl, one of its pods (the first by name) is used.
 */
import type { Deployment, ReplicaSet } from '../../shared/resources/types.js';
import { objectPath } from '../../shared/client/index.js';
import { selectorString } from '../../shared/printers/index.js';
import type { Ctx } from './context.js';
import { CliError, UsageError } from './errors.js';
import { resolveKind } from './kinds.js';
import { openStream } from './stream.js';

export interface LogFlags {
  readonly container?: string;
  readonly follow?: boolean;
  readonly tail: number;
  readonly previous?: boolean;
  readonly timestamps?: boolean;
}

/** The query string of the log request. */
export function logQuery(f: LogFlags): string {
  const q = new URLSearchParams();
  if (f.container) q.set('container', f.container);
  if (f.follow) q.set('follow', 'true');
  if (f.previous) q.set('previous', 'true');
  if (f.timestamps) q.set('timestamps', 'true');
  if (f.tail >= 0) q.set('tailLines', String(f.tail));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The pod a `logs` argument names: `NAME`, `pod/NAME`, or a workload whose pods are chosen from. */
async function podFor(ctx: Ctx, arg: string): Promise<string> {
  const i = arg.indexOf('/');
  if (i < 0) return arg;
  const info = resolveKind(arg.slice(0, i));
  const name = arg.slice(i + 1);
  if (info.kind === 'Pod') return name;
  if (info.kind !== 'Deployment' && info.kind !== 'ReplicaSet') throw new CliError(`cannot get logs of a ${info.kind}; name a pod, a deployment or a replicaset`);
  const owner = await ctx.client.resource<Deployment | ReplicaSet>(info.plural).get(ctx.namespace, name);
  const pods = (await ctx.client.pods.listAll(ctx.namespace, { labelSelector: selectorString(owner.spec.selector) }))
    .filter((p) => !p.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  if (!pods.length) throw new CliError(`no pods found for ${info.singular}/${name}`);
  if (pods.length > 1) ctx.err.write(`Found ${pods.length} pods, using pod/${pods[0]!.metadata.name}\n`);
  return pods[0]!.metadata.name!;
}

export async function logs(ctx: Ctx, args: readonly string[], f: LogFlags): Promise<number> {
  if (!args.length || args.length > 2) throw new UsageError('expected POD [CONTAINER] or KIND/NAME');
  if (args.length === 2 && args[0]!.includes('/')) throw new UsageError('a container is named with -c when the pod is given as KIND/NAME');
  const pod = await podFor(ctx, args[0]!);
  const flags = args.length === 2 ? { ...f, container: args[1] } : f;
  const path = objectPath(ctx.client.pods.info, ctx.namespace, pod, 'log') + logQuery(flags);
  for await (const chunk of await openStream(ctx.server, path)) ctx.out.write(chunk);
  return 0;
}
