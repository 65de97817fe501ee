/**
 * Ownership bookkeeping of server-side apply (structured-merge-diff's Updater), on decoded managed
 * fields: a map from manager identifier to the set it owns.
 *  - update: whoever writes owns every field it added or changed; every other manager loses the
 *    fields that changed, and everyone loses the fields that were removed.
 *  - apply: the applied configuration is merged into the live object and its fields become the
 *    applier's set; fields the applier owned before and no longer applies are removed from the
 *    object unless another manager owns them; a field another manager owns whose value the apply
 *    changes is a conflict, unless forced (then the other manager loses it).
 * Pure: inputs are not modified.
 */
import { compareValues, type Comparison } from './compare.js';
import { FieldSet } from './field-set.js';
import { fieldsOf, withNamedFieldsAsMembers } from './fields-of.js';
import { mergeValues } from './merge.js';
import { valuesEqual, type Path } from './path.js';
import { removeItems } from './remove.js';
import { ApplyError } from './errors.js';
import type { Type } from './schema.js';

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** True for an Apply entry, false for an Update entry. */
  readonly applied: boolean;
}

/** Manager identifier → what it owns. */
export type Managers = ReadonlyMap<string, VersionedSet>;

export interface RawConflict {
  readonly manager: string;
  readonly path: Path;
}

export type UpdaterResult<T> = { readonly ok: true } & T | { readonly ok: false; readonly conflicts: readonly RawConflict[] };

interface Options {
  readonly type: Type;
  readonly apiVersion: string;
  /** Fields no manager may own through this endpoint (the strategy's reset fields, e.g. `status`). */
  readonly ignored?: FieldSet;
  /** How an object looks to the comparison (e.g. with the structs its Go type always has). */
  readonly normalize?: (obj: unknown) => unknown;
}

function exclude(set: FieldSet, ignored: FieldSet | undefined): FieldSet {
  return ignored ? set.recursiveDifference(ignored) : set;
}

function filtered(c: Comparison, ignored: FieldSet | undefined): Comparison {
  return { added: exclude(c.added, ignored), modified: exclude(c.modified, ignored), removed: exclude(c.removed, ignored) };
}

/** Take changed fields away from every manager but `self`; conflicts unless `force`. */
function settle(
  oldObj: unknown, newObj: unknown, managers: Managers, self: string, force: boolean, opts: Options,
): UpdaterResult<{ managers: Map<string, VersionedSet>; comparison: Comparison }> {
  const n = opts.normalize ?? ((o: unknown) => o);
  const comparison = filtered(compareValues(n(oldObj), n(newObj), opts.type), opts.ignored);
  const changed = comparison.modified.union(comparison.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [m, vs] of managers) {
    if (m === self) continue;
    const c = vs.set.intersection(changed);
    if (!c.isEmpty()) conflicts.set(m, c);
  }
  if (!force && conflicts.size > 0) {
    const list: RawConflict[] = [];
    for (const m of [...conflicts.keys()].sort()) for (const path of conflicts.get(m)!.paths()) list.push({ manager: m, path });
    return { ok: false, conflicts: list };
  }
  const out = new Map<string, VersionedSet>();
  for (const [m, vs] of managers) {
    let set = vs.set;
    if (m !== self) set = set.difference(conflicts.get(m) ?? new FieldSet()).difference(comparison.removed);
    if (!set.isEmpty()) out.set(m, { ...vs, set });
  }
  return { ok: true, managers: out, comparison };
}

/** An ordinary write (create, update, patch) by `manager`: `newObj` is what will be stored. */
export function updateManagers(oldObj: unknown, newObj: unknown, managers: Managers, manager: string, opts: Options): Map<string, VersionedSet> {
  const r = settle(oldObj, newObj, managers, manager, true, opts);
  if (!r.ok) throw new Error('unreachable: forced update reported conflicts');
  const { comparison } = r;
  const prev = r.managers.get(manager)?.set ?? new FieldSet();
  const set = exclude(prev.difference(comparison.removed).union(comparison.modified).union(comparison.added), opts.ignored);
  const out = r.managers;
  if (set.isEmpty()) out.delete(manager);
  else out.set(manager, { set, apiVersion: opts.apiVersion, applied: false });
  return out;
}

/** An apply of `config` by `manager`; `object` is undefined when the apply changes nothing. */
export function applyManagers(
  live: unknown, config: unknown, managers: Managers, manager: string, force: boolean, opts: Options,
): UpdaterResult<{ object: unknown; managers: Map<string, VersionedSet> }> {
  const applied = exclude(configFields(config, opts.type), opts.ignored);
  const merged = mergeValues(live, config, opts.type) ?? {};
  const last = managers.get(manager);
  const next = new Map(managers);
  next.set(manager, { set: applied, apiVersion: opts.apiVersion, applied: true });
  const pruned = prune(merged, next, last?.set, opts.type) ?? {};
  const r = settle(live, pruned, next, manager, force, opts);
  if (!r.ok) return r;
  return { ok: true, object: valuesEqual(live, pruned) ? undefined : pruned, managers: r.managers };
}

/**
 * The fields of an applied configuration, typed strictly. What fails here (a field the schema does
 * not declare, a list item without its keys, a key given twice) is the configuration's fault: a
 * 400, where kube-apiserver answers 500; hostile input never gets a 5xx.
 */
function configFields(config: unknown, type: Type): FieldSet {
  try {
    return fieldsOf(config, type, { strict: true });
  } catch (e) {
    if (e instanceof ApplyError && e.code === 500) throw new ApplyError(e.message, 400);
    throw e;
  }
}

/**
 * Remove what the applier owned last time and no longer applies, unless some manager (the applier's
 * new set included) owns it; fields under it that nobody listed in the last set stay ("dangling").
 */
function prune(merged: unknown, managers: Managers, last: FieldSet | undefined, type: Type): unknown {
  if (!last || last.isEmpty()) return merged;
  const named = (s: FieldSet): FieldSet => withNamedFieldsAsMembers(s, type);
  const lastN = named(last);
  const firstCut = removeItems(merged, lastN, type);
  let owned = new FieldSet();
  for (const vs of managers.values()) owned = owned.union(vs.set);
  const mergedSet = named(fieldsOf(merged, type));
  const firstSet = named(fieldsOf(firstCut, type));
  const keptOwned = removeItems(merged, mergedSet.difference(firstSet.union(named(owned))), type);
  const keptSet = named(fieldsOf(keptOwned, type));
  return removeItems(merged, mergedSet.difference(keptSet).intersection(lastN), type);
}
