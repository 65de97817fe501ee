/**
 * Table printing shared by the gateway (server-side `Table`s for kubectl) and jkctl: the columns
 * kubectl shows per kind (Kubernetes' pkg/printers/internalversion/printers.go) and pure functions
 * from an object to its cells. No I/O; the clock is an argument. Each kind's printer is in its
 * strategy file (shared/resources/kinds); the helpers they share are here.
 */
import { strategyFor, strategyOf } from '../resources/strategy.js';
import type { ResourceInfo } from '../resources/registry.js';
import { age } from './duration.js';
import { AGE_COLUMN, NAME_COLUMN, type TablePrinter } from './types.js';

export { humanDuration, age } from './duration.js';
export { column, orNone, NAME_COLUMN, AGE_COLUMN, type Cell, type ColumnDefinition, type TablePrinter } from './types.js';
export { podSummary, podIP, restartsCell, type PodSummary } from './pods.js';
export { containerCells, selectorString } from './workloads.js';
export { externalIP, formatEndpoints, formatLabels, portString } from './network.js';
export { nodeRoles, nodeStatus, nodeAddress } from './cluster.js';
export { eventInterval, compareEvents, firstSeen, lastSeen, eventSource } from './events.js';

/** NAME AGE, for kinds without a printer of their own. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  row: (obj, now) => [obj.metadata.name ?? '', age(obj.metadata.creationTimestamp, now)],
};

/** The printer for a kind (`Pod`, `Deployment`, ...), from its strategy; NAME AGE for any other. */
export function printerFor(kind: string): TablePrinter {
  return strategyFor(kind).printer ?? defaultPrinter;
}

/** The printer for the version a request names (a CRD's versions have their own columns). */
export function printerOf(info: ResourceInfo): TablePrinter {
  return strategyOf(info).printer ?? defaultPrinter;
}
