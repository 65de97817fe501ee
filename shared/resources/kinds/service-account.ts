/** ServiceAccount: no status subresource; `kubectl get serviceaccounts` (printers.go printServiceAccount) counts its secrets. */
import type { KindStrategy } from '../strategy.js';
import type { ServiceAccount } from '../types.js';
import { arr, clampInt, get } from '../projection.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const serviceAccountPrinter: TablePrinter<ServiceAccount> = {
  columns: [NAME_COLUMN, column('Secrets', 'Number of secrets referenced by the ServiceAccount', { type: 'integer' }), AGE_COLUMN],
  row(sa, now) {
    return [sa.metadata.name ?? '', sa.secrets?.length ?? 0, age(sa.metadata.creationTimestamp, now)];
  },
};

export const serviceAccountStrategy: KindStrategy = {
  kind: 'ServiceAccount',
  statusSubresource: false,
  generation: false,
  printer: serviceAccountPrinter,
  projection: {
    /** Entries in secrets. */
    columns: { secrets: 'integer' },
    row: (o) => ({ secrets: clampInt(arr(get(o, 'secrets')).length) }),
  },
};
