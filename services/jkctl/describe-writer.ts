/**
 * The building blocks of `describe` output, after kubectl's describe.go: a prefix writer whose
 * lines are laid out by the tabwriter (padding 2) until flushed, multi-line label, annotation,
 * taint and toleration blocks, RFC 1123 times, and the Events table.
 */
import type { Event, Taint, Toleration } from '../../shared/resources/types.js';
import { compareEvents, eventInterval } from '../../shared/printers/index.js';
import { TabWriter } from './tabwriter.js';
import { LAST_APPLIED_ANNOTATION } from './apply.js';

const LEVEL_SPACE = '  ';

export class DescribeWriter {
  private pending = '';
  private done = '';
  private readonly tw = new TabWriter({ padding: 2 });

  /** A line (cells separated by tabs) indented by `level` steps of two spaces. */
  line(level: number, text: string): this {
    this.pending += `${LEVEL_SPACE.repeat(level)}${text}\n`;
    return this;
  }

  /** End the current alignment block: what follows is laid out on its own. */
  flush(): this {
    this.done += this.tw.format(this.pending);
    this.pending = '';
    return this;
  }

  toString(): string {
    this.flush();
    return this.done;
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** Go's time.RFC1123Z (`Mon, 02 Jan 2006 15:04:05 +0000`), in UTC; `<unset>` without a time. */
export function rfc1123z(ts: string | undefined | null): string {
  const t = ts ? new Date(ts) : undefined;
  if (!t || Number.isNaN(t.getTime())) return '<unset>';
  return `${DAYS[t.getUTCDay()]}, ${two(t.getUTCDate())} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} +0000`;
}

/** `Title:\tfirst` then `\tnext` per further entry, or `Title:\t<none>`. */
function multiline(w: DescribeWriter, title: string, entries: readonly string[]): void {
  if (!entries.length) {
    w.line(0, `${title}:\t<none>`);
    return;
  }
  entries.forEach((e, i) => w.line(0, i === 0 ? `${title}:\t${e}` : `\t${e}`));
}

/** printLabelsMultiline: `k=v`, sorted by key. */
export function labelsBlock(w: DescribeWriter, title: string, labels: Readonly<Record<string, string>> | undefined): void {
  multiline(w, title, Object.keys(labels ?? {}).sort().map((k) => `${k}=${labels![k]}`));
}

/** printAnnotationsMultiline: `k: v`, sorted, without the last-applied configuration. */
export function annotationsBlock(w: DescribeWriter, title: string, annotations: Readonly<Record<string, string>> | undefined): void {
  const keys = Object.keys(annotations ?? {}).filter((k) => k !== LAST_APPLIED_ANNOTATION).sort();
  multiline(w, title, keys.map((k) => `${k}: ${annotations![k]}`));
}

export function taintsBlock(w: DescribeWriter, title: string, taints: readonly Taint[] | undefined): void {
  multiline(w, title, (taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`));
}

/** printPodTolerationsMultiline: `key=value:Effect op=Exists for 300s`. */
export function formatToleration(t: Toleration): string {
  let s = t.key ?? '';
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  if (t.operator === 'Exists' && !t.value) s += s ? ' op=Exists' : 'op=Exists';
  if (t.tolerationSeconds !== undefined) s += ` for ${t.tolerationSeconds}s`;
  return s;
}

export function tolerationsBlock(w: DescribeWriter, title: string, tolerations: readonly Toleration[] | undefined): void {
  multiline(w, title, (tolerations ?? []).map(formatToleration));
}

/** DescribeEvents: oldest first, `Type Reason Age From Message`, or `Events:\t<none>`. */
export function eventsBlock(w: DescribeWriter, events: readonly Event[], now: Date): void {
  if (!events.length) {
    w.line(0, 'Events:\t<none>');
    return;
  }
  w.flush();
  w.line(0, 'Events:');
  w.line(1, 'Type\tReason\tAge\tFrom\tMessage');
  w.line(1, '----\t------\t----\t----\t-------');
  for (const e of [...events].sort(compareEvents)) {
    const from = e.source?.component || e.reportingComponent || '';
    w.line(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${eventInterval(e, now)}\t${from}\t${(e.message ?? '').trim()}`);
  }
}

/** The Labels and Annotations lines every describe shows. */
export function metaBlocks(w: DescribeWriter, meta: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> }): void {
  labelsBlock(w, 'Labels', meta.labels);
  annotationsBlock(w, 'Annotations', meta.annotations);
}
