/**
 * Bootstrap policy reconciliation (Kubernetes' `reconcile` of its bootstrap roles at every start):
 * an existing bootstrap object annotated `rbac.authorization.kubernetes.io/autoupdate: "true"` gets
 * what the bootstrap version has and it lacks, and keeps everything else (a union, never a
 * removal): missing rules, missing aggregation selectors, missing labels and annotations, missing
 * subjects. An object annotated otherwise is the administrator's and is left alone.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from '../../resources/rbac.js';
import type { KObject } from '../../resources/meta.js';
import { covers } from './escalation.js';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const subjectKey = (s: Subject) => JSON.stringify([s.kind, s.apiGroup ?? '', s.name, s.namespace ?? '']);

function mergedMeta(existing: KObject, wanted: KObject): KObject['metadata'] | undefined {
  const labels = { ...wanted.metadata.labels, ...existing.metadata.labels };
  const annotations = { ...wanted.metadata.annotations, ...existing.metadata.annotations };
  const same = (a: object | undefined, b: object) => JSON.stringify(a ?? {}) === JSON.stringify(b);
  if (same(existing.metadata.labels, labels) && same(existing.metadata.annotations, annotations)) return undefined;
  return { ...existing.metadata, labels, annotations };
}

/** The updated object, or undefined when `existing` already holds everything (or is not to be updated). */
export function reconcileBootstrap<T extends ClusterRole | ClusterRoleBinding>(existing: T, wanted: T): T | undefined {
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  let changed = false;
  let next: T = existing;
  const meta = mergedMeta(existing, wanted);
  if (meta) {
    next = { ...next, metadata: meta };
    changed = true;
  }
  if (wanted.kind === 'ClusterRole') {
    const w = wanted as ClusterRole;
    const e = next as ClusterRole;
    if (w.aggregationRule) {
      const have = e.aggregationRule?.clusterRoleSelectors ?? [];
      const missing = (w.aggregationRule.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => JSON.stringify(h) === JSON.stringify(s)));
      if (missing.length) {
        next = { ...next, aggregationRule: { clusterRoleSelectors: [...have, ...missing] } } as T;
        changed = true;
      }
    } else {
      const have = e.rules ?? [];
      const missing: PolicyRule[] = (w.rules ?? []).filter((r) => !covers(have, [r]).covered);
      if (missing.length) {
        next = { ...next, rules: [...have, ...missing] } as T;
        changed = true;
      }
    }
  } else {
    const have = (next as ClusterRoleBinding).subjects ?? [];
    const keys = new Set(have.map(subjectKey));
    const missing = ((wanted as ClusterRoleBinding).subjects ?? []).filter((s) => !keys.has(subjectKey(s)));
    if (missing.length) {
      next = { ...next, subjects: [...have, ...missing] } as T;
      changed = true;
    }
  }
  return changed ? next : undefined;
}
