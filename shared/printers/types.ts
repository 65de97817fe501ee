/**
 * What a printer is: the columns kubectl shows for a kind (meta.k8s.io/v1 TableColumnDefinition)
 * and a pure function from one object to its cells. The gateway turns these into a `Table`; jkctl
 * prints them as text. Rows always carry every column, wide ones (priority 1) included, like the
 * API server does; the client hides what it was not asked for.
 */
import type { KObject } from '../resources/meta.js';

export interface ColumnDefinition {
  /** As Kubernetes names it (`Up-to-date`, `Port(s)`); clients print it upper-cased. */
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** `name` for the object's name column, else empty. */
  readonly format: string;
  readonly description: string;
  /** 0: always shown; 1: only in wide output. */
  readonly priority: number;
}

export type Cell = string | number | boolean;

export interface TablePrinter<T extends KObject = KObject> {
  readonly columns: readonly ColumnDefinition[];
  /** One row: a cell per column, in column order. `now` is the clock ages are measured against. */
  row(obj: T, now: Date): Cell[];
}

/** A column definition; `wide` marks priority 1. */
export function column(name: string, description: string, opts: { type?: ColumnDefinition['type']; wide?: boolean; format?: string } = {}): ColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.wide ? 1 : 0 };
}

export const NAME_COLUMN = column('Name', 'Name must be unique within a namespace. It is required when creating resources.', { format: 'name' });
export const AGE_COLUMN = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/** `<none>` for an empty value, as kubectl prints it. */
export const orNone = (s: string | undefined | null): string => (s ? s : '<none>');
