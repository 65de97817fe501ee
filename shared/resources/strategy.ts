/**
 * What kube-apiserver calls a RESTStrategy: everything about one kind that the generic write path
 * asks. A kind is a registry row (registry.ts), one strategy file (kinds/), and a projection
 * migration. The gateway's read → decide → CAS loop and its pure decisions consult only this.
 * Kinds defined at run time (CustomResourceDefinitions) register a strategy here too; a kind with
 * none gets the generic one.
 */
import type { StatusCause } from '../errors.js';
import type { KObject } from './meta.js';
import type { ResourceInfo } from './registry.js';
import { cloneJson, isPlainObject } from './json.js';
import { validateObjectMeta } from './validation.js';
import { required } from './field-errors.js';
import { BUILT_IN_STRATEGIES } from './kinds/index.js';

export type Obj = Record<string, unknown>;

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
  /** The kind's own semantic rules (metadata is validated for every kind); with `old`, the update rules. */
  validate?(obj: KObject, old?: KObject): StatusCause[];
  /** Refuse a delete before anything is read (a system namespace). */
  admitDelete?(name: string): Error | undefined;
  /** A graceful delete on `next` (a copy of the object with finalizers set), or undefined for the usual one. */
  gracefulDelete?(next: KObject, gracePeriodSeconds: number | undefined, now: Date): GracefulDelete | undefined;
  /** What else a delete changes on the object (a namespace's phase). */
  onDeleting?(next: KObject): void;
  /** True when an object marked for deletion, with no finalizers left, may leave as a tombstone. */
  readyToRemove?(obj: KObject): boolean;
}

const GENERIC: KindStrategy = { kind: '', statusSubresource: false, generation: false };
const strategies = new Map<string, KindStrategy>(BUILT_IN_STRATEGIES.map((s) => [s.kind, s]));

export function registerStrategy(s: KindStrategy): void {
  strategies.set(s.kind, s);
}

export function strategyFor(kind: string): KindStrategy {
  return strategies.get(kind) ?? GENERIC;
}

/** Kubernetes' defaulting for the object's kind: a new object; the input is not touched. */
export function applyDefaults(info: ResourceInfo, obj: KObject): KObject {
  const o = cloneJson(obj) as Obj;
  strategyFor(info.kind).defaults?.(o);
  return o as KObject;
}

/**
 * Kubernetes' semantic validation: metadata (name, namespace, labels, annotations, owner
 * references) and the kind's own rules; with `old`, also the update rules. Expects the final
 * object (name filled, namespace from the path, defaults applied). No causes = valid.
 */
export function validateObject(info: ResourceInfo, obj: KObject, old?: KObject): StatusCause[] {
  if (!isPlainObject(obj.metadata)) return [required('metadata')];
  return [...validateObjectMeta(info, obj.metadata, old?.metadata), ...(strategyFor(info.kind).validate?.(obj, old) ?? [])];
}

/** An object marked for deletion whose finalizers are all gone leaves as a tombstone (unless its kind waits for more). */
export function readyToRemove(kind: string, obj: KObject): boolean {
  if (!obj.metadata.deletionTimestamp || obj.metadata.finalizers?.length) return false;
  return strategyFor(kind).readyToRemove?.(obj) ?? true;
}
