/**
 * The fields a value sets (structured-merge-diff's ToFieldSet): every leaf (scalar, atomic list,
 * atomic map, `null`, `{}`), every list item (a member that also has its fields under it), and
 * every key of a plain map (labels, annotations); struct fields with content appear only through
 * what is under them. A list that is `[]` contributes nothing, as in Kubernetes.
 */
import { ApplyError } from './errors.js';
import { FieldSet } from './field-set.js';
import { itemElements } from './list-items.js';
import { fieldEl, pathString, type Path, type PathElement } from './path.js';
import { fieldType, isMap, shapeOf, UNTYPED_TYPE, type Type } from './schema.js';
import { serializeElement } from './element-json.js';

export interface FieldsOfOptions {
  /**
   * Reject what an applied configuration may not contain: fields the schema does not declare and
   * two list items with the same key. Off for stored objects, which Kubernetes reads leniently.
   */
  readonly strict?: boolean;
}

/** The set of fields `value` specifies under `type`. */
export function fieldsOf(value: unknown, type: Type, opts: FieldsOfOptions = {}): FieldSet {
  const set = new FieldSet();
  walk(value, type, [], set, opts.strict ?? false);
  return set;
}

function walk(value: unknown, type: Type, path: Path, set: FieldSet, strict: boolean): void {
  const shape = shapeOf(type, value);
  switch (shape.kind) {
    case 'leaf':
      set.insert(path);
      return;
    case 'list': {
      if (!Array.isArray(value)) return;
      const els = itemElements(shape.list, value, pathString(path));
      const count = new Map<string, number>();
      for (const el of els) count.set(serializeElement(el), (count.get(serializeElement(el)) ?? 0) + 1);
      const dupes = new Set<string>();
      els.forEach((el) => {
        const k = serializeElement(el);
        if (count.get(k)! > 1 && !dupes.has(k)) {
          if (strict) throw new ApplyError(`${pathString(path)}: duplicate entries for key ${pathString([el])}`, 500);
          dupes.add(k);
          set.insert([...path, el]);
        }
      });
      value.forEach((item, i) => {
        const el = els[i]!;
        if (dupes.has(serializeElement(el))) return;
        const p = [...path, el];
        walk(item, shape.list.item, p, set, strict);
        set.insert(p);
      });
      return;
    }
    case 'map': {
      if (!isMap(value)) return;
      const m = shape.map;
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        const p = [...path, fieldEl(k)];
        let t = fieldType(m, k);
        if (!t) {
          if (strict) throw new ApplyError(`${pathString(p)}: field not declared in schema`, 500);
          t = UNTYPED_TYPE;
        }
        walk(v, t, p, set, strict);
        if (v === null || (isMap(v) && Object.keys(v).length === 0) || !m.fields?.[k]) set.insert(p);
      }
      return;
    }
  }
}

/**
 * A copy of `set` where every struct field that has paths under it is also a member (Kubernetes'
 * EnsureNamedFieldsAreMembers), so removing the set removes such a field as a whole.
 */
export function withNamedFieldsAsMembers(set: FieldSet, type: Type | undefined): FieldSet {
  const a = type?.atom;
  const struct = a?.kind === 'map' ? a : undefined;
  const list = a?.kind === 'list' ? a : undefined;
  return set.withMembers(
    (el) => 'field' in el && struct?.fields?.[el.field] !== undefined,
    (el: PathElement, child) => {
      let t: Type | undefined;
      if ('field' in el && struct) t = fieldType(struct, el.field);
      else if ('key' in el && list) t = list.item;
      return withNamedFieldsAsMembers(child, t);
    },
  );
}
