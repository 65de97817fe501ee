/**
 * The pod-template-hash: the name suffix and label that tie a ReplicaSet to one pod template.
 *
 * Kubernetes' ComputeHash (pkg/controller/controller_utils.go) is FNV-1a 32 over a Go
 * deep-print of the template, plus the collision count, encoded with SafeEncodeString. We cannot
 * reproduce Go's printer byte for byte, so we hash a canonical JSON form instead: keys sorted,
 * absent/null/empty-list fields dropped, and the pod-template-hash label removed. Two templates
 * are equalIgnoreHash exactly when their canonical forms (and so their hashes) are equal.
 */
import type { PodTemplateSpec } from '../../../shared/resources/types.js';
import { isPlainObject } from '../../../shared/resources/json.js';

/** apps.DefaultDeploymentUniqueLabelKey */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** k8s.io/apimachinery/pkg/util/rand: the alphabet without vowels and look-alikes. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A JSON value with object keys sorted, `undefined`/`null` fields and empty lists dropped
 * (Kubernetes' semantic equality treats nil and empty slices alike).
 */
export function canonicalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : canonicalize(x)));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = v[k];
    if (x === undefined || x === null || (Array.isArray(x) && x.length === 0)) continue;
    Object.defineProperty(out, k, { value: canonicalize(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The canonical form of a pod template: hash label removed, empty labels/annotations/metadata dropped. */
export function canonicalTemplate(template: PodTemplateSpec): unknown {
  const t = canonicalize(template) as Record<string, unknown>;
  const meta = isPlainObject(t.metadata) ? { ...t.metadata } : undefined;
  if (meta) {
    if (isPlainObject(meta.labels)) {
      const labels = { ...meta.labels };
      delete labels[POD_TEMPLATE_HASH_LABEL];
      meta.labels = labels;
    }
    for (const k of ['labels', 'annotations']) {
      if (isPlainObject(meta[k]) && Object.keys(meta[k] as object).length === 0) delete meta[k];
    }
  }
  const out: Record<string, unknown> = { ...t };
  if (meta && Object.keys(meta).length > 0) out.metadata = meta;
  else delete out.metadata;
  return out;
}

/** Canonical JSON text of a template (what podTemplateHash hashes). */
export function canonicalTemplateJson(template: PodTemplateSpec): string {
  return JSON.stringify(canonicalTemplate(template));
}

/**
 * EqualIgnoreHash: two templates are equal ignoring the pod-template-hash label (and ignoring the
 * difference between absent, null and empty lists / empty label maps).
 */
export function equalIgnoreHash(t1: PodTemplateSpec, t2: PodTemplateSpec): boolean {
  return canonicalTemplateJson(t1) === canonicalTemplateJson(t2);
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1a 32-bit over bytes, continuing from `hash`. */
export function fnv1a32(bytes: Uint8Array, hash: number = FNV32_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each byte of `s` mapped into the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * ComputeHash: FNV-1a 32 of the canonical template, then (if a collision count is given) its 8
 * little-endian bytes as Kubernetes writes them, encoded like `fmt.Sprint(uint32)` + SafeEncodeString.
 */
export function podTemplateHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv1a32(new TextEncoder().encode(canonicalTemplateJson(template)));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv1a32(b, h);
  }
  return safeEncodeString(String(h));
}
