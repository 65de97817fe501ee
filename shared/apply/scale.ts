/**
 * Managed fields across the `/scale` subresource (apimachinery's ScaleHandler). A Scale
 * (`autoscaling/v1`) shows, for every manager that owns the parent's replicas field, an entry
 * owning its `.spec.replicas`; a write to `/scale` is tracked on that Scale, and the result is
 * carried back to the parent: managers that lost the Scale's replicas lose the parent's (an entry
 * left empty goes), new owners get an entry with just the parent's replicas field.
 */
import { FieldSet } from './field-set.js';
import { decodeManagedFields, encodeManagedFields, type ManagedFieldsEntry } from './managed-fields.js';
import { makePath, type Path } from './path.js';
import type { VersionedSet } from './updater.js';

export const SCALE_API_VERSION = 'autoscaling/v1';
const REPLICAS_IN_SCALE = makePath('spec', 'replicas');

/** apiVersion of the parent → the path of its replicas field (`apps/v1` → `.spec.replicas`). */
export type ReplicasPaths = Readonly<Record<string, Path>>;

/** The parent's entries as the Scale's managedFields. */
export function scaleEntriesFromParent(parent: readonly ManagedFieldsEntry[] | undefined, paths: ReplicasPaths): ManagedFieldsEntry[] | undefined {
  const m = decodeManagedFields(parent);
  const fields = new Map<string, VersionedSet>();
  const times = new Map<string, string | undefined>();
  for (const [id, vs] of m.fields) {
    const path = paths[vs.apiVersion];
    if (!path || !vs.set.has(path)) continue;
    fields.set(id, { set: FieldSet.of(REPLICAS_IN_SCALE), apiVersion: SCALE_API_VERSION, applied: vs.applied });
    times.set(id, m.times.get(id));
  }
  return encodeManagedFields({ fields, times });
}

/** The parent's entries after a write to its Scale left the Scale with `scale` entries. */
export function parentEntriesFromScale(
  parent: readonly ManagedFieldsEntry[] | undefined, scale: readonly ManagedFieldsEntry[] | undefined, apiVersion: string, paths: ReplicasPaths,
): ManagedFieldsEntry[] | undefined {
  const p = decodeManagedFields(parent);
  const s = decodeManagedFields(scale);
  const scaleFields = new Map(s.fields);
  const fields = new Map<string, VersionedSet>();
  const times = new Map<string, string | undefined>();
  for (const [id, vs] of p.fields) {
    if (!(vs.apiVersion in paths)) continue;
    const path = paths[vs.apiVersion];
    if (!path || !vs.set.has(path)) {
      fields.set(id, vs);
      times.set(id, p.times.get(id));
    } else if (!scaleFields.has(id)) {
      const set = vs.set.difference(FieldSet.of(path));
      if (!set.isEmpty()) {
        fields.set(id, { ...vs, set });
        times.set(id, p.times.get(id));
      }
    } else {
      fields.set(id, vs);
      times.set(id, p.times.get(id));
      scaleFields.delete(id);
    }
  }
  const own = paths[apiVersion];
  for (const [id, vs] of scaleFields) {
    if (!own || !vs.set.has(REPLICAS_IN_SCALE)) continue;
    fields.set(id, { set: FieldSet.of(own), apiVersion, applied: vs.applied });
    // Kubernetes takes the time from the parent's entries, which a new manager does not have.
    times.set(id, p.times.get(id));
  }
  return encodeManagedFields({ fields, times });
}
