/**
 * `jkctl rollout status|history|undo ds/NAME`, as kubectl does them client-side for DaemonSets:
 *  - status: polymorphichelpers DaemonSetStatusViewer's lines (RollingUpdate only);
 *  - history: the DaemonSet's ControllerRevisions (REVISION, CHANGE-CAUSE), or one revision's pod
 *    template;
 *  - undo: DaemonSetRollbacker: the revision's data (a strategic merge patch replacing
 *    spec.template) applied to the DaemonSet; the controller then renumbers that revision.
 */
import type { ControllerRevision, DaemonSet } from '../../shared/resources/daemonset-types.js';
import { collectionPath } from '../../shared/client/index.js';
import { revisionMatches, templateOfRevision } from '../controller-manager/daemonset/revisions.js';
import type { Ctx } from './context.js';
import { CliError, UsageError } from './errors.js';
import { slashName, type Target } from './kinds.js';
import { watchForever } from './stream.js';
import { TabWriter } from './tabwriter.js';
import { DescribeWriter } from './describe-writer.js';
import { podTemplateBlock } from './describe-pods.js';

const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

type T = { info: Target['info']; name: string };

/** DaemonSetStatusViewer.Status. Throws for a strategy other than RollingUpdate. */
export function daemonSetRolloutStatus(ds: DaemonSet): { done: boolean; message: string } {
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    throw new CliError('rollout status is only available for RollingUpdate strategy type');
  }
  const name = ds.metadata.name;
  const st = ds.status;
  if ((ds.metadata.generation ?? 0) > (st?.observedGeneration ?? 0)) return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
  const desired = st?.desiredNumberScheduled ?? 0;
  const updated = st?.updatedNumberScheduled ?? 0;
  const available = st?.numberAvailable ?? 0;
  if (updated < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...` };
  if (available < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...` };
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}

/** REVISION CHANGE-CAUSE of the revisions, oldest first. */
export function daemonSetHistoryTable(revisions: readonly ControllerRevision[]): string {
  const rows = [...revisions]
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))
    .map((r) => `${r.revision ?? 0}\t${r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>'}\n`);
  return new TabWriter({ padding: 2 }).format(`REVISION\tCHANGE-CAUSE\n${rows.join('')}`);
}

/** The previous revision (the second highest) for 0, else the one numbered `to`. */
export function findRevision(revisions: readonly ControllerRevision[], to: number): ControllerRevision | undefined {
  if (to > 0) return revisions.find((r) => r.revision === to);
  const sorted = [...revisions].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
  return sorted[1];
}

async function daemonSetAndRevisions(ctx: Ctx, name: string): Promise<{ ds: DaemonSet; revisions: ControllerRevision[] }> {
  const ds = await ctx.client.resource<DaemonSet>('daemonsets').get(ctx.namespace, name);
  const all = await ctx.client.resource<ControllerRevision>('controllerrevisions').listAll(ctx.namespace);
  const uid = ds.metadata.uid;
  const revisions = all.filter((r) => uid && r.metadata.ownerReferences?.some((o) => o.controller && o.uid === uid));
  return { ds, revisions };
}

export async function daemonSetStatus(ctx: Ctx, t: T, opts: { timeoutMs: number; watch: boolean }): Promise<number> {
  const first = await ctx.client.resource<DaemonSet>('daemonsets').get(ctx.namespace, t.name);
  const abort = new AbortController();
  let timedOut = false;
  const timer = opts.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), abort.abort()), opts.timeoutMs) : undefined;
  let last = '';
  const show = (ds: DaemonSet) => {
    const s = daemonSetRolloutStatus(ds);
    if (s.message !== last) ctx.out.write(`${s.message}\n`);
    last = s.message;
    return s.done;
  };
  try {
    if (show(first) || !opts.watch) return 0;
    const query = { resourceVersion: first.metadata.resourceVersion, fieldSelector: `metadata.name=${t.name}` };
    for await (const ev of watchForever<DaemonSet>(ctx.server, collectionPath(t.info, ctx.namespace), query, abort.signal)) {
      if (ev.type === 'DELETED') throw new CliError(`daemon set "${t.name}" was deleted`);
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && show(ev.object)) return 0;
    }
    throw new CliError('timed out waiting for the condition');
  } catch (e) {
    if (timedOut) throw new CliError('timed out waiting for the condition');
    throw e;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

export async function daemonSetHistory(ctx: Ctx, t: T, revision: number): Promise<number> {
  const { revisions } = await daemonSetAndRevisions(ctx, t.name);
  if (revision > 0) {
    const r = revisions.find((x) => x.revision === revision);
    if (!r) throw new CliError(`unable to find the specified revision`);
    const w = new DescribeWriter();
    podTemplateBlock(w, templateOfRevision(r));
    ctx.out.write(`${slashName(t.info, t.name)} with revision #${revision}\n${w.toString()}`);
    return 0;
  }
  ctx.out.write(`${slashName(t.info, t.name)} \n${daemonSetHistoryTable(revisions)}\n`);
  return 0;
}

export async function daemonSetUndo(ctx: Ctx, t: T, toRevision: number): Promise<number> {
  if (toRevision < 0) throw new UsageError(`unable to find specified revision ${toRevision} in history`);
  const { ds, revisions } = await daemonSetAndRevisions(ctx, t.name);
  if (toRevision === 0 && revisions.length <= 1) throw new CliError('no last revision to roll back to');
  const to = findRevision(revisions, toRevision);
  if (!to) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (revisionMatches(ds, to)) {
    ctx.out.write(`${slashName(t.info, t.name)} skipped rollback (current template already matches revision ${toRevision})\n`);
    return 0;
  }
  await ctx.client.resource<DaemonSet>('daemonsets').patch(ctx.namespace, t.name, to.data, 'strategic');
  ctx.out.write(`${slashName(t.info, t.name)} rolled back\n`);
  return 0;
}
