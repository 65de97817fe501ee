/**
 * The gateway's write decisions as pure functions: what a create, an update (PUT, patch, status,
 * finalize, scale), a delete and a binding turn the stored object into, or that nothing changes.
 * The kind's rules come from its strategy (shared/resources/strategy.ts); the clock and the field
 * manager are inputs. store.ts runs them inside its read → decide → CAS loop; unit tests call them
 * without NATS.
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiError, badRequest, conflict, invalid, type StatusCause } from '../../shared/errors.js';
import type { EventType, KObject } from '../../shared/resources/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../shared/resources/registry.js';
import { checkSchema, type FieldValidation } from '../../shared/resources/validation.js';
import { applyDefaults, readyToRemove, strategyOf, validateObject } from '../../shared/resources/strategy.js';
import { rfc3339 } from '../../shared/resources/time.js';
import { withReplicas } from '../../shared/resources/cr-schema.js';
import { kindSchema } from '../../shared/openapi/definitions.js';
import { omitEmpty } from '../../shared/openapi/omit-empty.js';
import { fieldsOf, isApplyError, keepTimesOfNoOpWrite, resetFieldsFor, typeOfKind, updateObject } from '../../shared/apply/index.js';

/** What a computed change decides. */
export type Decision =
  | { readonly op: 'noop'; readonly object: KObject }
  | { readonly op: 'write'; readonly type: EventType; readonly object: KObject };

/** Who writes, and when: `manager` null means the write's managedFields are already computed (apply). */
export interface Tracking {
  readonly manager: string | null | undefined;
  readonly now: Date;
}

/** The manager recorded for writes the gateway makes on its own (system namespaces, bindings without one). */
export const GATEWAY_MANAGER = 'jetkube-gateway';

export type Subresource = 'status' | 'finalize' | 'scale';

export interface DeleteRequest {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy: 'Background' | 'Foreground' | 'Orphan';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

/**
 * Shape checks that come before anything else: an object of this kind, schema-valid, empty
 * optional collections dropped. A body without kind and apiVersion takes the endpoint's, as
 * kube-apiserver's decoder does (client libraries send typed objects without them); an applied
 * configuration (`requireTypeMeta`) must name them.
 */
export function decodeBody(info: ResourceInfo, body: unknown, fv: FieldValidation = 'Warn', requireTypeMeta = false): { object: KObject; warnings: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`the request body must be a ${info.kind} object`);
  }
  let b = body as Partial<KObject>;
  if (!b.kind && !requireTypeMeta) b = { ...b, kind: info.kind, apiVersion: b.apiVersion || apiVersionOf(info) };
  if (!b.kind) throw badRequest(`Object 'Kind' is missing in the request body`);
  if (b.kind !== info.kind || (b.apiVersion !== undefined && b.apiVersion !== apiVersionOf(info))) {
    throw badRequest(`the API version in the data (${b.apiVersion}) and kind (${b.kind}) do not match the expected ${apiVersionOf(info)} ${info.kind}`);
  }
  const { causes, unknownFields, object } = checkSchema(info, b, fv);
  // A custom resource's unknown fields are those its CRD's schema prunes (Kubernetes' decoder reports them so).
  const pruned = strategyOf(info).unknownFields?.(object as unknown as Record<string, unknown>) ?? [];
  if (pruned.length && fv === 'Strict') {
    throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${pruned.map((f) => `unknown field "${f}"`).join(', ')}`);
  }
  unknownFields.push(...pruned);
  if (causes.length) {
    throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${causes.map((c) => `${c.field}: ${c.message}`).join('; ')}`, causes);
  }
  return {
    object: omitEmpty(object, kindSchema(info.group, info.version, info.kind)),
    warnings: fv === 'Warn' ? unknownFields.map((f) => `unknown field "${f}"`) : [],
  };
}

export function validateOrThrow(info: ResourceInfo, obj: KObject, old?: KObject): void {
  const causes: StatusCause[] = validateObject(info, obj, old);
  if (!causes.length) causes.push(...typingCauses(info, obj));
  if (causes.length) throw invalid(info.kind, info.group, obj.metadata.name ?? '', causes);
}

/**
 * What managedFields tracking and server-side apply could not read in an object: an item of a
 * keyed list (conditions by type, containers by name) that is not a map or has none of its keys.
 * Go's typed decoding always gives such an item its key (a null becomes ""); here the null is
 * pruned, so the item is refused, lest a stored object fail every later apply with a 500.
 */
function typingCauses(info: ResourceInfo, obj: KObject): StatusCause[] {
  try {
    fieldsOf(obj, typeOfKind(info.group, info.version, info.kind));
    return [];
  } catch (e) {
    if (!isApplyError(e)) throw e;
    return [{ reason: 'FieldValueInvalid', field: e.field ?? '', message: `Invalid value: ${e.message}` }];
  }
}

/** The object a create stores: identity and timestamps set by the server, defaults applied, validated, tracked. */
export function objectForCreate(
  info: ResourceInfo,
  parsed: KObject,
  at: { readonly namespace: string; readonly name: string; readonly uid: string },
  tracking: Tracking,
): KObject {
  const strategy = strategyOf(info);
  const obj: KObject = {
    ...parsed,
    apiVersion: apiVersionOf(info),
    kind: info.kind,
    metadata: {
      ...parsed.metadata,
      name: at.name,
      ...(info.namespaced ? { namespace: at.namespace } : {}),
      uid: at.uid,
      creationTimestamp: rfc3339(tracking.now),
      ...(strategy.generation ? { generation: 1 } : {}),
    },
  };
  delete obj.metadata.deletionTimestamp;
  delete obj.metadata.deletionGracePeriodSeconds;
  if (!obj.metadata.namespace) delete obj.metadata.namespace;
  if (strategy.statusSubresource && !strategy.statusOnCreate) delete obj.status;
  const defaulted = applyDefaults(info, obj);
  strategy.prepareForCreate?.(defaulted);
  validateOrThrow(info, defaulted);
  return tracking.manager === null ? defaulted : track(info, undefined, defaulted, tracking, undefined);
}

/** The object a PUT (or a status, finalize or scale write) produces from the stored one. */
export function nextFromBody(info: ResourceInfo, old: KObject, body: KObject, subresource: Subresource | undefined, tracking: Tracking): Decision {
  if (body.metadata?.uid && body.metadata.uid !== old.metadata.uid) {
    throw conflict(info.plural, info.group, old.metadata.name!, `Precondition failed: UID in precondition: ${body.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
  }
  let next: KObject;
  if (subresource === 'status') {
    next = { ...structuredClone(old), status: body.status };
  } else if (subresource === 'finalize') {
    next = { ...structuredClone(old), spec: { ...(old.spec as object), finalizers: (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] } };
  } else if (subresource === 'scale') {
    const replicas = (body.spec as { replicas?: number } | undefined)?.replicas;
    const paths = strategyOf(info).scale;
    next = paths ? withReplicas(old, paths, replicas ?? 0) : { ...structuredClone(old), spec: { ...(old.spec as object), replicas } };
  } else {
    next = {
      ...body,
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      metadata: {
        ...body.metadata,
        name: old.metadata.name,
        namespace: old.metadata.namespace,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        deletionTimestamp: old.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: old.metadata.deletionGracePeriodSeconds,
        generation: old.metadata.generation,
      },
    };
    if (strategyOf(info).statusSubresource) next.status = old.status;
  }
  return decide(info, old, next, tracking, subresource);
}

/**
 * Default, bump generation on spec change, validate, record the write in managedFields, and turn
 * "finalized while deleting" into a tombstone. Nothing changed: noop.
 */
export function decide(info: ResourceInfo, old: KObject, candidate: KObject, tracking: Tracking, subresource?: Subresource): Decision {
  const defaulted = applyDefaults(info, pruneMeta(candidate));
  if (strategyOf(info).generation && !isDeepStrictEqual(defaulted.spec, old.spec)) {
    defaulted.metadata.generation = (old.metadata.generation ?? 1) + 1;
  }
  strategyOf(info).prepareForUpdate?.(defaulted, old);
  validateOrThrow(info, defaulted, old);
  const next = tracking.manager === null ? defaulted : track(info, old, defaulted, tracking, subresource);
  if (isDeepStrictEqual(stripRv(next), stripRv(old))) return { op: 'noop', object: old };
  if (readyToRemove(info.kind, next)) return { op: 'write', type: 'DELETED', object: next };
  return { op: 'write', type: 'MODIFIED', object: next };
}

/** A delete of the stored object (at sequence `seq`): marked, finalized, removed, or nothing to do. */
export function deleteDecision(info: ResourceInfo, old: KObject, seq: number, req: DeleteRequest, now: Date): Decision {
  const name = old.metadata.name ?? '';
  const pre = req.preconditions ?? {};
  if (pre.uid && pre.uid !== old.metadata.uid) {
    throw conflict(info.plural, info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== String(seq)) {
    throw conflict(info.plural, info.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${seq}`);
  }
  const strategy = strategyOf(info);
  const next = structuredClone(old);
  const m = next.metadata;
  const finalizers = new Set(m.finalizers ?? []);
  if (!m.deletionTimestamp) {
    if (req.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
    if (req.propagationPolicy === 'Orphan') finalizers.add('orphan');
  }
  if (finalizers.size) m.finalizers = [...finalizers];
  const changed = (): Decision => (isDeepStrictEqual(next, old) ? { op: 'noop', object: old } : { op: 'write', type: 'MODIFIED', object: next });
  const graceful = strategy.gracefulDelete?.(next, req.gracePeriodSeconds, now);
  if (graceful?.op === 'noop') return { op: 'noop', object: old };
  if (graceful?.op === 'mark') return { op: 'write', type: 'MODIFIED', object: next };
  if (graceful?.op === 'remove') return m.finalizers?.length ? changed() : { op: 'write', type: 'DELETED', object: next };
  if (!m.deletionTimestamp) {
    m.deletionTimestamp = rfc3339(now);
    m.deletionGracePeriodSeconds = 0;
  }
  strategy.onDeleting?.(next);
  if (readyToRemove(info.kind, next)) return { op: 'write', type: 'DELETED', object: next };
  return changed();
}

/** pods/binding: the pod assigned to `node`, with its PodScheduled condition. */
export function bindDecision(pod: KObject, node: string, now: Date): Decision {
  const name = pod.metadata.name ?? '';
  const next = structuredClone(pod);
  const spec = (next.spec ?? {}) as { nodeName?: string };
  if (next.metadata.deletionTimestamp) throw conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  if (spec.nodeName) throw conflict('pods', '', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  // assignPod refuses a pod that still has scheduling gates (a plain error there: a 500).
  if (((next.spec as { schedulingGates?: unknown[] } | undefined)?.schedulingGates?.length ?? 0) > 0) {
    throw new ApiError('InternalError', `Internal error occurred: pod ${name} has non-empty .spec.schedulingGates`);
  }
  spec.nodeName = node;
  next.spec = spec;
  const status = (next.status ?? {}) as { conditions?: { type: string }[] };
  const conds = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: rfc3339(now) } as { type: string });
  next.status = { ...status, conditions: conds };
  return { op: 'write', type: 'MODIFIED', object: next };
}

/**
 * `next` with the write recorded in metadata.managedFields (an Update by the manager). An object
 * whose fields cannot be tracked (a list item without its key fields, which validation lets
 * through) is written with managedFields cleared, as kube-apiserver's FieldManager.UpdateNoErrors
 * does: tracking never fails a create, update or patch (it was a 500).
 */
export function track(info: ResourceInfo, old: KObject | undefined, next: KObject, tracking: Tracking, subresource: string | undefined): KObject {
  let tracked: Record<string, unknown>;
  try {
    tracked = updateObject({
      old: old as Record<string, unknown> | undefined,
      new: next as Record<string, unknown>,
      manager: tracking.manager || GATEWAY_MANAGER,
      ...writeContext(info, subresource, tracking.now),
    });
  } catch (e) {
    if (!isApplyError(e)) throw e;
    const { managedFields: _dropped, ...metadata } = next.metadata;
    return { ...next, metadata };
  }
  return keepTimesOfNoOpWrite(old as Record<string, unknown> | undefined, tracked) as KObject;
}

/** What server-side apply and managedFields tracking need to know about a write. */
export function writeContext(info: ResourceInfo, subresource: string | undefined, now: Date) {
  const resetFields = resetFieldsFor(info.kind, subresource);
  return {
    type: typeOfKind(info.group, info.version, info.kind),
    apiVersion: apiVersionOf(info),
    kind: info.kind,
    ...(subresource ? { subresource } : {}),
    ...(resetFields ? { resetFields } : {}),
    now,
  };
}

export function withRv(obj: KObject, seq: number): KObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(seq) } };
}

export function stripRv(obj: KObject): KObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** Drop undefined metadata fields and what the server sets itself, so "unchanged" compares equal. */
function pruneMeta(obj: KObject): KObject {
  const m: Record<string, unknown> = { ...obj.metadata };
  for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
  delete m.resourceVersion;
  delete m.selfLink;
  return { ...obj, metadata: m as KObject['metadata'] };
}
