/**
 * `jkctl rollout status|history|undo sts/NAME`, as kubectl does them client-side for StatefulSets:
 *  - status: polymorphichelpers StatefulSetStatusViewer's lines (RollingUpdate only; with a
 *    partition — the default carries partition 0 — the "partitioned roll out" lines);
 *  - history: the set's ControllerRevisions (REVISION, CHANGE-CAUSE), or one revision's pod template;
 *  - undo: StatefulSetRollbacker: the revision's data (a strategic merge patch replacing
 *    spec.template) applied to the set; the controller then renumbers that revision.
 */
import type { ControllerRevision, StatefulSet } from '../../shared/resources/statefulset-types.js';
import { collectionPath } from '../../shared/client/index.js';
import { revisionTemplate } from '../controller-manager/statefulset/revision.js';
import { canonicalTemplateJson } from '../controller-manager/deployment/hash.js';
import type { Ctx } from './context.js';
import { CliError, UsageError } from './errors.js';
import { slashName, type Target } from './kinds.js';
import { watchForever } from './stream.js';
import { DescribeWriter } from './describe-writer.js';
import { podTemplateBlock } from './describe-pods.js';
import { daemonSetHistoryTable, findRevision } from './rollout-daemonset.js';

type T = { info: Target['info']; name: string };

/** StatefulSetStatusViewer.Status. Throws for a strategy other than RollingUpdate. */
export function statefulSetRolloutStatus(s: StatefulSet): { done: boolean; message: string } {
  const strategy = s.spec.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  const st = s.status;
  const observed = st?.observedGeneration ?? 0;
  if (observed === 0 || (s.metadata.generation ?? 0) > observed) return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
  const replicas = s.spec.replicas;
  const ready = st?.readyReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) return { done: false, message: `Waiting for ${replicas - ready} pods to be ready...` };
  const updated = st?.updatedReplicas ?? 0;
  if (strategy?.rollingUpdate !== undefined) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { done: false, message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...` };
    }
    return { done: true, message: `partitioned roll out complete: ${updated} new pods have been updated...` };
  }
  if (st?.updateRevision !== st?.currentRevision) {
    return { done: false, message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${st?.updateRevision ?? ''}...` };
  }
  return { done: true, message: `statefulset rolling update complete ${st?.currentReplicas ?? 0} pods at revision ${st?.currentRevision ?? ''}...` };
}

/** Whether the revision holds the set's template. */
export function statefulSetRevisionMatches(s: StatefulSet, r: ControllerRevision): boolean {
  const t = revisionTemplate(r);
  return t !== undefined && canonicalTemplateJson(t) === canonicalTemplateJson(s.spec.template);
}

async function setAndRevisions(ctx: Ctx, name: string): Promise<{ set: StatefulSet; revisions: ControllerRevision[] }> {
  const set = await ctx.client.resource<StatefulSet>('statefulsets').get(ctx.namespace, name);
  const all = await ctx.client.resource<ControllerRevision>('controllerrevisions').listAll(ctx.namespace);
  const uid = set.metadata.uid;
  const revisions = all.filter((r) => uid && r.metadata.ownerReferences?.some((o) => o.controller && o.uid === uid));
  return { set, revisions };
}

export async function statefulSetStatus(ctx: Ctx, t: T, opts: { timeoutMs: number; watch: boolean }): Promise<number> {
  const first = await ctx.client.resource<StatefulSet>('statefulsets').get(ctx.namespace, t.name);
  const abort = new AbortController();
  let timedOut = false;
  const timer = opts.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), abort.abort()), opts.timeoutMs) : undefined;
  let last = '';
  const show = (s: StatefulSet) => {
    const r = statefulSetRolloutStatus(s);
    if (r.message !== last) ctx.out.write(`${r.message}\n`);
    last = r.message;
    return r.done;
  };
  try {
    if (show(first) || !opts.watch) return 0;
    const query = { resourceVersion: first.metadata.resourceVersion, fieldSelector: `metadata.name=${t.name}` };
    for await (const ev of watchForever<StatefulSet>(ctx.server, collectionPath(t.info, ctx.namespace), query, abort.signal)) {
      if (ev.type === 'DELETED') throw new CliError(`statefulset "${t.name}" was deleted`);
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

export async function statefulSetHistory(ctx: Ctx, t: T, revision: number): Promise<number> {
  const { revisions } = await setAndRevisions(ctx, t.name);
  if (revision > 0) {
    const r = revisions.find((x) => x.revision === revision);
    if (!r) throw new CliError(`unable to find the specified revision`);
    const w = new DescribeWriter();
    podTemplateBlock(w, revisionTemplate(r));
    ctx.out.write(`${slashName(t.info, t.name)} with revision #${revision}\n${w.toString()}`);
    return 0;
  }
  ctx.out.write(`${slashName(t.info, t.name)} \n${daemonSetHistoryTable(revisions)}\n`);
  return 0;
}

export async function statefulSetUndo(ctx: Ctx, t: T, toRevision: number): Promise<number> {
  if (toRevision < 0) throw new UsageError(`unable to find specified revision ${toRevision} in history`);
  const { set, revisions } = await setAndRevisions(ctx, t.name);
  if (toRevision === 0 && revisions.length <= 1) throw new CliError('no last revision to roll back to');
  const to = findRevision(revisions, toRevision);
  if (!to) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (statefulSetRevisionMatches(set, to)) {
    ctx.out.write(`${slashName(t.info, t.name)} skipped rollback (current template already matches revision ${toRevision})\n`);
    return 0;
  }
  await ctx.client.resource<StatefulSet>('statefulsets').patch(ctx.namespace, t.name, to.data, 'strategic');
  ctx.out.write(`${slashName(t.info, t.name)} rolled back\n`);
  return 0;
}
