/**
 * Daemon pods: the pod a DaemonSet creates for a node (CreatePodTemplate + the node-name
 * affinity), its deterministic name, which pods are up to date, and their order. Pure.
 */
import type { Pod } from '../../../shared/resources/types.js';
import type { DaemonSet } from '../../../shared/resources/daemonset-types.js';
import { cloneJson } from '../../../shared/resources/json.js';
import { NAME_SUFFIX_ALPHABET, NAME_SUFFIX_LENGTH } from '../../../shared/resources/defaults.js';
import { templateGeneration } from '../../../shared/resources/kinds/daemonset.js';
import { fnv1a32 } from '../deployment/hash.js';
import { newControllerRef } from '../replicaset/controller-ref.js';
import { CONTROLLER_REVISION_HASH_LABEL, POD_TEMPLATE_GENERATION_LABEL } from './revisions.js';
import { replaceNodeNameAffinity, withDaemonTolerations } from './eligibility.js';

/** 63 − 5: the longest prefix a generated name keeps (maxGeneratedNameLength). */
const MAX_PREFIX = 58;

/**
 * `<ds>-xxxxx`, as a generated name looks, but a function of the DaemonSet's uid, the node and
 * the template hash: a create repeated after a lost answer, a redelivered event or a restart
 * names the same pod, and the gateway answers AlreadyExists instead of making a second one.
 */
export function daemonPodName(ds: DaemonSet, nodeName: string, hash: string): string {
  let h = fnv1a32(new TextEncoder().encode(`${ds.metadata.uid ?? ''}/${nodeName}/${hash}`));
  let suffix = '';
  for (let i = 0; i < NAME_SUFFIX_LENGTH; i++) {
    suffix += NAME_SUFFIX_ALPHABET[h % NAME_SUFFIX_ALPHABET.length];
    h = Math.floor(h / NAME_SUFFIX_ALPHABET.length);
  }
  const prefix = `${ds.metadata.name ?? ''}-`;
  return `${prefix.length > MAX_PREFIX ? prefix.slice(0, MAX_PREFIX) : prefix}${suffix}`;
}

/**
 * The pod for `nodeName`: the template with the daemon tolerations, labels
 * `controller-revision-hash` and `pod-template-generation`, required affinity on the node's name
 * (the scheduler binds it), the DaemonSet as controller.
 */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const t = ds.spec.template;
  const tm = t.metadata ?? {};
  const gen = templateGeneration(ds);
  const labels: Record<string, string> = { ...(tm.labels ?? {}) };
  if (gen !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(gen);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  const spec = cloneJson(t.spec);
  const metadata: Pod['metadata'] = {
    name: daemonPodName(ds, nodeName, hash),
    generateName: `${ds.metadata.name ?? ''}-`,
    namespace: ds.metadata.namespace,
    labels,
    ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
  };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers?.length) metadata.finalizers = [...tm.finalizers];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: { ...spec, tolerations: withDaemonTolerations(spec), affinity: replaceNodeNameAffinity(spec.affinity, nodeName) },
  };
}

/** IsPodUpdated: the pod carries the current hash, or the DaemonSet's template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const templateMatches = generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

/** podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const as = a.spec?.nodeName ? 0 : 1;
  const bs = b.spec?.nodeName ? 0 : 1;
  if (as !== bs) return as - bs;
  const at = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

export const isTerminal = (p: Pod): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
