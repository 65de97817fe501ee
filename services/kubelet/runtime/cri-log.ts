/**
 * Container log files in the CRI format the real kubelet reads (`<RFC 3339 nano> <stream> <F|P> <text>`),
 * written by the process runtime's shim and read back for `kubectl logs` (tailLines, sinceSeconds,
 * timestamps, follow). Pure helpers plus one file reader.
 */
import { open, stat } from 'node:fs/promises';
import type { LogOptions } from './types.js';

export interface LogLine {
  /** RFC 3339 with nanoseconds. */
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  /** `F`: a full line; `P`: a partial one (the rest follows in the next entry). */
  readonly tag: 'F' | 'P';
  readonly text: string;
}

/** `2026-12-02T18:53:54.123456789Z` from a millisecond clock and a nanosecond remainder. */
export function nanoTime(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString();
  const nanos = (ms % 1000) * 1e6 + extraNanos;
  return `${iso.slice(0, 19)}.${String(Math.floor(nanos)).padStart(9, '0')}Z`;
}

export function formatLogLine(l: LogLine): string {
  return `${l.time} ${l.stream} ${l.tag} ${l.text}\n`;
}

export function parseLogLine(line: string): LogLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  const stream = line.slice(a + 1, b);
  const tag = line.slice(b + 1, c);
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 'F' && tag !== 'P')) return undefined;
  return { time: line.slice(0, a), stream, tag, text: line.slice(c + 1) };
}

/** What `kubectl logs` prints for one entry. */
export function renderLogLine(l: LogLine, timestamps: boolean): string {
  const text = l.tag === 'P' ? l.text : `${l.text}\n`;
  return timestamps ? `${l.time} ${text}` : text;
}

/** Apply sinceSeconds and tailLines to parsed entries. */
export function selectLines(lines: readonly LogLine[], opts: LogOptions, nowMs: number): LogLine[] {
  let out = lines as LogLine[];
  if (opts.sinceSeconds !== undefined) {
    const since = nowMs - opts.sinceSeconds * 1000;
    out = out.filter((l) => Date.parse(l.time) >= since);
  }
  if (opts.tailLines !== undefined) out = opts.tailLines === 0 ? [] : out.slice(-opts.tailLines);
  return out;
}

/**
 * Read a CRI log file: the selected existing lines, then (follow) new ones as they are appended,
 * until `finished()` says the writer is done and nothing more is left, or the signal aborts.
 */
export async function* readLogFile(path: string, opts: LogOptions, finished: () => Promise<boolean>, pollMs = 100): AsyncGenerator<string> {
  let fh;
  // Nothing written yet: a follower waits for the first line (or the end) and reads from the start.
  let waited = false;
  for (let last = false; ; ) {
    try {
      fh = await open(path, 'r');
      break;
    } catch {
      // The writer finished before the file existed: nothing will ever be written.
      if (!opts.follow || opts.signal?.aborted || last) return;
      if (!waited) opts.onPositioned?.();
      waited = true;
      // Finished: one more open, since the writer may have created the file and exited between the
      // failed open and this check (a container that answers its stdin and ends at once).
      if (await finished()) last = true;
      else await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    const { size } = waited ? { size: 0 } : await fh.stat();
    const head = size > 0 ? (await fh.read(Buffer.alloc(size), 0, size, 0)).buffer.toString('utf8') : '';
    let pos = Buffer.byteLength(head);
    let rest = '';
    const complete = head.endsWith('\n') ? head : head.slice(0, head.lastIndexOf('\n') + 1);
    rest = head.slice(complete.length);
    pos -= Buffer.byteLength(rest);
    const parsed = complete.split('\n').filter(Boolean).map(parseLogLine).filter((l): l is LogLine => !!l);
    for (const l of selectLines(parsed, opts, Date.now())) yield renderLogLine(l, !!opts.timestamps);
    if (!opts.follow) return;
    if (!waited) opts.onPositioned?.();
    rest = '';
    for (;;) {
      if (opts.signal?.aborted) return;
      const size2 = (await stat(path).catch(() => undefined))?.size ?? pos;
      if (size2 > pos) {
        const buf = Buffer.alloc(size2 - pos);
        await fh.read(buf, 0, buf.length, pos);
        pos = size2;
        rest += buf.toString('utf8');
        let i: number;
        while ((i = rest.indexOf('\n')) >= 0) {
          const l = parseLogLine(rest.slice(0, i));
          rest = rest.slice(i + 1);
          if (l) yield renderLogLine(l, !!opts.timestamps);
        }
        continue;
      }
      if (await finished()) {
        // One last look: the writer may have appended between the size check and its exit.
        const last = (await stat(path).catch(() => undefined))?.size ?? pos;
        if (last > pos) continue;
        return;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}
