/** Ready-made informer transforms (InformerOptions.transform): what a cache keeps of each object. */
import type { KObject } from '../resources/meta.js';

/**
 * The object without metadata.managedFields: only the gateway reads them (server-side apply), and
 * they are often the biggest part of a pod. Writing such an object back is safe: an update without
 * managedFields keeps the stored ones (shared/apply/field-manager.ts), as in Kubernetes.
 */
export function withoutManagedFields<T extends KObject>(obj: T): T {
  if (!obj.metadata || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
