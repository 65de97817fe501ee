/**
 * The path element of a list item: a map-list item by its key fields (a missing key field takes
 * its schema default, or is left out of the key), a set item by its value.
 */
import { ApplyError } from './errors.js';
import { keyEl, valueEl, type KeyField, type PathElement } from './path.js';
import { isMap, type ListAtom } from './schema.js';

export function itemElement(list: ListAtom, item: unknown): PathElement {
  if (list.keys.length === 0) {
    if (isMap(item)) throw itemError("associative list without keys has an element that's a map type");
    if (Array.isArray(item)) throw itemError("associative list without keys has an element that's a list type");
    return valueEl(item);
  }
  if (item === null || item === undefined) throw itemError('associative list with keys may not have a null element');
  if (!isMap(item)) throw itemError('associative list with keys may not have non-map elements');
  const fields: KeyField[] = [];
  for (const k of list.keys) {
    if (k in item) fields.push([k, item[k]]);
    else if (k in list.keyDefaults) fields.push([k, list.keyDefaults[k]]);
  }
  if (fields.length === 0) {
    throw itemError(`associative list with keys has an element that omits all key fields ${goQuotedList(list.keys)} (and doesn't have default values for any key fields)`);
  }
  return keyEl(fields);
}

/** The elements of a list's items, in order (duplicates included). */
export function itemElements(list: ListAtom, items: readonly unknown[], where: string): PathElement[] {
  return items.map((item, i) => {
    try {
      return itemElement(list, item);
    } catch (e) {
      if (e instanceof ItemError) throw new ApplyError(`${where}: element ${i}: ${e.message}`, 500, `${where.replace(/^\./, '')}[${i}]`);
      throw e;
    }
  });
}

class ItemError extends Error {}
const itemError = (m: string): ItemError => new ItemError(m);

function goQuotedList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}
