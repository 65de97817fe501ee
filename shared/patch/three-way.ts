/**
 * Kubernetes' three-way strategic merge patch (apimachinery's CreateThreeWayMergePatch), the patch
 * `kubectl apply` sends: the difference from the live object (`current`) to the new manifest
 * (`modified`) without deletions, plus the deletions from the previous manifest (`original`, the
 * last-applied configuration) to the new one, so fields other writers set stay and fields the user
 * dropped go:
 *  - a removed map key is `null`;
 *  - a removed item of a merging list of maps is `{<mergeKey>: v, $patch: delete}`;
 *  - removed scalars of a merging scalar list go in `$deleteFromPrimitiveList/<field>`;
 *  - a merging list that changes carries `$setElementOrder/<field>`, the order the manifest gives;
 *  - a map whose field has the retainKeys strategy carries `$retainKeys`, the keys it may keep.
 * Lists and maps are compared as apimachinery compares them (merge keys and scalars by their Go
 * `%v` text, lists sorted by it), so patches are the ones kubectl computes, list order included.
 * Pure: no I/O; inputs are not modified.
 */
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
import { goString } from './go-format.js';
import { mergeStrategicPatches, StrategicMergeError, ERR_NO_LIST_OF_LISTS, type PatchSchema } from './strategic-merge.js';



/** apimachinery's DiffOptions: what a diff leaves out and which directives it writes. */
export interface DiffOptions {
  /** Leave out added and changed values: only deletions. */
  readonly ignoreChangesAndAdditions?: boolean;
  /** Leave out deletions: only additions and changes. */
  readonly ignoreDeletions?: boolean;
  /** Write `$setElementOrder/<field>` for merging lists that change. */
  readonly setElementOrder?: boolean;
  /** Write `$retainKeys` into this map (its field has the retainKeys strategy). */
  readonly buildRetainKeysDirective?: boolean;
}

/** A merging list's share of a patch. */
export interface ListDiff {
  /** Added and changed items (for lists of maps, `$patch: delete` items last). */
  readonly patch: readonly unknown[];
  /** Removed scalars: `$deleteFromPrimitiveList/<field>`. */
  readonly deletions: readonly unknown[];
  /** `$setElementOrder/<field>`, or empty. */
  readonly order: readonly unknown[];
}

/** Something the three documents cannot be diffed for (a list of lists, items without their merge key). */
export class ThreeWayPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThreeWayPatchError';
  }
}

/** Two writers changed the same field differently (only when `overwrite` is false). */
export class PatchConflictError extends Error {
  constructor(readonly patch: Record<string, unknown>, readonly changed: Record<string, unknown>) {
    super('patch conflicts with changes made to the live object since the last apply');
    this.name = 'PatchConflictError';
  }
}

/**
 * The patch that makes `current` what `modified` asks for, deleting what `original` had and
 * `modified` no longer has. `original` may be undefined (no last-applied configuration). With
 * `overwrite` false, a {@link PatchConflictError} if the patch changes a field that changed
 * differently between `original` and `current`. `{}` means nothing to do.
 */
export function createThreeWayMergePatch(
  original: unknown,
  modified: unknown,
  current: unknown,
  schema: PatchSchema,
  overwrite = true,
): Record<string, unknown> {
  const o = asMap(original);
  const m = asMap(modified);
  const c = asMap(current);
  const delta = diffMaps(c, m, schema, { ignoreDeletions: true, setElementOrder: true });
  const deletions = diffMaps(o, m, schema, { ignoreChangesAndAdditions: true, setElementOrder: true });
  const patch = mergeStrategicPatches(deletions, delta, schema);
  if (!overwrite) {
    const changed = diffMaps(o, c, schema, {});
    if (mapsConflict(patch as JsonMap, changed as JsonMap, schema)) throw new PatchConflictError(patch, changed);
  }
  return patch;
}

// ---------------------------------------------------------------------------------------- maps

/**
 * The patch from `original` to `modified` (apimachinery's diffMaps): added and changed keys,
 * `null` for removed ones, merging lists diffed item by item, other lists and `replace` maps whole.
 */
export function diffMaps(original: Readonly<Record<string, unknown>>, modified: Readonly<Record<string, unknown>>, schema: PatchSchema, options: DiffOptions = {}): Record<string, unknown> {
  const o = original as JsonMap;
  const m = modified as JsonMap;
  const patch: JsonMap = {};
  const retainKeys: string[] = [];
  for (const [key, modV] of Object.entries(m)) {
    if (options.buildRetainKeysDirective && modV !== null) retainKeys.push(key);
    if (!Object.hasOwn(o, key)) {
      if (!options.ignoreChangesAndAdditions) patch[key] = modV;
      continue;
    }
    const origV = o[key]!;
    if (key === DIRECTIVE) {
      if (typeof origV !== 'string' || typeof modV !== 'string') throw new ThreeWayPatchError(`invalid value for special key: ${DIRECTIVE}`);
      if (origV !== modV) patch[key] = modV;
      continue;
    }
    if (typeName(origV) !== typeName(modV)) {
      if (!options.ignoreChangesAndAdditions) patch[key] = modV;
      continue;
    }
    if (isMap(origV)) diffMapField(key, origV, modV as JsonMap, patch, schema, options);
    else if (Array.isArray(origV)) diffListField(key, origV, modV as Json[], patch, schema, options);
    else if (!options.ignoreChangesAndAdditions && !jsonEqual(origV, modV)) patch[key] = modV;
  }
  if (!options.ignoreDeletions) for (const key of Object.keys(o)) if (!Object.hasOwn(m, key)) patch[key] = null;
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalField(o, m))) {
    patch[RETAIN_KEYS_DIRECTIVE] = sortScalars(retainKeys);
  }
  return patch;
}

function diffMapField(key: string, original: JsonMap, modified: JsonMap, patch: JsonMap, schema: PatchSchema, options: DiffOptions): void {
  const [sub, meta] = schema.forStruct(key);
  const [retainKeys, strategy] = strategiesOf(meta.strategies);
  if (strategy === REPLACE) {
    // A replaced map is sent whole whenever the manifest has it, changed or not.
    if (!options.ignoreChangesAndAdditions) patch[key] = modified;
    return;
  }
  const value = diffMaps(original, modified, sub, { ...options, buildRetainKeysDirective: retainKeys });
  if (Object.keys(value).length > 0) patch[key] = value as JsonMap;
}

function diffListField(key: string, original: Json[], modified: Json[], patch: JsonMap, schema: PatchSchema, options: DiffOptions): void {
  const [sub, meta] = schema.forSlice(key);
  const [retainKeys, strategy] = strategiesOf(meta.strategies);
  if (strategy !== MERGE) {
    if (!options.ignoreChangesAndAdditions && !jsonEqual(original, modified)) patch[key] = modified;
    return;
  }
  const d = diffLists(original, modified, sub, meta.mergeKey, { ...options, buildRetainKeysDirective: retainKeys });
  if (d.patch.length > 0) patch[key] = d.patch as Json[];
  if (d.deletions.length > 0) patch[`${DELETE_FROM_PRIMITIVE_PREFIX}/${key}`] = d.deletions as Json[];
  if (d.order.length > 0) patch[`${SET_ELEMENT_ORDER_PREFIX}/${key}`] = d.order as Json[];
}

/** A key `modified` lacks that `original` has with a value: a retainKeys map must say what it keeps. */
function hasAdditionalField(original: JsonMap, modified: JsonMap): boolean {
  return Object.entries(original).some(([k, v]) => v !== null && !(k in modified));
}

// --------------------------------------------------------------------------------------- lists

/**
 * A merging list's diff (apimachinery's diffLists): lists of maps by their merge key, recursing
 * into items both have (the item diff carries the merge key), with `$patch: delete` items for
 * removed ones; lists of scalars as sets, removed scalars apart. The order list is the manifest's
 * order (merge keys only), written when the list's content or order changes.
 */
export function diffLists(original: readonly unknown[], modified: readonly unknown[], schema: PatchSchema, mergeKey: string, options: DiffOptions = {}): ListDiff {
  const o = original as Json[];
  const m = modified as Json[];
  if (o.length === 0) {
    if (m.length === 0 || options.ignoreChangesAndAdditions) return { patch: [], deletions: [], order: [] };
    return { patch: m, deletions: [], order: [] };
  }
  if (elementKind([o, m]) === 'map') {
    const { changed, deleted } = diffListsOfMaps(o, m, schema, mergeKey, options);
    const patch = [...sortByOrder(changed, m, mergeKey, 'map'), ...deleted];
    const orderSame = isOrderSame(o, m, mergeKey);
    const writeOrder = options.setElementOrder &&
      ((!options.ignoreChangesAndAdditions && (patch.length > 0 || !orderSame)) || (!options.ignoreDeletions && patch.length > 0));
    const order = writeOrder ? m.map((v) => ({ [mergeKey]: (v as JsonMap)[mergeKey]! })) : [];
    return { patch, deletions: [], order };
  }
  const { added, deleted } = diffListsOfScalars(o, m, options);
  // apimachinery sorts the original list in place while diffing, so an unchanged list whose order
  // differs from its sorted order still counts as changed here.
  const changed = !jsonEqual(sortScalars(o), m);
  const writeOrder = options.setElementOrder && ((!options.ignoreDeletions && deleted.length > 0) || (!options.ignoreChangesAndAdditions && changed));
  return { patch: sortByOrder(added, m, mergeKey, 'scalar'), deletions: deleted, order: writeOrder ? m : [] };
}

function diffListsOfMaps(original: Json[], modified: Json[], schema: PatchSchema, mergeKey: string, options: DiffOptions): { changed: Json[]; deleted: Json[] } {
  const changed: Json[] = [];
  const deleted: Json[] = [];
  const os = sortMapsByKey(original, mergeKey);
  const ms = sortMapsByKey(modified, mergeKey);
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    const [oItem, oKey] = i < os.length ? itemAndKey(os[i]!, mergeKey) : [undefined, undefined];
    const [mItem, mKey] = j < ms.length ? itemAndKey(ms[j]!, mergeKey) : [undefined, undefined];
    const oText = oItem ? goString(oKey) : '';
    const mText = mItem ? goString(mKey) : '';
    if (oItem && mItem && oText === mText) {
      const d = diffMaps(oItem, mItem, schema, options) as JsonMap;
      if (Object.keys(d).length > 0) changed.push({ ...d, [mergeKey]: mKey! });
      i++;
      j++;
    } else if (!oItem || (mItem && goLess(mText, oText))) {
      if (!options.ignoreChangesAndAdditions) changed.push(mItem!);
      j++;
    } else {
      if (!options.ignoreDeletions) deleted.push({ [mergeKey]: oKey!, [DIRECTIVE]: DELETE });
      i++;
    }
  }
  return { changed, deleted };
}

function itemAndKey(v: Json, mergeKey: string): [JsonMap, Json] {
  if (!isMap(v)) throw badArgType(v);
  if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
  return [v, v[mergeKey]!];
}

function diffListsOfScalars(original: Json[], modified: Json[], options: DiffOptions): { added: Json[]; deleted: Json[] } {
  const os = sortScalars(original);
  const ms = sortScalars(modified);
  const added: Json[] = [];
  const deleted: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    const oText = i < os.length ? goString(os[i]) : undefined;
    const mText = j < ms.length ? goString(ms[j]) : undefined;
    if (oText !== undefined && oText === mText) {
      i++;
      j++;
    } else if (oText === undefined || (mText !== undefined && goLess(mText, oText))) {
      if (!options.ignoreChangesAndAdditions) added.push(ms[j]!);
      j++;
    } else {
      if (!options.ignoreDeletions) deleted.push(os[i]!);
      i++;
    }
  }
  return { added, deleted: dedupeLikeGo(deleted) };
}

function isOrderSame(original: Json[], modified: Json[], mergeKey: string): boolean {
  if (original.length !== modified.length) return false;
  return modified.every((v, i) => itemAndKey(original[i]!, mergeKey)[1] === itemAndKey(v, mergeKey)[1]);
}

/** Stable sort of `list` by where each item is in `order` (by merge key for maps). */
function sortByOrder(list: Json[], order: Json[], mergeKey: string, kind: 'map' | 'scalar'): Json[] {
  const key = (x: Json) => (kind === 'map' ? (isMap(x) ? x[mergeKey] : undefined) : x);
  const at = (v: Json) => order.findIndex((x) => key(x) === key(v));
  return list.map((v, pos) => ({ v, pos, at: at(v) })).sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : 0) || a.pos - b.pos).map((x) => x.v);
}

// ----------------------------------------------------------------------------------- conflicts

/** apimachinery's MergingMapsHaveConflicts: both patches set a key to different values. */
function mapsConflict(left: JsonMap, right: JsonMap, schema: PatchSchema): boolean {
  for (const [key, lv] of Object.entries(left)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS_DIRECTIVE || !(key in right)) continue;
    let sub = schema;
    let strategy = '';
    let mergeKey = '';
    if (Array.isArray(lv) || isMap(lv)) {
      const [s, meta] = Array.isArray(lv) ? schema.forSlice(key) : schema.forStruct(key);
      sub = s;
      strategy = strategiesOf(meta.strategies)[1];
      mergeKey = meta.mergeKey;
    }
    if (fieldsConflict(lv, right[key]!, sub, strategy, mergeKey)) return true;
  }
  return false;
}

function fieldsConflict(left: Json, right: Json, schema: PatchSchema, strategy: string, mergeKey: string): boolean {
  if (isMap(left)) {
    if (!isMap(right)) return true;
    const l = DIRECTIVE in left;
    const r = DIRECTIVE in right;
    if ((l || r) && (l !== r || left[DIRECTIVE] !== right[DIRECTIVE])) return true;
    if (strategy === REPLACE) return false;
    return mapsConflict(left, right, schema);
  }
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return true;
    return listsConflict(left, right, schema, strategy, mergeKey);
  }
  return !jsonEqual(left, right);
}

function listsConflict(left: Json[], right: Json[], schema: PatchSchema, strategy: string, mergeKey: string): boolean {
  const kind = elementKind([left, right]);
  if (strategy === MERGE) {
    if (kind !== 'map') return false;
    const byKey = (list: Json[]) => new Map(list.map((v) => [goString(itemAndKey(v, mergeKey)[1]), v]));
    const r = byKey(right);
    for (const [k, lv] of byKey(left)) if (r.has(k) && fieldsConflict(lv, r.get(k)!, schema, '', '')) return true;
    return false;
  }
  if (left.length !== right.length) return true;
  const [l, r] = kind === 'map' ? [left, right] : [sortScalars(dedupeLikeGo(left)), sortScalars(dedupeLikeGo(right))];
  return l.some((v, i) => fieldsConflict(v, r[i]!, schema, '', ''));
}

// ------------------------------------------------------------------------------------- helpers

/** Scalars sorted by their `%v` text, as apimachinery sorts them (its comparison is `<=`, an insertion sort for short lists). */
function sortScalars<T extends Json>(list: readonly T[]): T[] {
  return insertionSort(list, (a, b) => !goLess(goString(b), goString(a)));
}

function sortMapsByKey(list: Json[], mergeKey: string): Json[] {
  const text = (v: Json) => goString(isMap(v) ? v[mergeKey] : undefined);
  return insertionSort(list, (a, b) => !goLess(text(b), text(a)));
}

/** Go's insertion sort: an item moves left while `lessOrEqual(item, left neighbour)`, so equal items end up reversed. */
function insertionSort<T>(list: readonly T[], lessOrEqual: (a: T, b: T) => boolean): T[] {
  const out = [...list];
  for (let i = 1; i < out.length; i++) {
    for (let j = i; j > 0 && lessOrEqual(out[j]!, out[j - 1]!); j--) [out[j], out[j - 1]] = [out[j - 1]!, out[j]!];
  }
  return out;
}

/** apimachinery's deduplicateScalars: a later duplicate is overwritten by the last item. */
function dedupeLikeGo(list: readonly Json[]): Json[] {
  const s = [...list];
  let last = s.length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (s[i] === s[j]) {
        s[j] = s[last]!;
        s.length = last;
        last--;
        j--;
      }
    }
  }
  return s;
}

/** Go's string `<`: byte order of UTF-8, which is code point order. */
function goLess(a: string, b: string): boolean {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const cx = x[i]!.codePointAt(0)!;
    const cy = y[i]!.codePointAt(0)!;
    if (cx !== cy) return cx < cy;
  }
  return x.length < y.length;
}

function strategiesOf(strategies: readonly string[]): [boolean, string] {
  const split = splitStrategies(strategies);
  if (!split) throw new ThreeWayPatchError(`unexpected patch strategy: ${goString(strategies)}`);
  return split;
}

function elementKind(lists: Json[][]): 'map' | 'scalar' {
  let prev: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const t = typeName(v);
      if (prev === undefined) {
        if (t === 'slice') throw new StrategicMergeError(ERR_NO_LIST_OF_LISTS, 422);
        prev = t;
      } else if (prev !== t) {
        throw new ThreeWayPatchError(`list element types are not identical: ${goString(lists)}`);
      }
    }
  }
  if (prev === undefined) throw new ThreeWayPatchError('no elements in any of the given slices');
  return prev === 'map' ? 'map' : 'scalar';
}



function asMap(v: unknown): JsonMap {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new ThreeWayPatchError('invalid JSON document');
  return v;
}


function badArgType(v: Json): ThreeWayPatchError {
  return new ThreeWayPatchError(`expected a map[string]interface {}, but received a ${typeName(v)}`);
}

function noMergeKey(m: JsonMap, key: string): ThreeWayPatchError {
  return new ThreeWayPatchError(`map: ${goString(m)} does not contain declared merge key: ${key}`);
}
