/**
 * The garbage collector's decisions as data (Kubernetes' pkg/controller/garbagecollector:
 * attemptToDeleteItem, classifyReferences, processDeletingDependentsItem, orphanDependents).
 * An I/O layer executes a plan: patches first, then deletes (with a uid precondition), then the
 * finalizer removal once every patch succeeded; any error or 409 means "requeue and re-plan".
 *
 * Owners are looked up by uid: a reference whose uid names no live object is dangling, even when
 * an object with the same name exists (it is a different incarnation).
 */
import type { KObject, OwnerReference } from '../../../shared/resources/meta.js';
import {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  hasFinalizer,
  isBeingDeleted,
  isDeletingDependents,
  isOrphaningDependents,
  type PropagationPolicy,
} from './finalizers.js';
import { refOf, type ObjectRef } from './object-ref.js';
import { removeOwnerReferencesPatch, type OwnerReferencesPatch } from '../replicaset/controller-ref.js';

/** Live objects by uid: a Map, or a function (e.g. over an informer cache). */
export type OwnerLookup = ReadonlyMap<string, KObject> | ((uid: string) => KObject | undefined);

function lookupFn(l: OwnerLookup): (uid: string) => KObject | undefined {
  return typeof l === 'function' ? l : (uid) => l.get(uid);
}

export interface OwnerReferenceClasses {
  /** The owner exists and is not waiting for its dependents to go. */
  readonly solid: OwnerReference[];
  /** The owner is gone (no live object has that uid). */
  readonly dangling: OwnerReference[];
  /** The owner is being deleted in the foreground (deletionTimestamp + foregroundDeletion). */
  readonly waitingForDependentsDeletion: OwnerReference[];
}

/** Sort a dependent's owner references by the state of each owner. */
export function classifyOwnerReferences(dependent: KObject, owners: OwnerLookup): OwnerReferenceClasses {
  const get = lookupFn(owners);
  const out: OwnerReferenceClasses = { solid: [], dangling: [], waitingForDependentsDeletion: [] };
  for (const ref of dependent.metadata.ownerReferences ?? []) {
    const owner = get(ref.uid);
    if (!owner || owner.metadata.uid !== ref.uid) out.dangling.push(ref);
    else if (isDeletingDependents(owner)) out.waitingForDependentsDeletion.push(ref);
    else out.solid.push(ref);
  }
  return out;
}

/** What to do with one dependent (Kubernetes' attemptToDeleteItem). */
export type DependentDecision =
  | { readonly action: 'none'; readonly reason: 'being-deleted' | 'deleting-dependents' | 'no-owners' | 'has-solid-owner' }
  /** It keeps a solid owner: drop only the references to owners that are gone or going. */
  | { readonly action: 'patch'; readonly removeOwnerUids: string[] }
  /**
   * No solid owner left: delete it. unblockOwnerUids: owners whose references must first get
   * blockOwnerDeletion=false, to break a foreground-deletion cycle.
   */
  | { readonly action: 'delete'; readonly propagationPolicy: PropagationPolicy; readonly unblockOwnerUids: string[] };

/**
 * Decide for one dependent. ownDependents: the objects that name this dependent as an owner
 * (decides whether it must itself be deleted in the foreground; default none).
 */
export function decideDependent(
  dependent: KObject,
  owners: OwnerLookup,
  ownDependents: readonly KObject[] = [],
): DependentDecision {
  if (isDeletingDependents(dependent)) return { action: 'none', reason: 'deleting-dependents' };
  if (isBeingDeleted(dependent)) return { action: 'none', reason: 'being-deleted' };
  if (!dependent.metadata.ownerReferences?.length) return { action: 'none', reason: 'no-owners' };
  const { solid, dangling, waitingForDependentsDeletion: waiting } = classifyOwnerReferences(dependent, owners);
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return { action: 'none', reason: 'has-solid-owner' };
    return { action: 'patch', removeOwnerUids: [...dangling, ...waiting].map((r) => r.uid) };
  }
  if (waiting.length > 0 && ownDependents.length > 0) {
    // If one of its own dependents is itself waiting for its dependents, the chain may loop back:
    // stop blocking its owners so they can finish (Kubernetes' cycle guard, false positives and all).
    const cycle = ownDependents.some(isDeletingDependents);
    const blocking = (dependent.metadata.ownerReferences ?? []).filter((r) => r.blockOwnerDeletion === true);
    return { action: 'delete', propagationPolicy: 'Foreground', unblockOwnerUids: cycle ? blocking.map((r) => r.uid) : [] };
  }
  const propagationPolicy: PropagationPolicy = hasFinalizer(dependent, FINALIZER_ORPHAN)
    ? 'Orphan'
    : hasFinalizer(dependent, FINALIZER_FOREGROUND)
      ? 'Foreground'
      : 'Background';
  return { action: 'delete', propagationPolicy, unblockOwnerUids: [] };
}

// ---------------------------------------------------------------------------------------------
// Plans per owner

export interface GcDelete {
  readonly target: ObjectRef;
  readonly propagationPolicy: PropagationPolicy;
}

export interface GcPatch {
  readonly target: ObjectRef;
  /** Strategic merge patch (merge key ownerReferences[].uid) with metadata.uid as precondition. */
  readonly patchType: 'strategic';
  readonly patch: OwnerReferencesPatch;
  /** orphan: releasing from an owner deleted with Orphan; dangling: dropping gone/going owners; unblock: blockOwnerDeletion=false. */
  readonly why: 'orphan' | 'dangling' | 'unblock';
}

export type GcMode = 'Orphan' | 'Foreground' | 'Background' | 'None';

export interface GcPlan {
  /** Orphan / Foreground: the owner is being deleted with that policy; Background: the owner is gone; None: nothing to do. */
  readonly mode: GcMode;
  readonly patches: GcPatch[];
  readonly deletes: GcDelete[];
  /** A finalizer to remove from the owner once the patches have succeeded (see removeFinalizerPatch). */
  readonly removeFinalizer?: typeof FINALIZER_ORPHAN | typeof FINALIZER_FOREGROUND;
}

export interface OwnerGcInput {
  readonly ownerUid: string;
  /** The owner as now stored; undefined once it is gone. */
  readonly owner: KObject | undefined;
  /** Live objects whose ownerReferences name ownerUid (others are ignored). */
  readonly dependents: readonly KObject[];
  /** Live objects by uid, to judge the dependents' other owners. The owner itself is taken from `owner`. */
  readonly owners: OwnerLookup;
  /** The live objects naming uid as an owner (to cascade Foreground). Default: none. */
  readonly dependentsOf?: (uid: string) => readonly KObject[];
}

/**
 * What the garbage collector does about one owner:
 *
 * - Orphan (owner has deletionTimestamp and the `orphan` finalizer): patch every dependent to drop
 *   its reference to the owner, then remove the finalizer (at once when there are no dependents).
 * - Foreground (deletionTimestamp and `foregroundDeletion`): delete the dependents that have no
 *   other solid owner (Foreground again for those with dependents of their own), drop the
 *   reference from those that do; remove the finalizer once no dependent with
 *   blockOwnerDeletion=true remains (dependents still terminating keep blocking).
 * - Background (owner gone): delete the dependents whose owners are all gone or going; for those
 *   with a surviving owner, drop the dangling references.
 * - None: the owner exists and is not being deleted with orphan/foreground semantics.
 *
 * Orphan wins when both finalizers are present, as in Kubernetes.
 */
export function planOwnerDeletion(input: OwnerGcInput): GcPlan {
  const { ownerUid } = input;
  const owner = input.owner && input.owner.metadata.uid === ownerUid ? input.owner : undefined;
  const dependents = input.dependents.filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === ownerUid));
  const base = lookupFn(input.owners);
  const owners = (uid: string): KObject | undefined => (uid === ownerUid ? owner : base(uid));
  const dependentsOf = input.dependentsOf ?? (() => []);

  if (owner && isOrphaningDependents(owner)) {
    return {
      mode: 'Orphan',
      patches: dependents.map((d) => ({
        target: refOf(d),
        patchType: 'strategic' as const,
        patch: removeOwnerReferencesPatch(d, [ownerUid]),
        why: 'orphan' as const,
      })),
      deletes: [],
      removeFinalizer: FINALIZER_ORPHAN,
    };
  }

  const foreground = owner !== undefined && isDeletingDependents(owner);
  if (owner && !foreground) return { mode: 'None', patches: [], deletes: [] };

  const patches: GcPatch[] = [];
  const deletes: GcDelete[] = [];
  for (const d of dependents) {
    const uid = d.metadata.uid ?? '';
    const decision = decideDependent(d, owners, dependentsOf(uid));
    switch (decision.action) {
      case 'none':
        break;
      case 'patch':
        patches.push({ target: refOf(d), patchType: 'strategic', patch: removeOwnerReferencesPatch(d, decision.removeOwnerUids), why: 'dangling' });
        break;
      case 'delete':
        if (decision.unblockOwnerUids.length) {
          patches.push({ target: refOf(d), patchType: 'strategic', patch: unblockPatch(d, decision.unblockOwnerUids), why: 'unblock' });
        }
        deletes.push({ target: refOf(d), propagationPolicy: decision.propagationPolicy });
        break;
      default: {
        const never: never = decision;
        throw new Error(`unexpected decision ${JSON.stringify(never)}`);
      }
    }
  }
  if (!foreground) return { mode: 'Background', patches, deletes };
  const blocking = blockingDependents(ownerUid, dependents);
  return { mode: 'Foreground', patches, deletes, ...(blocking.length === 0 ? { removeFinalizer: FINALIZER_FOREGROUND } : {}) };
}

/** The dependents that hold up a foreground deletion of ownerUid: their reference has blockOwnerDeletion=true. */
export function blockingDependents(ownerUid: string, dependents: readonly KObject[]): KObject[] {
  return dependents.filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true));
}

/** The dependents planOwnerDeletion would delete. */
export function dependentsToDelete(input: OwnerGcInput): KObject[] {
  const uids = new Set(planOwnerDeletion(input).deletes.map((d) => d.target.uid));
  return input.dependents.filter((d) => uids.has(d.metadata.uid ?? ''));
}

/** The objects among `objects` that name ownerUid as an owner. */
export function dependentsOf(ownerUid: string, objects: readonly KObject[]): KObject[] {
  return objects.filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === ownerUid));
}

/** A uid → object index, for OwnerLookup. */
export function indexByUid(objects: readonly KObject[]): Map<string, KObject> {
  const m = new Map<string, KObject>();
  for (const o of objects) if (o.metadata.uid) m.set(o.metadata.uid, o);
  return m;
}

/**
 * The JSON merge patch that makes the same change to `dependent` as a strategic OwnerReferencesPatch
 * (for kinds that take no strategic merge patch: custom resources). A merge patch replaces the whole
 * list, so it carries the dependent's uid and resourceVersion as preconditions: a 409 means the
 * dependent changed since it was read (re-plan).
 */
export function ownerReferencesMergePatch(
  dependent: KObject,
  patch: OwnerReferencesPatch,
): { readonly metadata: { readonly uid: string; readonly resourceVersion?: string; readonly ownerReferences: OwnerReference[] | null } } {
  const refs = [...(dependent.metadata.ownerReferences ?? [])];
  for (const item of patch.metadata.ownerReferences) {
    const at = refs.findIndex((r) => r.uid === item.uid);
    if ('$patch' in item) {
      if (at >= 0) refs.splice(at, 1);
    } else if (at >= 0) refs[at] = { ...refs[at]!, ...item };
    else refs.push(item);
  }
  const rv = dependent.metadata.resourceVersion;
  return { metadata: { uid: patch.metadata.uid, ...(rv ? { resourceVersion: rv } : {}), ownerReferences: refs.length ? refs : null } };
}

function unblockPatch(dependent: KObject, ownerUids: readonly string[]): OwnerReferencesPatch {
  const refs = (dependent.metadata.ownerReferences ?? []).filter((r) => ownerUids.includes(r.uid));
  return { metadata: { uid: dependent.metadata.uid ?? '', ownerReferences: refs.map((r) => ({ ...r, blockOwnerDeletion: false })) } };
}
