/**
 * The writer port: the calls controllers make to the gateway, and nothing else. A reconcile takes
 * an ObjectWriter instead of the GatewayClient, so a unit test can run it against MemoryWriter
 * (memory-writer.ts), which keeps the gateway's contract (test/int/writer.int.test.ts runs the
 * same cases against both): the same ApiErrors (isConflict, isNotFound, isAlreadyExists), the
 * observed resourceVersion as precondition of update, updateStatus and merge patches, uid and
 * resourceVersion preconditions on delete.
 *
 * The GatewayClient is the real implementation: its ResourceClients have exactly these methods.
 */
import type { KObject } from '../resources/meta.js';
import type { GatewayClient, DeleteOptions, PatchType } from './gateway-client.js';

/** Writes (and the few live reads controllers make) on one resource plural. */
export interface ResourceWriter<T extends KObject> {
  /** A live read through the gateway (not a cache), e.g. to confirm an object is really gone. */
  get(namespace: string | undefined, name: string): Promise<T>;
  /** Every object (all namespaces when `namespace` is undefined), as stored now. */
  listAll(namespace?: string): Promise<T[]>;
  /** Create; `namespace` defaults to obj.metadata.namespace; metadata.generateName is honoured. */
  create(namespace: string | undefined, obj: T): Promise<T>;
  /** Replace; metadata.resourceVersion is the precondition (stale → Conflict). */
  update(obj: T): Promise<T>;
  /** Replace the status only; metadata.resourceVersion is the precondition. */
  updateStatus(obj: T): Promise<T>;
  /** A merge or strategic merge patch; `metadata.resourceVersion` and `metadata.uid` in it are preconditions. */
  patch(namespace: string | undefined, name: string, patch: unknown, type: Exclude<PatchType, 'json'>): Promise<T>;
  /** Delete (or mark deleted while finalizers remain); answers the object as it is after the call. */
  delete(namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<T>;
}

export interface ObjectWriter {
  resource<T extends KObject = KObject>(plural: string): ResourceWriter<T>;
}

/** The real writer: straight through the gateway client. */
export function gatewayWriter(client: GatewayClient): ObjectWriter {
  return { resource: <T extends KObject>(plural: string) => client.resource<T>(plural) };
}
