/**
 * `jkctl delete KIND NAME... | KIND/NAME... | -f FILE | KIND --all | KIND -l SEL`: one DELETE per
 * object with kubectl's options (`--cascade` → propagationPolicy, `--grace-period`, `--now`), a
 * `pod "x" deleted` line each, and, like kubectl's default `--wait`, waiting until each object is
 * really gone (finalizers, graceful pod termination, foreground deletion of dependents).
 */
import { isNotFound } from '../../shared/errors.js';
import type { DeleteOptions } from '../../shared/client/index.js';
import { resourceKey, type ResourceInfo } from '../../shared/resources/registry.js';
import { namespaceFor, type Ctx } from './context.js';
import { CliError, errorLine, UsageError } from './errors.js';
import { parseTargets, quotedName } from './kinds.js';
import { orderForDelete, readManifests } from './manifests.js';
import { infoFor, namespaceOf } from './apply.js';

export interface DeleteFlags {
  readonly filename?: readonly string[];
  readonly cascade: string;
  readonly gracePeriod: number;
  readonly now?: boolean;
  readonly wait: boolean;
  /** Milliseconds to wait for each object; 0: no limit. */
  readonly timeoutMs: number;
  readonly all?: boolean;
  readonly selector?: string;
  readonly ignoreNotFound?: boolean;
}

/** `--cascade` as kubectl reads it (true and false are the deprecated spellings). */
export function propagationPolicy(cascade: string): NonNullable<DeleteOptions['propagationPolicy']> {
  switch (cascade.toLowerCase()) {
    case 'background':
    case 'true':
      return 'Background';
    case 'foreground':
      return 'Foreground';
    case 'orphan':
    case 'false':
      return 'Orphan';
    default:
      throw new UsageError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  }
}

/** The DeleteOptions the flags ask for. `--grace-period -1` leaves the object's default. */
export function deleteOptions(f: Pick<DeleteFlags, 'cascade' | 'gracePeriod' | 'now'>): DeleteOptions {
  const grace = f.now ? 1 : f.gracePeriod;
  return { propagationPolicy: propagationPolicy(f.cascade), ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}) };
}

interface Victim {
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string;
}

async function victims(ctx: Ctx, args: readonly string[], f: DeleteFlags): Promise<Victim[]> {
  if (f.filename?.length) {
    if (args.length) throw new UsageError('when paths are provided, no resource types or names may be given');
    return orderForDelete(await readManifests(f.filename, 'delete')).map((m) => {
      const info = infoFor(m.object, m.source);
      return { info, namespace: namespaceOf(ctx, info, m.object), name: m.object.metadata.name ?? '' };
    });
  }
  const out: Victim[] = [];
  for (const t of parseTargets(args)) {
    const namespace = namespaceFor(ctx, t.info);
    if (t.names.length) {
      if (f.all || f.selector) throw new UsageError('names cannot be provided when a selector or --all is specified');
      out.push(...t.names.map((name) => ({ info: t.info, namespace, name })));
    } else if (f.all || f.selector) {
      const items = await ctx.client.resource(resourceKey(t.info)).listAll(namespace, { labelSelector: f.selector });
      out.push(...items.map((o) => ({ info: t.info, namespace, name: o.metadata.name! })));
    } else {
      throw new UsageError(`resource(s) were provided, but no name was specified`);
    }
  }
  return out;
}

/** Poll until the object is gone (or replaced by a new one of the same name). */
async function waitGone(ctx: Ctx, v: Victim, uid: string | undefined, timeoutMs: number): Promise<void> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  const rc = ctx.client.resource(resourceKey(v.info));
  for (;;) {
    try {
      const o = await rc.get(v.namespace, v.name);
      if (uid && o.metadata.uid !== uid) return;
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (Date.now() > deadline) throw new CliError(`timed out waiting for the condition on ${v.info.plural}/${v.name}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function del(ctx: Ctx, args: readonly string[], f: DeleteFlags): Promise<number> {
  const opts = deleteOptions(f);
  const errors: string[] = [];
  const deleted: { v: Victim; uid: string | undefined }[] = [];
  const list = await victims(ctx, args, f);
  if (!list.length && (f.all || f.selector)) ctx.err.write(`No resources found\n`);
  for (const v of list) {
    try {
      const o = await ctx.client.resource(resourceKey(v.info)).delete(v.namespace, v.name, opts);
      ctx.out.write(`${quotedName(v.info, v.name)} deleted\n`);
      deleted.push({ v, uid: o?.metadata?.uid });
    } catch (e) {
      if (isNotFound(e) && f.ignoreNotFound) continue;
      errors.push(errorLine(e, ctx.server));
    }
  }
  if (f.wait) for (const { v, uid } of deleted) await waitGone(ctx, v, uid, f.timeoutMs);
  for (const e of errors) ctx.err.write(`${e}\n`);
  return errors.length ? 1 : 0;
}
