/**
 * Revision bookkeeping and the new/old ReplicaSet split (deployment_util.go: Revision,
 * MaxRevision, LastRevision, SetNewReplicaSetAnnotations, FindNewReplicaSet, FindOldReplicaSets;
 * sync.go getNewReplicaSet for the shape of a new ReplicaSet).
 *
 * The new ReplicaSet is the one whose template equals the Deployment's (ignoring the hash label).
 * When a Deployment's template is set back to an older one (`kubectl rollout undo`), that older
 * ReplicaSet becomes the new one again: it gets revision max(old)+1 and its previous revision is
 * appended to `deployment.kubernetes.io/revision-history`.
 */
import type { Deployment, ReplicaSet, Timestamp } from '../../../shared/resources/types.js';
import { POD_TEMPLATE_HASH_LABEL, equalIgnoreHash } from './hash.js';
import { maxSurge } from './fenceposts.js';
import { compareByCreation, desiredReplicas } from './replica-sets.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** apps.DeprecatedRollbackTo: `kubectl rollout undo` of old clients; see rollback.ts. */
export const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
/** maxRevHistoryLengthInChars in the Kubernetes deployment controller. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Annotations that are never copied from a Deployment to its ReplicaSets (or back). */
const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_CONFIG_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

export function skipCopyAnnotation(key: string): boolean {
  return ANNOTATIONS_TO_SKIP.has(key);
}

/** Go's strconv.Atoi / ParseInt for base-10 integers; undefined when not an integer. */
export function parseIntStrict(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number.parseInt(s, 10) : undefined;
}

/** Revision: the revision annotation; 0 when absent, undefined when it does not parse. */
export function revisionOf(o: { readonly metadata: { readonly annotations?: Readonly<Record<string, string>> } }): number | undefined {
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  return v === undefined ? 0 : parseIntStrict(v);
}

/** MaxRevision: the highest revision among the ReplicaSets (unparsable ones skipped), 0 if none. */
export function maxRevision(list: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of list) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** LastRevision: the second highest revision (the one `rollout undo` goes back to), 0 if none. */
export function lastRevision(list: readonly ReplicaSet[]): number {
  let max = 0;
  let secMax = 0;
  for (const rs of list) {
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (v >= max) {
      secMax = max;
      max = v;
    } else if (v > secMax) {
      secMax = v;
    }
  }
  return secMax;
}

/** The revision a new ReplicaSet gets: max revision of the old ones + 1. */
export function nextRevision(oldRSs: readonly ReplicaSet[]): number {
  return maxRevision(oldRSs) + 1;
}

/** ReplicaSetsByRevision: ascending revision; unparsable or equal revisions by creation time. */
export function compareByRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return compareByCreation(a, b);
  return ra - rb;
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v === undefined ? undefined : parseIntStrict(v);
}

/** GetDesiredReplicasAnnotation */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

/** getMaxReplicasAnnotation */
export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
}

/** ReplicasAnnotationsNeedUpdate */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** SetReplicasAnnotations, as a copy of the annotations. */
export function withReplicasAnnotations(annotations: Readonly<Record<string, string>> | undefined, desired: number, max: number): Record<string, string> {
  return { ...annotations, [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) };
}

/** The replicas annotations a Deployment stamps on the ReplicaSets it scales: desired and desired+maxSurge. */
export function replicasAnnotationsFor(d: Deployment): { readonly desired: number; readonly max: number } {
  const desired = desiredReplicas(d);
  return { desired, max: desired + maxSurge(d) };
}

export interface AnnotationUpdate {
  readonly annotations: Record<string, string>;
  readonly changed: boolean;
}

/**
 * SetNewReplicaSetAnnotations: copy the Deployment's annotations (except the skipped ones), raise the
 * revision to `newRevision` when lower (recording the previous one in the revision history, which is
 * what happens on a rollback), and, for a ReplicaSet about to be created, stamp the replicas
 * annotations.
 */
export function newReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
  maxHistoryChars: number = MAX_REVISION_HISTORY_CHARS,
): AnnotationUpdate {
  const original = rs.metadata.annotations ?? {};
  const a: Record<string, string> = { ...original };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (skipCopyAnnotation(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const had = Object.prototype.hasOwnProperty.call(original, REVISION_ANNOTATION);
  const oldRevision = original[REVISION_ANNOTATION] ?? '';
  let oldRevisionInt = 0;
  if (oldRevision !== '') {
    const parsed = parseIntStrict(oldRevision);
    if (parsed === undefined) return { annotations: { ...original }, changed: false };
    oldRevisionInt = parsed;
  }
  if (oldRevisionInt < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (had) {
      const history = a[REVISION_HISTORY_ANNOTATION] ?? '';
      const oldRevisions = history.split(',');
      if (oldRevisions[0]!.length === 0) {
        a[REVISION_HISTORY_ANNOTATION] = oldRevision;
      } else {
        let totalLen = history.length + oldRevision.length + 1;
        let start = 0;
        while (totalLen > maxHistoryChars && start < oldRevisions.length) {
          totalLen -= oldRevisions[start]!.length + 1;
          start++;
        }
        if (totalLen <= maxHistoryChars) a[REVISION_HISTORY_ANNOTATION] = [...oldRevisions.slice(start), oldRevision].join(',');
      }
    }
  }
  if (!exists) {
    const { desired, max } = replicasAnnotationsFor(d);
    if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
      a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
      a[MAX_REPLICAS_ANNOTATION] = String(max);
      changed = true;
    }
  }
  return { annotations: a, changed };
}

/**
 * FindNewReplicaSet: the ReplicaSet whose template equals the Deployment's, ignoring the hash label.
 * If several do (possible after upgrades), the oldest wins, deterministically.
 */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(compareByCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export interface OldReplicaSets {
  /** Old ReplicaSets with `spec.replicas != 0`. */
  readonly active: ReplicaSet[];
  /** All old ReplicaSets. */
  readonly all: ReplicaSet[];
}

/** FindOldReplicaSets: every ReplicaSet but the new one. */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): OldReplicaSets {
  const newRS = findNewReplicaSet(d, rsList);
  const all = rsList.filter((rs) => rs !== newRS && (newRS === undefined || rs.metadata.name !== newRS.metadata.name));
  return { active: all.filter((rs) => (rs.spec.replicas ?? 1) !== 0), all };
}

/** A Timestamp as Kubernetes writes metav1.Time: RFC 3339, whole seconds, UTC. */
export function formatTime(now: Date): Timestamp {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The ReplicaSet a Deployment creates for its current template (sync.go getNewReplicaSet): named
 * `<deployment>-<hash>` so a retried create is a no-op, labelled and selected by pod-template-hash,
 * controlled by the Deployment, annotated with revision and replicas annotations.
 */
export function newReplicaSetFor(d: Deployment, hash: string, revision: number, now?: Date, replicas = 0): ReplicaSet {
  const labels = { ...d.spec.template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const selector = {
    ...d.spec.selector,
    matchLabels: { ...d.spec.selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash },
  };
  const name = `${d.metadata.name ?? ''}-${hash}`;
  const skeleton: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      ...(d.metadata.namespace !== undefined ? { namespace: d.metadata.namespace } : {}),
      ...(now ? { creationTimestamp: formatTime(now) } : {}),
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: d.metadata.name ?? '',
          uid: d.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      ...(d.spec.minReadySeconds !== undefined ? { minReadySeconds: d.spec.minReadySeconds } : {}),
      selector,
      template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels } },
    },
  };
  const { annotations } = newReplicaSetAnnotations(d, skeleton, revision, false);
  return { ...skeleton, metadata: { ...skeleton.metadata, annotations } };
}
