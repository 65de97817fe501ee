/** Flag values as kubectl writes them: Go durations (`5m`, `1h30m`, `30s`), booleans (`--wait=false`), integers. */
import { UsageError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration in milliseconds; a bare number is seconds. `0` means none. */
export function parseDuration(v: string, flag = 'duration'): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== v.length) throw new UsageError(`invalid argument "${v}" for "--${flag}" flag: time: invalid duration "${v}"`);
  return total;
}

export function parseBool(v: string | boolean | undefined, flag: string): boolean {
  if (v === undefined || v === true || v === '') return true;
  if (v === false) return false;
  const s = v.toLowerCase();
  if (['true', '1', 't', 'yes'].includes(s)) return true;
  if (['false', '0', 'f', 'no'].includes(s)) return false;
  throw new UsageError(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export function parseIntFlag(v: string, flag: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw new UsageError(`invalid argument "${v}" for "--${flag}" flag: must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}`);
  return Number(v);
}
