/**
 * The history commands, over the gateway's history.jetkube.io/v1 API:
 *   `jkctl history KIND/NAME`                 the object's revisions: SEQ TIME TYPE AUTHOR CHANGE
 *   `jkctl diff KIND/NAME [--from P] [--to P] [--since 10m]`   a unified YAML diff between two points
 *   `jkctl changes (--since 15m | --from P) [--to P] [-n NS | -A]`   objects added, modified, deleted
 *   `jkctl get KIND [NAME] --at P`            (get.ts) the objects as they were at a point
 * A point P is a sequence (resourceVersion) or an RFC 3339 time.
 */
import YAML from 'yaml';
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { actingAuthor, authorLabel, type Author } from '../../shared/eventlog/author.js';
import { parsePoint } from '../../shared/history/points.js';
import type { Ctx } from './context.js';
import { UsageError } from './errors.js';
import { getTabWriter } from './tabwriter.js';

export const HISTORY_API = '/apis/history.jetkube.io/v1';
const PAGE = 500;

/** The word the history API resolves a kind by: `deployments.apps`, `pods`. */
export function kindParam(info: ResourceInfo): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

/** The history API path for a resource in the namespace (or across all, or for a cluster-scoped kind). */
export function historyPath(resource: string, namespace: string | undefined, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const base = namespace ? `${HISTORY_API}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${HISTORY_API}/${resource}`;
  const qs = q.toString();
  return qs ? `${base}?${qs}` : base;
}

/** A point flag's value checked before any request: a sequence or an RFC 3339 time. */
export function checkPoint(v: string | undefined, flag: string): string | undefined {
  if (v === undefined) return undefined;
  if (!parsePoint(v)) throw new UsageError(`invalid argument "${v}" for "--${flag}" flag: a sequence (resourceVersion) or an RFC 3339 time such as 2026-12-06T18:00:00Z`);
  return v;
}

interface Page<T> {
  readonly metadata: { readonly continue?: string };
  readonly items: readonly T[];
}

async function allPages<T>(ctx: Ctx, path: string): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await ctx.client.request<Page<T>>('GET', `${path}${sep}limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    out.push(...page.items);
    cont = page.metadata.continue;
  } while (cont);
  return out;
}

export interface RevisionItem {
  readonly sequence: number;
  readonly time: string;
  readonly type: string;
  readonly summary?: string;
  readonly compacted?: boolean;
  readonly author?: Author;
  readonly involvedObject: { readonly kind: string; readonly namespace?: string; readonly name: string };
  readonly object?: KObject;
}

export interface ChangeItem {
  readonly involvedObject: { readonly kind: string; readonly namespace?: string; readonly name: string };
  readonly type: string;
  readonly revisions: number;
  readonly toSequence: number;
  readonly time: string;
  readonly summary?: string;
}

/** `2026-12-06T18:00:00.123456Z` → `2026-12-06T18:00:00Z`. */
const secondsOf = (t: string) => t.replace(/\.\d+Z$/, 'Z');

/** The revision table: SEQ TIME TYPE AUTHOR CHANGE (AUTHOR only when some revision names one). */
export function historyTable(items: readonly RevisionItem[]): string {
  const withAuthor = items.some((r) => actingAuthor(r.author));
  const lines = [['SEQ', 'TIME', 'TYPE', ...(withAuthor ? ['AUTHOR'] : []), 'CHANGE'].join('\t')];
  for (const r of items) {
    const change = r.summary ?? (r.compacted ? '(compacted)' : '');
    lines.push([String(r.sequence), secondsOf(r.time), r.type, ...(withAuthor ? [authorLabel(r.author)] : []), change].join('\t'));
  }
  return getTabWriter().format(`${lines.join('\n')}\n`);
}

/** The changes table: [NAMESPACE] KIND NAME CHANGE REVISIONS LAST SEQ TIME SUMMARY. */
export function changesTable(items: readonly ChangeItem[], withNamespace: boolean): string {
  const lines = [[...(withNamespace ? ['NAMESPACE'] : []), 'KIND', 'NAME', 'CHANGE', 'REVISIONS', 'LAST SEQ', 'TIME', 'SUMMARY'].join('\t')];
  for (const c of items) {
    const o = c.involvedObject;
    lines.push([...(withNamespace ? [o.namespace ?? ''] : []), o.kind, o.name, c.type, String(c.revisions), String(c.toSequence), secondsOf(c.time), c.summary ?? ''].join('\t'));
  }
  return getTabWriter().format(`${lines.join('\n')}\n`);
}

export async function history(ctx: Ctx, target: { info: ResourceInfo; name: string }, opts: { output?: string }): Promise<number> {
  const ns = target.info.namespaced ? ctx.namespace : undefined;
  const items = await allPages<RevisionItem>(ctx, historyPath('revisions', ns, { kind: kindParam(target.info), name: target.name }));
  return print(ctx, opts.output, { apiVersion: 'history.jetkube.io/v1', kind: 'RevisionList', metadata: {}, items }, () => historyTable(items));
}

export interface DiffFlags {
  readonly from?: string;
  readonly to?: string;
  readonly since?: string;
  readonly output?: string;
}

export async function diff(ctx: Ctx, target: { info: ResourceInfo; name: string }, o: DiffFlags): Promise<number> {
  if (o.from !== undefined && o.since !== undefined) throw new UsageError('--from and --since are mutually exclusive');
  const ns = target.info.namespaced ? ctx.namespace : undefined;
  const d = await ctx.client.request<{ unified: string }>(
    'GET',
    historyPath('diffs', ns, { kind: kindParam(target.info), name: target.name, from: checkPoint(o.from, 'from'), to: checkPoint(o.to, 'to'), since: o.since }),
  );
  return print(ctx, o.output, d, () => d.unified);
}

export interface ChangesFlags {
  readonly from?: string;
  readonly to?: string;
  readonly since?: string;
  readonly allNamespaces?: boolean;
  readonly kind?: string;
  readonly output?: string;
}

export async function changes(ctx: Ctx, o: ChangesFlags, kind: ResourceInfo | undefined): Promise<number> {
  if (o.from === undefined && o.since === undefined) throw new UsageError('one of --since or --from is required');
  if (o.from !== undefined && o.since !== undefined) throw new UsageError('--from and --since are mutually exclusive');
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  const items = await allPages<ChangeItem>(
    ctx,
    historyPath('changes', ns, { from: checkPoint(o.from, 'from'), to: checkPoint(o.to, 'to'), since: o.since, ...(kind ? { kind: kindParam(kind) } : {}) }),
  );
  if (!items.length && !o.output) {
    ctx.err.write(`No changes${ns ? ` in ${ns} namespace` : ''}.\n`);
    return 0;
  }
  return print(ctx, o.output, { apiVersion: 'history.jetkube.io/v1', kind: 'ChangeList', metadata: {}, items }, () => changesTable(items, !ns));
}

function print(ctx: Ctx, output: string | undefined, doc: unknown, table: () => string): number {
  if (output === 'json') ctx.out.write(`${JSON.stringify(doc, null, 4)}\n`);
  else if (output === 'yaml') ctx.out.write(YAML.stringify(doc, { indentSeq: false, lineWidth: 0 }));
  else if (output === undefined || output === '') ctx.out.write(table());
  else throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,yaml`);
  return 0;
}
