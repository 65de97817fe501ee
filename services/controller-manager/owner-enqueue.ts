/**
 * Which owner to wake when a dependent (a pod, a ControllerRevision) changes, as the DaemonSet and
 * StatefulSet controllers of Kubernetes resolve it (getPodDaemonSets / getStatefulSetsForPod): the
 * cached owner its controller reference names (by name, then uid), or, for an orphan that is not
 * being deleted, every owner of its namespace whose selector matches its labels (one may adopt it).
 */
import type { KObject } from '../../shared/resources/meta.js';
import type { EventHandler, Informer } from '../../shared/informer/index.js';
import type { LabelSelector } from '../../shared/resources/types.js';
import { deepEqual } from '../../shared/resources/json.js';
import { matchesLabels, tryFromLabelSelector } from '../../shared/resources/selectors.js';
import { getControllerOf } from './replicaset/controller-ref.js';

export interface SelectingOwner extends KObject {
  readonly spec?: { readonly selector?: LabelSelector };
}

/**
 * A dependent informer's handler: adds, deletes, and updates that change the dependent (both its
 * old and new owners when its controller or labels changed) enqueue the owners of this kind.
 */
export function dependentsHandler<T extends SelectingOwner>(owners: Informer<T>, kind: string, enqueue: (owner: T) => void): EventHandler<KObject> {
  function enqueueController(obj: KObject): void {
    const ref = getControllerOf(obj);
    if (!ref) {
      if (obj.metadata.deletionTimestamp) return;
      for (const o of owners.listByNamespace(obj.metadata.namespace ?? '')) {
        const sel = o.spec?.selector ? tryFromLabelSelector(o.spec.selector) : undefined;
        if (sel?.length && matchesLabels(sel, obj.metadata.labels)) enqueue(o);
      }
      return;
    }
    if (ref.kind !== kind) return;
    const o = owners.getByName(obj.metadata.namespace, ref.name);
    if (o && o.metadata.uid === ref.uid) enqueue(o);
  }
  return {
    onAdd: enqueueController,
    onUpdate: (old, obj) => {
      if (old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
      if (getControllerOf(old)?.uid !== getControllerOf(obj)?.uid || !deepEqual(old.metadata.labels ?? {}, obj.metadata.labels ?? {})) enqueueController(old);
      enqueueController(obj);
    },
    onDelete: enqueueController,
  };
}
