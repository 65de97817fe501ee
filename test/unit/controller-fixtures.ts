/**
 * Fixture builders for controller unit tests (like newPod / newReplicaSet in Kubernetes'
 * replica_set_test.go): typed objects with sensible defaults, overridden by options. Times are
 * given as offsets from a fixed T0 so tests never read the clock.
 */
import type { KObject, ObjectMeta, OwnerReference } from '../../shared/resources/meta.js';
import type { EventLog } from '../../shared/eventlog/index.js';
import { Informer, objectKey } from '../../shared/informer/index.js';
import type { LabelSelector, Namespace, Pod, PodPhase, PodSpec, ReplicaSet, ReplicaSetStatus } from '../../shared/resources/types.js';

/** A fixed "now" for tests: 2024-01-01T00:00:00Z. */
export const T0 = Date.parse('2024-01-01T00:00:00Z');

/** RFC 3339 timestamp `seconds` after T0 (negative: before). */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch ms `seconds` after T0. */
export function ms(seconds: number): number {
  return T0 + seconds * 1000;
}

export interface MetaOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  creationTimestamp?: string;
  deletionTimestamp?: string;
  generation?: number;
  resourceVersion?: string;
}

function meta(defaults: { name: string; namespace?: string }, o: MetaOptions): ObjectMeta {
  const name = o.name ?? defaults.name;
  const m: ObjectMeta = { name, uid: o.uid ?? `uid-${name}` };
  const namespace = 'namespace' in o ? o.namespace : defaults.namespace;
  if (namespace !== undefined) m.namespace = namespace;
  if (o.labels) m.labels = o.labels;
  if (o.annotations) m.annotations = o.annotations;
  if (o.ownerReferences) m.ownerReferences = o.ownerReferences;
  if (o.finalizers) m.finalizers = o.finalizers;
  if (o.creationTimestamp) m.creationTimestamp = o.creationTimestamp;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
  if (o.generation !== undefined) m.generation = o.generation;
  if (o.resourceVersion) m.resourceVersion = o.resourceVersion;
  return m;
}

export interface PodOptions extends MetaOptions {
  nodeName?: string;
  phase?: PodPhase;
  /** Adds a Ready condition (True/False). */
  ready?: boolean;
  /** lastTransitionTime of the Ready condition. */
  readySince?: string;
  /** restartCount of the single container. */
  restarts?: number;
  spec?: Partial<PodSpec>;
}

/** A pod named `web` in `default` with one container; phase, readiness and node from options. */
export function newPod(o: PodOptions = {}): Pod {
  const spec: PodSpec = { containers: [{ name: 'app', image: 'nginx:1.25' }], ...(o.nodeName ? { nodeName: o.nodeName } : {}), ...o.spec };
  const conditions = o.ready === undefined ? undefined : [{ type: 'Ready', status: o.ready ? 'True' : 'False', ...(o.readySince ? { lastTransitionTime: o.readySince } : {}) } as const];
  const status: Pod['status'] = {
    ...(o.phase ? { phase: o.phase } : {}),
    ...(conditions ? { conditions } : {}),
    ...(o.restarts !== undefined ? { containerStatuses: [{ name: 'app', ready: !!o.ready, restartCount: o.restarts, image: 'nginx:1.25' }] } : {}),
  };
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta({ name: 'web', namespace: 'default' }, o), spec, status };
}

export interface ReplicaSetOptions extends MetaOptions {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelector;
  /** Template labels (default app=web). */
  templateLabels?: Record<string, string>;
  templateAnnotations?: Record<string, string>;
  status?: ReplicaSetStatus;
}

/** A ReplicaSet `web-abc` in `default`: 3 replicas, selector app=web, template labels app=web. */
export function newReplicaSet(o: ReplicaSetOptions = {}): ReplicaSet {
  const labels = o.templateLabels ?? { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: meta({ name: 'web-abc', namespace: 'default' }, { generation: 1, ...o }),
    spec: {
      replicas: o.replicas ?? 3,
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
      selector: o.selector ?? { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels, ...(o.templateAnnotations ? { annotations: o.templateAnnotations } : {}) },
        spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] },
      },
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

/** Any object of kind with the given metadata (for garbage-collector tests). */
export function newObject(kind: string, o: MetaOptions = {}, apiVersion = kind === 'Deployment' || kind === 'ReplicaSet' ? 'apps/v1' : 'v1'): KObject {
  return { apiVersion, kind, metadata: meta({ name: kind.toLowerCase(), namespace: 'default' }, o) };
}

export interface NamespaceOptions extends MetaOptions {
  specFinalizers?: string[];
  phase?: 'Active' | 'Terminating';
  conditions?: Record<string, unknown>[];
}

/** A namespace (cluster-scoped), Active with spec.finalizers [kubernetes] unless told otherwise. */
export function newNamespace(o: NamespaceOptions = {}): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta({ name: 'team-a' }, { ...o, namespace: undefined }),
    spec: { finalizers: o.specFinalizers ?? ['kubernetes'] },
    status: { phase: o.phase ?? (o.deletionTimestamp ? 'Terminating' : 'Active'), ...(o.conditions ? { conditions: o.conditions } : {}) },
  };
}

/** An owner reference to owner; controller and blockOwnerDeletion as given (default: both true). */
export function ownerRef(owner: KObject, o: { controller?: boolean; blockOwnerDeletion?: boolean } = {}): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    ...(o.controller ?? true ? { controller: true } : {}),
    ...(o.blockOwnerDeletion ?? true ? { blockOwnerDeletion: true } : {}),
  };
}

/** Freeze deeply, so a function that mutates its input throws in strict mode. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * An informer holding these objects, fed without a log (Informer.ingest), for reconcile unit
 * tests; ingest more with `feed`.
 */
export function cacheOf<T extends KObject>(plural: string, ...objs: T[]): Informer<T> & { feed(...more: T[]): void; drop(obj: T): void } {
  const inf = new Informer<T>({ log: { root: 'unit' } as unknown as EventLog, plural });
  let seq = 0;
  const feed = (...more: T[]) => {
    for (const object of more) inf.ingest({ seq: ++seq, type: inf.get(objectKey(object)) ? 'MODIFIED' : 'ADDED', object });
  };
  const drop = (object: T) => inf.ingest({ seq: ++seq, type: 'DELETED', object });
  feed(...objs);
  return Object.assign(inf, { feed, drop });
}
