/** `jkctl scale KIND/NAME --replicas N [--current-replicas M]`: through the /scale subresource, like kubectl. */
import { resourceKey } from '../../shared/resources/registry.js';
import type { Ctx } from './context.js';
import { CliError } from './errors.js';
import { slashName, type Target } from './kinds.js';

export async function scale(ctx: Ctx, t: { info: Target['info']; name: string }, replicas: number, currentReplicas: number): Promise<number> {
  if (!t.info.subresources.includes('scale')) throw new CliError(`cannot scale ${t.info.plural}: they have no scale subresource`);
  const rc = ctx.client.resource(resourceKey(t.info));
  const current = await rc.getScale(ctx.namespace, t.name);
  if (currentReplicas >= 0 && current.spec.replicas !== currentReplicas) {
    throw new CliError(`Expected replicas to be ${currentReplicas}, was ${current.spec.replicas}`);
  }
  // With --current-replicas the read is a precondition: a concurrent change is a Conflict, not lost.
  await rc.updateScale(ctx.namespace, t.name, replicas, currentReplicas >= 0 ? current.metadata.resourceVersion : undefined);
  ctx.out.write(`${slashName(t.info, t.name)} scaled\n`);
  return 0;
}
