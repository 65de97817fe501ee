/**
 * Strategic merge patch, applied the way kube-apiserver applies it (apimachinery's
 * strategicpatch with MergeParallelList and IgnoreUnmatchedNulls): maps merge key by key, `null`
 * deletes, lists merge by their patch merge key or as sets of scalars where the schema says
 * `x-kubernetes-patch-strategy: merge`, and are replaced otherwise. Directives:
 *  - `$patch: replace | delete` in a map, `$patch: replace | delete` items in a merging list;
 *  - `$retainKeys` (fields whose strategy includes retainKeys): clear keys not listed;
 *  - `$setElementOrder/<list>`: the order of the merged list;
 *  - `$deleteFromPrimitiveList/<list>`: scalars to remove from a merging scalar list.
 * The patch metadata comes from a {@link PatchSchema} (see patch-schema.ts, driven by the OpenAPI
 * extensions). {@link mergeStrategicPatches} merges one patch into another instead, as
 * CreateThreeWayMergePatch does (three-way.ts). Pure: no I/O; inputs are not modified.
 */
import { goString } from './go-format.js';
import {
  DELETE,
  DELETE_FROM_PRIMITIVE_PREFIX,
  DIRECTIVE,
  MERGE,
  REPLACE,
  RETAIN_KEYS_DIRECTIVE,
  SET_ELEMENT_ORDER_PREFIX,
  isMap,
  jsonEqual,
  splitStrategies,
  typeName,
  type Json,
  type JsonMap,
} from './json.js';

export interface PatchMeta {
  readonly strategies: readonly string[];
  readonly mergeKey: string;
}

/** What strategic merge patch needs to know about a place in an object (apimachinery's LookupPatchMeta). */
export interface PatchSchema {
  /** The field `key` of this object, whose value is an object. */
  forStruct(key: string): [PatchSchema, PatchMeta];
  /** The field `key` of this object, whose value is a list: the schema returned is the items'. */
  forSlice(key: string): [PatchSchema, PatchMeta];
  name(): string;
}

/** Why a patch could not be applied, with the HTTP code kube-apiserver answers. */
export class StrategicMergeError extends Error {
  /** 400 BadRequest, 422 Unprocessable, or 500 for everything kube-apiserver does not classify. */
  constructor(message: string, readonly code: 400 | 422 | 500) {
    super(message);
    this.name = 'StrategicMergeError';
  }
}

export const ERR_BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
export const ERR_BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
export const ERR_BAD_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';
export const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';



/**
 * apimachinery's MergeOptions. Applying a patch to an object uses both (kube-apiserver's
 * semantics); merging one patch into another (CreateThreeWayMergePatch) uses neither: directives
 * are kept, and `null` stays in the result.
 */
interface MergeOptions {
  /** Apply `$deleteFromPrimitiveList`, `$setElementOrder` and `$retainKeys` instead of carrying them over. */
  readonly mergeParallelList: boolean;
  /** A `null` for a key the original lacks is dropped instead of kept. */
  readonly ignoreUnmatchedNulls: boolean;
}

const APPLY: MergeOptions = { mergeParallelList: true, ignoreUnmatchedNulls: true };
const COMBINE: MergeOptions = { mergeParallelList: false, ignoreUnmatchedNulls: false };

/** Apply `patch` to `original`; both are JSON objects. Returns a new object. */
export function strategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema): Record<string, unknown> {
  if (!isMap(patch)) throw new StrategicMergeError('invalid JSON document', 400);
  const o = isMap(original) ? (structuredClone(original) as JsonMap) : {};
  return mergeMap(o, structuredClone(patch) as JsonMap, schema, APPLY);
}

/**
 * Merge patch `second` into patch `first`, the way CreateThreeWayMergePatch combines its deletions
 * with its delta (apimachinery's mergeMap with empty MergeOptions): directives are carried over (a
 * `$setElementOrder` or `$retainKeys` both carry must be equal), `null` values stay. Returns a new patch.
 */
export function mergeStrategicPatches(first: unknown, second: unknown, schema: PatchSchema): Record<string, unknown> {
  if (!isMap(second)) throw new StrategicMergeError('invalid JSON document', 400);
  const o = isMap(first) ? (structuredClone(first) as JsonMap) : {};
  return mergeMap(o, structuredClone(second) as JsonMap, schema, COMBINE);
}

// ---------------------------------------------------------------------------------------- maps

function mergeMap(original: JsonMap | null, patch: JsonMap, schema: PatchSchema, opts: MergeOptions): JsonMap {
  if (DIRECTIVE in patch) return directiveInMap(patch[DIRECTIVE]!, patch);
  const out: JsonMap = original ?? {};
  applyRetainKeys(out, patch, opts);
  mergeOrderedLists(out, patch, schema, opts);

  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey]!;
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_PREFIX)) {
      if (!opts.mergeParallelList) {
        out[rawKey] = patchV;
        continue;
      }
      k = extractKey(rawKey, DELETE_FROM_PRIMITIVE_PREFIX);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete out[k];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    const taken = () => (opts.ignoreUnmatchedNulls ? discardNulls(patchV) : patchV);
    if (!Object.hasOwn(out, k)) {
      if (!isDeleteList) setWithoutDirectives(out, k, taken());
      continue;
    }
    const cur = out[k]!;
    if (typeName(cur) !== typeName(patchV)) {
      if (!isDeleteList) setWithoutDirectives(out, k, taken());
      continue;
    }
    if (isMap(cur)) {
      const [sub, meta] = schema.forStruct(k);
      const strategy = otherStrategy(meta.strategies);
      out[k] = strategy === REPLACE ? (patchV as JsonMap) : mergeMap(cur, patchV as JsonMap, sub, opts);
    } else if (Array.isArray(cur)) {
      const [sub, meta] = schema.forSlice(k);
      out[k] = mergeSliceHandler(cur, patchV as Json[], sub, otherStrategy(meta.strategies), meta.mergeKey, isDeleteList, opts);
    } else {
      setWithoutDirectives(out, k, patchV);
    }
  }
  return out;
}

function directiveInMap(directive: Json, patch: JsonMap): JsonMap {
  if (directive === REPLACE) {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === DELETE) return {};
  throw badPatchType(directive, patch);
}

function setWithoutDirectives(m: JsonMap, k: string, v: Json): void {
  const [clean, keep] = removeDirectives(v);
  if (keep) m[k] = clean;
  else delete m[k];
}

/** `$retainKeys`: every key of the patch must be listed; keys of the original not listed go. */
function applyRetainKeys(original: JsonMap, patch: JsonMap, opts: MergeOptions): void {
  if (!(RETAIN_KEYS_DIRECTIVE in patch)) return;
  const list = patch[RETAIN_KEYS_DIRECTIVE]!;
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!opts.mergeParallelList) {
    // Combining patches: both must name the same keys.
    if (!(RETAIN_KEYS_DIRECTIVE in original)) original[RETAIN_KEYS_DIRECTIVE] = list;
    else if (!jsonEqual(original[RETAIN_KEYS_DIRECTIVE]!, list)) {
      throw new StrategicMergeError(`${goString(original[RETAIN_KEYS_DIRECTIVE])} and ${goString(list)} are not deep equal: this may happen when calculating the 3-way diff patch`, 500);
    }
    return;
  }
  if (!Array.isArray(list)) throw new StrategicMergeError(ERR_BAD_RETAIN_KEYS, 400);
  const keep = new Set(list.map((x) => (typeof x === 'string' ? x : goString(x))));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!keep.has(k)) throw new StrategicMergeError(ERR_BAD_RETAIN_KEYS, 400);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** `$setElementOrder/<list>`: merge that list now and order it: the directive, then the patch, then the live list. */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, schema: PatchSchema, opts: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const order = patch[key]!;
    if (!opts.mergeParallelList) {
      // Combining patches: the directive stays, and both must give the same order.
      if (!(key in original)) original[key] = order;
      else if (!jsonEqual(original[key]!, order)) throw new StrategicMergeError(ERR_BAD_SET_ELEMENT_ORDER, 400);
    }
    delete patch[key];
    if (!Array.isArray(order)) throw new StrategicMergeError(`expected a []interface {}, but received a ${goType(order)}`, 500);
    const listKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const foundOriginal = listKey in original;
    const foundPatch = listKey in patch;
    const originalList = original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw new StrategicMergeError(`expected a []interface {}, but received a ${goType(originalList!)}`, 500);
    if (foundPatch && !Array.isArray(patchList)) throw new StrategicMergeError(`expected a []interface {}, but received a ${goType(patchList!)}`, 500);
    const [sub, meta] = schema.forSlice(listKey);
    const strategy = otherStrategy(meta.strategies);
    validateSetOrder((patchList as Json[] | undefined) ?? [], order, meta.mergeKey);

    let merged: Json[];
    let liveOrder = (originalList as Json[] | undefined) ?? [];
    if (foundOriginal && !foundPatch) merged = originalList as Json[];
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList!)[0] as Json[];
    else if (foundOriginal && foundPatch) {
      const alias = { view: liveOrder };
      merged = mergeSliceHandler(originalList as Json[], patchList as Json[], sub, strategy, meta.mergeKey, false, opts, alias);
      liveOrder = alias.view;
    } else continue;

    const [patchItems, serverOnly] = meta.mergeKey ? partitionMaps(merged, order, meta.mergeKey) : partitionScalars(merged, order);
    const kind = elementKind([(originalList as Json[] | undefined) ?? [], (patchList as Json[] | undefined) ?? []]);
    original[listKey] = normalizeElementOrder(patchItems, serverOnly, order, liveOrder, meta.mergeKey, kind);
    delete patch[listKey];
  }
}

/** The items of the patch list (deletions aside) must appear in the `$setElementOrder` list, in its order. */
function validateSetOrder(patchList: Json[], order: Json[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((v) => !(isMap(v) && v[DIRECTIVE] === DELETE)) : patchList;
  if (mergeKey) for (const v of patchList) if (!isMap(v)) throw badArgType('map[string]interface {}', v);
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < order.length) {
    if (isMap(nonDelete[p]) && DIRECTIVE in (nonDelete[p] as JsonMap)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p]!, order[s]!, mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= order.length) {
    throw new StrategicMergeError(`The order in patch list:\n${goString(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goString(order)}\n`, 500);
  }
}

function mergeKeyValueEqual(left: Json, right: Json, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isMap(left)) throw badArgType('map[string]interface {}', left);
  if (!isMap(right)) throw badArgType('map[string]interface {}', right);
  if (!(mergeKey in left)) throw noMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// --------------------------------------------------------------------------------------- lists

/**
 * apimachinery merges lists of maps in place: deleting an item shifts the live list's backing array
 * and an appended item lands in its spare capacity, so the live order that `$setElementOrder` sorts
 * server-only items by is what that array shows afterwards. `alias.view` reproduces it, taking the
 * capacity a decoded list has (grown by doubling).
 */
interface Alias {
  view: Json[];
}

function mergeSliceHandler(original: Json[], patch: Json[], schema: PatchSchema, strategy: string, mergeKey: string, isDeleteList: boolean, opts: MergeOptions, alias?: Alias): Json[] {
  if (strategy === MERGE || isDeleteList) return mergeSlice(original, patch, schema, mergeKey, isDeleteList, opts, alias);
  return patch;
}

function goCapacity(n: number): number {
  let c = 0;
  while (c < n) c = c === 0 ? 1 : c * 2;
  return c;
}

function mergeSlice(original: Json[], patch: Json[], schema: PatchSchema, mergeKey: string, isDeleteList: boolean, opts: MergeOptions, alias?: Alias): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([original, patch]);
  let merged: Json[];
  if (kind !== 'map') {
    if (isDeleteList && opts.mergeParallelList) {
      const gone = new Set(patch);
      return original.filter((v) => !gone.has(v));
    }
    merged = dedupeScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw new StrategicMergeError(`cannot merge lists without merge key for ${schema.name()}`, 500);
    const live = original;
    const special = mergeSpecialElements(original, patch, mergeKey);
    ({ original, patch } = special);
    // Appended items join the merged list only: `original` stays the live order for sorting.
    merged = mergePlainElements([...original], patch, mergeKey, schema, opts);
    if (alias && !special.replaced) {
      const backing = [...merged.slice(0, goCapacity(live.length)), ...live.slice(merged.length)];
      alias.view = backing.slice(0, live.length);
    }
  }
  const [patchItems, serverOnly] = mergeKey ? partitionMaps(merged, patch, mergeKey) : partitionScalars(merged, patch);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

/** Items carrying `$patch`: deletions remove every match from the original; `replace` drops the original. */
function mergeSpecialElements(original: Json[], patch: Json[], mergeKey: string): { original: Json[]; patch: Json[]; replaced: boolean } {
  const plain: Json[] = [];
  let replace = false;
  let out = original;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(DIRECTIVE in m)) {
      plain.push(v);
      continue;
    }
    const directive = m[DIRECTIVE];
    if (directive === DELETE) {
      if (!(mergeKey in m)) throw noMergeKey(m, mergeKey);
      const value = m[mergeKey];
      out = out.filter((x) => {
        if (!isMap(x)) throw new StrategicMergeError(`value for key ${out.indexOf(x)} is not a map`, 500);
        return !(mergeKey in x && x[mergeKey] === value);
      });
    } else if (directive === REPLACE) {
      replace = true;
    } else if (directive === MERGE) {
      throw new StrategicMergeError('merging lists cannot yet be specified in the patch', 500);
    } else {
      throw badPatchType(directive!, m);
    }
  }
  return replace ? { original: plain, patch: [], replaced: true } : { original: out, patch: plain, replaced: false };
}

function mergePlainElements(original: Json[], patch: Json[], mergeKey: string, schema: PatchSchema, opts: MergeOptions): Json[] {
  const out = original;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(mergeKey in m)) throw noMergeKey(m, mergeKey);
    const idx = findByKey(out, mergeKey, m[mergeKey]!);
    if (idx >= 0) out[idx] = mergeMap(out[idx] as JsonMap, m, schema, opts);
    else out.push(v);
  }
  return out;
}

function findByKey(list: Json[], mergeKey: string, value: Json): number {
  for (let i = 0; i < list.length; i++) {
    const x = list[i]!;
    if (!isMap(x)) throw new StrategicMergeError(`value for key ${i} is not a map`, 500);
    if (mergeKey in x && x[mergeKey] === value) return i;
  }
  return -1;
}

function dedupeScalars(list: Json[]): Json[] {
  const seen = new Set<Json>();
  return list.filter((v) => (seen.has(v) ? false : (seen.add(v), true)));
}

function partitionScalars(list: Json[], by: Json[]): [Json[], Json[]] {
  const inBy = new Set(by);
  return [list.filter((v) => inBy.has(v)), list.filter((v) => !inBy.has(v))];
}

function partitionMaps(list: Json[], by: Json[], mergeKey: string): [Json[], Json[]] {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const v of list) {
    if (!isMap(v)) throw badArgType('map[string]interface {}', v);
    if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]!) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

type ElementKind = 'map' | 'scalar';

/** All elements of the lists are of one type, and not lists. */
function elementKind(lists: Json[][]): ElementKind {
  let prev: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const t = typeName(v);
      if (prev === undefined) {
        if (t === 'slice') throw new StrategicMergeError(ERR_NO_LIST_OF_LISTS, 422);
        prev = t;
      } else if (prev !== t) {
        throw new StrategicMergeError(`list element types are not identical: ${goString(lists)}`, 500);
      }
    }
  }
  if (prev === undefined) throw new StrategicMergeError('no elements in any of the given slices', 500);
  return prev === 'map' ? 'map' : 'scalar';
}

/**
 * Patch items in the patch's (or `$setElementOrder`'s) order, server-only items in the live order,
 * then interleaved: a server-only item goes before the first patch item that follows it in the live list.
 */
function normalizeElementOrder(patchItems: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string, kind: ElementKind): Json[] {
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j]!, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function sortByOrder(list: Json[], order: Json[], mergeKey: string, kind: ElementKind): Json[] {
  let items = list;
  let deletions: Json[] = [];
  if (kind === 'map') {
    for (const l of [list, order]) {
      for (const v of l) {
        if (!isMap(v)) throw badArgType('map[string]interface {}', v);
        if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      }
    }
    items = list.filter((v) => (v as JsonMap)[DIRECTIVE] !== DELETE);
    deletions = list.filter((v) => (v as JsonMap)[DIRECTIVE] === DELETE);
  }
  // Stable: items the order does not know keep their place relative to each other.
  const known = items.map((v, pos) => ({ v, pos, at: indexIn(order, v, mergeKey, kind) }));
  const sorted = known.filter((x) => x.at >= 0).sort((a, b) => a.at - b.at || a.pos - b.pos);
  const slots = known.map((x) => (x.at >= 0 ? undefined : x.v));
  let next = 0;
  const out = slots.map((v) => (v === undefined ? sorted[next++]!.v : v));
  return [...out, ...deletions];
}

function indexIn(list: Json[], v: Json, mergeKey: string, kind: ElementKind): number {
  const key = (x: Json) => (kind === 'map' ? (isMap(x) ? x[mergeKey] : undefined) : x);
  const want = key(v);
  return list.findIndex((x) => key(x) === want);
}

// ------------------------------------------------------------------------------------- helpers

/** Drop `$patch` maps and directives from a value that is taken whole (its field was absent). */
function removeDirectives(v: Json): [Json, boolean] {
  if (isMap(v)) {
    if (DIRECTIVE in v) return [null, false];
    for (const k of Object.keys(v)) {
      const [clean, keep] = removeDirectives(v[k]!);
      if (keep) v[k] = clean;
      else delete v[k];
    }
    return [v, true];
  }
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      const [clean, keep] = removeDirectives(x);
      if (keep) out.push(clean);
    }
    return [out, true];
  }
  return [v, true];
}

function discardNulls(v: Json): Json {
  if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]!);
    }
  } else if (Array.isArray(v)) v.forEach(discardNulls);
  return v;
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw new StrategicMergeError(prefix === DELETE_FROM_PRIMITIVE_PREFIX ? ERR_BAD_PRIMITIVE_LIST : ERR_BAD_SET_ELEMENT_ORDER, 400);
  }
  return s.slice(slash + 1);
}

/** The strategy other than retainKeys (a field may declare `merge,retainKeys`). */
function otherStrategy(strategies: readonly string[]): string {
  const split = splitStrategies(strategies);
  if (!split) throw new StrategicMergeError(`unexpected patch strategy: ${goString(strategies as Json[])}`, 500);
  return split[1];
}


function goType(v: Json): string {
  switch (typeName(v)) {
    case 'map':
      return 'map[string]interface {}';
    case 'slice':
      return '[]interface {}';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    case 'nil':
      return '<nil>';
    default:
      return typeof v;
  }
}

function noMergeKey(m: JsonMap, key: string): StrategicMergeError {
  return new StrategicMergeError(`map: ${goString(m)} does not contain declared merge key: ${key}`, 500);
}

function badArgType(expected: string, actual: Json): StrategicMergeError {
  return new StrategicMergeError(`expected a ${expected}, but received a ${goType(actual)}`, 500);
}

function badPatchType(t: Json, m: JsonMap): StrategicMergeError {
  return new StrategicMergeError(`unknown patch type: ${goString(t)} in map: ${goString(m)}`, 500);
}


