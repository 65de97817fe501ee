/**
 * The process runtime's measurements, from Linux's /proc: a container is the process group its
 * shim started (the child runs detached, so its pid is the group id). CPU is utime + stime of every
 * live member plus cutime + cstime (children the members already reaped), in clock ticks; memory
 * is the members' resident set (RSS), which stands for the working set (a process has no cgroup
 * to read the page cache from).
 */
import { readdir, readFile } from 'node:fs/promises';

/** USER_HZ and the page size: the same on every Linux jetkube runs on (x86-64 and arm64). */
export const CLOCK_TICKS_PER_SECOND = 100;
export const PAGE_SIZE = 4096;

export interface ProcStat {
  readonly pid: number;
  readonly pgrp: number;
  /** utime + stime + cutime + cstime, clock ticks. */
  readonly cpuTicks: number;
  readonly rssPages: number;
}

/** One /proc/<pid>/stat line (pure); undefined when it is not one. The command may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) on; field n is at n - 3.
  const f = text.slice(close + 2).trim().split(/\s+/);
  const n = (field: number) => Number(f[field - 3]);
  const stat = { pid, pgrp: n(5), cpuTicks: n(14) + n(15) + n(16) + n(17), rssPages: n(24) };
  return Object.values(stat).every(Number.isFinite) ? stat : undefined;
}

/** CPU (ns) and RSS (bytes) of each process group asked for, from one pass over /proc. */
export async function processGroupUsage(pgids: ReadonlySet<number>, procDir = '/proc'): Promise<Map<number, { cpuNs: number; rssBytes: number }>> {
  const out = new Map<number, { cpuNs: number; rssBytes: number }>();
  if (pgids.size === 0) return out;
  const entries = await readdir(procDir).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const text = await readFile(`${procDir}/${e}/stat`, 'utf8').catch(() => undefined);
        const st = text ? parseProcStat(text) : undefined;
        if (!st || !pgids.has(st.pgrp)) return;
        const cur = out.get(st.pgrp) ?? { cpuNs: 0, rssBytes: 0 };
        out.set(st.pgrp, { cpuNs: cur.cpuNs + (st.cpuTicks * 1e9) / CLOCK_TICKS_PER_SECOND, rssBytes: cur.rssBytes + st.rssPages * PAGE_SIZE });
      }),
  );
  return out;
}
