/**
 * Server-side apply, the pure core: field sets and their FieldsV1 encoding, the fields an applied
 * configuration specifies, merging and pruning per the schema, ownership and conflicts, and
 * `metadata.managedFields` as Kubernetes writes it. No I/O, no clock (`now` is an input).
 *
 * Wiring in the gateway (one call per write, inside the read → decide → CAS-publish loop):
 *  - apply patch (`application/apply-patch+yaml`, fieldManager required, `force` only here):
 *      const r = applyObject({ live, applied, manager: fieldManager, force, type: typeOfKind(g, v, kind),
 *                              apiVersion, kind, subresource, resetFields, now });
 *      r.ok ? store r.object (after the strategy's prepare/validate) : answer r.status (409);
 *      ApplyError → its code (400 bad body, 500 otherwise).
 *  - create, update, other patches: after the new object is computed,
 *      const toStore = updateObject({ old, new: obj, manager: managerOrUserAgent(fieldManager, userAgent), ... });
 *  - `resetFields`: `resetFieldsFor(kind, subresource)` (the strategies' reset fields: `status` for the
 *    main resource, `spec` and a few more for /status).
 *  - before publishing: `keepTimesOfNoOpWrite(stored, toStore)`; skip the publish if it equals `stored`.
 *  - /scale: show `scaleEntriesFromParent(parent.managedFields, { 'apps/v1': makePath('spec', 'replicas') })`
 *    on the Scale, track the write with updateObject/applyObject on Scale objects (type
 *    `typeOfKind('autoscaling', 'v1', 'Scale')`, subresource 'scale'), then store
 *    `parentEntriesFromScale(parent.managedFields, scale.managedFields, 'apps/v1', paths)` on the parent.
 *  - the gateway still checks, as kube-apiserver does (422 Invalid, kind PatchOptions): apply without
 *    fieldManager (`PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is
 *    required for apply patch`), `force` on any other patch (`force: Forbidden: may not be
 *    specified for non-apply patch`).
 */
export { applyObject, updateObject, STRIPPED_FIELDS, BEFORE_FIRST_APPLY, ANCIENT_CHANGES, MAX_UPDATE_MANAGERS } from './field-manager.js';
export { LAST_APPLIED_ANNOTATION, KUBECTL_MANAGER } from './last-applied.js';
export type { ApplyInput, ApplyResult, UpdateInput, WriteContext } from './field-manager.js';
export { conflictMessage, conflictStatus, printManager } from './conflicts.js';
export type { Conflict, ConflictStatus, StatusCause } from './conflicts.js';
export { ApplyError, isApplyError } from './errors.js';
export { FieldSet } from './field-set.js';
export { fieldsOf, withNamedFieldsAsMembers } from './fields-of.js';
export { fieldsV1Json, fromFieldsV1, toFieldsV1 } from './fields-v1.js';
export type { FieldsV1 } from './fields-v1.js';
export { FieldsV1Error } from './element-json.js';
export {
  decodeManagedFields, encodeManagedFields, managerIdentifier, ManagedFieldsError, rfc3339, sortEntries,
} from './managed-fields.js';
export type { Managed, ManagedFieldsEntry, Operation } from './managed-fields.js';
export { managerOrUserAgent } from './manager-name.js';
export { keepTimesOfNoOpWrite } from './timestamps.js';
export { resetFieldsFor } from './reset-fields.js';
export { parentEntriesFromScale, scaleEntriesFromParent, SCALE_API_VERSION } from './scale.js';
export type { ReplicasPaths } from './scale.js';
export { mergeValues } from './merge.js';
export { compareValues } from './compare.js';
export type { Comparison } from './compare.js';
export { removeItems } from './remove.js';
export { fieldEl, keyEl, makePath, pathString, valueEl, indexEl } from './path.js';
export type { Path, PathElement } from './path.js';
export { typeOf, typeOfKind, DEDUCED_TYPE } from './schema.js';
export type { Type } from './schema.js';
export { applyManagers, updateManagers } from './updater.js';
export type { Managers, VersionedSet } from './updater.js';
