/**
 * FieldsV1: how `metadata.managedFields[].fieldsV1` writes a {@link FieldSet}. Each level is a JSON
 * object whose keys are path elements (`f:`, `k:`, `v:`, `i:`) in Kubernetes' order; `{}` marks a
 * member with nothing under it, and `".": {}` marks a member that also has children.
 */
import { FieldSet } from './field-set.js';
import { deserializeElement, FieldsV1Error, serializeElement, UnknownElementTypeError } from './element-json.js';
import { compareElements, type Path } from './path.js';

export type FieldsV1 = { [key: string]: FieldsV1 };

/** The set as a FieldsV1 object (keys inserted in Kubernetes' order, so JSON.stringify keeps it). */
export function toFieldsV1(set: FieldSet): FieldsV1 {
  return level(set, false);
}

function level(set: FieldSet, self: boolean): FieldsV1 {
  const out: FieldsV1 = {};
  const members = set.memberElements();
  const children = set.childEntries();
  if (self && (members.length > 0 || children.length > 0)) out['.'] = {};
  // Members and children merged in element order; an element in both carries "." below it.
  let m = 0;
  let c = 0;
  while (m < members.length || c < children.length) {
    const d = m >= members.length ? 1 : c >= children.length ? -1 : compareElements(members[m]!, children[c]!.el);
    if (d < 0) {
      out[serializeElement(members[m++]!)] = {};
    } else if (d > 0) {
      const child = children[c++]!;
      out[serializeElement(child.el)] = level(child.set, false);
    } else {
      const child = children[c++]!;
      m++;
      out[serializeElement(child.el)] = level(child.set, true);
    }
  }
  return out;
}

/**
 * The set as the exact bytes Kubernetes writes. JSON inside `k:` and `v:` keys has Go's HTML-safe
 * escapes (`\u003c`); the keys themselves are written as plain JSON strings.
 */
export function fieldsV1Json(set: FieldSet): string {
  return JSON.stringify(toFieldsV1(set));
}

/**
 * Read FieldsV1 (an object, or its JSON text). Keys of an unknown type (`x:…`) are dropped, as
 * Kubernetes drops them; anything else malformed is a {@link FieldsV1Error}.
 */
export function fromFieldsV1(fields: unknown): FieldSet {
  let doc = fields;
  if (typeof fields === 'string') {
    try {
      doc = JSON.parse(fields);
    } catch (e) {
      throw new FieldsV1Error(`invalid FieldsV1 JSON: ${(e as Error).message}`);
    }
  }
  const set = new FieldSet();
  if (doc === null || doc === undefined) return set;
  if (!isObject(doc)) throw new FieldsV1Error(`invalid FieldsV1: expected a JSON object, got ${typeName(doc)}`);
  read(doc, [], set);
  return set;
}

/** Reads one level; true when the parent path is itself a member. */
function read(doc: Record<string, unknown>, prefix: Path, set: FieldSet): boolean {
  let member = false;
  let hasChildren = false;
  for (const [k, v] of Object.entries(doc)) {
    if (!isObject(v)) throw new FieldsV1Error(`invalid FieldsV1 at ${JSON.stringify(k)}: expected a JSON object, got ${typeName(v)}`);
    if (k === '.') {
      member = true;
      continue;
    }
    let el;
    try {
      el = deserializeElement(k);
    } catch (e) {
      if (e instanceof UnknownElementTypeError) continue;
      throw e;
    }
    hasChildren = true;
    const path = [...prefix, el];
    if (read(v, path, set)) set.insert(path);
  }
  return member || !hasChildren;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
