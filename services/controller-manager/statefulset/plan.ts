/**
 * planStatefulSet: one reconcile of a StatefulSet as data (Kubernetes' stateful_set_control.go
 * performUpdate: revisions, updateStatefulSet, status, truncateHistory; facts, own code).
 *
 * Given the set, the pods, ControllerRevisions and PersistentVolumeClaims of its namespace and
 * the clock, it returns the writes to make, in order. It is level-based: it looks only at the
 * state it is given, and once that state is what the set asks for it returns no actions. An
 * executor applies the actions in order with the observed resourceVersion / uid as precondition
 * and stops at the first error (a 409 or an AlreadyExists means the cache was stale: requeue).
 *
 * One pass, in order:
 *   1. the update revision is found or created (or an older equal one rolled back to);
 *   2. replicas (ordinals start..start+replicas-1) are processed lowest first: a Failed or
 *      Succeeded pod is deleted (it is recreated on a later pass, once it is gone); a missing
 *      pod is created with its claims, at the current revision below the partition and the
 *      update revision from it; a pod whose identity labels, claim volumes or claim references
 *      drifted is repaired. Under OrderedReady the pass stops after a create, and at any pod that
 *      is terminating, not Running and Ready, or not available for minReadySeconds; under
 *      Parallel (burst) every replica is processed;
 *   3. the claims of condemned pods (ordinals out of range) get the retention policy's refs;
 *   4. condemned pods are deleted highest ordinal first: under OrderedReady one per pass, only
 *      when no replica blocked step 2 and none is terminating, and a not-ready one only if it is
 *      the first unhealthy pod; under Parallel all at once;
 *   5. RollingUpdate (not OnDelete): from the highest ordinal down to the partition, the first
 *      pod not at the update revision is deleted (and recreated at it by a later pass); the walk
 *      stops at the first pod that is not Running and Ready or is terminating. One at a time;
 *   6. status, if it changed; then revisions beyond revisionHistoryLimit are deleted.
 *
 * maxUnavailable is not implemented: its gate (MaxUnavailableStatefulSet) is off in 1.32, and
 * validation.ts refuses the field rather than accept and ignore it.
 */
import type { Pod } from '../../../shared/resources/types.js';
import { deepEqual } from '../../../shared/resources/json.js';
import { isPodAvailable, isPodReady } from '../replicaset/pods.js';
import {
  claimsFor,
  endOrdinal,
  identityMatches,
  isMemberOf,
  newStatefulSetPod,
  ordinalOf,
  podName,
  podRevision,
  replicasOf,
  startOrdinal,
  storageMatches,
  withClaimVolumes,
  withIdentityLabels,
} from './identity.js';
import { claimOwnerRefs, claimOwnerUpToDate, podClaimIsStale } from './retention.js';
import { resolveRevisions, revisionTemplate, revisionsToDelete } from './revision.js';
import type { ControllerRevision, PersistentVolumeClaim, StatefulSet, StatefulSetStatus } from './types.js';

export type DeleteReason = 'failed' | 'scaleDown' | 'update';

export type StatefulSetAction =
  /** Create the update revision (its name is deterministic: AlreadyExists on retry is success). */
  | { readonly type: 'createRevision'; readonly revision: ControllerRevision }
  /** Raise an existing revision's number: the set went back to that template. */
  | { readonly type: 'updateRevision'; readonly name: string; readonly revision: ControllerRevision }
  /** Create a claim of a pod (before the pod, or for a Pending pod missing one). */
  | { readonly type: 'createClaim'; readonly pod: string; readonly claim: PersistentVolumeClaim }
  /** Rewrite a claim's ownerReferences for the retention policy. */
  | { readonly type: 'updateClaim'; readonly name: string; readonly claim: PersistentVolumeClaim }
  | { readonly type: 'createPod'; readonly pod: Pod }
  /** Restore a pod's identity labels or claim volumes. */
  | { readonly type: 'updatePod'; readonly name: string; readonly pod: Pod }
  | { readonly type: 'deletePod'; readonly name: string; readonly uid?: string; readonly resourceVersion?: string; readonly reason: DeleteReason }
  | { readonly type: 'deleteRevision'; readonly name: string; readonly uid?: string; readonly resourceVersion?: string }
  | { readonly type: 'updateStatus'; readonly status: StatefulSetStatus };

export interface StatefulSetPlan {
  readonly actions: StatefulSetAction[];
  /** The status as computed this pass (written only when it differs: see actions). */
  readonly status: StatefulSetStatus;
  /** Why the pass stopped early, for logs and tests (`waiting for web-1 to be Running and Ready`). */
  readonly blockedOn?: string;
  /** Reconcile again after this many seconds: a ready pod becomes available (minReadySeconds). */
  readonly requeueAfterSeconds?: number;
}

export interface StatefulSetInputs {
  /** Pods of the set's namespace; only those it controls and whose names are `<set>-<n>` count. */
  readonly pods: readonly Pod[];
  /** ControllerRevisions of the set's namespace (those it controls are its history). */
  readonly revisions: readonly ControllerRevision[];
  /** PersistentVolumeClaims of the set's namespace. */
  readonly claims?: readonly PersistentVolumeClaim[];
}

// ---------------------------------------------------------------------------------------------
// Pod predicates (stateful_set_utils.go)

const phase = (p: Pod) => p.status?.phase;
export const isTerminating = (p: Pod): boolean => !!p.metadata.deletionTimestamp;
export const isRunningAndReady = (p: Pod): boolean => phase(p) === 'Running' && isPodReady(p);
export const isRunningAndAvailable = (p: Pod, minReadySeconds: number, now: Date): boolean =>
  phase(p) === 'Running' && isPodAvailable(p, minReadySeconds, now);
/** Running and Ready, and not being deleted. */
export const isHealthy = (p: Pod): boolean => isRunningAndReady(p) && !isTerminating(p);

const controlledBy = (obj: { metadata: { ownerReferences?: readonly { controller?: boolean; uid: string }[] } }, uid: string | undefined) =>
  uid !== undefined && (obj.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);

/** The pods the set manages: controlled by it and named `<set>-<ordinal>`. */
export function ownedPods(set: StatefulSet, pods: readonly Pod[]): Pod[] {
  const ns = set.metadata.namespace ?? '';
  return pods.filter((p) => (p.metadata.namespace ?? '') === ns && controlledBy(p, set.metadata.uid) && isMemberOf(set, p));
}

/** computeReplicaStatus over the pods: counts by readiness, availability and revision. */
export function replicaCounts(
  pods: readonly Pod[],
  minReadySeconds: number,
  currentRevision: string,
  updateRevision: string,
  now: Date,
): Pick<Required<StatefulSetStatus>, 'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'> {
  const c = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const p of pods) {
    c.replicas++;
    if (isRunningAndReady(p)) {
      c.readyReplicas++;
      if (isRunningAndAvailable(p, minReadySeconds, now)) c.availableReplicas++;
    }
    if (!isTerminating(p)) {
      if (podRevision(p) === currentRevision) c.currentReplicas++;
      if (podRevision(p) === updateRevision) c.updatedReplicas++;
    }
  }
  return c;
}

/** The status as Kubernetes serialises it: zero counts other than replicas/availableReplicas omitted. */
function statusOf(s: {
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  conditions?: StatefulSetStatus['conditions'];
}): StatefulSetStatus {
  return {
    ...(s.observedGeneration ? { observedGeneration: s.observedGeneration } : {}),
    replicas: s.replicas,
    ...(s.readyReplicas ? { readyReplicas: s.readyReplicas } : {}),
    ...(s.currentReplicas ? { currentReplicas: s.currentReplicas } : {}),
    ...(s.updatedReplicas ? { updatedReplicas: s.updatedReplicas } : {}),
    ...(s.currentRevision ? { currentRevision: s.currentRevision } : {}),
    ...(s.updateRevision ? { updateRevision: s.updateRevision } : {}),
    collisionCount: s.collisionCount,
    ...(s.conditions?.length ? { conditions: s.conditions } : {}),
    availableReplicas: s.availableReplicas,
  };
}

const normalised = (s: StatefulSetStatus | undefined) =>
  statusOf({
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: s?.replicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    currentReplicas: s?.currentReplicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    currentRevision: s?.currentRevision ?? '',
    updateRevision: s?.updateRevision ?? '',
    collisionCount: s?.collisionCount ?? 0,
    ...(s?.conditions ? { conditions: s.conditions } : {}),
  });

const deleteAction = (p: Pod, reason: DeleteReason): StatefulSetAction => ({
  type: 'deletePod',
  name: p.metadata.name ?? '',
  ...(p.metadata.uid !== undefined ? { uid: p.metadata.uid } : {}),
  ...(p.metadata.resourceVersion !== undefined ? { resourceVersion: p.metadata.resourceVersion } : {}),
  reason,
});

// ---------------------------------------------------------------------------------------------

/** One reconcile of `set` (defaults applied: defaults.ts). */
export function planStatefulSet(set: StatefulSet, inputs: StatefulSetInputs, now: Date): StatefulSetPlan {
  const actions: StatefulSetAction[] = [];
  const ns = set.metadata.namespace ?? '';
  const ownedRevisions = inputs.revisions.filter((r) => (r.metadata.namespace ?? '') === ns && controlledBy(r, set.metadata.uid));
  const claims = new Map((inputs.claims ?? []).filter((c) => (c.metadata.namespace ?? '') === ns).map((c) => [c.metadata.name ?? '', c]));
  const pods = ownedPods(set, inputs.pods);
  const minReady = set.spec.minReadySeconds ?? 0;

  // 1. revisions
  const rev = resolveRevisions(set, ownedRevisions, inputs.revisions);
  // A set being deleted writes no revision: it adopts nothing (RecheckDeletionTimestamp), so once the
  // garbage collector has orphaned its revision, that revision's name looked taken by another one and
  // every sync made a new one under the next collision count (seen as db-…65, 66, 67 in a CI run).
  if (!set.metadata.deletionTimestamp) {
    if (rev.create) actions.push({ type: 'createRevision', revision: rev.create });
    if (rev.bump) actions.push({ type: 'updateRevision', name: rev.bump.name, revision: rev.bump.revision });
  }
  const currentName = rev.current.metadata.name ?? '';
  const updateName = rev.update.metadata.name ?? '';
  const currentTemplate = revisionTemplate(rev.current) ?? set.spec.template;
  const updateTemplate = revisionTemplate(rev.update) ?? set.spec.template;

  // replicas by index, condemned highest ordinal first
  const start = startOrdinal(set);
  const count = replicasOf(set);
  const replicas: (Pod | undefined)[] = new Array(count).fill(undefined);
  const condemned: Pod[] = [];
  for (const p of pods) {
    const ord = ordinalOf(p);
    if (ord >= start && ord <= endOrdinal(set)) replicas[ord - start] = p;
    else if (ord >= 0) condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

  const strategy = set.spec.updateStrategy ?? {};
  const rolling = (strategy.type ?? 'RollingUpdate') === 'RollingUpdate';
  const partition = strategy.rollingUpdate?.partition ?? 0;
  /** newVersionedStatefulSetPod: below the partition the current revision, else the update one. */
  const versionedPod = (ordinal: number): Pod =>
    rolling && ordinal < start + partition
      ? newStatefulSetPod(set, currentTemplate, ordinal, currentName)
      : newStatefulSetPod(set, updateTemplate, ordinal, updateName);

  // The first unhealthy pod: a replica (a missing one counts), else the lowest condemned one.
  const unhealthyReplica = replicas.findIndex((p) => !p || !isHealthy(p));
  const firstUnhealthy =
    unhealthyReplica >= 0
      ? (replicas[unhealthyReplica]?.metadata.name ?? podName(set, start + unhealthyReplica))
      : [...condemned].reverse().find((p) => !isHealthy(p))?.metadata.name;
  const counts = (list: readonly Pod[]) => replicaCounts(list, minReady, currentName, updateName, now);

  let blockedOn: string | undefined;
  const finish = (extra: { currentReplicasDelta?: number } = {}): StatefulSetPlan => {
    const live = [...replicas.filter((p): p is Pod => !!p), ...condemned];
    const c = counts(live);
    let currentReplicas = c.currentReplicas + (extra.currentReplicasDelta ?? 0);
    let currentRevision = currentName;
    // completeRollingUpdate
    if (rolling && c.updatedReplicas === count && c.readyReplicas === count && c.replicas === count) {
      currentReplicas = c.updatedReplicas;
      currentRevision = updateName;
    }
    const status = statusOf({
      observedGeneration: set.metadata.generation ?? 0,
      ...c,
      currentReplicas,
      currentRevision,
      updateRevision: updateName,
      collisionCount: rev.collisionCount,
      ...(set.status?.conditions ? { conditions: set.status.conditions } : {}),
    });
    if (!deepEqual(normalised(set.status), status)) actions.push({ type: 'updateStatus', status });
    const liveRevisions = new Set([currentName, updateName, ...pods.map(podRevision)]);
    for (const r of revisionsToDelete(set, ownedRevisions, liveRevisions)) {
      actions.push({
        type: 'deleteRevision',
        name: r.metadata.name ?? '',
        ...(r.metadata.uid !== undefined ? { uid: r.metadata.uid } : {}),
        ...(r.metadata.resourceVersion !== undefined ? { resourceVersion: r.metadata.resourceVersion } : {}),
      });
    }
    const requeue = minReady > 0 && c.readyReplicas !== c.availableReplicas ? minReady : undefined;
    return { actions, status, ...(blockedOn ? { blockedOn } : {}), ...(requeue !== undefined ? { requeueAfterSeconds: requeue } : {}) };
  };

  if (set.metadata.deletionTimestamp) return finish();

  const monotonic = set.spec.podManagementPolicy !== 'Parallel';

  /**
   * The pod's claims that do not exist yet (with the references the retention policy wants), and
   * whether one is being deleted: a pod about to be created must wait for it to go
   * (createPersistentVolumeClaims); an existing Pending pod just gets the missing ones.
   */
  const missingClaims = (pod: Pod): { create: PersistentVolumeClaim[]; blocked?: string } => {
    const create: PersistentVolumeClaim[] = [];
    let blocked: string | undefined;
    for (const want of claimsFor(set, ordinalOf(pod))) {
      const have = claims.get(want.metadata.name ?? '');
      if (!have) {
        const refs = claimOwnerRefs(want, set, pod);
        create.push(refs.length > 0 ? { ...want, metadata: { ...want.metadata, ownerReferences: refs } } : want);
      } else if (have.metadata.deletionTimestamp) {
        blocked ??= `claim ${have.metadata.name ?? ''} is being deleted`;
      }
    }
    return { create, ...(blocked ? { blocked } : {}) };
  };

  /** Claim updates the retention policy asks for, for an existing pod. */
  const claimUpdates = (pod: Pod): StatefulSetAction[] => {
    const out: StatefulSetAction[] = [];
    for (const want of claimsFor(set, ordinalOf(pod))) {
      const have = claims.get(want.metadata.name ?? '');
      if (!have || claimOwnerUpToDate(have, set, pod)) continue;
      const refs = claimOwnerRefs(have, set, pod);
      const metadata = { ...have.metadata };
      if (refs.length > 0) metadata.ownerReferences = refs;
      else delete metadata.ownerReferences;
      out.push({ type: 'updateClaim', name: have.metadata.name ?? '', claim: { ...have, metadata } });
    }
    return out;
  };

  // 2. replicas, lowest ordinal first. Returns true when the pass must stop here (monotonic).
  const processReplica = (i: number): boolean => {
    const ordinal = start + i;
    const pod = replicas[i];
    if (pod && (phase(pod) === 'Failed' || phase(pod) === 'Succeeded')) {
      if (!isTerminating(pod)) actions.push(deleteAction(pod, 'failed'));
      blockedOn ??= `waiting for ${pod.metadata.name ?? ''} (${phase(pod)}) to be deleted and recreated`;
      return true;
    }
    if (!pod) {
      const fresh = versionedPod(ordinal);
      const ownClaims = claimsFor(set, ordinal).map((c) => claims.get(c.metadata.name ?? '')).filter((c): c is PersistentVolumeClaim => !!c);
      if (podClaimIsStale(set, fresh, ownClaims)) {
        blockedOn ??= `waiting for the stale claims of ${podName(set, ordinal)} to be deleted`;
        return true;
      }
      const { create, blocked } = missingClaims(fresh);
      if (blocked) {
        blockedOn ??= blocked;
        return true;
      }
      for (const claim of create) actions.push({ type: 'createClaim', pod: fresh.metadata.name ?? '', claim });
      actions.push({ type: 'createPod', pod: fresh });
      if (monotonic) {
        blockedOn ??= `created ${fresh.metadata.name ?? ''}; waiting for it to be Running and Ready`;
        return true;
      }
      return false;
    }
    if (phase(pod) === 'Pending') {
      const { create } = missingClaims(pod);
      for (const claim of create) actions.push({ type: 'createClaim', pod: pod.metadata.name ?? '', claim });
    }
    const name = pod.metadata.name ?? '';
    if (monotonic && isTerminating(pod)) {
      blockedOn ??= `waiting for ${name} to terminate`;
      return true;
    }
    if (monotonic && !isRunningAndReady(pod)) {
      blockedOn ??= `waiting for ${name} to be Running and Ready`;
      return true;
    }
    if (monotonic && !isRunningAndAvailable(pod, minReady, now)) {
      blockedOn ??= `waiting for ${name} to be available (minReadySeconds ${minReady})`;
      return true;
    }
    const claimFixes = claimUpdates(pod);
    if (!identityMatches(set, pod) || !storageMatches(set, pod)) {
      let fixed = identityMatches(set, pod) ? pod : withIdentityLabels(pod);
      if (!storageMatches(set, pod)) {
        fixed = withClaimVolumes(set, fixed);
        for (const claim of missingClaims(pod).create) actions.push({ type: 'createClaim', pod: name, claim });
      }
      actions.push({ type: 'updatePod', name, pod: fixed });
    }
    actions.push(...claimFixes);
    return false;
  };

  let stopped = false;
  for (let i = 0; i < count; i++) {
    if (processReplica(i) && monotonic) {
      stopped = true;
      break;
    }
  }
  if (stopped) return finish();

  // 3. the retention policy on condemned pods' claims
  for (const pod of condemned) actions.push(...claimUpdates(pod));

  // 4. scale down, highest ordinal first
  for (const pod of condemned) {
    const name = pod.metadata.name ?? '';
    if (isTerminating(pod)) {
      if (monotonic) {
        blockedOn ??= `waiting for ${name} to terminate before scaling down`;
        return finish();
      }
      continue;
    }
    if (monotonic && name !== firstUnhealthy && !isRunningAndReady(pod)) {
      blockedOn ??= `waiting for ${firstUnhealthy ?? name} to be Running and Ready before scaling down`;
      return finish();
    }
    if (monotonic && name !== firstUnhealthy && !isRunningAndAvailable(pod, minReady, now)) {
      blockedOn ??= `waiting for ${firstUnhealthy ?? name} to be available before scaling down`;
      return finish();
    }
    actions.push(deleteAction(pod, 'scaleDown'));
    if (monotonic) return finish();
  }

  // 5. rolling update, highest ordinal down to the partition
  if (!rolling) return finish();
  for (let target = count - 1; target >= partition; target--) {
    const pod = replicas[target];
    if (!pod) {
      // Being created this pass (Parallel): at the update revision already, but not healthy yet.
      blockedOn ??= `waiting for ${podName(set, start + target)} to update`;
      return finish();
    }
    if (podRevision(pod) !== updateName && !isTerminating(pod)) {
      actions.push(deleteAction(pod, 'update'));
      return finish({ currentReplicasDelta: -1 });
    }
    if (!isHealthy(pod)) {
      blockedOn ??= `waiting for ${pod.metadata.name ?? ''} to update`;
      return finish();
    }
  }
  return finish();
}
