/**
 * Merge an applied configuration into an object (structured-merge-diff's Merge with "keep the
 * right-hand side"): maps merge field by field, map lists item by item by key, sets as unions;
 * leaves (scalars, atomic lists and maps, `null`, empty lists and maps) are replaced. Items the
 * configuration adds land after the live item they follow in the configuration, as in Kubernetes.
 */
import { itemElements } from './list-items.js';
import { fieldEl, pathString, type Path, type PathElement } from './path.js';
import { fieldType, isMap, shapeOf, UNTYPED_TYPE, type ListAtom, type MapAtom, type Type } from './schema.js';
import { serializeElement } from './element-json.js';

/** `rhs` merged over `lhs` (either may be undefined, not both); undefined when the result is empty. */
export function mergeValues(lhs: unknown, rhs: unknown, type: Type, path: Path = []): unknown {
  const shape = shapeOf(type, rhs !== undefined ? rhs : lhs);
  if (shape.kind === 'list') {
    const l = Array.isArray(lhs) ? lhs : [];
    const r = Array.isArray(rhs) ? rhs : [];
    if (l.length === 0 && r.length === 0) return keepRight(lhs, rhs);
    return mergeLists(l, r, shape.list, path);
  }
  if (shape.kind === 'map') {
    const l = isMap(lhs) ? lhs : {};
    const r = isMap(rhs) ? rhs : {};
    if (Object.keys(l).length === 0 && Object.keys(r).length === 0) return keepRight(lhs, rhs);
    return mergeMaps(l, r, shape.map, path);
  }
  return keepRight(lhs, rhs);
}

function keepRight(lhs: unknown, rhs: unknown): unknown {
  return structuredClone(rhs !== undefined ? rhs : lhs);
}

function mergeMaps(l: Record<string, unknown>, r: Record<string, unknown>, m: MapAtom, path: Path): unknown {
  const out: Record<string, unknown> = {};
  // Own keys only: a field named `constructor` is a field, not Object.prototype's.
  const keys = [...Object.keys(l), ...Object.keys(r).filter((k) => !Object.hasOwn(l, k))];
  for (const k of keys) {
    const lv = Object.hasOwn(l, k) ? l[k] : undefined;
    const rv = Object.hasOwn(r, k) ? r[k] : undefined;
    if (lv === undefined && rv === undefined) continue;
    const v = mergeValues(lv, rv, fieldType(m, k) ?? UNTYPED_TYPE, [...path, fieldEl(k)]);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Items of `l` not in `r` keep their place; items of `r` come in `r`'s order, each shared item
 * where `r` puts it relative to the other shared items (Kubernetes' ordering rule).
 */
function mergeLists(l: readonly unknown[], r: readonly unknown[], list: ListAtom, path: Path): unknown {
  const where = pathString(path);
  const rEls = itemElements(list, r, where);
  const lEls = itemElements(list, l, where);
  const rItems = new Map<string, unknown>();
  rEls.forEach((el, i) => {
    const k = serializeElement(el);
    if (!rItems.has(k)) rItems.set(k, r[i]);
  });
  // A key the live list holds twice merges from `null`, as Kubernetes does.
  const lItems = new Map<string, unknown>();
  lEls.forEach((el, i) => {
    const k = serializeElement(el);
    lItems.set(k, lItems.has(k) ? null : l[i]);
  });
  const shared = rEls.map(serializeElement).filter((k) => lItems.has(k));
  let nextShared: string | undefined = shared.shift();
  const merged = new Set<string>();
  const out: unknown[] = [];
  const emit = (el: PathElement, lv: unknown, rv: unknown): void => {
    const v = mergeValues(lv, rv, list.item, [...path, el]);
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < lEls.length || ri < rEls.length) {
    if (li < lEls.length && ri < rEls.length) {
      const lk = serializeElement(lEls[li]!);
      if (lk === serializeElement(rEls[ri]!)) {
        merged.add(lk);
        emit(lEls[li]!, lItems.get(lk), rItems.get(lk));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (rItems.has(lk) && nextShared !== undefined && nextShared !== lk) {
        li++;
        continue;
      }
    }
    if (li < lEls.length) {
      const lk = serializeElement(lEls[li]!);
      if (!rItems.has(lk)) {
        emit(lEls[li]!, l[li], undefined);
        li++;
        continue;
      } else if (merged.has(lk)) {
        li++;
      }
    }
    if (ri < rEls.length) {
      const el = rEls[ri]!;
      const rk = serializeElement(el);
      merged.add(rk);
      emit(el, lItems.get(rk), rItems.get(rk));
      ri++;
      if (nextShared === rk) nextShared = shared.shift();
    }
  }
  return out.length > 0 ? out : undefined;
}
