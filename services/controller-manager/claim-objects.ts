/**
 * The I/O half of Kubernetes' ControllerRefManager (ClaimPods, ClaimControllerRevisions) for
 * controllers that own objects through a label selector: classifyPods decides, this applies it.
 * What the owner controls and matches is kept; orphans matching its selector are adopted with a
 * patch once the gateway confirms the owner still exists and is not being deleted; what it controls
 * but no longer matches is released. An object gone meanwhile is skipped.
 */
import type { KObject } from '../../shared/resources/meta.js';
import type { Pod, ReplicaSet } from '../../shared/resources/types.js';
import type { Logger } from '../../shared/log.js';
import type { ResourceWriter } from '../../shared/client/index.js';
import { isNotFound } from '../../shared/errors.js';
import { objectKey } from '../../shared/informer/index.js';
import { adoptPatch, newControllerRef, releasePatch } from './replicaset/controller-ref.js';
import { classifyPods } from './replicaset/claim.js';

/** An owner with a selector (`spec.selector`), as classifyPods reads it. */
export interface SelectorOwner extends KObject {
  readonly spec?: { readonly selector?: unknown };
}

export interface ClaimOptions<O extends SelectorOwner, T extends KObject> {
  readonly owner: O;
  /** The owner's apiVersion and kind, for the controller reference. */
  readonly apiVersion: string;
  readonly kind: string;
  /** The owner's own client, to confirm it before adopting. */
  readonly owners: ResourceWriter<O>;
  readonly objects: readonly T[];
  readonly client: ResourceWriter<T>;
  /** Orphans that may be adopted besides matching the selector (default: all). */
  readonly adoptable?: (o: T) => boolean;
  /** Finalizers an adopted object gets with its controller reference (the Job's tracking finalizer). */
  readonly adoptFinalizers?: readonly string[];
  readonly log: Logger;
}

/** The objects the owner manages after adopting and releasing. */
export async function claimObjects<O extends SelectorOwner, T extends KObject>(opts: ClaimOptions<O, T>): Promise<T[]> {
  const { owner, objects, client, log } = opts;
  const claims = classifyPods(owner as unknown as ReplicaSet, objects as unknown as Pod[]) as unknown as { owned: T[]; adopt: T[]; release: T[] };
  const out = [...claims.owned];
  const adopt = opts.adoptable ? claims.adopt.filter(opts.adoptable) : claims.adopt;
  const ownerKey = objectKey(owner);
  if (adopt.length && (await ownerStillThere(opts.owners, owner))) {
    const ref = newControllerRef(owner, opts.apiVersion, opts.kind);
    for (const o of adopt) {
      const patched = await ignoreNotFound(client.patch(o.metadata.namespace, o.metadata.name ?? '', adoptPatch(o, ref, opts.adoptFinalizers), 'strategic'));
      if (patched) {
        out.push(patched);
        log.info({ owner: ownerKey, kind: o.kind, name: o.metadata.name }, 'adopted');
      }
    }
  }
  for (const o of claims.release) {
    if (await ignoreNotFound(client.patch(o.metadata.namespace, o.metadata.name ?? '', releasePatch(o, owner.metadata.uid ?? ''), 'strategic'))) {
      log.info({ owner: ownerKey, kind: o.kind, name: o.metadata.name }, 'released');
    }
  }
  return out;
}

/** Kubernetes' RecheckDeletionTimestamp: the owner, read fresh, is the same one and not being deleted. */
async function ownerStillThere<O extends KObject>(owners: ResourceWriter<O>, owner: O): Promise<boolean> {
  const fresh = await ignoreNotFound(owners.get(owner.metadata.namespace, owner.metadata.name ?? ''));
  return !!fresh && fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
