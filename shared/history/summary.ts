/**
 * One line saying what a revision changed, for `jkctl history`: `spec.replicas 3→5`,
 * `image web:v1→web:v2`, `created`, `deleted`. Pure: two objects in, a string out.
 *
 * Rules: changes come from an RFC 6902 comparison of the two objects (resourceVersion and
 * managedFields left out; metadata.generation too, since it only echoes a spec change); a container image change reads `image OLD→NEW` (with the container's
 * name when the pod template has several); spec changes come first, then metadata, then status,
 * then anything else; a map added or removed as a whole counts as its fields (`status.replicas ∅→5`,
 * not `status ∅→{…}`); at most `max` changes are named, the rest counted (`+2 more`); an absent value
 * is `∅`, an object `{…}`, an array `[n]`, a long value is cut at 40 characters.
 */
import jsonpatch from 'fast-json-patch';
import type { EventType, KObject } from '../resources/meta.js';
import { comparable } from './strip.js';

export const ABSENT = '∅';

/** One field that changed between two revisions. */
export interface FieldChange {
  /** Dotted path, array indices in brackets: `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

export function summarize(type: EventType, prev: KObject | undefined, next: KObject | undefined, max = 3): string {
  if (type === 'DELETED') return 'deleted';
  if (type === 'ADDED' || !prev) return 'created';
  const changes = fieldChanges(prev, next);
  if (changes.length === 0) return 'no change';
  const parts = changes.slice(0, max).map((c) => describeChange(c, next));
  if (changes.length > max) parts.push(`+${changes.length - max} more`);
  return parts.join(', ');
}

/** The changed fields between two objects, in summary order (spec, metadata, status, rest). */
export function fieldChanges(prev: KObject | undefined, next: KObject | undefined): FieldChange[] {
  const a = comparable(prev) ?? {};
  const b = comparable(next) ?? {};
  // compare() walks keys last to first: reversed, its operations come in document order.
  const ops = jsonpatch.compare(a as object, b as object).reverse();
  const out: FieldChange[] = [];
  for (const op of ops) {
    if (op.op !== 'add' && op.op !== 'remove' && op.op !== 'replace') continue;
    const segs = pointerSegments(op.path);
    if (segs.length === 2 && segs[0] === 'metadata' && segs[1] === 'generation') continue;
    const from = op.op === 'add' ? undefined : at(a, segs);
    const to = op.op === 'remove' ? undefined : at(b, segs);
    // A whole map added or removed (a first `status`) reads as its fields.
    if (from === undefined && isMap(to)) leaves(segs, to, (p, v) => out.push({ path: dotted(p), from: undefined, to: v }));
    else if (to === undefined && isMap(from)) leaves(segs, from, (p, v) => out.push({ path: dotted(p), from: v, to: undefined }));
    else out.push({ path: dotted(segs), from, to });
  }
  const rank = (p: string) => (p.startsWith('spec') ? 0 : p.startsWith('metadata') ? 1 : p.startsWith('status') ? 2 : 3);
  return out.map((c, i) => ({ c, i })).sort((x, y) => rank(x.c.path) - rank(y.c.path) || x.i - y.i).map((x) => x.c);
}

const IMAGE_PATH = /^(.*)containers\[(\d+)\]\.image$/;

function describeChange(c: FieldChange, next: KObject | undefined): string {
  const m = IMAGE_PATH.exec(c.path);
  if (m && typeof c.from === 'string' && typeof c.to === 'string') {
    const containers = containerNames(next, m[1]!);
    const label = containers.length > 1 ? `image[${containers[Number(m[2])] ?? m[2]}]` : 'image';
    return `${label} ${c.from}→${c.to}`;
  }
  return `${c.path} ${show(c.from)}→${show(c.to)}`;
}

function containerNames(o: KObject | undefined, prefix: string): string[] {
  // prefix is the dotted path up to `containers`, e.g. `spec.template.spec.`
  let cur: unknown = o;
  for (const k of prefix.split('.').filter(Boolean)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  const list = cur && typeof cur === 'object' ? (cur as { containers?: unknown }).containers : undefined;
  return Array.isArray(list) ? list.map((x) => (x && typeof x === 'object' ? String((x as { name?: unknown }).name ?? '') : '')) : [];
}

/** A value as the summary shows it. */
export function show(v: unknown): string {
  if (v === undefined) return ABSENT;
  if (Array.isArray(v)) return `[${v.length}]`;
  if (v !== null && typeof v === 'object') return '{…}';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

/** RFC 6901 pointer → segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** Segments → `a.b[0].c`, with keys that are not plain words quoted: `metadata.labels["app.kubernetes.io/name"]`. */
export function dotted(segs: readonly string[]): string {
  let out = '';
  for (const s of segs) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function at(root: unknown, segs: readonly string[]): unknown {
  let cur = root;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0;
}

/** Every non-map value under `v` (empty maps and arrays count as values), with its path. */
function leaves(prefix: readonly string[], v: Record<string, unknown>, emit: (path: string[], value: unknown) => void): void {
  for (const [k, x] of Object.entries(v)) {
    if (isMap(x)) leaves([...prefix, k], x, emit);
    else emit([...prefix, k], x);
  }
}
