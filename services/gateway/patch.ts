/**
 * Patch formats the gateway accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via
 * fast-json-patch) and Kubernetes' strategic merge patch (shared/patch, driven by the kind's
 * OpenAPI patch extensions).
 */
import jsonpatch from 'fast-json-patch';
import { ApiError, badRequest } from '../../shared/errors.js';
import { StrategicMergeError, strategicMergePatch, type PatchSchema } from '../../shared/patch/strategic-merge.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `apply` is server-side apply (store.apply), the rest are applied here. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (ct) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      return undefined;
  }
}

/** Apply a patch; `schema` is the patched kind's strategic merge metadata. */
export function applyPatch(type: PatchType, target: unknown, patch: unknown, schema: PatchSchema): unknown {
  switch (type) {
    case 'merge':
      if (!isObject(patch)) throw badRequest('a merge patch must be a JSON object');
      return mergePatch(target as Json, patch as Json);
    case 'strategic':
      if (!isObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
      try {
        return strategicMergePatch(target, patch, schema);
      } catch (e) {
        throw e instanceof StrategicMergeError ? strategicMergeApiError(e) : e;
      }
    case 'json':
      return applyJsonPatch(target, patch);
    case 'apply':
      throw new ApiError('InternalError', 'server-side apply is not a patch to apply here (see ObjectStore.apply)');
  }
}

/**
 * kube-apiserver's mapping: format errors are 400, lists of lists and retainKeys mismatches 422.
 * What kube-apiserver leaves unclassified (a 500 with no reason: an unknown `$patch` type, a list
 * item without its merge key, a list where the schema wants a map) is also a fault of the patch:
 * hostile input never gets a 5xx here, so it is a 400 BadRequest with the same message.
 */
function strategicMergeApiError(e: StrategicMergeError): ApiError {
  if (e.code === 422) return new ApiError('Invalid', e.message);
  return badRequest(e.message);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: { [k: string]: Json } = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('a JSON patch must be an array of operations');
  const err = jsonpatch.validate(patch as jsonpatch.Operation[], undefined);
  if (err && !isApplyError(err)) throw badRequest(`invalid JSON patch: ${err.message}`);
  try {
    return jsonpatch.applyPatch(structuredClone(target), patch as jsonpatch.Operation[], true, false).newDocument;
  } catch (e) {
    // Kubernetes answers 422 when a well-formed patch cannot be applied (missing path, failed test).
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    if (e instanceof jsonpatch.JsonPatchError && isApplyError(e)) {
      throw new ApiError('Invalid', `the server rejected our request due to an error in our request: ${msg}`);
    }
    throw badRequest(`invalid JSON patch: ${msg}`);
  }
}

function isApplyError(e: jsonpatch.JsonPatchError): boolean {
  return ['OPERATION_PATH_UNRESOLVABLE', 'OPERATION_PATH_CANNOT_ADD', 'TEST_OPERATION_FAILED', 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX'].includes(e.name);
}

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
