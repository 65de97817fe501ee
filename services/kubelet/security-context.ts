/**
 * A container's security settings as the kubelet hands them to a runtime (pure): the pod's
 * securityContext under the container's (the container wins where both set a field, as in
 * Kubernetes' DetermineEffectiveSecurityContext), plus the checks every runtime shares. A runtime
 * honours what it can (runtime/docker.ts, runtime/process.ts) and refuses the rest with a
 * SecurityConfigError naming the field: the kubelet reports CreateContainerConfigError and a
 * Failed event. Nothing is accepted and ignored.
 */
import type { Container, Pod } from '../../shared/resources/types.js';

export interface Capabilities {
  readonly add?: readonly string[];
  readonly drop?: readonly string[];
}

export interface Profile {
  readonly type: string;
  readonly localhostProfile?: string;
}

/** The effective settings of one container. Absent: not set anywhere. */
export interface EffectiveSecurity {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly runAsNonRoot?: boolean;
  readonly supplementalGroups?: readonly number[];
  readonly fsGroup?: number;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: Capabilities;
  readonly seccompProfile?: Profile;
  readonly appArmorProfile?: Profile;
  readonly seLinuxOptions?: Readonly<Record<string, string>>;
  readonly procMount?: string;
  readonly sysctls?: readonly { readonly name: string; readonly value: string }[];
  readonly fsGroupChangePolicy?: string;
  readonly supplementalGroupsPolicy?: string;
  readonly seLinuxChangePolicy?: string;
  /** Pod spec fields the runtime must honour too (PodSpec, not securityContext). */
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly shareProcessNamespace?: boolean;
  readonly hostAliases?: readonly { readonly ip: string; readonly hostnames?: readonly string[] }[];
}

/** A security setting the runtime cannot honour, or one the container breaks: CreateContainerConfigError. */
export class SecurityConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecurityConfigError';
  }
}

type Loose = Record<string, unknown> | undefined;

/** The pod's and the container's securityContext, merged (container over pod for the shared fields). */
export function effectiveSecurity(pod: Pod, c: Container): EffectiveSecurity {
  const p = (pod.spec as { securityContext?: Loose }).securityContext ?? {};
  const s = (c as { securityContext?: Loose }).securityContext ?? {};
  const ps = (pod.spec ?? {}) as unknown as Record<string, unknown>;
  const pick = <T>(k: string): T | undefined => (s[k] !== undefined && s[k] !== null ? (s[k] as T) : p[k] !== undefined && p[k] !== null ? (p[k] as T) : undefined);
  const own = <T>(src: Record<string, unknown>, k: string): T | undefined => (src[k] !== undefined && src[k] !== null ? (src[k] as T) : undefined);
  const out: Record<string, unknown> = {
    runAsUser: pick<number>('runAsUser'),
    runAsGroup: pick<number>('runAsGroup'),
    runAsNonRoot: pick<boolean>('runAsNonRoot'),
    seccompProfile: pick<Profile>('seccompProfile'),
    appArmorProfile: pick<Profile>('appArmorProfile'),
    seLinuxOptions: pick<Record<string, string>>('seLinuxOptions'),
    // Pod level only.
    supplementalGroups: own<number[]>(p, 'supplementalGroups'),
    fsGroup: own<number>(p, 'fsGroup'),
    sysctls: own<{ name: string; value: string }[]>(p, 'sysctls'),
    fsGroupChangePolicy: own<string>(p, 'fsGroupChangePolicy'),
    supplementalGroupsPolicy: own<string>(p, 'supplementalGroupsPolicy'),
    seLinuxChangePolicy: own<string>(p, 'seLinuxChangePolicy'),
    hostPID: own<boolean>(ps, 'hostPID'),
    hostIPC: own<boolean>(ps, 'hostIPC'),
    shareProcessNamespace: own<boolean>(ps, 'shareProcessNamespace'),
    hostAliases: own<{ ip: string; hostnames?: string[] }[]>(ps, 'hostAliases'),
    // Container level only.
    privileged: own<boolean>(s, 'privileged'),
    allowPrivilegeEscalation: own<boolean>(s, 'allowPrivilegeEscalation'),
    readOnlyRootFilesystem: own<boolean>(s, 'readOnlyRootFilesystem'),
    capabilities: own<Capabilities>(s, 'capabilities'),
    procMount: own<string>(s, 'procMount'),
  };
  if (Array.isArray(out.supplementalGroups) && out.supplementalGroups.length === 0) delete out.supplementalGroups;
  if (Array.isArray(out.sysctls) && out.sysctls.length === 0) delete out.sysctls;
  if (Array.isArray(out.hostAliases) && out.hostAliases.length === 0) delete out.hostAliases;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as EffectiveSecurity;
}

/** Kubernetes' format.Pod: `name_namespace(uid)`. */
export function podRef(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/**
 * runAsNonRoot (Kubernetes' verifyRunAsNonRoot): `imageUser` is who the container would run as
 * without runAsUser (the image's USER; the process runtime: the kubelet's own uid). Returns the
 * message for a container that would run as root, else undefined.
 */
export function runAsNonRootViolation(sec: EffectiveSecurity, imageUser: string, pod: Pod, container: string): string | undefined {
  if (sec.runAsNonRoot !== true) return undefined;
  const ref = `(pod: "${podRef(pod)}", container: ${container})`;
  if (sec.runAsUser !== undefined) return sec.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${ref}` : undefined;
  const user = imageUser.split(':')[0] ?? '';
  if (user === '' || user === 'root') return `container has runAsNonRoot and image will run as root ${ref}`;
  if (!/^\d+$/.test(user)) return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root ${ref}`;
  return Number(user) === 0 ? `container has runAsNonRoot and image will run as root ${ref}` : undefined;
}

/** The capabilities a container gets by default (the Docker and containerd default set). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** A capability name as Kubernetes writes it (`NET_ADMIN`; `CAP_NET_ADMIN` is accepted too). */
export const capName = (c: string): string => c.toUpperCase().replace(/^CAP_/, '');

/** The capability set a non-privileged container ends up with: the default set, minus drop, plus add (ALL works in both). */
export function capabilitySet(caps: Capabilities | undefined, all: readonly string[]): string[] {
  const drop = (caps?.drop ?? []).map(capName);
  const add = (caps?.add ?? []).map(capName);
  let set = new Set(drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)));
  if (add.includes('ALL')) set = new Set(all);
  for (const c of add) if (c !== 'ALL') set.add(c);
  return [...set].sort();
}

/**
 * The settings a runtime refuses, as one message (undefined: nothing refused). `supported` says
 * which fields (and which profile types) the runtime honours; a field at its no-op value
 * (privileged false, procMount Default, an Unconfined profile where that is the runtime's way) is
 * never refused.
 */
export interface SecuritySupport {
  readonly runtime: string;
  readonly fields: ReadonlySet<keyof EffectiveSecurity>;
  /** Profile types honoured, per profile field (e.g. seccompProfile: RuntimeDefault, Unconfined). */
  readonly profiles?: Partial<Record<'seccompProfile' | 'appArmorProfile', readonly string[]>>;
  /** Why, for the message (e.g. "a process has no mount namespace"). */
  readonly why?: Partial<Record<keyof EffectiveSecurity, string>>;
}

const NO_OP: Partial<Record<keyof EffectiveSecurity, (v: unknown) => boolean>> = {
  privileged: (v) => v === false,
  procMount: (v) => v === 'Default',
  readOnlyRootFilesystem: (v) => v === false,
  allowPrivilegeEscalation: (v) => v === true,
  hostPID: (v) => v === false,
  hostIPC: (v) => v === false,
  shareProcessNamespace: (v) => v === false,
};

/** Where each field lives, for the message. */
const PATH: Record<keyof EffectiveSecurity, string> = {
  runAsUser: 'securityContext.runAsUser',
  runAsGroup: 'securityContext.runAsGroup',
  runAsNonRoot: 'securityContext.runAsNonRoot',
  supplementalGroups: 'spec.securityContext.supplementalGroups',
  fsGroup: 'spec.securityContext.fsGroup',
  privileged: 'securityContext.privileged',
  allowPrivilegeEscalation: 'securityContext.allowPrivilegeEscalation',
  readOnlyRootFilesystem: 'securityContext.readOnlyRootFilesystem',
  capabilities: 'securityContext.capabilities',
  seccompProfile: 'securityContext.seccompProfile',
  appArmorProfile: 'securityContext.appArmorProfile',
  seLinuxOptions: 'securityContext.seLinuxOptions',
  procMount: 'securityContext.procMount',
  sysctls: 'spec.securityContext.sysctls',
  fsGroupChangePolicy: 'spec.securityContext.fsGroupChangePolicy',
  supplementalGroupsPolicy: 'spec.securityContext.supplementalGroupsPolicy',
  seLinuxChangePolicy: 'spec.securityContext.seLinuxChangePolicy',
  hostPID: 'spec.hostPID',
  hostIPC: 'spec.hostIPC',
  shareProcessNamespace: 'spec.shareProcessNamespace',
  hostAliases: 'spec.hostAliases',
};

export function unsupportedSecurity(sec: EffectiveSecurity, support: SecuritySupport): string | undefined {
  const refused: string[] = [];
  for (const [k, v] of Object.entries(sec) as [keyof EffectiveSecurity, unknown][]) {
    if (NO_OP[k]?.(v)) continue;
    if (k === 'seccompProfile' || k === 'appArmorProfile') {
      const type = (v as Profile).type;
      if (support.profiles?.[k]?.includes(type)) continue;
      refused.push(`${PATH[k]}.type ${type}${support.why?.[k] ? ` (${support.why[k]})` : ''}`);
      continue;
    }
    if (support.fields.has(k)) continue;
    refused.push(`${PATH[k]}${support.why?.[k] ? ` (${support.why[k]})` : ''}`);
  }
  if (refused.length === 0) return undefined;
  return `the ${support.runtime} runtime cannot honour ${refused.join(', ')}`;
}
