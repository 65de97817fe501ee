/** Namespace: the system ones can't be deleted; deleting sets phase Terminating; gone once spec.finalizers is empty. */
import { ApiError } from '../../errors.js';
import type { KindStrategy } from '../strategy.js';
import type { Namespace } from '../types.js';
import { defaultNamespace } from '../defaults.js';
import { validateNamespace } from '../validation.js';
import { isSystemNamespace } from '../system-namespaces.js';

export const namespaceStrategy: KindStrategy = {
  kind: 'Namespace',
  statusSubresource: true,
  generation: true,
  defaults: defaultNamespace,
  validate: (obj) => validateNamespace(obj as Namespace),
  admitDelete: (name) =>
    isSystemNamespace(name) ? new ApiError('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' }) : undefined,
  onDeleting(next) {
    next.status = { ...(next.status as object), phase: 'Terminating' };
  },
  readyToRemove: (obj) => !((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length),
};
