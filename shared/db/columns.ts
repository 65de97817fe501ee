/**
 * Column types per object table, used to generate the projector's multi-row upserts. Checked against
 * the `XxxTable` types at compile time (a missing or extra column does not type-check) and against the
 * migrated tables by the integration tests.
 */
import type { ObjectColumns, ObjectTableName, ObjectTables } from './schema.js';

export type PgType = 'text' | 'bigint' | 'integer' | 'boolean' | 'jsonb' | 'timestamptz' | 'text[]';

export interface ColumnSpec {
  readonly name: string;
  readonly type: PgType;
}

type KindColumns = {
  readonly [T in ObjectTableName]: { readonly [C in Exclude<keyof ObjectTables[T], keyof ObjectColumns>]: PgType };
};

const COMMON: { readonly [C in keyof ObjectColumns]: PgType } = {
  namespace: 'text',
  name: 'text',
  uid: 'text',
  resource_version: 'bigint',
  labels: 'jsonb',
  annotations: 'jsonb',
  owner_kind: 'text',
  owner_name: 'text',
  owner_uid: 'text',
  creation_timestamp: 'timestamptz',
  deletion_timestamp: 'timestamptz',
  object: 'jsonb',
};

const WORKLOAD = {
  generation: 'bigint',
  observed_generation: 'bigint',
  replicas: 'integer',
  status_replicas: 'integer',
  ready_replicas: 'integer',
  available_replicas: 'integer',
  images: 'text[]',
} as const;

const KIND: KindColumns = {
  namespaces: { phase: 'text' },
  nodes: { ready: 'boolean', unschedulable: 'boolean', internal_ip: 'text' },
  pods: {
    phase: 'text',
    node_name: 'text',
    pod_ip: 'text',
    host_ip: 'text',
    ready: 'boolean',
    restarts: 'integer',
    images: 'text[]',
  },
  services: { type: 'text', cluster_ip: 'text' },
  endpoints: { ready_addresses: 'integer', not_ready_addresses: 'integer' },
  configmaps: { keys: 'integer' },
  secrets: { type: 'text', keys: 'integer' },
  serviceaccounts: { secrets: 'integer' },
  kube_events: {
    reason: 'text',
    type: 'text',
    message: 'text',
    involved_kind: 'text',
    involved_namespace: 'text',
    involved_name: 'text',
    involved_uid: 'text',
    count: 'integer',
    last_timestamp: 'timestamptz',
  },
  replicasets: WORKLOAD,
  deployments: { ...WORKLOAD, updated_replicas: 'integer' },
  leases: { holder: 'text', renew_time: 'timestamptz', lease_duration_seconds: 'integer' },
};

export const OBJECT_TABLES = Object.keys(KIND) as readonly ObjectTableName[];

export function isObjectTable(t: string): t is ObjectTableName {
  return Object.prototype.hasOwnProperty.call(KIND, t);
}

/** All columns of an object table: the common ones (object last) with the kind's in between. */
export function columnsOf(table: ObjectTableName): readonly ColumnSpec[] {
  const cached = cache.get(table);
  if (cached) return cached;
  const { object: objectType, ...common } = COMMON;
  const cols: ColumnSpec[] = [
    ...Object.entries(common).map(([name, type]) => ({ name, type })),
    ...Object.entries(KIND[table] as Record<string, PgType>).map(([name, type]) => ({ name, type })),
    { name: 'object', type: objectType },
  ];
  cache.set(table, cols);
  return cols;
}
const cache = new Map<ObjectTableName, readonly ColumnSpec[]>();
