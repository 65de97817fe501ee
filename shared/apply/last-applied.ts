/**
 * Server-side apply and kubectl's client-side apply annotation
 * (`kubectl.kubernetes.io/last-applied-configuration`), for the manager named `kubectl` only
 * (apimachinery's lastAppliedManager and lastAppliedUpdater):
 *  - conflicts on fields whose live value is still what the annotation says were applied
 *    client-side, so `kubectl apply --server-side` can take over from `kubectl apply`: if every
 *    conflict is such a field the apply is forced, otherwise only the others are reported;
 *  - after an apply, an object that has the annotation gets the applied configuration in it
 *    (Go's JSON with a trailing newline, the annotation itself left out), unless that makes the
 *    annotations larger than 256 KiB, in which case the annotation is dropped.
 */
import { compareValues } from './compare.js';
import { goJson } from './element-json.js';
import type { FieldSet } from './field-set.js';
import { fieldsOf } from './fields-of.js';
import { isMap, type Type } from './schema.js';

type Obj = Record<string, unknown>;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The manager whose applies keep the annotation in step. */
export const KUBECTL_MANAGER = 'kubectl';
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function annotationsOf(o: Obj | undefined): Record<string, unknown> | undefined {
  const m = o?.metadata;
  return isMap(m) && isMap(m.annotations) ? m.annotations : undefined;
}

export function hasLastApplied(o: Obj | undefined): boolean {
  const v = annotationsOf(o)?.[LAST_APPLIED_ANNOTATION];
  return typeof v === 'string' && v.length > 0;
}

/**
 * The fields the annotation says were applied client-side and that still hold that value; undefined
 * when there is no usable annotation (none, not JSON, another apiVersion, not fitting the schema).
 */
export function fieldsStillAsLastApplied(live: Obj, type: Type, apiVersion: string): FieldSet | undefined {
  if (!hasLastApplied(live)) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(annotationsOf(live)![LAST_APPLIED_ANNOTATION] as string);
  } catch {
    return undefined;
  }
  if (!isMap(last) || last.apiVersion !== apiVersion) return undefined;
  try {
    const c = compareValues(last, live, type);
    return fieldsOf(last, type, { strict: true }).difference(c.modified).difference(c.added).difference(c.removed);
  } catch {
    return undefined;
  }
}

/** `object` with the annotation set to `applied`, when `object` has the annotation. */
export function withLastApplied(object: Obj, applied: Obj): Obj {
  if (!hasLastApplied(object)) return object;
  const value = `${goJson(withoutAnnotation(applied))}\n`;
  const annotations: Record<string, unknown> = { ...annotationsOf(object), [LAST_APPLIED_ANNOTATION]: value };
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
  return { ...object, metadata: { ...(object.metadata as Obj), annotations } };
}

function withoutAnnotation(applied: Obj): Obj {
  const ann = annotationsOf(applied);
  if (!ann || !(LAST_APPLIED_ANNOTATION in ann)) return applied;
  const { [LAST_APPLIED_ANNOTATION]: _, ...rest } = ann;
  return { ...applied, metadata: { ...(applied.metadata as Obj), annotations: rest } };
}
