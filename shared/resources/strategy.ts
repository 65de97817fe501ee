/**
 * What kube-apiserver calls a RESTStrategy, and the rest of what is particular to one kind: the
 * write path's decisions, the columns `kubectl get` prints, the projection's typed columns and the
 * fields it can be selected by. A kind is a registry row (registry.ts), one strategy file (kinds/),
 * a projection migration (shared/db/migrations) and tests. The gateway's read → decide → CAS loop,
 * its Table output, the projector's rows and the list queries consult only this.
 * Kinds defined at run time (CustomResourceDefinitions) come in through registerKind; a kind with
 * no strategy gets the generic one.
 */
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { TablePrinter } from '../printers/types.js';
import type { Projection } from './projection.js';
import { RESOURCES, addResource, groupKindKey, removeResource, resourceByKind, type ResourceInfo } from './registry.js';
import { cloneJson, isPlainObject } from './json.js';
import { validateObjectMeta } from './validation.js';
import { required } from './field-errors.js';
import { BUILT_IN_STRATEGIES } from './kinds/index.js';

export type Obj = Record<string, unknown>;

/** A field a kind can be selected by (`?fieldSelector=`), beyond metadata.name and metadata.namespace. */
export interface SelectableField {
  /** The projection column holding its value, for list queries; without one SQL reads the object. */
  readonly column?: string;
  /** What an absent field compares as (Kubernetes compares Go zero values: `false`, `0`); `''` by default. */
  readonly absent?: string;
  /** Where the value is when not at the field's own path (an Event's `source` is source.component). */
  readonly path?: readonly string[];
}

/** How a delete goes for kinds that end gracefully (pods): decided on a copy about to be written. */
export type GracefulDelete =
  /** Gone now: the tombstone is written (unless finalizers hold it). */
  | { readonly op: 'remove' }
  /** Marked for deletion at a later time; someone (the kubelet) finishes it. */
  | { readonly op: 'mark' }
  /** Already marked with an equal or shorter grace: nothing to write. */
  | { readonly op: 'noop' };

export interface KindStrategy {
  readonly kind: string;
  /** Status is written only through /status: spec writes keep the stored status. */
  readonly statusSubresource: boolean;
  /** With a status subresource, a create still keeps the status it is given (Node: the kubelet registers with it). */
  readonly statusOnCreate?: boolean;
  /** metadata.generation starts at 1 and rises with every change of spec. */
  readonly generation: boolean;
  /** Kubernetes' defaulting, in place on a fresh copy. */
  defaults?(o: Obj): void;
  /** What the server sets on a create beyond defaults (PrepareForCreate), in place on the defaulted copy. */
  prepareForCreate?(o: KObject): void;
  /** What the server sets on an update from the stored object (PrepareForUpdate), in place on the defaulted copy. */
  prepareForUpdate?(o: KObject, old: KObject): void;
  /** The kind's own semantic rules (metadata is validated for every kind); with `old`, the update rules. */
  validate?(obj: KObject, old?: KObject): StatusCause[];
  /**
   * The propagation of a delete that names none (DefaultGarbageCollectionPolicy), Background
   * without one; `warning` is sent back (a Warning header) when a delete leaves it to this default.
   */
  readonly defaultPropagation?: { readonly policy: 'Orphan' | 'Background'; readonly warning?: string };
  /** Warnings (Warning headers) a create of this object earns (WarningsOnCreate); on the final object. */
  warningsOnCreate?(obj: KObject): string[];
  /** Refuse a delete before anything is read (a system namespace). */
  admitDelete?(name: string): Error | undefined;
  /** A graceful delete on `next` (a copy of the object with finalizers set), or undefined for the usual one. */
  gracefulDelete?(next: KObject, gracePeriodSeconds: number | undefined, now: Date): GracefulDelete | undefined;
  /** What else a delete changes on the object (a namespace's phase). */
  onDeleting?(next: KObject): void;
  /** True when an object marked for deletion, with no finalizers left, may leave as a tombstone. */
  readyToRemove?(obj: KObject): boolean;
  /** The columns `kubectl get` shows and their cells (shared/printers has the helpers); NAME AGE without one. */
  readonly printer?: TablePrinter;
  /** The projection's own typed columns and how to fill them; none without one. */
  readonly projection?: Projection;
  /** A CRD's custom resource: JSON only (no strategic merge patch, no protobuf). */
  readonly customResource?: boolean;
  /** The fields of a decoded object its schema does not know (a CRD's pruning), for fieldValidation. */
  unknownFields?(o: Obj): string[];
  /** Refuse a create before anything is read (a CRD being deleted takes no new objects). */
  admitCreate?(): Error | undefined;
  /** Where the scale subresource reads and writes replicas when not spec.replicas (a CRD's scale paths). */
  readonly scale?: { readonly specReplicasPath: string; readonly statusReplicasPath: string; readonly labelSelectorPath?: string };
  /** Fields to select by, in the order Kubernetes lists them. */
  readonly fields?: Readonly<Record<string, SelectableField>>;
  /** A CRD's kind with several served versions: each version's own strategy (schema, columns, subresources). */
  readonly versions?: Readonly<Record<string, KindStrategy>>;
}

/** What a kind without a strategy of its own gets: no status subresource, no generation, nothing typed. */
export const GENERIC_STRATEGY: KindStrategy = { kind: '', statusSubresource: false, generation: false };

// Built lazily: the kinds' files import modules that import this one, so nothing here may run at load.
// Keyed by group and kind (groupKindKey): two CRDs may define the same kind in two groups.
let strategies: Map<string, KindStrategy> | undefined;
const table = () =>
  (strategies ??= new Map(BUILT_IN_STRATEGIES.map((s) => [groupKindKey(RESOURCES.find((r) => r.kind === s.kind)?.group ?? '', s.kind), s])));

export function registerStrategy(s: KindStrategy, group: string): void {
  table().set(groupKindKey(group, s.kind), s);
}

/** The strategy of a kind named without its group: a built-in kind's, or the one run-time kind of that name. */
export function strategyFor(kind: string): KindStrategy {
  const info = resourceByKind(kind);
  return (info && table().get(groupKindKey(info.group, kind))) ?? GENERIC_STRATEGY;
}

/** The strategy for the kind and the version a request names (a CRD's versions differ). */
export function strategyOf(info: ResourceInfo): KindStrategy {
  const s = table().get(groupKindKey(info.group, info.kind)) ?? GENERIC_STRATEGY;
  return s.versions?.[info.version] ?? s;
}

/**
 * Serve a kind defined at run time (a CustomResourceDefinition): its registry row and its
 * strategy (the generic one by default) in one step. Its objects are projected into the table the
 * row names, which must exist: `custom_objects` (see shared/db/custom-objects.ts) takes any kind.
 * Throws if the kind, its subject token, or its plural or a short name in its group is taken.
 */
export function registerKind(info: ResourceInfo, strategy: KindStrategy = { ...GENERIC_STRATEGY, kind: info.kind }): void {
  if (strategy.kind !== info.kind) throw new Error(`strategy for ${strategy.kind} registered as ${info.kind}`);
  addResource(info);
  registerStrategy(strategy, info.group);
}

/** Stop serving a kind registerKind added (built-in kinds stay). Its projected rows are left alone. */
export function unregisterKind(kind: string, group: string | undefined = resourceByKind(kind)?.group): void {
  if (group !== undefined && removeResource(group, kind)) table().delete(groupKindKey(group, kind));
}

/** Kubernetes' defaulting for the object's kind: a new object; the input is not touched. */
export function applyDefaults(info: ResourceInfo, obj: KObject): KObject {
  const o = cloneJson(obj) as Obj;
  strategyOf(info).defaults?.(o);
  return o as KObject;
}

/**
 * Kubernetes' semantic validation: metadata (name, namespace, labels, annotations, owner
 * references) and the kind's own rules; with `old`, also the update rules. Expects the final
 * object (name filled, namespace from the path, defaults applied). No causes = valid.
 */
export function validateObject(info: ResourceInfo, obj: KObject, old?: KObject): StatusCause[] {
  if (!isPlainObject(obj.metadata)) return [required('metadata')];
  return [...validateObjectMeta(info, obj.metadata, old?.metadata), ...(strategyOf(info).validate?.(obj, old) ?? [])];
}

/** An object marked for deletion whose finalizers are all gone leaves as a tombstone (unless its kind waits for more). */
export function readyToRemove(kind: string, obj: KObject): boolean {
  if (!obj.metadata.deletionTimestamp || obj.metadata.finalizers?.length) return false;
  return strategyFor(kind).readyToRemove?.(obj) ?? true;
}
