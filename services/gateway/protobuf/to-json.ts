/**
 * A decoded protobuf message to the JSON Kubernetes would write for the same Go object: field
 * names as in the JSON tags, `omitempty` and pointer rules as Go's encoder applies them, bytes as
 * base64, Time as RFC 3339 (zero: null), Quantity as its string, IntOrString as a number or a
 * string, FieldsV1 and RawExtension as the JSON they hold, a list message (ExtraValue) as its items.
 */
import type { FieldRow, MessageTable } from './schema.js';
import { isScalar, shape } from './root.js';
import { MAGIC } from './envelope.js';

/** A field the client set that this gateway cannot represent: answered 415. */
export class UnsupportedField extends Error {}
/** A field whose content is not what its type allows: answered 400. */
export class InvalidField extends Error {}

type Msg = Record<string, unknown> & { $unknowns?: unknown[] };

const ZERO_TIME_SECONDS = -62135596800; // Go's time.Time{}: 0001-01-01T00:00:00Z

export class JsonConverter {
  constructor(
    private readonly messages: MessageTable,
    private readonly wrappers: MessageTable,
    /** Messages that stand for a Go named slice: their JSON is their `items`. */
    private readonly lists: ReadonlySet<string> = new Set(),
  ) {}

  /** The JSON object for message `name`, decoded as `m`; `path` names it in errors. */
  message(name: string, m: Msg, path: string): Record<string, unknown> {
    const table = this.messages[name];
    if (!table) throw new Error(`no message ${name}`);
    if (m.$unknowns?.length) throw new InvalidField(`${path || name}: ${m.$unknowns.length} unknown field(s) or field(s) with the wrong wire type`);
    const out: Record<string, unknown> = {};
    for (const [field, row] of Object.entries(table)) {
      const p = path ? `${path}.${field}` : field;
      const present = Object.prototype.hasOwnProperty.call(m, field);
      // A message built here for an unset struct has no protobufjs defaults: fill in Go's zero values.
      const v = m[field] ?? zero(row[1]);
      if (row[2] === 'inline') {
        Object.assign(out, this.message(shape(row[1]).elem, (present ? v : {}) as Msg, path));
        continue;
      }
      const j = this.field(row, present, v, p);
      if (j !== OMIT) out[field] = j;
    }
    return out;
  }

  private field(row: FieldRow, present: boolean, v: unknown, path: string): unknown {
    const [, type, mode] = row;
    const { kind, elem } = shape(type);
    if (kind === 'repeated' || kind === 'map') {
      const entries = kind === 'map' ? Object.entries(v as Record<string, unknown>) : (v as unknown[]).map((x, i) => [String(i), x] as const);
      if (!entries.length) return mode === 'req' ? null : OMIT;
      if (kind === 'repeated') return entries.map(([i, x]) => this.value(elem, x, `${path}[${i}]`));
      const obj: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        if (k === '__proto__') throw new InvalidField(`${path}: forbidden key "__proto__"`);
        obj[k] = this.value(elem, x, `${path}[${k}]`);
      }
      return obj;
    }
    if (isScalar(elem)) {
      if (mode === 'ptr') return present ? this.value(elem, v, path) : OMIT;
      const j = this.value(elem, v, path);
      if (mode === 'omit' && isZero(j)) return OMIT;
      return j;
    }
    // A struct (or a wrapper): pointers only when set, everything else always, as Go's encoder does.
    if (mode === 'ptr' && !present) return OMIT;
    return this.value(elem, present ? v : {}, path);
  }

  private value(type: string, v: unknown, path: string): unknown {
    switch (type) {
      case 'string':
      case 'bool':
      case 'double':
        return v;
      case 'int32':
        return v;
      case 'int64':
        return toNumber(v);
      case 'bytes':
        return Buffer.from(v as Uint8Array).toString('base64');
      case 'Time':
        return time(v as Msg, path);
      case 'MicroTime':
        return time(v as Msg, path, true);
      case 'Quantity': {
        this.checkWrapper(type, v as Msg, path);
        // Unset is Go's zero Quantity; a set string is parsed by Go, and "" is not a quantity.
        if (!Object.prototype.hasOwnProperty.call(v, 'string')) return '0';
        if ((v as Msg).string === '') throw new InvalidField(`${path}: a quantity cannot be empty`);
        return (v as Msg).string;
      }
      case 'IntOrString': {
        this.checkWrapper(type, v as Msg, path);
        const t = toNumber((v as Msg).type);
        if (t !== 0 && t !== 1) throw new InvalidField(`${path}: IntOrString type must be 0 or 1, got ${t}`);
        return t === 1 ? ((v as Msg).strVal ?? '') : ((v as Msg).intVal ?? 0);
      }
      case 'FieldsV1':
        this.checkWrapper(type, v as Msg, path);
        return rawJson((v as Msg).Raw as Uint8Array | undefined, path);
      case 'RawExtension': {
        this.checkWrapper(type, v as Msg, path);
        const raw = (v as Msg).raw as Uint8Array | undefined;
        // Go writes Raw as it is: an object embedded as protobuf has no JSON here.
        if (raw && Buffer.from(raw).subarray(0, MAGIC.length).equals(MAGIC)) throw new UnsupportedField(`${path} holds a protobuf object, which is not supported`);
        return rawJson(raw, path);
      }
      default:
        if (this.lists.has(type)) return (this.message(type, v as Msg, path).items as unknown[] | undefined) ?? null; // a nil slice
        return this.message(type, v as Msg, path);
    }
  }

  private checkWrapper(type: string, m: Msg, path: string): void {
    if (!this.wrappers[type]) throw new Error(`no wrapper ${type}`);
    if (m.$unknowns?.length) throw new InvalidField(`${path}: unknown field(s) in ${type}`);
  }
}

const OMIT = Symbol('omit');

function zero(type: string): unknown {
  const { kind, elem } = shape(type);
  if (kind === 'repeated') return [];
  if (kind === 'map') return {};
  switch (elem) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'double':
      return 0;
    case 'bytes':
      return new Uint8Array();
    default:
      return {};
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === undefined || v === null;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

/** Raw JSON bytes: unset or empty is Go's nil, written as null. */
function rawJson(bytes: Uint8Array | undefined, path: string): unknown {
  const raw = Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
  try {
    return raw === '' ? null : JSON.parse(raw);
  } catch {
    throw new InvalidField(`${path}: not JSON`);
  }
}

function time(m: Msg, path: string, micro = false): string | null {
  if (m.$unknowns?.length) throw new InvalidField(`${path}: unknown field(s) in Time`);
  const has = (k: string) => Object.prototype.hasOwnProperty.call(m, k);
  // Go reads an empty Time message as the zero time, which its JSON writes as null.
  if (!has('seconds') && !has('nanos')) return null;
  const seconds = toNumber(m.seconds);
  const nanos = toNumber(m.nanos);
  if (seconds === ZERO_TIME_SECONDS && nanos === 0) return null;
  if (nanos < 0 || nanos > 999_999_999) throw new InvalidField(`${path}: nanos out of range`);
  const d = new Date(seconds * 1000);
  // Go's JSON encoder refuses years outside 0000-9999.
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) throw new InvalidField(`${path}: seconds out of range`);
  // Go's RFC 3339: whole seconds for Time, six fractional digits for MicroTime.
  return micro ? `${d.toISOString().slice(0, 19)}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${d.toISOString().slice(0, 19)}Z`;
}
