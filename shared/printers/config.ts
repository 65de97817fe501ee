/**
 * `kubectl get configmaps`, `secrets` and `serviceaccounts` (printers.go printConfigMap, printSecret,
 * printServiceAccount): how many keys or secrets.
 */
import type { ConfigMap, Secret, ServiceAccount } from '../resources/types.js';
import { age } from './duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from './types.js';

const size = (m: Readonly<Record<string, string>> | undefined) => Object.keys(m ?? {}).length;

export const configMapPrinter: TablePrinter<ConfigMap> = {
  columns: [NAME_COLUMN, column('Data', 'Number of keys in the ConfigMap', { type: 'integer' }), AGE_COLUMN],
  row(cm, now) {
    return [cm.metadata.name ?? '', size(cm.data) + size(cm.binaryData), age(cm.metadata.creationTimestamp, now)];
  },
};

export const serviceAccountPrinter: TablePrinter<ServiceAccount> = {
  columns: [NAME_COLUMN, column('Secrets', 'Number of secrets referenced by the ServiceAccount', { type: 'integer' }), AGE_COLUMN],
  row(sa, now) {
    return [sa.metadata.name ?? '', sa.secrets?.length ?? 0, age(sa.metadata.creationTimestamp, now)];
  },
};

export const secretPrinter: TablePrinter<Secret> = {
  columns: [
    NAME_COLUMN,
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'Number of keys in the Secret', { type: 'integer' }),
    AGE_COLUMN,
  ],
  row(s, now) {
    return [s.metadata.name ?? '', s.type ?? 'Opaque', size(s.data), age(s.metadata.creationTimestamp, now)];
  },
};
