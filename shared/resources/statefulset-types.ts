/**
 * StatefulSet (apps/v1), kept local to the controller until the kind is registered (issue 13),
 * with the two objects its planner reads and writes that have no kind here yet either:
 * ControllerRevision (apps/v1) and PersistentVolumeClaim (v1). Field names and meanings follow
 * k8s.io/api apps/v1 and core/v1; only the fields the planner uses are typed, the rest stay loose.
 */
import type { KObject } from './meta.js';
import type { IntOrString, LabelSelector, Loose, PodTemplateSpec, Timestamp, ConditionStatus } from './types.js';

export type PodManagementPolicy = 'OrderedReady' | 'Parallel';
export type StatefulSetUpdateStrategyType = 'RollingUpdate' | 'OnDelete';
export type PersistentVolumeClaimRetentionPolicyType = 'Retain' | 'Delete';

export interface RollingUpdateStatefulSetStrategy {
  /** Pods with an ordinal index (ordinal - ordinals.start) below this keep the current revision. Default 0. */
  readonly partition?: number;
  /** Behind the MaxUnavailableStatefulSet gate (alpha, off in 1.32): refused by validation here. */
  readonly maxUnavailable?: IntOrString;
}

export interface StatefulSetUpdateStrategy {
  readonly type?: StatefulSetUpdateStrategyType;
  readonly rollingUpdate?: RollingUpdateStatefulSetStrategy;
}

export interface StatefulSetPersistentVolumeClaimRetentionPolicy {
  readonly whenDeleted?: PersistentVolumeClaimRetentionPolicyType;
  readonly whenScaled?: PersistentVolumeClaimRetentionPolicyType;
}

export interface StatefulSetOrdinals {
  readonly start?: number;
}

/** A volumeClaimTemplates entry: a PVC without namespace (its spec stays loose until the PVC kind lands). */
export interface PersistentVolumeClaimTemplate {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: KObject['metadata'];
  readonly spec?: Loose;
}

export interface StatefulSetSpec {
  readonly replicas?: number;
  readonly selector: LabelSelector;
  readonly template: PodTemplateSpec;
  readonly volumeClaimTemplates?: readonly PersistentVolumeClaimTemplate[];
  readonly serviceName?: string;
  readonly podManagementPolicy?: PodManagementPolicy;
  readonly updateStrategy?: StatefulSetUpdateStrategy;
  readonly revisionHistoryLimit?: number;
  readonly minReadySeconds?: number;
  readonly persistentVolumeClaimRetentionPolicy?: StatefulSetPersistentVolumeClaimRetentionPolicy;
  readonly ordinals?: StatefulSetOrdinals;
}

export interface StatefulSetCondition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly lastTransitionTime?: Timestamp;
  readonly reason?: string;
  readonly message?: string;
}

export interface StatefulSetStatus {
  readonly observedGeneration?: number;
  readonly replicas: number;
  readonly readyReplicas?: number;
  readonly currentReplicas?: number;
  readonly updatedReplicas?: number;
  readonly currentRevision?: string;
  readonly updateRevision?: string;
  readonly collisionCount?: number;
  readonly conditions?: readonly StatefulSetCondition[];
  readonly availableReplicas?: number;
}

export interface StatefulSet extends KObject {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'StatefulSet';
  readonly spec: StatefulSetSpec;
  readonly status?: StatefulSetStatus;
}

/** apps/v1 ControllerRevision: `data` is the patch that restores the set's template. */
export interface ControllerRevision extends KObject {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'ControllerRevision';
  readonly data?: unknown;
  readonly revision: number;
}

/** v1 PersistentVolumeClaim, as far as the planner needs it. */
export interface PersistentVolumeClaim extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'PersistentVolumeClaim';
  readonly spec?: Loose;
  readonly status?: Loose;
}
