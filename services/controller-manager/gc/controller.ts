/**
 * The garbage collector's I/O layer (Kubernetes' pkg/controller/garbagecollector): shared
 * informers on every kind that can own or be owned, indexed by uid and by owner uid; handlers
 * that only put an owner uid on the queue; and reconcile(ownerUid), which runs planOwnerDeletion
 * over the caches and executes the plan through the gateway.
 *
 * Guards that keep a stale cache from doing harm:
 *  - an owner the caches do not hold is looked up live (GET by name, uid compared) before its
 *    dependents are treated as orphans: its ADDED event may simply not have arrived yet;
 *  - dependents are deleted with uid and resourceVersion preconditions: if one changed since the
 *    cache saw it (e.g. an Orphan patch removed the reference) the gateway answers 409 and the key
 *    is re-planned from a fresher cache;
 *  - the owner's finalizer is removed with its resourceVersion as precondition.
 * A 404 on anything already gone is success; a redelivered event re-plans to the same (already
 * executed) plan, whose writes the gateway answers with 404 or as no-ops.
 *
 * Kinds defined at run time (CustomResourceDefinitions) are followed too, as owners and as
 * dependents: the collector follows the CRDs on the stream (shared/crd-watch.ts, which also serves
 * their kinds in this process so the writer can address them) and adds an informer per served
 * kind. A custom resource takes no strategic merge patch (415), so the references of a custom
 * dependent are removed with a JSON merge patch guarded by uid and resourceVersion. An owner of a
 * kind whose CRD is gone is gone too (deleting a CRD deletes its objects first).
 */
import { isConflict, isNotFound } from '../../../shared/errors.js';
import type { KObject, OwnerReference } from '../../../shared/resources/meta.js';
import { RESOURCES, resourceKey, resourceOf, subjectToken, type ResourceInfo } from '../../../shared/resources/registry.js';
import { CrdWatch } from '../../../shared/crd-watch.js';
import { crdResourceInfo, type Crd } from '../../../shared/resources/crd.js';
import { CUSTOM_OBJECTS } from '../../../shared/db/custom-objects.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { Indexes, ownerUidIndex, startController, WorkQueue, type IndexFunc, type Informer, type Reconcile } from '../../../shared/informer/index.js';
import type { Logger } from '../../../shared/log.js';
import type { ControllerFactory } from '../manager.js';
import type { ObjectRef } from './object-ref.js';
import { isDeletingDependents, isOrphaningDependents, removeFinalizerPatch } from './finalizers.js';
import { ownerReferencesMergePatch, planOwnerDeletion, type GcPlan } from './plan.js';
import { deleteRef, forEachLimited } from '../writes.js';

export const GC_CONTROLLER_NAME = 'garbagecollector';

/** Kinds the collector does not follow: high-churn, never owners in practice (Kubernetes ignores events too). */
const IGNORED_PLURALS: ReadonlySet<string> = new Set(['events', 'leases']);

/** The uid index the collector adds to every informer it uses. */
export const UID_INDEX = 'uid';
const uidIndex: IndexFunc = (obj) => (obj.metadata.uid ? [obj.metadata.uid] : []);

/** Writes in flight at once for one plan. */
const WRITE_CONCURRENCY = 8;

/** The kinds the collector follows. */
export function gcResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => !IGNORED_PLURALS.has(r.plural));
}

/** What a live owner lookup found: the owner, nothing (gone or another incarnation), or a kind we cannot look up. */
type LiveOwner = { readonly found: KObject | undefined } | 'unresolvable';

/** An owner being deleted with Foreground or Orphan propagation waits for the collector. */
const waitsOnGc = (obj: KObject) => isDeletingDependents(obj) || isOrphaningDependents(obj);

export const garbageCollector: ControllerFactory = (ctx, { workers, now }) => {
  const log = ctx.log.child({ controller: GC_CONTROLLER_NAME });
  const recorder = new EventRecorder(ctx.client, { component: 'garbage-collector-controller', now, log });
  // Mutable: the informers of custom kinds join as their CRDs are served (see follow below).
  const informers: Informer<KObject>[] = gcResources().map((r) => ctx.informers.informer<KObject>(r.plural));
  const { cachedByUid, dependentsOf } = gcCaches(informers);
  /** group/kind of every custom kind followed so far (served now or not any more). */
  const customKinds = new Set<string>();
  const reconcile = garbageCollectorReconciler({
    informers,
    writer: gatewayWriter(ctx.client),
    recorder,
    log,
    wasCustomKind: (apiVersion, kind) => customKinds.has(groupKind(apiVersion, kind)),
  });
  const queue = new WorkQueue();
  /** Set once every informer has synced: before that an owner missing from the caches may just not have arrived. */
  let synced = false;

  // ------------------------------------------------------------------ handlers: only enqueue owner uids

  function observe(old: KObject | undefined, obj: KObject, deleted: boolean): void {
    const uid = obj.metadata.uid;
    if (uid) {
      // An owner went: its dependents are to be collected (Background), or a deletion waits on us.
      if (deleted ? dependentsOf(uid).length > 0 : waitsOnGc(obj)) queue.add(uid);
    }
    // Owners of this object (before and after the change): gone, or waiting for their dependents.
    const refs = new Set<string>();
    for (const r of old?.metadata.ownerReferences ?? []) refs.add(r.uid);
    for (const r of obj.metadata.ownerReferences ?? []) refs.add(r.uid);
    for (const ownerUid of refs) {
      const owner = cachedByUid(ownerUid);
      if (owner ? waitsOnGc(owner) : synced) queue.add(ownerUid);
    }
  }

  const handler = {
    onAdd: (obj: KObject) => observe(undefined, obj, false),
    onUpdate: (old: KObject, obj: KObject) => observe(old, obj, false),
    onDelete: (obj: KObject) => observe(undefined, obj, true),
  };
  const unregister = informers.map((inf) => inf.addEventHandler(handler));
  const followed = new Set(gcResources().map((r) => r.plural));

  /** Follow a custom kind: its informer joins the caches and the handlers (once per subject token: group and plural). */
  function follow(info: ResourceInfo): void {
    customKinds.add(`${info.group}/${info.kind}`);
    const token = subjectToken(info);
    if (followed.has(token)) return;
    followed.add(token);
    const inf = ctx.informers.informer<KObject>(token);
    inf.ensureIndexer(Indexes.ownerUid, ownerUidIndex);
    inf.ensureIndexer(UID_INDEX, uidIndex);
    informers.push(inf);
    unregister.push(inf.addEventHandler(handler));
    log.debug({ plural: info.plural, kind: info.kind }, 'following a custom kind');
  }
  const crdWatch = new CrdWatch(ctx.el, log, async (ev, result) => {
    if (ev.type !== 'DELETED' && result?.served) follow(crdResourceInfo(ev.object as Crd));
  });
  const crdsFollowed = crdWatch.start();
  /** Synced once the CRDs on the stream are followed and every informer (custom ones included) has synced. */
  const allSynced = {
    async waitForSync(): Promise<void> {
      await crdsFollowed;
      await Promise.all(informers.map((i) => i.waitForSync()));
    },
  };

  /** After the first sync: everything the handlers could not judge yet (owners unknown before sync). */
  function onSynced(): void {
    synced = true;
    let n = 0;
    for (const inf of informers) {
      for (const obj of inf.list()) {
        if (obj.metadata.uid && waitsOnGc(obj)) (queue.add(obj.metadata.uid), n++);
        for (const r of obj.metadata.ownerReferences ?? []) if (!cachedByUid(r.uid)) (queue.add(r.uid), n++);
      }
    }
    log.debug({ enqueued: n }, 'caches synced');
  }

  const stopCrdWatch = () => void crdWatch.stop();
  return startController({ name: GC_CONTROLLER_NAME, informers: [allSynced], queue, reconcile, workers, recorder, handlers: [() => unregister.forEach((u) => u()), stopCrdWatch], onSynced, log: ctx.log });
};

/** Reads over the collector's informers (adding the uid and owner-uid indexes they need). */
export function gcCaches(informers: readonly Informer<KObject>[]) {
  for (const inf of informers) {
    inf.ensureIndexer(Indexes.ownerUid, ownerUidIndex);
    inf.ensureIndexer(UID_INDEX, uidIndex);
  }
  return {
    cachedByUid(uid: string): KObject | undefined {
      for (const inf of informers) {
        const hit = inf.byIndex(UID_INDEX, uid)[0];
        if (hit) return hit;
      }
      return undefined;
    },
    dependentsOf: (uid: string): KObject[] => informers.flatMap((inf) => inf.byIndex(Indexes.ownerUid, uid)),
  };
}

/** What the collector's reconcile works with: the informers of every kind it follows and the writer port. */
export interface GarbageCollectorDeps {
  readonly informers: readonly Informer<KObject>[];
  readonly writer: ObjectWriter;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
  /**
   * Whether apiVersion/kind was a custom kind this collector followed: when it is no longer
   * served its CRD is gone, and so is every object of it. Default: never.
   */
  readonly wasCustomKind?: (apiVersion: string, kind: string) => boolean;
}

/** `group/Kind` of an apiVersion and kind (the core group is ''). */
function groupKind(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${kind}`;
}

/** reconcile(owner uid) (see the top of this file). */
export function garbageCollectorReconciler(deps: GarbageCollectorDeps): Reconcile {
  const { writer, recorder, log } = deps;
  const { cachedByUid, dependentsOf } = gcCaches(deps.informers);

  /** The owner a reference names, as stored now (a direct read of the log through the gateway). */
  async function liveOwner(ref: OwnerReference, dependent: KObject): Promise<LiveOwner> {
    const info = resourceOf(ref.apiVersion, ref.kind);
    if (!info) return deps.wasCustomKind?.(ref.apiVersion, ref.kind) ? { found: undefined } : 'unresolvable';
    const ns = dependent.metadata.namespace;
    if (info.namespaced && !ns) {
      // A cluster-scoped dependent cannot have a namespaced owner: the reference can never resolve.
      recorder.record(dependent, 'Warning', 'OwnerRefInvalidNamespace',
        `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: , name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace ""`);
      return { found: undefined };
    }
    try {
      const obj = await writer.resource(info.plural).get(info.namespaced ? ns : undefined, ref.name);
      return { found: obj.metadata.uid === ref.uid ? obj : undefined };
    } catch (e) {
      if (isNotFound(e)) return { found: undefined };
      throw e;
    }
  }

  async function reconcile(ownerUid: string): Promise<void> {
    const dependents = dependentsOf(ownerUid);
    let owner = cachedByUid(ownerUid);
    if (!owner) {
      if (dependents.length === 0) return;
      const d = dependents[0]!;
      const ref = d.metadata.ownerReferences!.find((r) => r.uid === ownerUid)!;
      const live = await liveOwner(ref, d);
      if (live === 'unresolvable') {
        log.debug({ ownerUid, kind: ref.kind }, 'owner kind unknown: leaving its dependents alone');
        return;
      }
      owner = live.found;
    }
    if (owner && !waitsOnGc(owner)) return; // alive and not deleting with Foreground/Orphan

    // The dependents' other owners the caches do not hold: look them up live, so that a lagging
    // cache never makes a dependent with a surviving owner look orphaned.
    const extra = new Map<string, KObject | undefined>();
    if (!owner || isDeletingDependents(owner)) {
      for (const d of dependents) {
        for (const r of d.metadata.ownerReferences ?? []) {
          if (r.uid === ownerUid || extra.has(r.uid) || cachedByUid(r.uid)) continue;
          const live = await liveOwner(r, d);
          // A kind we cannot resolve counts as a solid owner: never delete on a guess.
          extra.set(r.uid, live === 'unresolvable' ? stubOwner(r) : live.found);
        }
      }
    }

    const plan = planOwnerDeletion({
      ownerUid,
      owner,
      dependents,
      owners: (uid) => cachedByUid(uid) ?? extra.get(uid),
      dependentsOf,
    });
    await execute(ownerUid, owner, dependents, plan);
  }

  async function execute(ownerUid: string, owner: KObject | undefined, dependents: readonly KObject[], plan: GcPlan): Promise<void> {
    if (plan.mode === 'None') return;
    const errors: unknown[] = [];
    const rvOf = new Map(dependents.map((d) => [d.metadata.uid ?? '', d.metadata.resourceVersion]));
    const byUid = new Map(dependents.map((d) => [d.metadata.uid ?? '', d]));

    await forEachLimited(plan.patches, WRITE_CONCURRENCY, async (p) => {
      const info = resourceOf(p.target.apiVersion, p.target.kind);
      if (!info) return;
      // Custom resources take no strategic merge patch: the same change as a guarded merge patch.
      const dependent = byUid.get(p.target.uid);
      const custom = info.table === CUSTOM_OBJECTS && dependent !== undefined;
      try {
        if (custom) await writer.resource(resourceKey(info)).patch(p.target.namespace, p.target.name, ownerReferencesMergePatch(dependent, p.patch), 'merge');
        else await writer.resource(resourceKey(info)).patch(p.target.namespace, p.target.name, p.patch, 'strategic');
        log.debug({ ownerUid, target: describe(p.target), why: p.why }, 'removed owner references');
      } catch (e) {
        if (!isNotFound(e)) errors.push(e);
      }
    });
    await forEachLimited(plan.deletes, WRITE_CONCURRENCY, async (d) => {
      try {
        const deleted = await deleteRef(writer, d.target, d.propagationPolicy, rvOf.get(d.target.uid));
        if (deleted) log.debug({ ownerUid, target: describe(d.target), policy: d.propagationPolicy }, 'deleted dependent');
      } catch (e) {
        errors.push(e);
      }
    });
    if (errors.length) {
      // Re-plan from a fresher cache; a conflict is the expected kind of failure here.
      throw errors.find((e) => !isConflict(e)) ?? errors[0];
    }

    if (plan.removeFinalizer && owner) {
      const info = resourceOf(owner.apiVersion, owner.kind);
      if (!info) return;
      try {
        await writer
          .resource(resourceKey(info))
          .patch(owner.metadata.namespace, owner.metadata.name ?? '', removeFinalizerPatch(owner, plan.removeFinalizer), 'merge');
        log.debug({ ownerUid, owner: `${owner.kind}/${owner.metadata.name}`, finalizer: plan.removeFinalizer }, 'removed finalizer');
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  return reconcile;
}

function stubOwner(r: OwnerReference): KObject {
  return { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, uid: r.uid } };
}

function describe(t: ObjectRef): string {
  return `${t.kind}/${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
}
