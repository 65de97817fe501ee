/**
 * `jkctl replay [--to-seq N | --to-time T]`: the projector's replay (the same one `jetkube replay`
 * runs, against NATS_URL / DATABASE_URL / JETKUBE_PREFIX from the environment) with a progress
 * bar on stderr, then its summary.
 */
import { loadConfig } from '../../shared/config.js';
import { replay as runReplay, type ReplayProgress, type ReplayResult } from '../projector/index.js';
import type { Output } from './context.js';
import { UsageError } from './errors.js';

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `[#####.....] 52% 12,345 ev/s` */
export function progressBar(p: ReplayProgress, width = 10): string {
  const frac = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 1;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(frac * 100)}% ${fmt.format(p.eventsPerSec)} ev/s`;
}

export function replaySummary(r: ReplayResult): string {
  return `replayed ${fmt.format(r.events)} events up to sequence ${r.lastSeq} in ${r.seconds.toFixed(2)} s into schema "${r.schema}"${r.warning ? `\nwarning: ${r.warning}` : ''}`;
}

export interface ReplayFlags {
  readonly toSeq?: string;
  readonly toTime?: string;
}

/** The replay options the flags ask for. */
export function replayTarget(f: ReplayFlags): { toSeq?: number; toTime?: Date } {
  if (f.toSeq !== undefined && f.toTime !== undefined) throw new UsageError('--to-seq and --to-time cannot be used together');
  if (f.toSeq !== undefined) {
    const n = Number(f.toSeq);
    if (!Number.isInteger(n) || n < 1) throw new UsageError('--to-seq takes a positive integer');
    return { toSeq: n };
  }
  if (f.toTime !== undefined) {
    const t = new Date(f.toTime);
    if (Number.isNaN(t.getTime())) throw new UsageError('--to-time takes an ISO-8601 time, e.g. 2026-11-22T10:00:00Z');
    return { toTime: t };
  }
  return {};
}

export async function replay(f: ReplayFlags, out: Output, err: Output & { isTTY?: boolean }): Promise<number> {
  const target = replayTarget(f);
  let lastPrint = 0;
  // A CLI's own output is the progress bar and the summary: the replay's JSON logs only when asked (LOG_LEVEL).
  const res = await runReplay(loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'warn' }), {
    ...target,
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastPrint < 200 && p.done < p.total) return;
      lastPrint = now;
      err.write(`\r${progressBar(p)}   `);
    },
  });
  err.write('\n');
  out.write(`${replaySummary(res)}\n`);
  return 0;
}
