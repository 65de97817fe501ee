/**
 * Fields nobody owns (apimachinery's stripMeta): after every write, the writer's set loses these
 * exact paths (not what is under them), and an entry left empty is dropped.
 */
import { FieldSet } from './field-set.js';
import { makePath } from './path.js';
import type { VersionedSet } from './updater.js';

/** Fields never owned by anyone (apimachinery's stripMeta); removed exactly, not with what is under them. */
export const STRIPPED_FIELDS: FieldSet = FieldSet.of(
  makePath('apiVersion'),
  makePath('kind'),
  makePath('metadata'),
  makePath('metadata', 'name'),
  makePath('metadata', 'namespace'),
  makePath('metadata', 'creationTimestamp'),
  makePath('metadata', 'selfLink'),
  makePath('metadata', 'uid'),
  makePath('metadata', 'clusterName'),
  makePath('metadata', 'generation'),
  makePath('metadata', 'managedFields'),
  makePath('metadata', 'resourceVersion'),
);

/** `managers` with the stripped fields taken from `id`'s set (in place). */
export function strip(managers: Map<string, VersionedSet>, id: string): Map<string, VersionedSet> {
  const vs = managers.get(id);
  if (!vs) return managers;
  const set = vs.set.difference(STRIPPED_FIELDS);
  if (set.isEmpty()) managers.delete(id);
  else managers.set(id, { ...vs, set });
  return managers;
}
