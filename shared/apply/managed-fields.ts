/**
 * `metadata.managedFields` as Kubernetes reads and writes it. Entries are decoded into a map from
 * manager identifier (the entry without fields, time and fieldsType, and without apiVersion for
 * Apply entries, as JSON) to the owned set, so one manager has one entry per (operation,
 * subresource) and, for Update, per apiVersion. Encoding drops nothing but empty sets and sorts
 * entries as Kubernetes does: Apply before Update, then oldest first, then by manager, apiVersion
 * and subresource.
 */
import { goJsonString } from './element-json.js';
import { FieldSet } from './field-set.js';
import { fromFieldsV1, toFieldsV1, type FieldsV1 } from './fields-v1.js';
import { strCompare } from './path.js';
import type { Managers, VersionedSet } from './updater.js';

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager?: string;
  operation: Operation;
  apiVersion: string;
  /** RFC 3339, seconds, UTC. */
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** Decoded managed fields: the sets and the time of each manager's last change. */
export interface Managed {
  readonly fields: Managers;
  readonly times: ReadonlyMap<string, string | undefined>;
}

export const EMPTY_MANAGED: Managed = { fields: new Map(), times: new Map() };

/** Why stored or requested managedFields could not be read. */
export class ManagedFieldsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagedFieldsError';
  }
}

interface Identity {
  readonly manager?: string;
  readonly operation: Operation;
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/** The identifier of a manager: `{"manager":"m","operation":"Update","apiVersion":"apps/v1"}`. */
export function managerIdentifier(e: Identity): string {
  const parts: string[] = [];
  if (e.manager) parts.push(`"manager":${goJsonString(e.manager)}`);
  if (e.operation) parts.push(`"operation":${goJsonString(e.operation)}`);
  if (e.operation !== 'Apply' && e.apiVersion) parts.push(`"apiVersion":${goJsonString(e.apiVersion)}`);
  if (e.subresource) parts.push(`"subresource":${goJsonString(e.subresource)}`);
  return `{${parts.join(',')}}`;
}

/** The entry fields an identifier stands for. */
export function parseIdentifier(id: string): Identity {
  // Every write encodes every entry: the few identifiers a cluster has are parsed once (frozen, shared).
  let o = identities.get(id);
  if (!o) {
    o = Object.freeze(JSON.parse(id) as Identity);
    if (identities.size >= MAX_IDENTITIES) identities.clear();
    identities.set(id, o);
  }
  return o;
}

const MAX_IDENTITIES = 4096;
const identities = new Map<string, Identity>();

/** Read `metadata.managedFields` (undefined or null is none). */
export function decodeManagedFields(entries: unknown): Managed {
  if (entries === undefined || entries === null) return EMPTY_MANAGED;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  const fields = new Map<string, VersionedSet>();
  const times = new Map<string, string | undefined>();
  entries.forEach((raw, i) => {
    const e = (raw ?? {}) as Partial<ManagedFieldsEntry>;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new ManagedFieldsError('apiVersion must not be empty');
    if (!e.fieldsType) throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier(e as Identity);
    let set: FieldSet;
    try {
      set = fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new ManagedFieldsError(`error decoding versioned set from entry ${i} (${id}): ${(err as Error).message}`);
    }
    fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    times.set(id, e.time);
  });
  return { fields, times };
}

/** Write managed fields; undefined when there are none (the field is then left out). */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const who = parseIdentifier(id);
    const e: ManagedFieldsEntry = {
      ...(who.manager ? { manager: who.manager } : {}),
      operation: vs.applied ? 'Apply' : who.operation,
      apiVersion: vs.apiVersion,
      ...(m.times.get(id) ? { time: m.times.get(id) } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(vs.set),
      ...(who.subresource ? { subresource: who.subresource } : {}),
    };
    out.push(e);
  }
  return sortEntries(out);
}

/** Kubernetes' order of managedFields entries. */
export function sortEntries(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  return [...entries].sort((p, q) => {
    if (p.operation !== q.operation) return strCompare(p.operation, q.operation);
    const d = seconds(p.time) - seconds(q.time);
    if (d !== 0) return d < 0 ? -1 : 1;
    if ((p.manager ?? '') !== (q.manager ?? '')) return strCompare(p.manager ?? '', q.manager ?? '');
    if (p.apiVersion !== q.apiVersion) return strCompare(p.apiVersion, q.apiVersion);
    return strCompare(p.subresource ?? '', q.subresource ?? '');
  });
}

/** Whether a request's managedFields ask to clear them: `[]`, or one entry that is `{}`. */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && entries[0] !== null && typeof entries[0] === 'object' && Object.keys(entries[0]).length === 0;
}

/** metav1.Time as Kubernetes writes it: RFC 3339, whole seconds, UTC. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
