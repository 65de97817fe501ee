/**
 * Patch formats the gateway accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via
 * fast-json-patch) and an approximation of Kubernetes' strategic merge patch (merge patch whose
 * lists of named things merge by key, plus the `$patch: replace|delete` directives).
 */
import jsonpatch from 'fast-json-patch';
import { ApiError, badRequest } from '../../shared/errors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type PatchType = 'merge' | 'json' | 'strategic';

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (ct) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    default:
      return undefined;
  }
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'merge':
      if (!isObject(patch)) throw badRequest('a merge patch must be a JSON object');
      return mergePatch(target as Json, patch as Json, false);
    case 'strategic':
      if (!isObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
      return mergePatch(target as Json, patch as Json, true);
    case 'json':
      return applyJsonPatch(target, patch);
  }
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

/** Keys by which strategic merge patch merges lists of objects (Kubernetes' patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  taints: 'key',
  addresses: 'type',
};

function mergePatch(target: Json, patch: Json, strategic: boolean, key = ''): Json {
  if (!isObject(patch)) return patch;
  if (strategic && patch.$patch === 'replace') {
    const { $patch: _d, ...rest } = patch;
    return stripNulls(rest);
  }
  const out: { [k: string]: Json } = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (strategic && k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else if (strategic && Array.isArray(v) && MERGE_KEYS[k] && (Array.isArray(out[k]) || out[k] === undefined || out[k] === null)) {
      // A missing list merges like an empty one, so `$patch: delete` entries vanish instead of being stored.
      const merged = mergeList(Array.isArray(out[k]) ? (out[k] as Json[]) : [], v, MERGE_KEYS[k]!);
      if (merged.length > 0 || Array.isArray(out[k])) out[k] = merged;
      else delete out[k];
    } else out[k] = mergePatch(out[k] ?? null, v, strategic, k);
  }
  void key;
  return out;
}

function mergeList(target: Json[], patch: Json[], mergeKey: string): Json[] {
  const out = [...target];
  for (const item of patch) {
    if (!isObject(item) || !(mergeKey in item)) return patch.map((p) => stripNulls(p));
    const idx = out.findIndex((t) => isObject(t) && t[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = mergePatch(out[idx]!, item, true);
    else out.push(stripNulls(item));
  }
  return out;
}

function stripNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (!isObject(v)) return v;
  const out: { [k: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && !k.startsWith('$')) out[k] = stripNulls(x);
  return out;
}

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
