/**
 * securityContext in the kubelet: the effective settings (container over pod), the runAsNonRoot
 * check with Kubernetes' messages, the capability arithmetic, what each runtime refuses, and the
 * engine's and setpriv's forms of what they honour.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from '../../shared/resources/types.js';
import {
  capabilitySet,
  DEFAULT_CAPABILITIES,
  effectiveSecurity,
  runAsNonRootViolation,
  SecurityConfigError,
  unsupportedSecurity,
  type EffectiveSecurity,
} from '../../services/kubelet/security-context.js';
import { DOCKER_SECURITY, dockerSecurity } from '../../services/kubelet/runtime/docker.js';
import { admitPod } from '../../services/gateway/pod-admission.js';
import type { ApiError } from '../../shared/errors.js';
import { LINUX_CAPABILITIES, PROCESS_SECURITY, setprivPrefix } from '../../services/kubelet/runtime/process-security.js';

const pod = (podSc: Record<string, unknown> | undefined, sc: Record<string, unknown> | undefined): { pod: Pod; c: Container } => {
  const c = { name: 'app', image: 'busybox', ...(sc ? { securityContext: sc } : {}) } as Container;
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [c], ...(podSc ? { securityContext: podSc } : {}) } } as unknown as Pod;
  return { pod: p, c };
};

describe('effectiveSecurity', () => {
  const cases: [string, Record<string, unknown> | undefined, Record<string, unknown> | undefined, EffectiveSecurity][] = [
    ['nothing set', undefined, undefined, {}],
    ['pod runAsUser', { runAsUser: 1000 }, undefined, { runAsUser: 1000 }],
    ['container runAsUser wins', { runAsUser: 1000, runAsGroup: 3000 }, { runAsUser: 2000 }, { runAsUser: 2000, runAsGroup: 3000 }],
    ['runAsNonRoot false in the container wins over true in the pod', { runAsNonRoot: true }, { runAsNonRoot: false }, { runAsNonRoot: false }],
    ['pod-only fields stay the pod\'s', { fsGroup: 2000, supplementalGroups: [4000], sysctls: [] }, { privileged: false }, { fsGroup: 2000, supplementalGroups: [4000], privileged: false }],
    ['seccomp: the container\'s over the pod\'s', { seccompProfile: { type: 'RuntimeDefault' } }, { seccompProfile: { type: 'Unconfined' } }, { seccompProfile: { type: 'Unconfined' } }],
    ['container-only fields', undefined, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }],
  ];
  for (const [name, podSc, sc, want] of cases) {
    it(name, () => {
      const { pod: p, c } = pod(podSc, sc);
      assert.deepEqual(effectiveSecurity(p, c), want);
    });
  }
});

describe('runAsNonRoot (verifyRunAsNonRoot)', () => {
  const { pod: p } = pod(undefined, undefined);
  const ref = '(pod: "web_default(u1)", container: app)';
  const cases: [string, EffectiveSecurity, string, string | undefined][] = [
    ['not asked', {}, '', undefined],
    ['image runs as root (no USER)', { runAsNonRoot: true }, '', `container has runAsNonRoot and image will run as root ${ref}`],
    ['image USER 0', { runAsNonRoot: true }, '0', `container has runAsNonRoot and image will run as root ${ref}`],
    ['image USER root', { runAsNonRoot: true }, 'root', `container has runAsNonRoot and image will run as root ${ref}`],
    ['image USER 1000', { runAsNonRoot: true }, '1000', undefined],
    ['image USER 1000:1000', { runAsNonRoot: true }, '1000:1000', undefined],
    ['image USER nobody', { runAsNonRoot: true }, 'nobody', `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root ${ref}`],
    ['runAsUser 0', { runAsNonRoot: true, runAsUser: 0 }, '1000', `container's runAsUser breaks non-root policy ${ref}`],
    ['runAsUser 1000 over a root image', { runAsNonRoot: true, runAsUser: 1000 }, '', undefined],
  ];
  for (const [name, sec, user, want] of cases) it(name, () => assert.equal(runAsNonRootViolation(sec, user, p, 'app'), want));
});

describe('capabilitySet', () => {
  const cases: [string, { add?: string[]; drop?: string[] } | undefined, string[]][] = [
    ['the default set', undefined, [...DEFAULT_CAPABILITIES].sort()],
    ['drop ALL', { drop: ['ALL'] }, []],
    ['drop ALL, add NET_BIND_SERVICE', { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, ['NET_BIND_SERVICE']],
    ['CAP_ prefixes and lower case', { drop: ['cap_net_raw'], add: ['CAP_NET_ADMIN'] }, [...DEFAULT_CAPABILITIES.filter((c) => c !== 'NET_RAW'), 'NET_ADMIN'].sort()],
    ['add ALL', { add: ['ALL'] }, [...LINUX_CAPABILITIES].sort()],
  ];
  for (const [name, caps, want] of cases) it(name, () => assert.deepEqual(capabilitySet(caps, LINUX_CAPABILITIES), want));
});

describe('what each runtime refuses', () => {
  const cases: [string, EffectiveSecurity, string | undefined, string | undefined][] = [
    ['nothing', {}, undefined, undefined],
    ['no-op values are never refused', { privileged: false, procMount: 'Default', readOnlyRootFilesystem: false, allowPrivilegeEscalation: true }, undefined, undefined],
    ['identity and privileges', { runAsUser: 1000, runAsGroup: 1000, supplementalGroups: [5], allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, undefined, undefined],
    ['readOnlyRootFilesystem', { readOnlyRootFilesystem: true }, undefined, 'the process runtime cannot honour securityContext.readOnlyRootFilesystem (a process has no root filesystem of its own)'],
    ['fsGroup', { fsGroup: 2000 }, 'the docker runtime cannot honour spec.securityContext.fsGroup (volume ownership is not changed yet)', 'the process runtime cannot honour spec.securityContext.fsGroup (volume ownership is not changed yet)'],
    ['seccomp RuntimeDefault', { seccompProfile: { type: 'RuntimeDefault' } }, undefined, 'the process runtime cannot honour securityContext.seccompProfile.type RuntimeDefault (no seccomp filter)'],
    ['seccomp Localhost', { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }, 'the docker runtime cannot honour securityContext.seccompProfile.type Localhost', 'the process runtime cannot honour securityContext.seccompProfile.type Localhost (no seccomp filter)'],
    ['host PID and IPC namespaces', { hostPID: true, hostIPC: true }, undefined, undefined],
    ['host namespaces false: nothing asked', { hostPID: false, hostIPC: false, shareProcessNamespace: false }, undefined, undefined],
    ['shareProcessNamespace', { shareProcessNamespace: true }, 'the docker runtime cannot honour spec.shareProcessNamespace (each container has its own PID namespace)', undefined],
    ['hostAliases', { hostAliases: [{ ip: '127.0.0.9', hostnames: ['foo.local'] }] }, undefined, "the process runtime cannot honour spec.hostAliases (a process reads the host's /etc/hosts)"],
    ['sysctls and SELinux', { sysctls: [{ name: 'net.core.somaxconn', value: '1024' }], seLinuxOptions: { level: 's0:c1' } }, 'the docker runtime cannot honour spec.securityContext.sysctls (pods share the host network namespace), securityContext.seLinuxOptions (no SELinux labelling)', 'the process runtime cannot honour spec.securityContext.sysctls (a process shares the host kernel namespaces), securityContext.seLinuxOptions (no SELinux labelling)'],
  ];
  for (const [name, sec, docker, proc] of cases) {
    it(name, () => {
      assert.equal(unsupportedSecurity(sec, DOCKER_SECURITY), docker);
      assert.equal(unsupportedSecurity(sec, PROCESS_SECURITY), proc);
    });
  }
});

describe('dockerSecurity: the engine\'s form', () => {
  it('user, groups, privileges, capabilities and profiles', () => {
    assert.deepEqual(
      dockerSecurity({ runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, seccompProfile: { type: 'Unconfined' } }),
      { user: '1000:3000', host: { GroupAdd: ['4000'], SecurityOpt: ['no-new-privileges:true', 'seccomp=unconfined'], ReadonlyRootfs: true, CapAdd: ['NET_BIND_SERVICE'], CapDrop: ['ALL'] } },
    );
  });
  it('privileged: the engine\'s Privileged, capabilities not listed', () => {
    assert.deepEqual(dockerSecurity({ privileged: true, capabilities: { add: ['SYS_ADMIN'] } }), { host: { Privileged: true } });
  });
  it('host namespaces and hostAliases', () => {
    assert.deepEqual(dockerSecurity({ hostPID: true, hostIPC: true, hostAliases: [{ ip: '127.0.0.9', hostnames: ['a.local', 'b.local'] }] }), {
      host: { PidMode: 'host', IpcMode: 'host', ExtraHosts: ['a.local:127.0.0.9', 'b.local:127.0.0.9'] },
    });
  });
  it('runAsGroup without runAsUser is refused', () => {
    assert.throws(() => dockerSecurity({ runAsGroup: 10 }), SecurityConfigError);
  });
});

describe('setprivPrefix: the process runtime\'s form', () => {
  const bounding = (caps: readonly string[]) => `--bounding-set=-all${caps.map((c) => `,+${c.toLowerCase()}`).join('')}`;
  const defaults = [...DEFAULT_CAPABILITIES].sort();
  it('a root kubelet bounds every unprivileged container to the default capabilities', () => {
    assert.deepEqual(setprivPrefix({}, 0, 0), ['setpriv', bounding(defaults), '--inh-caps=-all', '--']);
  });
  it('privileged under a root kubelet: no wrapper', () => {
    assert.deepEqual(setprivPrefix({ privileged: true }, 0, 0), []);
  });
  it('identity: uid, group (0 when only a uid is given, as the engine does), groups', () => {
    assert.deepEqual(setprivPrefix({ runAsUser: 1000, privileged: true }, 0, 0), ['setpriv', '--reuid=1000', '--clear-groups', '--']);
    assert.deepEqual(setprivPrefix({ runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 5000], privileged: true }, 0, 0), ['setpriv', '--reuid=1000', '--regid=3000', '--groups=4000,5000', '--']);
  });
  it('restricted: drop ALL, add one, no privilege escalation', () => {
    assert.deepEqual(setprivPrefix({ runAsUser: 1000, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, allowPrivilegeEscalation: false }, 0, 0), [
      'setpriv', '--reuid=1000', '--clear-groups', bounding(['NET_BIND_SERVICE']), '--inh-caps=-all', '--no-new-privs', '--',
    ]);
  });
  it('a kubelet that is not root: nothing to wrap, a drop becomes --no-new-privs, the rest is refused', () => {
    assert.deepEqual(setprivPrefix({}, 1000, 1000), []);
    assert.deepEqual(setprivPrefix({ runAsUser: 1000, runAsGroup: 1000 }, 1000, 1000), []);
    assert.deepEqual(setprivPrefix({ capabilities: { drop: ['ALL'] } }, 1000, 1000), ['setpriv', '--no-new-privs', '--']);
    for (const sec of [{ runAsUser: 0 }, { runAsGroup: 5 }, { supplementalGroups: [5] }, { privileged: true }, { capabilities: { add: ['NET_ADMIN'] } }] as EffectiveSecurity[]) {
      assert.throws(() => setprivPrefix(sec, 1000, 1000), (e: Error) => e instanceof SecurityConfigError && /the kubelet runs as uid 1000, not root/.test(e.message), JSON.stringify(sec));
    }
  });
  it('an unknown capability is refused', () => {
    assert.throws(() => setprivPrefix({ capabilities: { add: ['FLY'] } }, 0, 0), /unknown capability "CAP_FLY"/);
  });
});

describe('pod admission: what this cluster has no API for', () => {
  const info = { kind: 'Pod', group: '' } as unknown as Parameters<typeof admitPod>[0];
  const podOf = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
  it('a runtimeClassName is a RuntimeClass that does not exist: 403 with Kubernetes\' message', () => {
    assert.throws(() => admitPod(info, podOf({ runtimeClassName: 'gvisor' })), (e: ApiError) => e.code === 403 && e.message === 'pods "p" is forbidden: pod rejected: RuntimeClass "gvisor" not found');
  });
  it('resourceClaims: 422', () => {
    assert.throws(() => admitPod(info, podOf({ resourceClaims: [{ name: 'gpu' }] })), (e: ApiError) => e.code === 422);
  });
  it('anything else passes unchanged', () => {
    const p = podOf({});
    assert.equal(admitPod(info, p), p);
  });
});
