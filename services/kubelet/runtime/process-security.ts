/**
 * The process runtime's securityContext (pure): a process has no namespaces of its own, so what it
 * can honour is its identity and its privileges, through util-linux `setpriv` wrapped around the
 * command (and around every `kubectl exec` into it):
 *   - runAsUser / runAsGroup / supplementalGroups: --reuid / --regid / --groups (a uid without a
 *     group runs with group 0, as the engine does for a uid the image's passwd doesn't know);
 *   - the capabilities of an unprivileged container: the default set minus drop plus add, as the
 *     bounding set with no inheritable capabilities; `privileged: true` leaves them all;
 *   - allowPrivilegeEscalation false: --no-new-privs.
 * A kubelet that is not root can't change identity or grant capabilities: asking for it is refused;
 * it needs no wrapper otherwise (its processes hold no capabilities; a drop becomes --no-new-privs, so
 * none can be gained through exec either). Everything else is refused by PROCESS_SECURITY's list.
 */
import { SecurityConfigError, capName, capabilitySet, type EffectiveSecurity, type SecuritySupport } from '../security-context.js';

export const PROCESS_SECURITY: SecuritySupport = {
  runtime: 'process',
  // hostPID, hostIPC, shareProcessNamespace: a process is in the host's namespaces, which is what they ask.
  fields: new Set<keyof EffectiveSecurity>(['runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroups', 'privileged', 'allowPrivilegeEscalation', 'capabilities', 'hostPID', 'hostIPC', 'shareProcessNamespace']),
  profiles: { seccompProfile: ['Unconfined'], appArmorProfile: ['Unconfined'] },
  why: {
    readOnlyRootFilesystem: 'a process has no root filesystem of its own',
    fsGroup: 'volume ownership is not changed yet',
    sysctls: 'a process shares the host kernel namespaces',
    seLinuxOptions: 'no SELinux labelling',
    procMount: 'only Default',
    seccompProfile: 'no seccomp filter',
    appArmorProfile: 'no AppArmor profile',
    hostAliases: 'a process reads the host\'s /etc/hosts',
  },
};

/** Linux capabilities, as Kubernetes names them. */
export const LINUX_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

/**
 * The command prefix (`setpriv … --`) that gives a container its securityContext, or [] when it
 * runs as the kubelet does. `uid`/`gid` are the kubelet's. Throws SecurityConfigError.
 */
export function setprivPrefix(sec: EffectiveSecurity, uid: number, gid: number, setpriv = 'setpriv'): string[] {
  const root = uid === 0;
  const args: string[] = [];
  const cannot = (what: string) =>
    new SecurityConfigError(`the process runtime cannot honour ${what}: the kubelet runs as uid ${uid}, not root`);
  const switchUser = sec.runAsUser !== undefined && sec.runAsUser !== uid;
  if (switchUser) {
    if (!root) throw cannot(`securityContext.runAsUser ${sec.runAsUser}`);
    args.push(`--reuid=${sec.runAsUser}`);
  }
  const group = sec.runAsGroup ?? (switchUser ? 0 : undefined);
  if (group !== undefined && group !== gid) {
    if (!root) throw cannot(`securityContext.runAsGroup ${group}`);
    args.push(`--regid=${group}`);
  }
  if (sec.supplementalGroups?.length) {
    if (!root) throw cannot('spec.securityContext.supplementalGroups');
    args.push(`--groups=${sec.supplementalGroups.join(',')}`);
  } else if (args.length) args.push('--clear-groups');

  let noNewPrivs = sec.allowPrivilegeEscalation === false;
  const unknown = [...(sec.capabilities?.add ?? []), ...(sec.capabilities?.drop ?? [])].map(capName).filter((c) => c !== 'ALL' && !LINUX_CAPABILITIES.includes(c));
  if (unknown.length) throw new SecurityConfigError(`unknown capability ${unknown.map((c) => `"CAP_${c}"`).join(', ')}`);
  if (sec.privileged) {
    if (!root) throw cannot('securityContext.privileged');
  } else if (root) {
    const caps = capabilitySet(sec.capabilities, LINUX_CAPABILITIES);
    args.push(`--bounding-set=-all${caps.map((c) => `,+${c.toLowerCase()}`).join('')}`, '--inh-caps=-all');
  } else {
    if (sec.capabilities?.add?.length) throw cannot('securityContext.capabilities.add');
    if (sec.capabilities?.drop?.length) noNewPrivs = true;
  }
  if (noNewPrivs) args.push('--no-new-privs');
  return args.length ? [setpriv, ...args, '--'] : [];
}
