/**
 * Remove fields and items from a value (structured-merge-diff's RemoveItems): a member of the set
 * removes that field or item with everything under it; paths under a field remove only those.
 * A map or list emptied by removal becomes `null`, as in Kubernetes (apply drops such nulls last).
 */
import type { FieldSet } from './field-set.js';
import { itemElements } from './list-items.js';
import { fieldEl, pathString, type Path } from './path.js';
import { fieldType, isMap, shapeOf, UNTYPED_TYPE, type Type } from './schema.js';

export function removeItems(value: unknown, toRemove: FieldSet, type: Type, path: Path = []): unknown {
  const shape = shapeOf(type, value);
  if (shape.kind === 'list') {
    if (!Array.isArray(value) || value.length === 0) return value;
    const els = itemElements(shape.list, value, pathString(path));
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const el = els[i]!;
      if (toRemove.isMember(el)) return;
      const under = toRemove.withPrefix(el);
      out.push(under.isEmpty() ? item : removeItems(item, under, shape.list.item, [...path, el]));
    });
    return out.length > 0 ? out : null;
  }
  if (shape.kind === 'map') {
    if (!isMap(value) || Object.keys(value).length === 0) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const el = fieldEl(k);
      if (toRemove.isMember(el)) continue;
      const under = toRemove.withPrefix(el);
      out[k] = under.isEmpty() ? v : removeItems(v, under, fieldType(shape.map, k) ?? UNTYPED_TYPE, [...path, el]);
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  // Leaves (and atomic lists and maps) have nothing under them to remove.
  return shape.kind === 'leaf' && !isContainer(value) ? value : null;
}

function isContainer(v: unknown): boolean {
  return Array.isArray(v) || isMap(v);
}
