/**
 * CustomResourceDefinition (apiextensions.k8s.io/v1): cluster-scoped, status subresource,
 * generation. Validation, defaults and status.storedVersions in ../crd.ts; a delete adds Kubernetes' cleanup finalizer
 * (the gateway's CRD informer removes the objects, then the finalizer). `kubectl get crd` prints
 * NAME and CREATED AT.
 */
import type { KindStrategy } from '../strategy.js';
import { defaultCrd, hasCondition, markCrdDeleting, recordStorageVersion, validateCrd, type Crd } from '../crd.js';
import { get, str } from '../projection.js';
import { rfc3339 } from '../time.js';
import { NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const crdPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' })],
  row: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
};

export const crdStrategy: KindStrategy = {
  kind: 'CustomResourceDefinition',
  statusSubresource: true,
  generation: true,
  defaults: defaultCrd,
  // Kubernetes' strategy records every version objects may have been stored in (status.storedVersions).
  prepareForCreate: (o) => recordStorageVersion(o as Crd),
  prepareForUpdate: (o) => recordStorageVersion(o as Crd),
  validate: (obj, old) => validateCrd(obj as Crd, old as Crd | undefined),
  onDeleting: (next) => markCrdDeleting(next as Crd, rfc3339(new Date())),
  printer: crdPrinter,
  projection: {
    columns: { api_group: 'text', plural: 'text', kind: 'text', scope: 'text', established: 'boolean' },
    row: (o) => ({
      api_group: str(get(o, 'spec', 'group')),
      plural: str(get(o, 'spec', 'names', 'plural')),
      kind: str(get(o, 'spec', 'names', 'kind')),
      scope: str(get(o, 'spec', 'scope')),
      established: hasCondition(o as unknown as Crd, 'Established'),
    }),
  },
};
