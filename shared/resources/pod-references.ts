/**
 * What a pod refers to in its namespace: the ConfigMaps, Secrets and claims it reads. The kubelet
 * re-syncs the pods that read a changed ConfigMap or Secret; the gateway lets a node read only
 * what its pods refer to (Kubernetes' Node authorizer).
 */
import type { Pod } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const items = <T>(v: unknown): readonly T[] => (Array.isArray(v) ? (v as T[]) : []);

/** Whether the pod reads ConfigMap / Secret `name` through a volume, a projected source or its containers' env. */
export function podReferences(pod: Pod, kind: 'ConfigMap' | 'Secret', name: string): boolean {
  return podConfigNames(pod, kind).includes(name);
}

/** Whether the pod reads Secret `name` as an image pull secret. */
export function podPullsWith(pod: Pod, name: string): boolean {
  return items<{ name?: string }>((pod.spec as { imagePullSecrets?: unknown }).imagePullSecrets).some((r) => r?.name === name);
}

/** Whether the pod mounts claim `name` (a persistentVolumeClaim volume, or the claim of an ephemeral volume: `<pod>-<volume>`). */
export function podUsesClaim(pod: Pod, name: string): boolean {
  return (pod.spec.volumes ?? []).some(
    (v) => (isObj(v.persistentVolumeClaim) && v.persistentVolumeClaim.claimName === name) || (isObj(v.ephemeral) && `${pod.metadata.name}-${v.name}` === name),
  );
}

/** The names of the ConfigMaps (or Secrets) the pod reads, each once (image pull secrets not included). */
export function podConfigNames(pod: Pod, kind: 'ConfigMap' | 'Secret'): string[] {
  const cm = kind === 'ConfigMap';
  const out = new Set<string>();
  const add = (n: unknown) => {
    if (typeof n === 'string' && n) out.add(n);
  };
  for (const v of pod.spec.volumes ?? []) {
    if (cm && isObj(v.configMap)) add(v.configMap.name);
    if (!cm && isObj(v.secret)) add(v.secret.secretName);
    if (isObj(v.projected)) {
      for (const s of items<Obj>(v.projected.sources)) {
        const ref = cm ? s.configMap : s.secret;
        if (isObj(ref)) add(ref.name);
      }
    }
  }
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const f of c.envFrom ?? []) add((cm ? f.configMapRef : f.secretRef)?.name);
    for (const e of c.env ?? []) add((cm ? e.valueFrom?.configMapKeyRef : e.valueFrom?.secretKeyRef)?.name);
  }
  return [...out];
}
