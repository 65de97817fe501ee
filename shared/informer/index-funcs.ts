/** Ready-made index functions for Informer.addIndexer: each maps an object to the values it is found under. */
import type { KObject } from '../resources/meta.js';

export type IndexFunc<T extends KObject = KObject> = (obj: T) => readonly string[];

/** The uid of the object's controlling owner (the ReplicaSet of a Pod, the Deployment of a ReplicaSet). */
export const controllerUidIndex: IndexFunc = (obj) =>
  (obj.metadata.ownerReferences ?? []).filter((o) => o.controller === true).map((o) => o.uid);

/** The uids of all its owners. */
export const ownerUidIndex: IndexFunc = (obj) => (obj.metadata.ownerReferences ?? []).map((o) => o.uid);

/** spec.nodeName (pods bound to a node). */
export const nodeNameIndex: IndexFunc = (obj) => {
  const node = (obj.spec as { nodeName?: unknown } | undefined)?.nodeName;
  return typeof node === 'string' && node ? [node] : [];
};

/** Every label as `key=value`: byIndex('labels', 'app=web'). */
export const labelIndex: IndexFunc = (obj) => Object.entries(obj.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`);

/** metadata.namespace ('' for cluster-scoped objects). */
export const namespaceIndex: IndexFunc = (obj) => [obj.metadata.namespace ?? ''];

/** Names for the ready-made indexers, so every service spells them the same way. */
export const Indexes = {
  controllerUid: 'controllerUid',
  ownerUid: 'ownerUid',
  nodeName: 'nodeName',
  labels: 'labels',
} as const;
