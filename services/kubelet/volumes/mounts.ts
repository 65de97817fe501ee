/**
 * A container's volumeMounts, resolved (pure; the kubelet's makeMounts): the volume each mount
 * shows, where, read-only or not, and which part of the volume (subPath, or subPathExpr expanded
 * from the container's environment). A subPath that climbs out of its volume, an absolute one, or a
 * subPathExpr naming a variable the container does not have, is a CreateContainerConfigError.
 */
import type { Container } from '../../../shared/resources/types.js';
import type { VolumeSetup } from './plan.js';

export interface PlannedMount {
  readonly volume: string;
  readonly kind: VolumeSetup['kind'];
  readonly containerPath: string;
  readonly readOnly: boolean;
  /** Relative to the volume's root; '' for the whole volume. */
  readonly subPath: string;
  /** emptyDir's medium (docker: `Memory` is a tmpfs). */
  readonly medium?: '' | 'Memory';
  readonly sizeLimitBytes?: number;
}

export type MountsResult = { readonly ok: true; readonly mounts: readonly PlannedMount[] } | { readonly ok: false; readonly message: string };

/**
 * `$(VAR)` in a subPathExpr, from the container's environment (Kubernetes' ExpandContainerVolumeMounts):
 * `$$` is a literal `$`; a variable that is unset or empty is an error naming it.
 */
export function expandSubPathExpr(expr: string, env: Readonly<Record<string, string>>): { ok: true; value: string } | { ok: false; message: string } {
  const missing = new Set<string>();
  const value = expr.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    const v = Object.prototype.hasOwnProperty.call(env, name!) ? env[name!]! : '';
    if (v === '') missing.add(name!);
    return v;
  });
  if (missing.size) return { ok: false, message: `missing value for ${[...missing].sort().join(', ')}` };
  return { ok: true, value };
}

/** Kubernetes' checks on a subPath once expanded: relative, and no `..` element. */
export function subPathError(p: string): string | undefined {
  if (p.startsWith('/')) return `error SubPath \`${p}\` must not be an absolute path`;
  if (p.split('/').includes('..')) return `unable to provision SubPath \`${p}\`: must not contain '..'`;
  return undefined;
}

/** The mounts of container `c` over the pod's planned volumes (all of which set up). */
export function containerMounts(c: Container, volumes: readonly VolumeSetup[], env: Readonly<Record<string, string>>): MountsResult {
  const byName = new Map(volumes.map((v) => [v.name, v]));
  const out: PlannedMount[] = [];
  const paths = new Set<string>();
  for (const m of c.volumeMounts ?? []) {
    const v = byName.get(m.name);
    if (!v) return { ok: false, message: `cannot find volume "${m.name}" to mount into container "${c.name}"` };
    if (!m.mountPath.startsWith('/')) return { ok: false, message: `mountPath "${m.mountPath}" of volume "${m.name}" must be an absolute path` };
    const containerPath = m.mountPath.replace(/\/+$/, '') || '/';
    if (paths.has(containerPath)) return { ok: false, message: `two volumeMounts of container "${c.name}" at ${containerPath}` };
    paths.add(containerPath);
    let subPath = m.subPath ?? '';
    if (m.subPathExpr) {
      if (m.subPath) return { ok: false, message: `volumeMount "${m.name}": subPath and subPathExpr are mutually exclusive` };
      const x = expandSubPathExpr(m.subPathExpr, env);
      if (!x.ok) return { ok: false, message: x.message };
      subPath = x.value;
    }
    subPath = subPath.replace(/^\.\/+/, '').replace(/\/+$/, '');
    if (subPath === '.') subPath = '';
    const err = subPathError(subPath);
    if (err) return { ok: false, message: err };
    // Enabled: read-only all the way down. A configMap, secret, downwardAPI, projected or emptyDir
    // volume has no submounts, so readOnly is already recursive; a hostPath may have some.
    if (m.recursiveReadOnly === 'Enabled' && v.kind === 'hostPath') {
      return { ok: false, message: `recursiveReadOnly Enabled of volumeMount "${m.name}" is not supported by this kubelet for hostPath volumes` };
    }
    if (m.mountPropagation && m.mountPropagation !== 'None') {
      return { ok: false, message: `mountPropagation ${m.mountPropagation} of volumeMount "${m.name}" is not supported by this kubelet` };
    }
    out.push({
      volume: m.name,
      kind: v.kind,
      containerPath,
      // configMap, secret, downwardAPI and projected volumes are always read-only (Kubernetes 1.9+).
      readOnly: m.readOnly === true || v.kind === 'payload' || (v.kind === 'hostPath' && v.readOnly === true),
      subPath,
      ...(v.kind === 'emptyDir' ? { medium: v.medium, ...(v.sizeLimitBytes !== undefined ? { sizeLimitBytes: v.sizeLimitBytes } : {}) } : {}),
    });
  }
  return { ok: true, mounts: out };
}
