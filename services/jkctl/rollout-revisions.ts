/**
 * What `jkctl rollout` does the same way for every kind: follow the object through a watch while
 * printing its status lines (kubectl's StatusViewers), and, for the kinds whose history is
 * ControllerRevisions (DaemonSet, StatefulSet), list them, show one, and roll back to one by
 * applying its data (a strategic merge patch replacing spec.template), as kubectl's rollbackers do.
 */
import type { KObject } from '../../shared/resources/meta.js';
import type { PodTemplateSpec } from '../../shared/resources/types.js';
import type { ControllerRevision } from '../../shared/resources/daemonset-types.js';
import { collectionPath } from '../../shared/client/index.js';
import type { Ctx } from './context.js';
import { CliError, UsageError } from './errors.js';
import { slashName, type Target } from './kinds.js';
import { watchForever } from './stream.js';
import { TabWriter } from './tabwriter.js';
import { DescribeWriter } from './describe-writer.js';
import { podTemplateBlock } from './describe-pods.js';

export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

export type RolloutTarget = { info: Target['info']; name: string };

export interface RolloutStatusOptions {
  /** Milliseconds; 0: no limit. */
  readonly timeoutMs: number;
  readonly watch: boolean;
}

/**
 * `rollout status`: print each new status line of `first`, then of every change a watch brings,
 * until `status` says done (0), the object is deleted or the timeout passes (CliError).
 * `noun` names the kind in the deletion message (`deployment "web" was deleted`).
 */
export async function watchRolloutStatus<O extends KObject>(
  ctx: Ctx,
  t: RolloutTarget,
  first: O,
  status: (o: O) => { done: boolean; message: string },
  noun: string,
  opts: RolloutStatusOptions,
): Promise<number> {
  const abort = new AbortController();
  let timedOut = false;
  const timer = opts.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), abort.abort()), opts.timeoutMs) : undefined;
  let last = '';
  const show = (o: O) => {
    const s = status(o);
    if (s.message !== last) ctx.out.write(`${s.message}\n`);
    last = s.message;
    return s.done;
  };
  try {
    if (show(first) || !opts.watch) return 0;
    const query = { resourceVersion: first.metadata.resourceVersion, fieldSelector: `metadata.name=${t.name}` };
    for await (const ev of watchForever<O>(ctx.server, collectionPath(t.info, ctx.namespace), query, abort.signal)) {
      if (ev.type === 'DELETED') throw new CliError(`${noun} "${t.name}" was deleted`);
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

/** REVISION CHANGE-CAUSE of the revisions, oldest first. */
export function revisionHistoryTable(revisions: readonly ControllerRevision[]): string {
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

/** A kind whose rollout history is ControllerRevisions. */
export interface RevisionKind<O extends KObject> {
  readonly plural: string;
  /** As kubectl names it in messages: `daemon set`, `statefulset`. */
  readonly noun: string;
  readonly status: (o: O) => { done: boolean; message: string };
  readonly templateOf: (r: ControllerRevision) => PodTemplateSpec | undefined;
  /** Whether the revision holds the object's current template (undo then skips). */
  readonly matches: (o: O, r: ControllerRevision) => boolean;
}

export interface RevisionRollout {
  status(ctx: Ctx, t: RolloutTarget, opts: RolloutStatusOptions): Promise<number>;
  history(ctx: Ctx, t: RolloutTarget, revision: number): Promise<number>;
  undo(ctx: Ctx, t: RolloutTarget, toRevision: number): Promise<number>;
}

export function revisionRollout<O extends KObject & { spec?: unknown }>(k: RevisionKind<O>): RevisionRollout {
  async function load(ctx: Ctx, name: string): Promise<{ owner: O; revisions: ControllerRevision[] }> {
    const owner = await ctx.client.resource<O>(k.plural).get(ctx.namespace, name);
    const all = await ctx.client.resource<ControllerRevision>('controllerrevisions').listAll(ctx.namespace);
    const uid = owner.metadata.uid;
    const revisions = all.filter((r) => uid && r.metadata.ownerReferences?.some((o) => o.controller && o.uid === uid));
    return { owner, revisions };
  }
  return {
    async status(ctx, t, opts) {
      const first = await ctx.client.resource<O>(k.plural).get(ctx.namespace, t.name);
      return watchRolloutStatus(ctx, t, first, k.status, k.noun, opts);
    },
    async history(ctx, t, revision) {
      const { revisions } = await load(ctx, t.name);
      if (revision > 0) {
        const r = revisions.find((x) => x.revision === revision);
        if (!r) throw new CliError(`unable to find the specified revision`);
        const w = new DescribeWriter();
        podTemplateBlock(w, k.templateOf(r));
        ctx.out.write(`${slashName(t.info, t.name)} with revision #${revision}\n${w.toString()}`);
        return 0;
      }
      ctx.out.write(`${slashName(t.info, t.name)} \n${revisionHistoryTable(revisions)}\n`);
      return 0;
    },
    async undo(ctx, t, toRevision) {
      if (toRevision < 0) throw new UsageError(`unable to find specified revision ${toRevision} in history`);
      const { owner, revisions } = await load(ctx, t.name);
      if (toRevision === 0 && revisions.length <= 1) throw new CliError('no last revision to roll back to');
      const to = findRevision(revisions, toRevision);
      if (!to) throw new CliError(`unable to find specified revision ${toRevision} in history`);
      if (k.matches(owner, to)) {
        ctx.out.write(`${slashName(t.info, t.name)} skipped rollback (current template already matches revision ${toRevision})\n`);
        return 0;
      }
      await ctx.client.resource<O>(k.plural).patch(ctx.namespace, t.name, to.data, 'strategic');
      ctx.out.write(`${slashName(t.info, t.name)} rolled back\n`);
      return 0;
    },
  };
}
