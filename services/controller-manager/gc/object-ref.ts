/** Naming an object in a plan: enough for the I/O layer to address it and to guard by uid. */
import type { KObject } from '../../../shared/resources/meta.js';

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
  /** Use as a precondition (DeleteOptions.preconditions.uid, metadata.uid in patches). */
  readonly uid: string;
}

export function refOf(obj: KObject): ObjectRef {
  const { namespace, name, uid } = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    ...(namespace ? { namespace } : {}),
    name: name ?? '',
    uid: uid ?? '',
  };
}
