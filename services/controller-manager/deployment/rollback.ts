/**
 * Rolling back (rollback.go; kubectl rollout undo). In apps/v1 a rollback is just the Deployment's
 * template set back to an older ReplicaSet's template: that ReplicaSet then becomes the new one
 * and gets the next revision (see revision.ts). This file finds the template to go back to, and
 * handles the deprecated `deprecated.deployment.rollback.to` annotation old clients still send.
 */
import type { Deployment, PodTemplateSpec, ReplicaSet } from '../../../shared/resources/types.js';
import { POD_TEMPLATE_HASH_LABEL, equalIgnoreHash } from './hash.js';
import { ROLLBACK_TO_ANNOTATION, lastRevision, parseIntStrict, revisionOf, skipCopyAnnotation } from './revision.js';

/** getRollbackTo: the revision requested by the deprecated annotation (0 = previous), if valid. */
export function rollbackTo(d: Deployment): number | undefined {
  const v = d.metadata.annotations?.[ROLLBACK_TO_ANNOTATION];
  if (v === undefined || v === '') return undefined;
  return parseIntStrict(v);
}

/** SetFromReplicaSetTemplate: a ReplicaSet's template without the pod-template-hash label. */
export function templateFromReplicaSet(rs: ReplicaSet): PodTemplateSpec {
  const t = rs.spec.template;
  const labels = { ...t.metadata?.labels };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...t, metadata: { ...t.metadata, labels } };
}

/**
 * SetDeploymentAnnotationsTo: the Deployment keeps its skipped annotations (revision, last-applied,
 * ...) and takes every other annotation from the ReplicaSet it rolls back to.
 */
export function deploymentAnnotationsFrom(d: Deployment, rs: ReplicaSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (skipCopyAnnotation(k)) out[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!skipCopyAnnotation(k)) out[k] = v;
  return out;
}

export type RollbackResult =
  /** Set the Deployment's template and annotations to these. */
  | { readonly kind: 'rollback'; readonly revision: number; readonly template: PodTemplateSpec; readonly annotations: Record<string, string> }
  /** The target revision already is the current template (DeploymentRollbackTemplateUnchanged). */
  | { readonly kind: 'unchanged'; readonly revision: number }
  /** No such revision (DeploymentRollbackRevisionNotFound). */
  | { readonly kind: 'notFound'; readonly revision: number };

/**
 * rollback: where `toRevision` (0 = the previous revision, LastRevision) leads. The caller writes
 * the template and annotations; the revision bump follows on the next reconcile.
 */
export function planRollback(d: Deployment, allRSs: readonly ReplicaSet[], toRevision = 0): RollbackResult {
  const revision = toRevision === 0 ? lastRevision(allRSs) : toRevision;
  if (revision === 0) return { kind: 'notFound', revision };
  const rs = allRSs.find((x) => revisionOf(x) === revision);
  if (!rs) return { kind: 'notFound', revision };
  if (equalIgnoreHash(d.spec.template, rs.spec.template)) return { kind: 'unchanged', revision };
  const annotations = deploymentAnnotationsFrom(d, rs);
  delete annotations[ROLLBACK_TO_ANNOTATION];
  return { kind: 'rollback', revision, template: templateFromReplicaSet(rs), annotations };
}
