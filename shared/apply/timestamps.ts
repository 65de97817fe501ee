/**
 * kube-apiserver's IgnoreManagedFieldsTimestampsTransformer: a write whose only change is the
 * times in managedFields (same entries otherwise, same object otherwise) keeps the stored times,
 * so it becomes a no-op that the store does not record. The gateway calls it on the object it is
 * about to publish, then skips the publish when the result equals the stored object.
 */
import { valuesEqual } from './path.js';
import { isMap } from './schema.js';

type Obj = Record<string, unknown>;

export function keepTimesOfNoOpWrite(oldObj: Obj | undefined, newObj: Obj): Obj {
  const oldEntries = entriesOf(oldObj);
  const newEntries = entriesOf(newObj);
  if (!oldEntries || !newEntries || oldEntries.length !== newEntries.length || newEntries.length === 0) return newObj;
  if (newEntries.every((e, i) => e.time === oldEntries[i]!.time)) return newObj;
  const untimed = (es: Obj[]): Obj[] => es.map(({ time: _, ...rest }) => rest);
  if (!valuesEqual(untimed(oldEntries), untimed(newEntries))) return newObj;
  const restored = newEntries.map((e, i) => withTime(e, oldEntries[i]!.time));
  const candidate = { ...newObj, metadata: { ...(newObj.metadata as Obj), managedFields: restored } };
  return valuesEqual(candidate, oldObj) ? candidate : newObj;
}

function entriesOf(o: Obj | undefined): Obj[] | undefined {
  const m = o?.metadata;
  if (!isMap(m) || !Array.isArray(m.managedFields)) return undefined;
  return m.managedFields.every(isMap) ? (m.managedFields as Obj[]) : undefined;
}

function withTime(e: Obj, time: unknown): Obj {
  const { time: _, ...rest } = e;
  return time === undefined ? rest : { ...rest, time };
}
