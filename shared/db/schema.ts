/**
 * The projection schema as kysely sees it: one `Database` interface, one `XxxTable` type per table.
 * Table names come from the resource registry (`ResourceInfo.table`). Every object table shares the
 * columns of `ObjectColumns`; per-kind columns are what people filter and sort on.
 *
 * Conventions: int8 columns are read as JS numbers (createDb installs the parser; sequences stay far
 * below 2^53), timestamptz as Date, jsonb as parsed JSON.
 */
import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { KObject } from '../resources/meta.js';

/** timestamptz: read as Date, written as Date or an RFC 3339 string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: read parsed, written as a JSON string (pg turns JS arrays into SQL arrays, so stringify). */
export type Jsonb<T> = ColumnType<T, string, string>;
export type Labels = Readonly<Record<string, string>>;

/** Columns every object table has. Primary key (namespace, name). */
export interface ObjectColumns {
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  uid: string | null;
  /** The stream sequence of the event that wrote this row. */
  resource_version: number;
  labels: Jsonb<Labels>;
  annotations: Jsonb<Labels> | null;
  /** The controller ownerReference (`controller: true`), if any. */
  owner_kind: string | null;
  owner_name: string | null;
  owner_uid: string | null;
  creation_timestamp: Timestamp | null;
  deletion_timestamp: Timestamp | null;
  /** The whole object, metadata.resourceVersion included. */
  object: Jsonb<KObject>;
}

export interface NamespaceTable extends ObjectColumns {
  phase: string | null;
}

export interface NodeTable extends ObjectColumns {
  ready: boolean;
  unschedulable: boolean;
  internal_ip: string | null;
}

export interface PodTable extends ObjectColumns {
  phase: string | null;
  node_name: string | null;
  pod_ip: string | null;
  host_ip: string | null;
  ready: boolean;
  /** Sum of restartCount over container statuses. */
  restarts: number;
  /** spec.containers[].image, in order. */
  images: string[];
}

export interface ServiceTable extends ObjectColumns {
  type: string;
  cluster_ip: string | null;
}

export interface EndpointsTable extends ObjectColumns {
  /** Ready addresses over all subsets. */
  ready_addresses: number;
  not_ready_addresses: number;
}

export interface ConfigMapTable extends ObjectColumns {
  /** Entries in data + binaryData. */
  keys: number;
}

export interface ServiceAccountTable extends ObjectColumns {
  /** Entries in secrets. */
  secrets: number;
}

export interface SecretTable extends ObjectColumns {
  type: string | null;
  /** Entries in data + stringData. */
  keys: number;
}

/** Kubernetes Event objects (table `kube_events`; `events` is the log mirror). */
export interface KubeEventTable extends ObjectColumns {
  reason: string | null;
  /** Normal | Warning */
  type: string | null;
  message: string | null;
  involved_kind: string | null;
  involved_namespace: string | null;
  involved_name: string | null;
  involved_uid: string | null;
  count: number;
  last_timestamp: Timestamp | null;
}

interface WorkloadColumns {
  generation: number;
  observed_generation: number;
  /** spec.replicas (desired). */
  replicas: number | null;
  /** status.replicas (current). */
  status_replicas: number;
  ready_replicas: number;
  available_replicas: number;
  /** spec.template.spec.containers[].image, in order. */
  images: string[];
}

export interface ReplicaSetTable extends ObjectColumns, WorkloadColumns {}

export interface DeploymentTable extends ObjectColumns, WorkloadColumns {
  updated_replicas: number;
}

export interface LeaseTable extends ObjectColumns {
  holder: string | null;
  renew_time: Timestamp | null;
  lease_duration_seconds: number | null;
}

/** One row per event on a resource subject, mirroring the log (reservations are not mirrored). */
export interface EventsTable {
  /** Stream sequence = the object's resourceVersion after the event. */
  sequence: number;
  time: Timestamp;
  type: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string | null;
}

/** Exactly one row (id = 1): the last stream sequence applied. */
export interface CheckpointTable {
  id: ColumnType<number, number | undefined, never>;
  last_seq: number;
  updated_at: Timestamp;
}

/** A stream message that could not be projected (poison), recorded and skipped. */
export interface DeadLettersTable {
  sequence: number;
  /** The message's stream time. */
  time: Timestamp;
  subject: string;
  reason: string;
}

export interface ObjectTables {
  namespaces: NamespaceTable;
  nodes: NodeTable;
  pods: PodTable;
  services: ServiceTable;
  endpoints: EndpointsTable;
  configmaps: ConfigMapTable;
  secrets: SecretTable;
  serviceaccounts: ServiceAccountTable;
  kube_events: KubeEventTable;
  replicasets: ReplicaSetTable;
  deployments: DeploymentTable;
  leases: LeaseTable;
}

export interface Database extends ObjectTables {
  events: EventsTable;
  checkpoint: CheckpointTable;
  dead_letters: DeadLettersTable;
}

export type ObjectTableName = keyof ObjectTables;
export type TableName = keyof Database;

export type Namespace = Selectable<NamespaceTable>;
export type NewNamespace = Insertable<NamespaceTable>;
export type NodeRow = Selectable<NodeTable>;
export type NewNode = Insertable<NodeTable>;
export type Pod = Selectable<PodTable>;
export type NewPod = Insertable<PodTable>;
export type Service = Selectable<ServiceTable>;
export type NewService = Insertable<ServiceTable>;
export type Endpoints = Selectable<EndpointsTable>;
export type NewEndpoints = Insertable<EndpointsTable>;
export type ConfigMap = Selectable<ConfigMapTable>;
export type NewConfigMap = Insertable<ConfigMapTable>;
export type Secret = Selectable<SecretTable>;
export type NewSecret = Insertable<SecretTable>;
export type ServiceAccount = Selectable<ServiceAccountTable>;
export type NewServiceAccount = Insertable<ServiceAccountTable>;
export type KubeEvent = Selectable<KubeEventTable>;
export type NewKubeEvent = Insertable<KubeEventTable>;
export type ReplicaSet = Selectable<ReplicaSetTable>;
export type NewReplicaSet = Insertable<ReplicaSetTable>;
export type Deployment = Selectable<DeploymentTable>;
export type NewDeployment = Insertable<DeploymentTable>;
export type Lease = Selectable<LeaseTable>;
export type NewLease = Insertable<LeaseTable>;
export type LogEvent = Selectable<EventsTable>;
export type NewLogEvent = Insertable<EventsTable>;
export type Checkpoint = Selectable<CheckpointTable>;
export type DeadLetter = Selectable<DeadLettersTable>;
