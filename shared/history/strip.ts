/**
 * What the history API compares: an object as the log stores it, without the fields that change on
 * every write and say nothing about the object (metadata.resourceVersion is the sequence itself;
 * metadata.managedFields is bookkeeping, which kubectl hides by default too).
 */
import type { KObject } from '../resources/meta.js';

export function comparable(o: KObject | undefined): KObject | undefined {
  if (!o) return undefined;
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata ?? {};
  return { ...o, metadata };
}
