/**
 * Lease: no status subresource and no generation (Kubernetes' lease strategy prepares nothing on
 * create or update, so a renewal does not count one); `kubectl get leases` (printers.go printLease)
 * shows the holder.
 */
import type { KindStrategy } from '../strategy.js';
import type { Lease } from '../types.js';
import { validateLease } from '../validation.js';
import { get, optInt, str, timestamp } from '../projection.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const leasePrinter: TablePrinter<Lease> = {
  columns: [NAME_COLUMN, column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE_COLUMN],
  row(lease, now) {
    return [lease.metadata.name ?? '', lease.spec?.holderIdentity ?? '<none>', age(lease.metadata.creationTimestamp, now)];
  },
};

export const leaseStrategy: KindStrategy = {
  kind: 'Lease',
  statusSubresource: false,
  generation: false,
  validate: (obj) => validateLease(obj as Lease),
  printer: leasePrinter,
  projection: {
    columns: { holder: 'text', renew_time: 'timestamptz', lease_duration_seconds: 'integer' },
    row: (o) => ({
      holder: str(get(o, 'spec', 'holderIdentity')),
      renew_time: timestamp(get(o, 'spec', 'renewTime')),
      lease_duration_seconds: optInt(get(o, 'spec', 'leaseDurationSeconds')),
    }),
  },
};
