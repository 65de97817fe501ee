/**
 * Everything the filters and scores need from a pod, computed once per scheduling attempt
 * (Kubernetes does this in PreFilter/PreScore): requests, host ports, tolerations, compiled
 * node affinity and the owner key used for spreading. Pure.
 */
import type { Pod, Toleration } from '../resources/types.js';
import { computePodRequests, type PodRequests } from './resources.js';
import { podHostPorts, type HostPort } from './host-ports.js';
import { compilePreferredTerms, compileTerms, type CompiledPreferredTerm, type CompiledTerm } from './node-selector.js';
import { TAINT_NODE_UNSCHEDULABLE, tolerationsTolerate } from './taints.js';
import { compilePodAffinity, type PodAffinityInfo } from './pod-affinity.js';
import { compilePodSpread, type PodSpreadInfo } from './topology-spread.js';
import type { PodEntry } from './node-info.js';

export interface PreparedPod {
  readonly pod: Pod;
  /** metadata.uid, or `namespace/name` when the pod has no uid. */
  readonly key: string;
  readonly requests: PodRequests;
  /** No cpu, memory, ephemeral-storage or extended request: only the pod count is checked. */
  readonly zeroRequest: boolean;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  /** Tolerations with effect PreferNoSchedule or empty, for the TaintToleration score. */
  readonly preferNoScheduleTolerations: readonly Toleration[];
  /** Tolerates `node.kubernetes.io/unschedulable:NoSchedule` (passes NodeUnschedulable). */
  readonly toleratesUnschedulable: boolean;
  /** spec.nodeName when already set (the NodeName filter). */
  readonly nodeName: string | undefined;
  /** spec.nodeSelector as pairs, ANDed. */
  readonly nodeSelector: readonly (readonly [string, string])[];
  /** Required node affinity terms, ORed; undefined when the pod has none. */
  readonly requiredTerms: readonly CompiledTerm[] | undefined;
  readonly preferredTerms: readonly CompiledPreferredTerm[];
  /** The controlling owner (ownerReference with controller: true), for spreading; undefined when none. */
  readonly ownerKey: string | undefined;
  /** True when the NodeAffinity filter has something to check. */
  readonly hasNodeAffinityFilter: boolean;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Compiled podAffinity / podAntiAffinity; undefined when the pod has none. */
  readonly affinity: PodAffinityInfo | undefined;
  /** Compiled topologySpreadConstraints; undefined when the pod has none. */
  readonly spread: PodSpreadInfo | undefined;
  /** metadata.deletionTimestamp is set. A PreparedPod is also a PodEntry, so assume() compiles nothing twice. */
  readonly terminating: boolean;
}

export function podKey(pod: Pod): string {
  return pod.metadata.uid || `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** The controller owner's uid (or kind/namespace/name when it has none); undefined when the pod has no controller. */
export function podOwnerKey(pod: Pod): string | undefined {
  const refs = pod.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) {
    if (r.controller) return r.uid || `${r.kind}/${pod.metadata.namespace ?? ''}/${r.name}`;
  }
  return undefined;
}

/** The part of a PreparedPod a NodeInfo keeps per pod; cheaper than preparePod for pods from the stream. */
const NO_LABELS: Readonly<Record<string, string>> = {};

export function podEntry(pod: Pod): PodEntry {
  return {
    key: podKey(pod),
    requests: computePodRequests(pod),
    hostPorts: podHostPorts(pod),
    ownerKey: podOwnerKey(pod),
    namespace: pod.metadata.namespace ?? '',
    labels: pod.metadata.labels ?? NO_LABELS,
    terminating: pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    affinity: compilePodAffinity(pod),
  };
}

export function preparePod(pod: Pod): PreparedPod {
  const requests = computePodRequests(pod);
  const tolerations = pod.spec.tolerations ?? [];
  const nodeSelector = Object.entries(pod.spec.nodeSelector ?? {});
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const requiredTerms = required ? compileTerms(required.nodeSelectorTerms ?? []) : undefined;
  return {
    pod,
    key: podKey(pod),
    requests,
    zeroRequest: requests.milliCPU === 0 && requests.memory === 0 && requests.ephemeralStorage === 0 && requests.scalar.length === 0,
    hostPorts: podHostPorts(pod),
    tolerations,
    preferNoScheduleTolerations: tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
    toleratesUnschedulable: tolerationsTolerate(tolerations, TAINT_NODE_UNSCHEDULABLE, '', 'NoSchedule'),
    nodeName: pod.spec.nodeName || undefined,
    nodeSelector,
    requiredTerms,
    preferredTerms: compilePreferredTerms(pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
    ownerKey: podOwnerKey(pod),
    hasNodeAffinityFilter: nodeSelector.length > 0 || requiredTerms !== undefined,
    namespace: pod.metadata.namespace ?? '',
    labels: pod.metadata.labels ?? NO_LABELS,
    affinity: compilePodAffinity(pod),
    spread: compilePodSpread(pod),
    terminating: pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
  };
}
