/** Endpoints: no status subresource; `kubectl get endpoints` (printers.go printEndpoints) lists ip:port pairs. */
import type { KindStrategy } from '../strategy.js';
import type { Endpoints } from '../types.js';
import { defaultEndpoints } from '../defaults.js';
import { validateEndpoints } from '../service-validation.js';
import { arr, clampInt, get } from '../projection.js';
import { age } from '../../printers/duration.js';
import { formatEndpoints } from '../../printers/network.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const endpointsPrinter: TablePrinter<Endpoints> = {
  columns: [
    NAME_COLUMN,
    column('Endpoints', 'The set of all endpoints is the union of all subsets.'),
    AGE_COLUMN,
  ],
  row(ep, now) {
    return [ep.metadata.name ?? '', formatEndpoints(ep), age(ep.metadata.creationTimestamp, now)];
  },
};

export const endpointsStrategy: KindStrategy = {
  kind: 'Endpoints',
  statusSubresource: false,
  generation: false,
  defaults: defaultEndpoints,
  validate: (obj) => validateEndpoints(obj as Endpoints),
  printer: endpointsPrinter,
  projection: {
    columns: { ready_addresses: 'integer', not_ready_addresses: 'integer' },
    row(o) {
      const subsets = arr(get(o, 'subsets'));
      return {
        ready_addresses: clampInt(subsets.reduce<number>((n, s) => n + arr(get(s, 'addresses')).length, 0)),
        not_ready_addresses: clampInt(subsets.reduce<number>((n, s) => n + arr(get(s, 'notReadyAddresses')).length, 0)),
      };
    },
  },
};
