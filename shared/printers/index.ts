/**
 * Table printing shared by the gateway (server-side `Table`s for kubectl) and jkctl: the columns
 * kubectl shows per kind (Kubernetes' pkg/printers/internalversion/printers.go) and pure functions
 * from an object to its cells. No I/O; the clock is an argument.
 */
import { age } from './duration.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { leasePrinter, namespacePrinter, nodePrinter } from './cluster.js';
import { endpointsPrinter, servicePrinter } from './network.js';
import { eventPrinter } from './events.js';
import { podPrinter } from './pods.js';
import { deploymentPrinter, replicaSetPrinter } from './workloads.js';
import { AGE_COLUMN, NAME_COLUMN, type TablePrinter } from './types.js';

export { humanDuration, age } from './duration.js';
export { column, orNone, NAME_COLUMN, AGE_COLUMN, type Cell, type ColumnDefinition, type TablePrinter } from './types.js';
export { podSummary, podIP, restartsCell, type PodSummary } from './pods.js';
export { containerCells, selectorString } from './workloads.js';
export { formatEndpoints, formatLabels, portString } from './network.js';
export { nodeRoles, nodeStatus, nodeAddress } from './cluster.js';
export { eventInterval, compareEvents, firstSeen, lastSeen, eventSource } from './events.js';

/** NAME AGE, for kinds without a printer of their own. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  row: (obj, now) => [obj.metadata.name ?? '', age(obj.metadata.creationTimestamp, now)],
};

const PRINTERS: Readonly<Record<string, TablePrinter>> = {
  Pod: podPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  Event: eventPrinter,
  Lease: leasePrinter,
};

/** The printer for a kind (`Pod`, `Deployment`, ...); NAME AGE for any other. */
export function printerFor(kind: string): TablePrinter {
  return PRINTERS[kind] ?? defaultPrinter;
}
