/**
 * The ControllerRevision writes the DaemonSet and StatefulSet planners ask for, applied the same
 * way: a create that already happened (an earlier run whose answer we did not see: the name is the
 * template's hash) is done, and so is a delete of one already gone; an update keeps its
 * resourceVersion precondition (a 409 requeues).
 */
import type { ControllerRevision } from '../../shared/resources/daemonset-types.js';
import type { ResourceWriter } from '../../shared/client/index.js';
import { isAlreadyExists, isNotFound } from '../../shared/errors.js';

export type RevisionWrite =
  | { readonly type: 'createRevision'; readonly revision: ControllerRevision }
  | { readonly type: 'updateRevision'; readonly revision: ControllerRevision }
  | { readonly type: 'deleteRevision'; readonly name: string; readonly uid?: string };

export async function writeRevision(client: ResourceWriter<ControllerRevision>, ns: string | undefined, action: RevisionWrite): Promise<void> {
  try {
    switch (action.type) {
      case 'createRevision':
        await client.create(ns, action.revision);
        return;
      case 'updateRevision':
        await client.update(action.revision);
        return;
      case 'deleteRevision':
        await client.delete(ns, action.name, action.uid ? { preconditions: { uid: action.uid } } : undefined);
        return;
    }
  } catch (e) {
    if (action.type === 'createRevision' && isAlreadyExists(e)) return;
    if (action.type === 'deleteRevision' && isNotFound(e)) return;
    throw e;
  }
}
