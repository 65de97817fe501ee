/** Write helpers the controllers share (the garbage collector and the namespace controller delete by reference). */
import { isNotFound } from '../../shared/errors.js';
import { resourceByKind, resourceKey, resourceOf } from '../../shared/resources/registry.js';
import type { ObjectWriter } from '../../shared/client/index.js';
import type { ObjectRef } from './gc/object-ref.js';
import type { PropagationPolicy } from './gc/finalizers.js';

/** Run fn over items, at most `limit` at once; resolves when all have settled. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Delete the object a plan names, guarded by its uid (and resourceVersion when given). Resolves
 * false when it was already gone (404), true when the gateway accepted the delete.
 */
export async function deleteRef(
  writer: ObjectWriter,
  target: ObjectRef,
  propagationPolicy: PropagationPolicy,
  resourceVersion?: string,
): Promise<boolean> {
  const info = resourceOf(target.apiVersion, target.kind) ?? resourceByKind(target.kind);
  if (!info) throw new Error(`unknown kind ${target.kind}`);
  try {
    await writer.resource(resourceKey(info)).delete(target.namespace, target.name, {
      propagationPolicy,
      preconditions: { uid: target.uid, ...(resourceVersion ? { resourceVersion } : {}) },
    });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
