/**
 * What changed between two versions of an object, as field sets (structured-merge-diff's Compare):
 * leaves added, removed or modified, plus maps, lists and items that appeared or disappeared as a
 * whole. A list key held twice counts as one field (modified when its copies change).
 */
import { FieldSet } from './field-set.js';
import { itemElements } from './list-items.js';
import { fieldEl, pathString, valuesEqual, type Path, type PathElement } from './path.js';
import { fieldType, isMap, shapeOf, UNTYPED_TYPE, type ListAtom, type MapAtom, type Type } from './schema.js';
import { serializeElement } from './element-json.js';

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

export function compareValues(lhs: unknown, rhs: unknown, type: Type): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walk(lhs, rhs, type, [], c);
  return c;
}

function walk(lhs: unknown, rhs: unknown, type: Type, path: Path, c: Comparison): void {
  const shape = shapeOf(type, rhs !== undefined ? rhs : lhs);
  let leaf = shape.kind === 'leaf';
  if (shape.kind === 'list') {
    const l = Array.isArray(lhs) ? lhs : [];
    const r = Array.isArray(rhs) ? rhs : [];
    if (l.length === 0 && r.length === 0) leaf = true;
    else compareLists(l, r, shape.list, path, c);
  } else if (shape.kind === 'map') {
    const l = isMap(lhs) ? lhs : {};
    const r = isMap(rhs) ? rhs : {};
    if (Object.keys(l).length === 0 && Object.keys(r).length === 0) leaf = true;
    else compareMaps(l, r, shape.map, path, c);
  }
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
  else if (leaf && !valuesEqual(lhs, rhs)) c.modified.insert(path);
}

function compareMaps(l: Record<string, unknown>, r: Record<string, unknown>, m: MapAtom, path: Path, c: Comparison): void {
  const keys = new Set([...Object.keys(l), ...Object.keys(r)]);
  for (const k of keys) {
    // Own keys only: a field named `constructor` is a field, not Object.prototype's.
    const lv = Object.hasOwn(l, k) ? l[k] : undefined;
    const rv = Object.hasOwn(r, k) ? r[k] : undefined;
    if (lv === undefined && rv === undefined) continue;
    walk(lv, rv, fieldType(m, k) ?? UNTYPED_TYPE, [...path, fieldEl(k)], c);
  }
}

function compareLists(l: readonly unknown[], r: readonly unknown[], list: ListAtom, path: Path, c: Comparison): void {
  const where = pathString(path);
  const order: PathElement[] = [];
  const lValues = new Map<string, unknown[]>();
  const rValues = new Map<string, unknown[]>();
  itemElements(list, l, where).forEach((el, i) => {
    const k = serializeElement(el);
    if (!lValues.has(k)) {
      lValues.set(k, []);
      order.push(el);
    }
    lValues.get(k)!.push(l[i]);
  });
  itemElements(list, r, where).forEach((el, i) => {
    const k = serializeElement(el);
    if (!rValues.has(k)) {
      rValues.set(k, []);
      if (!lValues.has(k)) order.push(el);
    }
    rValues.get(k)!.push(r[i]);
  });
  for (const el of order) {
    const k = serializeElement(el);
    const ls = lValues.get(k) ?? [];
    const rs = rValues.get(k) ?? [];
    const p = [...path, el];
    if (ls.length <= 1 && rs.length <= 1) {
      walk(ls[0], rs[0], list.item, p, c);
    } else if (ls.length >= 2 && rs.length >= 2) {
      if (ls.length !== rs.length || ls.some((v, i) => !valuesEqual(v, rs[i]))) c.modified.insert(p);
    } else if (ls.length >= 2) {
      if (rs.length !== 0) walk(undefined, rs[0], list.item, p, c);
      c.removed.insert(p);
    } else {
      if (ls.length !== 0) walk(ls[0], undefined, list.item, p, c);
      c.added.insert(p);
    }
  }
}
