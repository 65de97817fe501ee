/**
 * CronJob schedules as Kubernetes reads them: robfig/cron v3 ParseStandard (five fields, the
 * @yearly … @hourly macros and @every <duration>, an optional `TZ=` / `CRON_TZ=` prefix).
 *
 * The grammar and its error messages are robfig's, checked here; the field values are then
 * handed to cron-parser as explicit lists for the next-time search in the time zone (cron-parser
 * uses luxon). robfig's day-of-month / day-of-week rule: when either field is a star (`*` or `?`,
 * also `*\/1`) both must match; otherwise either may. cron-parser ORs two restricted fields and
 * treats `*` as "any", so a star field is passed as `*` and the other as its list.
 */
import { CronExpressionParser } from 'cron-parser';

export interface Schedule {
  /** The first activation strictly after `t`, or undefined when there is none (e.g. `0 0 31 2 *`). */
  next(t: Date): Date | undefined;
  /** The IANA zone the fields are read in. */
  readonly timeZone: string;
}

export type ParseResult = { readonly ok: true; readonly schedule: Schedule } | { readonly ok: false; readonly error: string };

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class ParseError extends Error {}

/** Go's strconv.Atoi as robfig's mustParseInt uses it (non-negative only). */
function mustParseInt(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new ParseError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n < 0) throw new ParseError(`negative number (${n}) not allowed: ${s}`);
  return n;
}

function parseIntOrName(s: string, names: Bounds['names']): number {
  const n = names?.[s.toLowerCase()];
  return n !== undefined ? n : mustParseInt(s);
}

interface Field {
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
}

function getRange(expr: string, r: Bounds): Field {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, r.names);
    else throw new ParseError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    if (singleDigit) end = r.max; // "N/step" means "N-max/step"
    if (step > 1) star = false;
  } else throw new ParseError(`too many slashes: ${expr}`);
  if (start < r.min) throw new ParseError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new ParseError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new ParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ParseError(`step of range should be a positive number: ${expr}`);
  const values = new Set<number>();
  for (let i = start; i <= end; i += step) values.add(i);
  return { values, star };
}

function getField(field: string, r: Bounds): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) {
    const f = getRange(part, r);
    for (const v of f.values) values.add(v);
    star ||= f.star;
  }
  return { values, star };
}

const list = (f: Field): string => [...f.values].sort((a, b) => a - b).join(',');

/** Go's time.ParseDuration (subset robfig's @every needs): "1h30m", "90s", "1.5h", "500ms". */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new ParseError(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  const re = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') {
      if (/^[0-9.]+$/.test(rest)) throw new ParseError(`time: missing unit in duration ${JSON.stringify(s)}`);
      throw new ParseError(`time: invalid duration ${JSON.stringify(s)}`);
    }
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Whether Go's time.LoadLocation would load `tz` (IANA names, case-sensitive; "" and "UTC" are UTC). */
export function isLoadableTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'UTC' || tz === 'Local') return true;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    // Intl resolves names case-insensitively; the zoneinfo files Go reads are not.
    return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * robfig cron.ParseStandard. `defaultTimeZone` stands for the controller's local zone (robfig
 * uses time.Local when the spec has no TZ= prefix); it defaults to UTC.
 */
export function parseStandard(spec: string, defaultTimeZone = 'UTC'): ParseResult {
  try {
    return { ok: true, schedule: parse(spec, defaultTimeZone) };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.message };
    throw e;
  }
}

function parse(spec0: string, defaultTimeZone: string): Schedule {
  let spec = spec0;
  if (spec.length === 0) throw new ParseError('empty spec string');
  let tz = defaultTimeZone;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
    if (i < 0 || !isLoadableTimeZone(name)) throw new ParseError(`provided bad location ${name}: unknown time zone ${name}`);
    tz = name === '' || name === 'Local' ? defaultTimeZone : name;
    spec = spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    const fixed = DESCRIPTORS[spec];
    if (fixed) spec = fixed;
    else if (spec.startsWith('@every ')) {
      const d = parseGoDurationOrThrow(spec.slice('@every '.length));
      return everySchedule(d, tz);
    } else throw new ParseError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new ParseError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [mi, h, dom, mo, dow] = [getField(fields[0]!, MINUTE), getField(fields[1]!, HOUR), getField(fields[2]!, DOM), getField(fields[3]!, MONTH), getField(fields[4]!, DOW)];
  const domExpr = dom.star ? '*' : list(dom);
  const dowExpr = dow.star ? '*' : list(dow);
  // When one of DOM/DOW is a star robfig ANDs them: the star matches every day, so only the other
  // one restricts. cron-parser reads `*` as that.
  const expr = `0 ${list(mi)} ${list(h)} ${dom.star && dow.star ? '*' : domExpr} ${list(mo)} ${dom.star && dow.star ? '*' : dowExpr}`;
  let parsedOk = true;
  try {
    CronExpressionParser.parse(expr, { tz, currentDate: new Date(0) });
  } catch {
    parsedOk = false; // e.g. 31 February: robfig accepts it and never fires
  }
  // robfig matches the wall clock: a time in a spring-forward gap (02:30 on the day clocks jump
  // from 02:00 to 03:00) does not exist and is skipped, where cron-parser moves it to 03:30.
  const matches = (d: Date): boolean => {
    const w = wallClock(d, tz);
    if (!mi.values.has(w.minute) || !h.values.has(w.hour) || !mo.values.has(w.month)) return false;
    const domOk = dom.values.has(w.day);
    const dowOk = dow.values.has(w.weekday);
    return dom.star || dow.star ? domOk && dowOk : domOk || dowOk;
  };
  return {
    timeZone: tz,
    next(t: Date): Date | undefined {
      if (!parsedOk) return undefined;
      let found: Date | undefined;
      try {
        const it = CronExpressionParser.parse(expr, { tz, currentDate: t });
        for (let i = 0; i < 10 && !found; i++) {
          const n = it.next().toDate();
          // robfig gives up after five years.
          if (n.getTime() - t.getTime() > 5 * 366 * 86_400_000) break;
          if (matches(n)) found = n;
        }
      } catch {
        found = undefined;
      }
      // Near a clock change robfig walks the wall clock minute by minute, so a time in a repeated
      // hour (01:30 when clocks go back from 02:00 to 01:00) fires twice. Scan those hours the same way.
      const horizon = t.getTime() + 3 * 3_600_000;
      if (offsetMinutes(t, tz) !== offsetMinutes(new Date(horizon), tz)) {
        const limit = found ? Math.min(found.getTime(), horizon) : horizon;
        for (let m = Math.floor(t.getTime() / 60_000) * 60_000 + 60_000; m < limit; m += 60_000) {
          if (matches(new Date(m))) return new Date(m);
        }
      }
      return found;
    },
  };
}

interface WallClock {
  readonly month: number;
  readonly day: number;
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function offsetMinutes(d: Date, tz: string): number {
  const r = formatRFC3339InZone(d, tz);
  const m = /([+-])(\d\d):(\d\d)$/.exec(r);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function wallClock(d: Date, tz: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz === '' ? 'UTC' : tz,
    hourCycle: 'h23',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return { month: Number(get('month')), day: Number(get('day')), weekday: WEEKDAYS[get('weekday')] ?? -1, hour: Number(get('hour')), minute: Number(get('minute')) };
}

function parseGoDurationOrThrow(s: string): number {
  try {
    return parseGoDuration(s);
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`failed to parse duration @every ${s}: ${e.message}`);
    throw e;
  }
}

/** robfig Every: at least one second, whole seconds; Next(t) = t + delay with t's sub-second part dropped. */
function everySchedule(ms: number, tz: string): Schedule {
  const delay = Math.max(1000, ms - (ms % 1000));
  return {
    timeZone: tz,
    next(t: Date): Date {
      return new Date(t.getTime() - (t.getTime() % 1000) + delay);
    },
  };
}

/** `d` as RFC 3339 with the zone's offset at that instant (Go's time.Format(time.RFC3339) after In(loc)). */
export function formatRFC3339InZone(d: Date, tz: string): string {
  const zone = tz === '' ? 'UTC' : tz;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '00';
  const local = Date.UTC(Number(get('year')), Number(get('month')) - 1, Number(get('day')), Number(get('hour')), Number(get('minute')), Number(get('second')));
  const offsetMin = Math.round((local - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
  const base = `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin > 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
