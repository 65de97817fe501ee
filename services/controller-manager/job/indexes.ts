/**
 * Completion indexes of Indexed Jobs (indexed_job_utils.go): the compressed interval form of
 * status.completedIndexes / status.failedIndexes ("1,3-5"), and the index a pod carries.
 */
import type { Pod } from '../../../shared/resources/types.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_COMPLETION_INDEX_LABEL } from '../../../shared/resources/batch/types.js';

/** Sorted, non-overlapping, non-adjacent closed intervals. */
export type Intervals = ReadonlyArray<readonly [number, number]>;

/**
 * Parse "1,3-5" into intervals, dropping indexes >= completions and anything malformed, as
 * Kubernetes does when it reads its own status back (parseIndexesFromString).
 */
export function parseIndexes(s: string | undefined, completions: number): Intervals {
  if (!s) return [];
  const out: [number, number][] = [];
  for (const part of s.split(',')) {
    const lim = part.split('-');
    if (lim.length > 2) continue;
    const x = toIndex(lim[0]);
    if (x === undefined || x >= completions) continue;
    let y = x;
    if (lim.length === 2) {
      const y0 = toIndex(lim[1]);
      if (y0 === undefined) continue;
      y = Math.min(y0, completions - 1);
    }
    if (y < x) continue;
    out.push([x, y]);
  }
  return withIndexes([], out.flatMap(([x, y]) => range(x, y)));
}

function toIndex(s: string | undefined): number | undefined {
  if (s === undefined || !/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function range(x: number, y: number): number[] {
  const r: number[] = [];
  for (let i = x; i <= y; i++) r.push(i);
  return r;
}

/** The intervals with `indexes` added (any order, duplicates allowed). */
export function withIndexes(base: Intervals, indexes: readonly number[]): Intervals {
  const all = [...base.map(([x, y]) => [x, y] as [number, number]), ...indexes.map((i) => [i, i] as [number, number])];
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [x, y] of all) {
    const last = out[out.length - 1];
    if (last && x <= last[1] + 1) last[1] = Math.max(last[1], y);
    else out.push([x, y]);
  }
  return out;
}

export function formatIndexes(iv: Intervals): string {
  return iv.map(([x, y]) => (x === y ? String(x) : `${x}-${y}`)).join(',');
}

export function totalIndexes(iv: Intervals): number {
  return iv.reduce((n, [x, y]) => n + (y - x + 1), 0);
}

export function hasIndex(iv: Intervals, i: number): boolean {
  return iv.some(([x, y]) => i >= x && i <= y);
}

/** The pod's completion index from its annotation (then label), or undefined when absent or invalid. */
export function completionIndexOf(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX_LABEL];
  const n = toIndex(v);
  return n !== undefined && n <= 2 ** 31 - 1 ? n : undefined;
}

/** The generateName of an Indexed Job's pod: `<job>-<index>-`, the job name cut to fit 58 characters. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const appendix = `-${index}-`;
  const max = 58; // apimachinery names.MaxGeneratedNameLength (63 - 5 random characters)
  const prefix = jobName + appendix;
  return prefix.length > max ? jobName.slice(0, max - appendix.length) + appendix : prefix;
}
