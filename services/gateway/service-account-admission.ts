/**
 * ServiceAccount admission (kube-apiserver's ServiceAccount admission plugin), on pod create:
 *   - `spec.serviceAccountName` defaults to `default`; a ServiceAccount that does not exist refuses
 *     the pod, 403 `pods "x" is forbidden: error looking up service account ns/sa: serviceaccount "sa" not found`;
 *   - unless `automountServiceAccountToken: false` (the pod's wins over its ServiceAccount's), every
 *     container and init container (ephemeral containers are never touched) that mounts nothing at
 *     /var/run/secrets/kubernetes.io/serviceaccount gets a read-only mount of a `kube-api-access-<5>`
 *     projected volume: a token (path `token`, expirationSeconds 3607), `ca.crt` from the
 *     `kube-root-ca.crt` ConfigMap, and `namespace` from the downward API, defaultMode 0644; a pod
 *     that already has a `kube-api-access-*` volume keeps it (no second one); the volume is added only
 *     when some container needed the mount;
 *   - a pod with no imagePullSecrets takes its ServiceAccount's;
 *   - mirror pods (annotation kubernetes.io/config.mirror) are left alone.
 * `admitServiceAccount` is the pure decision; the random suffix is passed in.
 * The test harness' bare control plane runs without it (no ServiceAccount controller there), as
 * Kubernetes' own integration tests start kube-apiserver with --disable-admission-plugins=ServiceAccount.
 */
import type { Container, Pod, ServiceAccount, Volume } from '../../shared/resources/types.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** Kubernetes' WarnOnlyBoundTokenExpirationSeconds: the injected token's expirationSeconds. */
export const INJECTED_TOKEN_EXPIRATION_SECONDS = 3607;
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** apimachinery's name generator alphabet (no vowels, no confusable digits). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5, rnd: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[Math.floor(rnd() * ALPHANUMS.length)];
  return s;
}

export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: INJECTED_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  } as Volume;
}

export type ServiceAccountVerdict = { readonly ok: true; readonly pod: Pod } | { readonly ok: false; readonly message: string };

/** The ServiceAccount the pod runs as (after defaulting). */
export const podServiceAccountName = (pod: Pod): string => pod.spec?.serviceAccountName || 'default';

export function shouldAutomount(pod: Pod, sa: ServiceAccount): boolean {
  if (pod.spec.automountServiceAccountToken !== undefined && pod.spec.automountServiceAccountToken !== null) return pod.spec.automountServiceAccountToken;
  if (sa.automountServiceAccountToken !== undefined && sa.automountServiceAccountToken !== null) return sa.automountServiceAccountToken;
  return true;
}

/** The decision for a pod being created: `sa` is its ServiceAccount as found (undefined: there is none). */
export function admitServiceAccount(pod: Pod, sa: ServiceAccount | undefined, suffix: string): ServiceAccountVerdict {
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return { ok: true, pod };
  const saName = podServiceAccountName(pod);
  const ns = pod.metadata.namespace ?? 'default';
  if (!sa) {
    const who = pod.metadata.name ? `pods "${pod.metadata.name}"` : 'pods';
    return { ok: false, message: `${who} is forbidden: error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found` };
  }
  let spec = { ...pod.spec, serviceAccountName: saName };
  if (shouldAutomount(pod, sa)) {
    const volumes = spec.volumes ?? [];
    const existing = volumes.find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
    const volumeName = existing?.name ?? TOKEN_VOLUME_PREFIX + suffix;
    const mount = { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
    let needed = false;
    const withMount = (cs: readonly Container[] | undefined) =>
      cs?.map((c) => {
        if (c.volumeMounts?.some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) return c;
        needed = true;
        return { ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] };
      });
    const initContainers = withMount(spec.initContainers);
    const containers = withMount(spec.containers) ?? spec.containers;
    spec = { ...spec, containers, ...(initContainers ? { initContainers } : {}) };
    if (!existing && needed) spec = { ...spec, volumes: [...volumes, tokenVolume(volumeName)] };
  }
  if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
    spec = { ...spec, imagePullSecrets: sa.imagePullSecrets.map((s) => ({ name: s.name ?? '' })) };
  }
  return { ok: true, pod: { ...pod, spec } };
}
