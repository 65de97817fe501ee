/**
 * `jkctl rollout status|history|undo deploy/NAME`, as kubectl does them client-side:
 *  - status follows the Deployment through a watch and prints kubectl's progress lines
 *    (polymorphichelpers DeploymentStatusViewer) until it is rolled out, its progress deadline
 *    passes (exit 1) or `--timeout` does (exit 1);
 *  - history lists the revisions of its ReplicaSets (`deployment.kubernetes.io/revision`) with
 *    their `kubernetes.io/change-cause`;
 *  - undo copies an older ReplicaSet's pod template (without the pod-template-hash label) back into
 *    the Deployment with a JSON patch; the Deployment controller then makes it the new revision.
 */
import type { Deployment, ReplicaSet } from '../../shared/resources/types.js';
import { ownedReplicaSets, planRollback, revisionOf, PROGRESSING, Reasons } from '../controller-manager/deployment/index.js';
import type { Ctx } from './context.js';
import { CliError, UsageError } from './errors.js';
import { slashName, type Target } from './kinds.js';
import { TabWriter } from './tabwriter.js';
import { DescribeWriter } from './describe-writer.js';
import { podTemplateBlock } from './describe-pods.js';
import { daemonSetRollout } from './rollout-daemonset.js';
import { statefulSetRollout } from './rollout-statefulset.js';
import { CHANGE_CAUSE_ANNOTATION, watchRolloutStatus, type RevisionRollout } from './rollout-revisions.js';

export { CHANGE_CAUSE_ANNOTATION };

/** The kinds whose history is ControllerRevisions. */
const REVISION_KINDS: Readonly<Record<string, RevisionRollout>> = { DaemonSet: daemonSetRollout, StatefulSet: statefulSetRollout };

export type RolloutStatus =
  | { readonly done: false; readonly message: string }
  | { readonly done: true; readonly message: string };

/** DeploymentStatusViewer.Status: the line kubectl prints for this state of the Deployment. Throws when the rollout failed. */
export function deploymentRolloutStatus(d: Deployment, revision = 0): RolloutStatus {
  const name = d.metadata.name;
  if (revision > 0) {
    const current = revisionOf(d);
    if (current !== revision) throw new CliError(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return { done: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = st.conditions?.find((c) => c.type === PROGRESSING);
  if (progressing?.reason === Reasons.ProgressDeadlineExceeded) throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  const updated = st.updatedReplicas ?? 0;
  const replicas = d.spec.replicas ?? 1;
  if (updated < replicas) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...` };
  }
  if ((st.replicas ?? 0) > updated) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...` };
  }
  if ((st.availableReplicas ?? 0) < updated) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
  }
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

/** The REVISION CHANGE-CAUSE table of a Deployment's ReplicaSets, oldest revision first. */
export function historyTable(replicaSets: readonly ReplicaSet[]): string {
  const byRevision = new Map<number, ReplicaSet>();
  for (const rs of replicaSets) {
    const v = revisionOf(rs);
    if (v !== undefined && v > 0) byRevision.set(v, rs);
  }
  const rows = [...byRevision.keys()].sort((a, b) => a - b).map((v) => `${v}\t${byRevision.get(v)!.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>'}\n`);
  return new TabWriter({ padding: 2 }).format(`REVISION\tCHANGE-CAUSE\n${rows.join('')}`);
}

function requireDeployment(t: { info: Target['info'] }): void {
  if (t.info.kind !== 'Deployment') throw new CliError(`no rollout support has been implemented for ${t.info.kind}; jkctl rollout works on deployments, daemonsets and statefulsets`);
}

async function deploymentAndReplicaSets(ctx: Ctx, name: string): Promise<{ d: Deployment; owned: ReplicaSet[] }> {
  const d = await ctx.client.deployments.get(ctx.namespace, name);
  const owned = ownedReplicaSets(d, await ctx.client.replicaSets.listAll(ctx.namespace));
  return { d, owned };
}

export interface StatusOptions {
  /** Milliseconds; 0: no limit. */
  readonly timeoutMs: number;
  readonly watch: boolean;
  readonly revision: number;
}

/** `rollout status`: progress lines (each once) until done. */
export async function rolloutStatus(ctx: Ctx, t: { info: Target['info']; name: string }, opts: StatusOptions): Promise<number> {
  const byRevisions = REVISION_KINDS[t.info.kind];
  if (byRevisions) return byRevisions.status(ctx, t, opts);
  requireDeployment(t);
  const first = await ctx.client.deployments.get(ctx.namespace, t.name);
  return watchRolloutStatus(ctx, t, first, (d: Deployment) => deploymentRolloutStatus(d, opts.revision), 'deployment', opts);
}

/** `rollout history`: the revisions, or one revision's pod template with `--revision`. */
export async function rolloutHistory(ctx: Ctx, t: { info: Target['info']; name: string }, revision: number): Promise<number> {
  const byRevisions = REVISION_KINDS[t.info.kind];
  if (byRevisions) return byRevisions.history(ctx, t, revision);
  requireDeployment(t);
  const { owned } = await deploymentAndReplicaSets(ctx, t.name);
  if (revision > 0) {
    const rs = owned.find((x) => revisionOf(x) === revision);
    if (!rs) throw new CliError(`unable to find the specified revision`);
    const w = new DescribeWriter();
    podTemplateBlock(w, rs.spec.template);
    ctx.out.write(`${slashName(t.info, t.name)} with revision #${revision}\n${w.toString()}`);
    return 0;
  }
  ctx.out.write(`${slashName(t.info, t.name)} \n${historyTable(owned)}\n`);
  return 0;
}

/** `rollout undo [--to-revision N]` (0: the previous revision). */
export async function rolloutUndo(ctx: Ctx, t: { info: Target['info']; name: string }, toRevision: number): Promise<number> {
  const byRevisions = REVISION_KINDS[t.info.kind];
  if (byRevisions) return byRevisions.undo(ctx, t, toRevision);
  requireDeployment(t);
  if (toRevision < 0) throw new UsageError(`unable to find specified revision ${toRevision} in history`);
  const { d, owned } = await deploymentAndReplicaSets(ctx, t.name);
  if (d.spec.paused) throw new CliError(`you cannot rollback a paused deployment; resume it first with 'jkctl rollout resume' and try again`);
  const plan = planRollback(d, owned, toRevision);
  switch (plan.kind) {
    case 'notFound':
      throw new CliError(toRevision > 0 ? `unable to find specified revision ${toRevision} in history` : `no rollout history found for deployment "${t.name}"`);
    case 'unchanged':
      ctx.out.write(`${slashName(t.info, t.name)} skipped rollback (current template already matches revision ${plan.revision})\n`);
      return 0;
    case 'rollback': {
      await ctx.client.deployments.patch(ctx.namespace, t.name, [
        { op: 'add', path: '/spec/template', value: plan.template },
        { op: 'add', path: '/metadata/annotations', value: plan.annotations },
      ], 'json');
      ctx.out.write(`${slashName(t.info, t.name)} rolled back\n`);
      return 0;
    }
  }
}
