/**
 * `jkctl get KIND [NAME...] [-n NS | -A] [-l SEL] [--field-selector SEL] [-o wide|yaml|json|name] [-w]`:
 * objects from the gateway printed as kubectl prints them. Tables come from the shared printers;
 * `-w` keeps printing a row per change from a watch that starts at the list's resourceVersion.
 */
import YAML from 'yaml';
import { isApiError } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import { apiVersionOf, resourceKey, type ResourceInfo } from '../../shared/resources/registry.js';
import { collectionPath } from '../../shared/client/index.js';
import { namespaceFor, type Ctx } from './context.js';
import { errorLine, UsageError } from './errors.js';
import { parseTargets, slashName, type Target } from './kinds.js';
import { buildTable, tableText, type TableOptions } from './print-table.js';
import { getTabWriter, type TabWriter } from './tabwriter.js';
import { watchForever } from './stream.js';
import { checkPoint, historyPath, kindParam } from './history.js';

export interface GetOptions {
  readonly output?: string;
  readonly allNamespaces?: boolean;
  readonly selector?: string;
  readonly fieldSelector?: string;
  readonly watch?: boolean;
  readonly showLabels?: boolean;
  readonly noHeaders?: boolean;
  /** A sequence or an RFC 3339 time: the objects as they were then (history.ts). */
  readonly at?: string;
}

export const OUTPUT_FORMATS = ['wide', 'yaml', 'json', 'name'] as const;

interface Fetched {
  readonly info: ResourceInfo;
  readonly objects: KObject[];
  /** Where a watch continues from. */
  readonly resourceVersion?: string;
}

const withTypeMeta = (info: ResourceInfo, o: KObject): KObject => ({ ...o, apiVersion: o.apiVersion || apiVersionOf(info), kind: o.kind || info.kind });

/** `-o yaml` / `-o json` of one object or a kubectl `List`; managedFields left out, as kubectl does by default. */
export function formatObjects(objects: readonly KObject[], format: 'yaml' | 'json', single: boolean): string {
  const shown = objects.map(withoutManagedFields);
  const doc = single && shown.length === 1 ? shown[0] : { apiVersion: 'v1', items: shown, kind: 'List', metadata: { resourceVersion: '' } };
  return format === 'json' ? `${JSON.stringify(doc, null, 4)}\n` : YAML.stringify(doc, { indentSeq: false, lineWidth: 0 });
}

function withoutManagedFields(o: KObject): KObject {
  if (!o.metadata?.managedFields) return o;
  const { managedFields: _hidden, ...metadata } = o.metadata;
  return { ...o, metadata };
}

/** kubectl's message for an empty result. */
export function noResourcesMessage(ctx: Pick<Ctx, 'namespace'>, targets: readonly Target[], allNamespaces: boolean): string {
  const namespaced = targets.some((t) => t.info.namespaced);
  return namespaced && !allNamespaces ? `No resources found in ${ctx.namespace} namespace.` : 'No resources found';
}

async function fetchTarget(ctx: Ctx, t: Target, opts: GetOptions, errors: string[]): Promise<Fetched> {
  const rc = ctx.client.resource(resourceKey(t.info));
  const ns = namespaceFor(ctx, t.info, opts.allNamespaces);
  if (opts.at !== undefined) return fetchAt(ctx, t, ns, opts, errors);
  if (!t.names.length) {
    const list = await rc.list(ns, { labelSelector: opts.selector, fieldSelector: opts.fieldSelector });
    return { info: t.info, objects: list.items.map((o) => withTypeMeta(t.info, o)), resourceVersion: list.metadata.resourceVersion };
  }
  const objects: KObject[] = [];
  for (const name of t.names) {
    try {
      objects.push(withTypeMeta(t.info, await rc.get(ns ?? ctx.namespace, name)));
    } catch (e) {
      if (!isApiError(e) || e.cause !== undefined) throw e;
      errors.push(errorLine(e, ctx.server));
    }
  }
  return { info: t.info, objects, resourceVersion: objects[objects.length - 1]?.metadata.resourceVersion };
}

/** `--at`: the list, or each named object, as it was at a sequence or time (history.jetkube.io objects). */
async function fetchAt(ctx: Ctx, t: Target, ns: string | undefined, opts: GetOptions, errors: string[]): Promise<Fetched> {
  const at = checkPoint(opts.at, 'at')!;
  const kind = kindParam(t.info);
  if (!t.names.length) {
    const list = await ctx.client.request<{ metadata: { resourceVersion?: string }; items: KObject[] }>(
      'GET',
      historyPath('objects', ns, { kind, at, labelSelector: opts.selector, fieldSelector: opts.fieldSelector }),
    );
    return { info: t.info, objects: list.items.map((o) => withTypeMeta(t.info, o)), resourceVersion: list.metadata.resourceVersion };
  }
  const objects: KObject[] = [];
  for (const name of t.names) {
    try {
      objects.push(withTypeMeta(t.info, await ctx.client.request<KObject>('GET', historyPath('objects', ns ?? (t.info.namespaced ? ctx.namespace : undefined), { kind, name, at }))));
    } catch (e) {
      if (!isApiError(e) || e.cause !== undefined || e.reason !== 'NotFound') throw e;
      errors.push(errorLine(e, ctx.server));
    }
  }
  return { info: t.info, objects };
}

function checkOutput(output: string | undefined): void {
  if (output && !(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${OUTPUT_FORMATS.join(',')}`);
  }
}

function tableOptions(opts: GetOptions, withKind: boolean): TableOptions {
  return { wide: opts.output === 'wide', withNamespace: Boolean(opts.allNamespaces), withKind, showLabels: Boolean(opts.showLabels) };
}

/** What `get` prints for what it fetched. */
export function renderGet(fetched: readonly Fetched[], opts: GetOptions, single: boolean, now: Date, tw: TabWriter = getTabWriter()): string {
  const all = fetched.flatMap((f) => f.objects);
  switch (opts.output) {
    case 'yaml':
    case 'json':
      return formatObjects(all, opts.output, single);
    case 'name':
      return fetched.flatMap((f) => f.objects.map((o) => `${slashName(f.info, o.metadata.name ?? '')}\n`)).join('');
    default: {
      const withKind = fetched.length > 1;
      // Each kind's table is laid out on its own (kubectl resets the remembered widths per kind).
      return fetched
        .filter((f) => f.objects.length)
        .map((f, i) => (i === 0 ? tw : getTabWriter()).format(tableText(buildTable(f.info, f.objects, tableOptions(opts, withKind), now), !opts.noHeaders)))
        .join('\n');
    }
  }
}

export async function get(ctx: Ctx, args: readonly string[], opts: GetOptions): Promise<number> {
  checkOutput(opts.output);
  const targets = parseTargets(args);
  if (opts.watch && opts.at !== undefined) throw new UsageError('--watch and --at are mutually exclusive: the past does not change');
  if (opts.watch && (targets.length !== 1 || targets[0]!.names.length > 1)) {
    throw new UsageError('watch is only supported on individual resources and resource collections');
  }
  const errors: string[] = [];
  const fetched: Fetched[] = [];
  for (const t of targets) fetched.push(await fetchTarget(ctx, t, opts, errors));
  const single = targets.length === 1 && targets[0]!.names.length === 1;
  const tw = getTabWriter();
  const total = fetched.reduce((n, f) => n + f.objects.length, 0);
  // An empty list is still a document in -o yaml / json; in a table it is a message on stderr.
  const asDocument = (opts.output === 'yaml' || opts.output === 'json') && !single;
  if (total || asDocument) ctx.out.write(renderGet(fetched, opts, single, ctx.now(), tw));
  else if (!errors.length && !opts.watch) ctx.err.write(`${noResourcesMessage(ctx, targets, Boolean(opts.allNamespaces))}\n`);
  for (const e of errors) ctx.err.write(`${e}\n`);
  if (errors.length) return 1;
  if (opts.watch) await watchRows(ctx, targets[0]!, fetched[0]!, opts, tw, total > 0);
  return 0;
}

/** `-w`: one row (or document, or name) per change, aligned with what was printed before. */
async function watchRows(ctx: Ctx, t: Target, f: Fetched, opts: GetOptions, tw: TabWriter, headerPrinted: boolean): Promise<void> {
  const ns = namespaceFor(ctx, t.info, opts.allNamespaces);
  const query = {
    resourceVersion: f.resourceVersion,
    labelSelector: opts.selector,
    fieldSelector: t.names.length ? [`metadata.name=${t.names[0]}`, opts.fieldSelector].filter(Boolean).join(',') : opts.fieldSelector,
  };
  let withHeader = !headerPrinted && !opts.noHeaders;
  for await (const ev of watchForever(ctx.server, collectionPath(t.info, ns), query)) {
    if (ev.type === 'BOOKMARK') continue;
    const objects = [withTypeMeta(t.info, ev.object)];
    if (opts.output === 'yaml') ctx.out.write(`---\n${formatObjects(objects, 'yaml', true)}`);
    else if (opts.output === 'json' || opts.output === 'name') ctx.out.write(renderGet([{ info: t.info, objects }], opts, true, ctx.now()));
    else ctx.out.write(tw.format(tableText(buildTable(t.info, objects, tableOptions(opts, false), ctx.now()), withHeader)));
    withHeader = false;
  }
}
