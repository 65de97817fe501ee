/** ConfigMap and Secret: no status subresource; `kubectl get` (printers.go printConfigMap, printSecret) counts their keys. */
import type { KindStrategy } from '../strategy.js';
import type { ConfigMap, Secret } from '../types.js';
import { defaultSecret } from '../defaults.js';
import { validateConfigMap, validateSecret } from '../config-validation.js';
import { get, keyCount, str } from '../projection.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const size = (m: Readonly<Record<string, string>> | undefined) => Object.keys(m ?? {}).length;

const configMapPrinter: TablePrinter<ConfigMap> = {
  columns: [NAME_COLUMN, column('Data', 'Number of keys in the ConfigMap', { type: 'integer' }), AGE_COLUMN],
  row(cm, now) {
    return [cm.metadata.name ?? '', size(cm.data) + size(cm.binaryData), age(cm.metadata.creationTimestamp, now)];
  },
};

const secretPrinter: TablePrinter<Secret> = {
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

export const configMapStrategy: KindStrategy = {
  kind: 'ConfigMap',
  statusSubresource: false,
  generation: false,
  validate: (obj, old) => validateConfigMap(obj as ConfigMap, old as ConfigMap | undefined),
  printer: configMapPrinter,
  projection: {
    /** Entries in data + binaryData. */
    columns: { keys: 'integer' },
    row: (o) => ({ keys: keyCount(get(o, 'data')) + keyCount(get(o, 'binaryData')) }),
  },
};

export const secretStrategy: KindStrategy = {
  kind: 'Secret',
  statusSubresource: false,
  generation: false,
  defaults: defaultSecret,
  validate: (obj, old) => validateSecret(obj as Secret, old as Secret | undefined),
  printer: secretPrinter,
  projection: {
    /** keys: entries in data + stringData. */
    columns: { type: 'text', keys: 'integer' },
    row: (o) => ({ type: str(get(o, 'type')), keys: keyCount(get(o, 'data')) + keyCount(get(o, 'stringData')) }),
  },
  fields: { type: {} },
};
