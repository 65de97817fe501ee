/**
 * `jkctl events [-n NS | -A] [--for KIND/NAME] [--types Normal,Warning] [-w]`: Events oldest first,
 * in kubectl events' table (LAST SEEN TYPE REASON OBJECT MESSAGE, with NAMESPACE first for `-A`).
 */
import type { Event } from '../../shared/resources/types.js';
import { collectionPath } from '../../shared/client/index.js';
import { compareEvents, eventInterval } from '../../shared/printers/index.js';
import type { Ctx } from './context.js';
import { UsageError } from './errors.js';
import { resolveKind } from './kinds.js';
import { getTabWriter, type TabWriter } from './tabwriter.js';
import { watchForever } from './stream.js';

export interface EventsFlags {
  readonly allNamespaces?: boolean;
  readonly for?: string;
  readonly types?: string;
  readonly watch?: boolean;
  readonly noHeaders?: boolean;
}

const HEADER = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];

/** One line of the table (tab-separated). */
export function eventLine(e: Event, now: Date, withNamespace: boolean): string {
  const io = e.involvedObject ?? {};
  const cells = [eventInterval(e, now), e.type ?? '', e.reason ?? '', `${io.kind ?? ''}/${io.name ?? ''}`, (e.message ?? '').trim()];
  return `${[...(withNamespace ? [e.metadata.namespace ?? ''] : []), ...cells].join('\t')}\n`;
}

/** The table for these events, sorted oldest first. */
export function eventsTable(events: readonly Event[], now: Date, withNamespace: boolean, tw: TabWriter = getTabWriter(), withHeader = true): string {
  const header = withHeader ? `${[...(withNamespace ? ['NAMESPACE'] : []), ...HEADER].join('\t')}\n` : '';
  return tw.format(header + [...events].sort(compareEvents).map((e) => eventLine(e, now, withNamespace)).join(''));
}

/** The field selector for `--for KIND/NAME`. */
export function forSelector(forArg: string | undefined): string | undefined {
  if (!forArg) return undefined;
  const i = forArg.indexOf('/');
  if (i <= 0) throw new UsageError(`--for must be in resource/name form`);
  return `involvedObject.kind=${resolveKind(forArg.slice(0, i)).kind},involvedObject.name=${forArg.slice(i + 1)}`;
}

function typeFilter(types: string | undefined): (e: Event) => boolean {
  if (!types) return () => true;
  const want = new Set(types.split(',').map((t) => t.trim().toLowerCase()));
  for (const t of want) if (t !== 'normal' && t !== 'warning') throw new UsageError(`valid --types are Normal or Warning`);
  return (e) => want.has((e.type ?? '').toLowerCase());
}

export async function events(ctx: Ctx, f: EventsFlags): Promise<number> {
  const ns = f.allNamespaces ? undefined : ctx.namespace;
  const fieldSelector = forSelector(f.for);
  const keep = typeFilter(f.types);
  const list = await ctx.client.events.list(ns, { fieldSelector });
  const items = list.items.filter(keep);
  const tw = getTabWriter();
  const withNamespace = Boolean(f.allNamespaces);
  if (items.length) ctx.out.write(eventsTable(items, ctx.now(), withNamespace, tw, !f.noHeaders));
  else if (!f.watch) ctx.err.write(f.allNamespaces ? 'No events found.\n' : `No events found in ${ctx.namespace} namespace.\n`);
  if (!f.watch) return 0;
  let header = !items.length && !f.noHeaders;
  const query = { resourceVersion: list.metadata.resourceVersion, fieldSelector };
  for await (const ev of watchForever<Event>(ctx.server, collectionPath(ctx.client.events.info, ns), query)) {
    if ((ev.type !== 'ADDED' && ev.type !== 'MODIFIED') || !keep(ev.object)) continue;
    ctx.out.write(eventsTable([ev.object], ctx.now(), withNamespace, tw, header));
    header = false;
  }
  return 0;
}
