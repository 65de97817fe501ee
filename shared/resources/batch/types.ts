/**
 * batch/v1 Job and CronJob types (k8s.io/api/batch/v1), shared by the gateway (strategies in
 * kinds/batch.ts) and the controllers (services/controller-manager/job, cronjob).
 */
import type { KObject, ObjectMeta } from '../meta.js';
import type { ConditionStatus, LabelSelector, ObjectReference, PodTemplateSpec, Timestamp } from '../types.js';

export type CompletionMode = 'NonIndexed' | 'Indexed';
export type PodReplacementPolicy = 'TerminatingOrFailed' | 'Failed';
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyOnExitCodesRequirement {
  readonly containerName?: string;
  readonly operator: 'In' | 'NotIn';
  readonly values: readonly number[];
}

export interface PodFailurePolicyOnPodConditionsPattern {
  readonly type: string;
  /** Defaulted to True. */
  readonly status?: ConditionStatus;
}

export interface PodFailurePolicyRule {
  readonly action: PodFailurePolicyAction;
  readonly onExitCodes?: PodFailurePolicyOnExitCodesRequirement;
  readonly onPodConditions?: readonly PodFailurePolicyOnPodConditionsPattern[];
}

export interface PodFailurePolicy {
  readonly rules: readonly PodFailurePolicyRule[];
}

export interface SuccessPolicyRule {
  readonly succeededIndexes?: string;
  readonly succeededCount?: number;
}

export interface JobSpec {
  readonly parallelism?: number;
  readonly completions?: number;
  readonly activeDeadlineSeconds?: number;
  readonly podFailurePolicy?: PodFailurePolicy;
  readonly successPolicy?: { readonly rules: readonly SuccessPolicyRule[] };
  readonly backoffLimit?: number;
  readonly backoffLimitPerIndex?: number;
  readonly maxFailedIndexes?: number;
  readonly selector?: LabelSelector;
  readonly manualSelector?: boolean;
  readonly template: PodTemplateSpec;
  readonly ttlSecondsAfterFinished?: number;
  readonly completionMode?: CompletionMode;
  readonly suspend?: boolean;
  readonly podReplacementPolicy?: PodReplacementPolicy;
  readonly managedBy?: string;
}

export type JobConditionType = 'Suspended' | 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet';

export interface JobCondition {
  readonly type: JobConditionType | string;
  readonly status: ConditionStatus;
  readonly lastProbeTime?: Timestamp;
  readonly lastTransitionTime?: Timestamp;
  readonly reason?: string;
  readonly message?: string;
}

export interface UncountedTerminatedPods {
  readonly succeeded?: readonly string[];
  readonly failed?: readonly string[];
}

export interface JobStatus {
  readonly conditions?: readonly JobCondition[];
  readonly startTime?: Timestamp;
  readonly completionTime?: Timestamp;
  readonly active?: number;
  readonly succeeded?: number;
  readonly failed?: number;
  readonly terminating?: number;
  readonly completedIndexes?: string;
  readonly failedIndexes?: string;
  readonly uncountedTerminatedPods?: UncountedTerminatedPods;
  readonly ready?: number;
}

export interface Job extends KObject {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: JobSpec;
  status?: JobStatus;
}

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface JobTemplateSpec {
  readonly metadata?: ObjectMeta;
  readonly spec: JobSpec;
}

export interface CronJobSpec {
  readonly schedule: string;
  readonly timeZone?: string;
  readonly startingDeadlineSeconds?: number;
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  readonly suspend?: boolean;
  readonly jobTemplate: JobTemplateSpec;
  readonly successfulJobsHistoryLimit?: number;
  readonly failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  readonly active?: readonly ObjectReference[];
  readonly lastScheduleTime?: Timestamp;
  readonly lastSuccessfulTime?: Timestamp;
}

export interface CronJob extends KObject {
  apiVersion: 'batch/v1';
  kind: 'CronJob';
  metadata: ObjectMeta;
  spec: CronJobSpec;
  status?: CronJobStatus;
}

// Well-known names (k8s.io/api/batch/v1/types.go).
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** Condition reasons (batch/v1 JobReason*). */
export const JobReasons = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  PodFailurePolicy: 'PodFailurePolicy',
  MaxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  FailedIndexes: 'FailedIndexes',
  SuccessPolicy: 'SuccessPolicy',
  CompletionsReached: 'CompletionsReached',
} as const;
