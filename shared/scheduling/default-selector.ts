/**
 * The selector of kube-scheduler's system default topology spread constraints
 * (helper.DefaultSelector): the merged selectors of the Services that select the pod, plus the
 * selector of its controlling ReplicaSet or StatefulSet. Empty when nothing selects the pod (then
 * no default constraints apply). Pure: the caller passes what its informers hold.
 */
import type { LabelSelector, Pod } from '../resources/types.js';
import type { Requirement } from '../resources/selector-types.js';
import { tryFromLabelSelector } from '../resources/selectors.js';

export interface DefaultSelectorSources {
  /** Services in the pod's namespace (spec.selector as a map). */
  readonly services: readonly { readonly spec?: { readonly selector?: Readonly<Record<string, string>> } }[];
  /** The spec.selector of a ReplicaSet / StatefulSet in the pod's namespace, undefined when unknown. */
  readonly controllerSelector: (kind: 'ReplicaSet' | 'StatefulSet', name: string) => LabelSelector | undefined;
}

export function defaultSpreadSelector(pod: Pod, src: DefaultSelectorSources): Requirement[] {
  const labels = pod.metadata.labels ?? {};
  const set: Record<string, string> = {};
  for (const svc of src.services) {
    const sel = svc.spec?.selector;
    // A Service without a selector selects no pod.
    if (!sel || Object.keys(sel).length === 0) continue;
    if (Object.entries(sel).every(([k, v]) => labels[k] === v)) Object.assign(set, sel);
  }
  const reqs: Requirement[] = Object.entries(set).map(([key, v]) => ({ key, operator: 'In', values: [v] }));
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  if (owner && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet') && (owner.apiVersion ?? '').startsWith('apps/')) {
    const ls = src.controllerSelector(owner.kind, owner.name);
    const more = ls ? tryFromLabelSelector(ls) : undefined;
    if (more) reqs.push(...more);
  }
  return reqs;
}
