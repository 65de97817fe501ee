/**
 * apps/v1 DaemonSet and ControllerRevision, shaped as Kubernetes' API (kept apart from types.ts so
 * the kind stays in its own files). Readonly values, as every other kind's types.
 */
import type { KObject } from './meta.js';
import type { IntOrString, LabelSelector, PodTemplateSpec, Timestamp, ConditionStatus } from './types.js';

export interface RollingUpdateDaemonSet {
  /** An absolute number or a percentage of desired pods; default 1. */
  readonly maxUnavailable?: IntOrString;
  /** An absolute number or a percentage of desired pods; default 0. */
  readonly maxSurge?: IntOrString;
}

export interface DaemonSetUpdateStrategy {
  /** Default `RollingUpdate`. */
  readonly type?: 'RollingUpdate' | 'OnDelete';
  readonly rollingUpdate?: RollingUpdateDaemonSet;
}

export interface DaemonSetSpec {
  readonly selector: LabelSelector;
  readonly template: PodTemplateSpec;
  readonly updateStrategy?: DaemonSetUpdateStrategy;
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
}

export interface DaemonSetCondition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly lastTransitionTime?: Timestamp;
  readonly reason?: string;
  readonly message?: string;
}

export interface DaemonSetStatus {
  readonly currentNumberScheduled: number;
  readonly numberMisscheduled: number;
  readonly desiredNumberScheduled: number;
  readonly numberReady: number;
  readonly observedGeneration?: number;
  readonly updatedNumberScheduled?: number;
  readonly numberAvailable?: number;
  readonly numberUnavailable?: number;
  readonly collisionCount?: number;
  readonly conditions?: readonly DaemonSetCondition[];
}

export interface DaemonSet extends KObject {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'DaemonSet';
  readonly spec: DaemonSetSpec;
  readonly status?: DaemonSetStatus;
}

export interface ControllerRevision extends KObject {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'ControllerRevision';
  /** The state this revision stands for, as raw JSON (for a DaemonSet: `{spec: {template: {..., $patch: replace}}}`). */
  readonly data?: unknown;
  readonly revision: number;
}
