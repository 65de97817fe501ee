/** Namespace: the system ones can't be deleted; deleting sets phase Terminating; gone once spec.finalizers is empty. */
import { ApiError } from '../../errors.js';
import type { KindStrategy } from '../strategy.js';
import type { Namespace } from '../types.js';
import { defaultNamespace } from '../defaults.js';
import { validateNamespace } from '../validation.js';
import { isSystemNamespace } from '../system-namespaces.js';
import { get, str } from '../projection.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

/** `kubectl get namespaces` (printers.go printNamespace). */
const namespacePrinter: TablePrinter<Namespace> = {
  columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
  row(ns, now) {
    return [ns.metadata.name ?? '', ns.status?.phase ?? '', age(ns.metadata.creationTimestamp, now)];
  },
};

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
  printer: namespacePrinter,
  projection: {
    columns: { phase: 'text' },
    row: (o) => ({ phase: str(get(o, 'status', 'phase')) }),
  },
  fields: { 'status.phase': { column: 'phase' } },
};
