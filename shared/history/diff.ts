/**
 * The diff between two revisions of an object, as the history API answers it: an RFC 6902 JSON
 * patch (applied to `from` it gives `to`) and a unified diff of the two as YAML. Both compare the
 * objects without metadata.resourceVersion and metadata.managedFields (strip.ts). An absent side
 * (before creation, after deletion) is the empty document: the patch is one `add` (or `remove`) of
 * the root, and the unified diff adds (or removes) every line.
 */
import jsonpatch, { type Operation } from 'fast-json-patch';
import { createTwoFilesPatch } from 'diff';
import YAML from 'yaml';
import type { KObject } from '../resources/meta.js';
import { comparable } from './strip.js';

export interface RevisionDiff {
  readonly patch: Operation[];
  readonly unified: string;
}

/** One side of a diff: its label in the unified diff header (e.g. `deployments/web@120`) and the object, if it existed. */
export interface DiffSide {
  readonly label: string;
  readonly object: KObject | undefined;
}

export function jsonPatch(from: KObject | undefined, to: KObject | undefined): Operation[] {
  const a = comparable(from);
  const b = comparable(to);
  if (!a && !b) return [];
  if (!a) return [{ op: 'add', path: '', value: b }];
  if (!b) return [{ op: 'remove', path: '' }];
  return jsonpatch.compare(a, b);
}

export function yamlText(o: KObject | undefined): string {
  const c = comparable(o);
  return c ? YAML.stringify(c, { indentSeq: false, lineWidth: 0 }) : '';
}

/** A unified diff (3 lines of context) of the two sides as YAML; empty when they are equal. */
export function unifiedYamlDiff(from: DiffSide, to: DiffSide): string {
  const a = yamlText(from.object);
  const b = yamlText(to.object);
  if (a === b) return '';
  const text = createTwoFilesPatch(from.label, to.label, a, b, undefined, undefined, { context: 3 });
  // The library's first line is an `Index:`-style separator of `=`; a plain unified diff starts at `---`.
  return text.slice(text.indexOf('--- '));
}

export function revisionDiff(from: DiffSide, to: DiffSide): RevisionDiff {
  return { patch: jsonPatch(from.object, to.object), unified: unifiedYamlDiff(from, to) };
}
