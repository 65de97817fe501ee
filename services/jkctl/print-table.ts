/**
 * `jkctl get`'s tables: the shared printers' columns, upper-cased, wide ones only with `-o wide`,
 * a NAMESPACE column first with `-A`, names as `kind/name` when several kinds are printed together,
 * laid out by the tabwriter exactly like kubectl (3 spaces between columns).
 */
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { formatLabels, printerOf, type Cell } from '../../shared/printers/index.js';
import { qualifiedKind } from './kinds.js';

export interface TableOptions {
  readonly wide?: boolean;
  /** Add the NAMESPACE column (`-A`). */
  readonly withNamespace?: boolean;
  /** Print names as `kind/name` (several kinds in one `get`). */
  readonly withKind?: boolean;
  readonly showLabels?: boolean;
}

export interface TextTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const text = (c: Cell | undefined) => (c === undefined ? '' : String(c));

/** The header and rows `get` prints for these objects of one kind. */
export function buildTable(info: ResourceInfo, objects: readonly KObject[], opts: TableOptions, now: Date): TextTable {
  const printer = printerOf(info);
  const shown = printer.columns.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const nameCol = printer.columns.findIndex((c) => c.format === 'name');
  const namespaced = opts.withNamespace && info.namespaced;
  const header = [...(namespaced ? ['NAMESPACE'] : []), ...shown.map(({ c }) => c.name.toUpperCase()), ...(opts.showLabels ? ['LABELS'] : [])];
  const rows = objects.map((o) => {
    const cells = printer.row(o, now).map(text);
    if (opts.withKind && nameCol >= 0) cells[nameCol] = `${qualifiedKind(info)}/${cells[nameCol]}`;
    return [
      ...(namespaced ? [o.metadata.namespace ?? ''] : []),
      ...shown.map(({ i }) => cells[i] ?? ''),
      ...(opts.showLabels ? [formatLabels(o.metadata.labels)] : []),
    ];
  });
  return { header, rows };
}

/** Tab-separated lines for the tabwriter: the header (unless left out) and the rows. */
export function tableText(t: TextTable, withHeader = true): string {
  const lines = [...(withHeader ? [t.header] : []), ...t.rows];
  return lines.map((cells) => `${cells.join('\t')}\n`).join('');
}
