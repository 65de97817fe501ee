/**
 * planDeployment: one reconcile of a Deployment as data (deployment_controller.go syncDeployment
 * with sync.go, rolling.go, recreate.go, rollback.go and progress.go folded in).
 *
 * Given the Deployment, the ReplicaSets in its namespace, its pods and the clock, it returns the
 * writes to make, in order. It is level-based: it looks only at the state it is given, and once
 * the state is what the Deployment asks for it returns no actions. An executor applies the actions
 * in order with the observed resourceVersion as precondition and stops at the first error (a 409
 * means the cache was stale: requeue and plan again).
 */
import type { Deployment, DeploymentStatus, Pod, PodTemplateSpec, ReplicaSet } from '../../../shared/resources/types.js';
import { deepEqual } from '../../../shared/resources/json.js';
import { equalIgnoreHash, podTemplateHash } from './hash.js';
import { isRollingUpdate } from './fenceposts.js';
import { activeReplicaSets, desiredReplicas, isControlledBy, ownedReplicaSets, specReplicas, withReplicas } from './replica-sets.js';
import {
  REVISION_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
  findNewReplicaSet,
  findOldReplicaSets,
  maxRevision,
  newReplicaSetAnnotations,
  newReplicaSetFor,
  replicasAnnotationsFor,
  replicasAnnotationsNeedUpdate,
  withReplicasAnnotations,
} from './revision.js';
import { newRSNewReplicas, reconcileNewReplicaSetPlan, reconcileOldReplicaSetsPlan } from './rolling.js';
import { oldPodsRunning, scaleDownOldForRecreate } from './recreate.js';
import { isScalingEvent, scalePlan } from './scale.js';
import { cleanupPlan } from './cleanup.js';
import { planRollback, rollbackTo } from './rollback.js';
import {
  PROGRESSING,
  Reasons,
  calculateDeploymentStatus,
  deploymentComplete,
  getCondition,
  hasProgressDeadline,
  newCondition,
  pausedConditions,
  requeueAfterSeconds,
  rolloutStatus,
  setCondition,
} from './status.js';

/** What the planner knows about pods beyond ReplicaSet status. */
export interface PodsInfo {
  /** Pods controlled by the Deployment's ReplicaSets. Recreate waits until none of the old ones runs. */
  readonly pods?: readonly Pod[];
}

export type DeploymentAction =
  /** Create this ReplicaSet (its name is deterministic, so AlreadyExists on retry is success). */
  | { readonly type: 'createReplicaSet'; readonly replicaSet: ReplicaSet }
  /** Update the ReplicaSet to `replicaSet`: its size goes from `from` to `to` (replicas annotations included). */
  | { readonly type: 'scaleReplicaSet'; readonly name: string; readonly from: number; readonly to: number; readonly replicaSet: ReplicaSet }
  /** Update the ReplicaSet to `replicaSet`: annotations (revision, replicas) or minReadySeconds only. */
  | { readonly type: 'updateReplicaSet'; readonly name: string; readonly replicaSet: ReplicaSet }
  /** Delete an old, fully scaled-down ReplicaSet beyond revisionHistoryLimit. */
  | { readonly type: 'deleteReplicaSet'; readonly name: string; readonly uid?: string; readonly resourceVersion?: string }
  /** Set the Deployment's template and annotations (deprecated rollbackTo annotation; it is removed). */
  | { readonly type: 'updateDeployment'; readonly template: PodTemplateSpec; readonly annotations: Record<string, string> }
  /** Set the Deployment's annotations (the revision annotation follows the new ReplicaSet's). */
  | { readonly type: 'updateDeploymentAnnotations'; readonly annotations: Record<string, string> }
  /** Write the Deployment's status. */
  | { readonly type: 'updateDeploymentStatus'; readonly status: DeploymentStatus };

/** An Event the executor may record on the Deployment. */
export interface PlanEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface DeploymentPlan {
  readonly actions: DeploymentAction[];
  readonly events: PlanEvent[];
  /** Reconcile again after this many seconds to check the progress deadline (0: now, rate-limited). */
  readonly requeueAfterSeconds?: number;
}

function isEverything(d: Deployment): boolean {
  const s = d.spec.selector as { matchLabels?: object; matchExpressions?: readonly unknown[] } | undefined;
  if (!s) return true;
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

/** The mutable scratch state of one planning pass (never escapes planDeployment). */
class Pass {
  readonly original: ReadonlyMap<string, ReplicaSet>;
  readonly current = new Map<string, ReplicaSet>();
  readonly touched: string[] = [];
  readonly created = new Set<string>();
  readonly deletes: ReplicaSet[] = [];
  readonly events: PlanEvent[] = [];
  annotations: Record<string, string>;
  status: DeploymentStatus;

  constructor(
    readonly d: Deployment,
    readonly owned: readonly ReplicaSet[],
    readonly all: readonly ReplicaSet[],
    readonly pods: readonly Pod[],
    readonly now: Date,
  ) {
    this.original = new Map(owned.map((rs) => [rs.metadata.name ?? '', rs]));
    for (const rs of owned) this.current.set(rs.metadata.name ?? '', rs);
    this.annotations = { ...d.metadata.annotations };
    this.status = d.status ?? {};
  }

  /** The Deployment as updated so far in this pass (annotations, status). */
  get deployment(): Deployment {
    return { ...this.d, metadata: { ...this.d.metadata, annotations: this.annotations }, status: this.status };
  }

  latest(rs: ReplicaSet): ReplicaSet;
  latest(rs: ReplicaSet | undefined): ReplicaSet | undefined;
  latest(rs: ReplicaSet | undefined): ReplicaSet | undefined {
    return rs ? (this.current.get(rs.metadata.name ?? '') ?? rs) : undefined;
  }

  put(rs: ReplicaSet): ReplicaSet {
    const name = rs.metadata.name ?? '';
    if (!this.touched.includes(name)) this.touched.push(name);
    this.current.set(name, rs);
    return rs;
  }

  create(rs: ReplicaSet): ReplicaSet {
    this.created.add(rs.metadata.name ?? '');
    const n = specReplicas(rs);
    if (n > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name ?? ''} from 0 to ${n}`);
    return this.put(rs);
  }

  event(type: PlanEvent['type'], reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }

  /** scaleReplicaSet: set the size and stamp the replicas annotations if either changes. */
  scale(rs0: ReplicaSet, to: number): ReplicaSet {
    const rs = this.latest(rs0);
    const from = specReplicas(rs);
    const { desired, max } = replicasAnnotationsFor(this.d);
    if (from === to && !replicasAnnotationsNeedUpdate(rs, desired, max)) return rs;
    if (from !== to) {
      this.event('Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name ?? ''} from ${from} to ${to}`);
    }
    const next = withReplicas(rs, to);
    return this.put({ ...next, metadata: { ...next.metadata, annotations: withReplicasAnnotations(rs.metadata.annotations, desired, max) } });
  }

  /** scaleReplicaSetAndRecordEvent: no-op when the size is already right. */
  scaleIfNeeded(rs: ReplicaSet, to: number): boolean {
    if (specReplicas(this.latest(rs)) === to) return false;
    this.scale(rs, to);
    return true;
  }

  /**
   * getAllReplicaSetsAndSyncRevision without creation: the new ReplicaSet (its revision raised to
   * max(old)+1 and the Deployment's annotations copied) and all old ones.
   */
  syncRevision(): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const found = findNewReplicaSet(this.d, this.owned);
    const oldRSs = findOldReplicaSets(this.d, this.owned).all;
    if (!found) return { newRS: undefined, oldRSs };
    let newRS = found;
    const upd = newReplicaSetAnnotations(this.deployment, found, maxRevision(oldRSs) + 1, true);
    const minReadyChanged = (found.spec.minReadySeconds ?? 0) !== (this.d.spec.minReadySeconds ?? 0);
    if (upd.changed || minReadyChanged) {
      const spec = { ...found.spec };
      if (this.d.spec.minReadySeconds !== undefined) spec.minReadySeconds = this.d.spec.minReadySeconds;
      else delete (spec as { minReadySeconds?: number }).minReadySeconds;
      newRS = this.put({ ...found, metadata: { ...found.metadata, annotations: upd.annotations }, spec });
    }
    const rev = newRS.metadata.annotations?.[REVISION_ANNOTATION];
    if (rev !== undefined) this.annotations[REVISION_ANNOTATION] = rev;
    if (hasProgressDeadline(this.d) && !getCondition(this.status, PROGRESSING)) {
      const msg = `Found new replica set "${newRS.metadata.name ?? ''}"`;
      this.status = setCondition(this.status, newCondition(PROGRESSING, 'True', Reasons.FoundNewReplicaSet, msg, this.now));
    }
    return { newRS, oldRSs };
  }

  /**
   * The create half of getNewReplicaSet. Returns undefined on a hash collision (a ReplicaSet of
   * that name with another template or owner exists): collisionCount is bumped instead.
   */
  createNewReplicaSet(oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
    const d = this.deployment;
    const hash = podTemplateHash(d.spec.template, this.status.collisionCount);
    const revision = maxRevision(oldRSs) + 1;
    const skeleton = newReplicaSetFor(d, hash, revision, this.now, 0);
    const name = skeleton.metadata.name ?? '';
    const existing = this.all.find((rs) => rs.metadata.name === name && (rs.metadata.namespace ?? '') === (d.metadata.namespace ?? ''));
    if (existing) {
      if (isControlledBy(existing, d) && equalIgnoreHash(d.spec.template, existing.spec.template)) return this.latest(existing);
      this.status = { ...this.status, collisionCount: (this.status.collisionCount ?? 0) + 1 };
      return undefined;
    }
    const rs = this.create(withReplicas(skeleton, newRSNewReplicas(d, [...oldRSs.map((x) => this.latest(x)), skeleton], skeleton)));
    this.annotations[REVISION_ANNOTATION] = String(revision);
    if (hasProgressDeadline(d)) {
      this.status = setCondition(this.status, newCondition(PROGRESSING, 'True', Reasons.NewReplicaSetCreated, `Created new replica set "${name}"`, this.now));
    }
    return rs;
  }

  cleanup(oldRSs: readonly ReplicaSet[]): void {
    const names = new Set(cleanupPlan(this.d, oldRSs));
    for (const rs of oldRSs) if (names.has(rs.metadata.name ?? '')) this.deletes.push(rs);
  }

  /** The actions: ReplicaSet writes in first-touched order, deletes, Deployment annotations, status. */
  finish(status: DeploymentStatus | undefined, requeue?: (s: DeploymentStatus) => number | undefined, extra: DeploymentAction[] = []): DeploymentPlan {
    const actions: DeploymentAction[] = [];
    for (const name of this.touched) {
      const rs = this.current.get(name)!;
      const was = this.original.get(name);
      if (this.created.has(name) || !was) {
        actions.push({ type: 'createReplicaSet', replicaSet: rs });
      } else if (specReplicas(was) !== specReplicas(rs)) {
        actions.push({ type: 'scaleReplicaSet', name, from: specReplicas(was), to: specReplicas(rs), replicaSet: rs });
      } else if (!deepEqual(was, rs)) {
        actions.push({ type: 'updateReplicaSet', name, replicaSet: rs });
      }
    }
    for (const rs of this.deletes) {
      actions.push({
        type: 'deleteReplicaSet',
        name: rs.metadata.name ?? '',
        ...(rs.metadata.uid !== undefined ? { uid: rs.metadata.uid } : {}),
        ...(rs.metadata.resourceVersion !== undefined ? { resourceVersion: rs.metadata.resourceVersion } : {}),
      });
    }
    actions.push(...extra);
    if (!deepEqual(this.d.metadata.annotations ?? {}, this.annotations)) {
      actions.push({ type: 'updateDeploymentAnnotations', annotations: this.annotations });
    }
    let requeueAfter: number | undefined;
    if (status !== undefined) {
      if (!deepEqual(this.d.status ?? {}, status)) actions.push({ type: 'updateDeploymentStatus', status });
      else if (requeue) requeueAfter = requeue(status);
    }
    return { actions, events: this.events, ...(requeueAfter !== undefined ? { requeueAfterSeconds: requeueAfter } : {}) };
  }

  /** The ReplicaSets as planned: old ones then the new one. */
  allAfter(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
    const out = oldRSs.map((rs) => this.latest(rs));
    const n = this.latest(newRS);
    return n ? [...out, n] : out;
  }

  /** syncRolloutStatus */
  finishRollout(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): DeploymentPlan {
    const d = this.deployment;
    const status = rolloutStatus(this.allAfter(newRS, oldRSs), this.latest(newRS), d, this.now);
    return this.finish(status, (s) => requeueAfterSeconds(d, s, this.now));
  }

  /** syncDeploymentStatus: counts and Available only, no progress estimation. */
  finishSync(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): DeploymentPlan {
    return this.finish(calculateDeploymentStatus(this.allAfter(newRS, oldRSs), this.latest(newRS), this.deployment, this.now));
  }

  /** After a hash collision: only the bumped collisionCount (and any condition changes) is written. */
  finishCollision(): DeploymentPlan {
    this.event('Warning', 'ReplicaSetCreateError', 'hash collision creating the new replica set; collisionCount bumped');
    return this.finish(this.status);
  }
}

/**
 * One reconcile of `d`. `rsList` are the ReplicaSets in the Deployment's namespace (only those it
 * controls are managed; the rest are used to detect name collisions), `podsInfo.pods` its pods.
 *
 * Order, as in Kubernetes: an empty selector does nothing; a Deployment being deleted only gets
 * its status; paused Deployments are only scaled (and record Progressing=Unknown DeploymentPaused);
 * a rollbackTo annotation is handled alone; a change of spec.replicas is a scaling event
 * (proportional scaling); otherwise one step of the Recreate or RollingUpdate rollout; old
 * revisions beyond revisionHistoryLimit are deleted once a rollout is complete; then status.
 */
export function planDeployment(d: Deployment, rsList: readonly ReplicaSet[], podsInfo: PodsInfo, now: Date): DeploymentPlan {
  const pass = new Pass(d, ownedReplicaSets(d, rsList), rsList, podsInfo.pods ?? [], now);

  if (isEverything(d)) {
    pass.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    const generation = d.metadata.generation ?? 0;
    const status = (d.status?.observedGeneration ?? 0) < generation ? { ...d.status, observedGeneration: generation } : undefined;
    return pass.finish(status);
  }

  if (d.metadata.deletionTimestamp) {
    const { newRS, oldRSs } = pass.syncRevision();
    return pass.finishSync(newRS, oldRSs);
  }

  pass.status = pausedConditions(d, pass.status, now);

  if (d.spec.paused) return sync(pass);

  const rollbackRevision = rollbackTo(d);
  if (rollbackRevision !== undefined) return rollback(pass, rollbackRevision);

  const { newRS, oldRSs } = pass.syncRevision();
  if (isScalingEvent(d, [...oldRSs, newRS])) return sync(pass);

  return isRollingUpdate(d) ? rolloutRolling(pass) : rolloutRecreate(pass);
}

/** sync.go sync: scaling only (paused Deployments and scaling events). */
function sync(pass: Pass): DeploymentPlan {
  const { newRS, oldRSs } = pass.syncRevision();
  for (const step of scalePlan(pass.deployment, newRS, oldRSs)) {
    const rs = [...oldRSs, newRS].find((x) => x?.metadata.name === step.name);
    if (rs) pass.scale(rs, step.to);
  }
  if (pass.d.spec.paused && rollbackTo(pass.d) === undefined) pass.cleanup(oldRSs);
  return pass.finishSync(newRS, oldRSs);
}

/** rollback.go rollback: set the template back and clear the annotation; nothing else this pass. */
function rollback(pass: Pass, toRevision: number): DeploymentPlan {
  const { newRS, oldRSs } = pass.syncRevision();
  const allRSs = newRS ? [...oldRSs, pass.latest(newRS)] : oldRSs;
  const d = pass.deployment;
  const result = planRollback(d, allRSs, toRevision);
  const cleared = { ...pass.annotations };
  delete cleared[ROLLBACK_TO_ANNOTATION];
  let update: DeploymentAction;
  if (result.kind === 'rollback') {
    pass.event('Normal', 'DeploymentRollback', `Rolled back deployment "${d.metadata.name ?? ''}" to revision ${result.revision}`);
    update = { type: 'updateDeployment', template: result.template, annotations: result.annotations };
  } else {
    if (result.kind === 'notFound') pass.event('Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find the revision to rollback to.');
    else pass.event('Warning', 'DeploymentRollbackTemplateUnchanged', `The rollback revision contains the same template as current deployment "${d.metadata.name ?? ''}"`);
    update = { type: 'updateDeployment', template: d.spec.template, annotations: cleared };
  }
  // The Deployment update carries the annotations; do not also patch them separately.
  pass.annotations = { ...(pass.d.metadata.annotations ?? {}) };
  return pass.finish(undefined, undefined, [update]);
}

/** rolling.go rolloutRolling: scale the new ReplicaSet up, else the old ones down, one step. */
function rolloutRolling(pass: Pass): DeploymentPlan {
  const d = pass.d;
  let { newRS, oldRSs } = pass.syncRevision();
  if (!newRS) {
    newRS = pass.createNewReplicaSet(oldRSs);
    if (!newRS) return pass.finishCollision();
  }
  const allNow = (): ReplicaSet[] => pass.allAfter(newRS, oldRSs);

  const target = reconcileNewReplicaSetPlan(d, allNow(), pass.latest(newRS));
  if (target !== undefined && pass.scaleIfNeeded(newRS, target)) return pass.finishRollout(newRS, oldRSs);

  const activeOld = activeReplicaSets(oldRSs.map((rs) => pass.latest(rs)));
  const old = reconcileOldReplicaSetsPlan(d, allNow(), activeOld, pass.latest(newRS));
  let scaledDown = false;
  for (const step of old.steps) {
    const rs = oldRSs.find((x) => x.metadata.name === step.name);
    if (rs && pass.scaleIfNeeded(rs, step.to)) scaledDown = true;
  }
  if (scaledDown) return pass.finishRollout(newRS, oldRSs);

  if (deploymentComplete(d, d.status ?? {})) pass.cleanup(oldRSs);
  return pass.finishRollout(newRS, oldRSs);
}

/** recreate.go rolloutRecreate: old to 0, wait for their pods to go, then the new one to desired. */
function rolloutRecreate(pass: Pass): DeploymentPlan {
  const d = pass.d;
  let { newRS, oldRSs } = pass.syncRevision();
  const steps = scaleDownOldForRecreate(oldRSs.map((rs) => pass.latest(rs)));
  for (const step of steps) {
    const rs = oldRSs.find((x) => x.metadata.name === step.name);
    if (rs) pass.scaleIfNeeded(rs, step.to);
  }
  if (steps.length > 0) return pass.finishRollout(newRS, oldRSs);

  if (oldPodsRunning(newRS, oldRSs, pass.pods)) return pass.finishRollout(newRS, oldRSs);

  if (!newRS) {
    newRS = pass.createNewReplicaSet(oldRSs);
    if (!newRS) return pass.finishCollision();
  }
  pass.scaleIfNeeded(newRS, desiredReplicas(d));

  if (deploymentComplete(d, d.status ?? {})) pass.cleanup(oldRSs);
  return pass.finishRollout(newRS, oldRSs);
}
