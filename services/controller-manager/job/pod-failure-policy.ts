/**
 * Matching a failed pod against spec.podFailurePolicy (pod_failure_policy.go): the first rule that
 * matches decides. onExitCodes looks at terminated containers (then init containers) with a
 * non-zero exit code; onPodConditions at the pod's conditions (type and status).
 */
import type { ContainerStatus, Pod, PodStatus } from '../../../shared/resources/types.js';
import type { PodFailurePolicy, PodFailurePolicyAction, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern } from '../../../shared/resources/batch/types.js';

export interface PolicyMatch {
  /** The rule's action, undefined when no rule matched. */
  readonly action?: PodFailurePolicyAction;
  /** Whether the failure counts towards backoffLimit (false only for Ignore). */
  readonly countFailed: boolean;
  /** For FailJob: the Job's failure message. */
  readonly failJobMessage?: string;
  readonly ruleIndex?: number;
}

export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch {
  if (!policy) return { countFailed: true };
  const status = pod.status ?? {};
  for (const [index, rule] of policy.rules.entries()) {
    let what: string | undefined;
    if (rule.onExitCodes) {
      const cs = matchOnExitCodes(status, rule.onExitCodes);
      if (!cs) continue;
      what = `Container ${cs.name} for pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} failed with exit code ${cs.state!.terminated!.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions && rule.onPodConditions.length > 0) {
      const c = matchOnPodConditions(status, rule.onPodConditions);
      if (!c) continue;
      what = `Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} has condition ${c} matching ${rule.action} rule at index ${index}`;
    } else {
      continue;
    }
    switch (rule.action) {
      case 'Ignore':
        return { action: 'Ignore', countFailed: false, ruleIndex: index };
      case 'Count':
        return { action: 'Count', countFailed: true, ruleIndex: index };
      case 'FailIndex':
        return { action: 'FailIndex', countFailed: true, ruleIndex: index };
      case 'FailJob':
        return { action: 'FailJob', countFailed: true, failJobMessage: what, ruleIndex: index };
      default:
        continue; // an unknown action never matches
    }
  }
  return { countFailed: true };
}

function matchOnExitCodes(status: PodStatus, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  return matchingContainer(status.containerStatuses, req) ?? matchingContainer(status.initContainerStatuses, req);
}

function matchingContainer(list: readonly ContainerStatus[] | undefined, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  for (const cs of list ?? []) {
    const t = cs.state?.terminated;
    if (!t) continue;
    if (req.containerName !== undefined && req.containerName !== cs.name) continue;
    if (t.exitCode === 0) continue;
    const inValues = req.values.includes(t.exitCode);
    if ((req.operator === 'In' && inValues) || (req.operator === 'NotIn' && !inValues)) return cs;
  }
  return undefined;
}

function matchOnPodConditions(status: PodStatus, patterns: readonly PodFailurePolicyOnPodConditionsPattern[]): string | undefined {
  for (const c of status.conditions ?? []) {
    for (const p of patterns) {
      if (c.type === p.type && c.status === (p.status ?? 'True')) return c.type;
    }
  }
  return undefined;
}
