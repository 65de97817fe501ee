/**
 * Server-side printing (Kubernetes' "as=Table" content negotiation): when a GET asks for
 * `application/json;as=Table;v=v1;g=meta.k8s.io`, the answer is a meta.k8s.io `Table` built with the
 * shared printers, so `kubectl get` shows the same columns it shows against a real API server.
 * Rows carry every column (wide ones have priority 1) and, per `includeObject`, the object's
 * metadata (PartialObjectMetadata, the default), the whole object, or nothing.
 */
import { badRequest } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { printerOf, type Cell, type ColumnDefinition } from '../../shared/printers/index.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRequest {
  /** The meta.k8s.io version asked for. */
  readonly version: 'v1' | 'v1beta1';
  readonly includeObject: IncludeObject;
}

export interface TableRow {
  readonly cells: Cell[];
  readonly object?: unknown;
}

export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: string;
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string; readonly remainingItemCount?: number };
  readonly columnDefinitions: readonly ColumnDefinition[];
  readonly rows: TableRow[];
}

interface MediaType {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

function parseAccept(accept: string): MediaType[] {
  return accept.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
    return { type: (type ?? '').toLowerCase(), params: p };
  });
}

/**
 * Whether the Accept header's first media type the gateway can serve is a Table (undefined: plain
 * JSON). Media types are taken in order, like the API server's negotiation.
 */
export function tableRequest(accept: string | undefined, includeObject: string | undefined): TableRequest | undefined {
  if (!accept) return undefined;
  for (const m of parseAccept(accept)) {
    if (m.type !== 'application/json' && m.type !== '*/*' && m.type !== 'application/*') continue;
    const as = m.params.as;
    if (!as) return undefined;
    if (as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
      return { version: m.params.v, includeObject: parseIncludeObject(includeObject) };
    }
  }
  return undefined;
}

function parseIncludeObject(v: string | undefined): IncludeObject {
  if (v === undefined || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(`includeObject: unsupported value "${v}": supported values: "None", "Metadata", "Object"`);
}

/** The Content-Type a Table answer carries. */
export function tableContentType(t: TableRequest): string {
  return `application/json;as=Table;v=${t.version};g=meta.k8s.io`;
}

function rowObject(obj: KObject, t: TableRequest): unknown {
  switch (t.includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${t.version}`, metadata: obj.metadata };
  }
}

/** A Table of `objects`: one row each, with the list's (or the single object's) metadata. */
export function toTable(info: ResourceInfo, objects: readonly KObject[], metadata: Table['metadata'], t: TableRequest, now: Date): Table {
  const printer = printerOf(info);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${t.version}`,
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((o) => {
      const object = rowObject(o, t);
      return { cells: printer.row(o, now), ...(object !== undefined ? { object } : {}) };
    }),
  };
}

/** A list answer (`{metadata, items}`) or a single object as a Table. */
export function asTable(info: ResourceInfo, body: unknown, t: TableRequest, now: Date): Table {
  const b = body as { metadata?: Table['metadata']; items?: KObject[] };
  if (Array.isArray(b.items)) return toTable(info, b.items, b.metadata ?? {}, t, now);
  const obj = body as KObject;
  const rv = obj.metadata?.resourceVersion;
  return toTable(info, [obj], rv ? { resourceVersion: rv } : {}, t, now);
}
