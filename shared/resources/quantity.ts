/**
 * Kubernetes resource quantities (apimachinery/pkg/api/resource): `100m`, `0.5`, `128Mi`, `1G`,
 * `1e3`, `1.5Ki`. Parsed to a plain number in base units (cores for cpu, bytes for memory).
 */
import { badRequest } from '../errors.js';

const NUMBER_RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/;
const EXPONENT_RE = /^[eE]([+-]?[0-9]+)$/;

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** The quantity's value in base units, or undefined when it is not a valid quantity. */
export function tryParseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = NUMBER_RE.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2]!;
  if (!Number.isFinite(n)) return undefined;
  const mult = Object.prototype.hasOwnProperty.call(SUFFIX, suffix) ? SUFFIX[suffix] : undefined;
  if (mult !== undefined) return roundFloat(n * mult);
  const e = EXPONENT_RE.exec(suffix);
  if (e) {
    const v = n * 10 ** Number(e[1]);
    return Number.isFinite(v) ? roundFloat(v) : undefined;
  }
  return undefined;
}

/** The quantity's value in base units; throws a 400 ApiError when it is not a valid quantity. */
export function parseQuantity(q: string | number): number {
  const v = tryParseQuantity(q);
  if (v === undefined) throw badRequest(`${QUANTITY_FORMAT_MESSAGE}: ${JSON.stringify(q)}`);
  return v;
}

/** The quantity in thousandths, as an integer (`100m` → 100, `2` → 2000). Handy for cpu arithmetic. */
export function parseMilli(q: string | number): number {
  return Math.round(parseQuantity(q) * 1000);
}

/** Strip float noise from decimal scaling (`0.7 * 1000`): non-integers keep 12 significant digits. */
function roundFloat(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(12));
}

const DECIMAL_UP: readonly [string, number][] = [['E', 1e18], ['P', 1e15], ['T', 1e12], ['G', 1e9], ['M', 1e6], ['k', 1e3]];
const DECIMAL_DOWN: readonly [string, number][] = [['m', 1e-3], ['u', 1e-6], ['n', 1e-9]];
const BINARY_UP: readonly [string, number][] = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];

/**
 * The canonical string for a value: DecimalSI (`1500m` → `1500m`, `2000` → `2k`, `0.1` → `100m`)
 * or BinarySI (`134217728` → `128Mi`), falling back to decimal when no binary suffix divides it.
 */
export function formatQuantity(value: number, format: 'DecimalSI' | 'BinarySI' = 'DecimalSI'): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite quantity: ${value}`);
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (Number.isInteger(abs)) {
    const table = format === 'BinarySI' ? BINARY_UP : DECIMAL_UP;
    for (const [s, f] of table) if (abs >= f && abs % f === 0) return `${sign}${abs / f}${s}`;
    return `${sign}${abs}`;
  }
  for (const [s, f] of DECIMAL_DOWN) {
    const scaled = roundFloat(abs / f);
    if (Number.isInteger(scaled)) return `${sign}${scaled}${s}`;
  }
  return `${sign}${Math.ceil(abs / 1e-9)}n`;
}
