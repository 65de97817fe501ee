/**
 * At most 10 Update entries (apimachinery's capManagersManager): beyond that, the oldest entries
 * (by time, then identifier) of each apiVersion merge into one `ancient-changes` entry, which
 * takes the time of the newest entry merged into it. Apply entries are never merged.
 */
import { managerIdentifier, type Managed } from './managed-fields.js';

/** Manager that the oldest Update entries merge into beyond {@link MAX_UPDATE_MANAGERS}. */
export const ANCIENT_CHANGES = 'ancient-changes';
export const MAX_UPDATE_MANAGERS = 10;

/** Merge the oldest Update entries, per apiVersion, into `ancient-changes` until at most 10 remain. */
export function capUpdateManagers(m: Managed): Managed {
  const updaters = [...m.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return m;
  const seconds = (id: string): number => {
    const t = m.times.get(id);
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0));
  const fields = new Map(m.fields);
  const times = new Map(m.times);
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i]!;
    const vs = fields.get(id)!;
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!fields.has(bucket)) {
      fields.set(bucket, fields.get(first)!);
      fields.delete(first);
    }
    fields.set(bucket, { ...vs, set: vs.set.union(fields.get(bucket)!.set) });
    fields.delete(id);
    times.set(bucket, m.times.get(id));
    length--;
  }
  for (const k of times.keys()) if (!fields.has(k)) times.delete(k);
  return { fields, times };
}
