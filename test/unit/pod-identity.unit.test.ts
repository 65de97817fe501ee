/**
 * Pods get their identity: ServiceAccount admission (Kubernetes' plugin's cases: automount on the
 * pod and on its ServiceAccount, an existing kube-api-access volume, the mount path already used,
 * init and ephemeral containers, a missing ServiceAccount), the kubelet token manager's refresh
 * timing (80% of the lifetime, 24 hours at most), and the `kubernetes` Service's shape.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from '../../shared/resources/types.js';
import {
  admitServiceAccount,
  randomSuffix,
  SERVICE_ACCOUNT_MOUNT_PATH,
  tokenVolume,
} from '../../services/gateway/service-account-admission.js';
import { MAX_TOKEN_AGE_MS, podTokenSources, refreshAtMs, requiresRefresh } from '../../services/kubelet/volumes/token-manager.js';
import { endpointsCurrent, kubernetesEndpointsFor, kubernetesServiceFor, kubernetesServiceIp, serviceCurrent } from '../../services/gateway/kubernetes-service.js';

const sa = (extra: Partial<ServiceAccount> = {}): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'ns' }, ...extra }) as ServiceAccount;
const pod = (spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', ...meta }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } }) as Pod;
const MOUNT = { name: 'kube-api-access-abcde', readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH };

describe('ServiceAccount admission', () => {
  it('injects the kube-api-access projected volume Kubernetes 1.32 does', () => {
    assert.deepEqual(tokenVolume('kube-api-access-abcde'), {
      name: 'kube-api-access-abcde',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
  });

  type Case = {
    name: string;
    pod: Pod;
    sa: ServiceAccount | undefined;
    /** the volumes' names after admission, the mounts of each container (init first), or the refusal */
    want: { volumes: string[]; mounts: string[][]; saName?: string; pullSecrets?: string[] } | { refused: string };
  };
  const cases: Case[] = [
    { name: 'defaults: serviceAccountName default, one volume, one mount', pod: pod(), sa: sa(), want: { volumes: ['kube-api-access-abcde'], mounts: [['kube-api-access-abcde']], saName: 'default' } },
    { name: 'pod automount false', pod: pod({ automountServiceAccountToken: false }), sa: sa(), want: { volumes: [], mounts: [[]] } },
    { name: 'ServiceAccount automount false', pod: pod(), sa: sa({ automountServiceAccountToken: false }), want: { volumes: [], mounts: [[]] } },
    { name: 'pod true wins over ServiceAccount false', pod: pod({ automountServiceAccountToken: true }), sa: sa({ automountServiceAccountToken: false }), want: { volumes: ['kube-api-access-abcde'], mounts: [['kube-api-access-abcde']] } },
    { name: 'pod false wins over ServiceAccount true', pod: pod({ automountServiceAccountToken: false }), sa: sa({ automountServiceAccountToken: true }), want: { volumes: [], mounts: [[]] } },
    {
      name: 'an existing kube-api-access volume is reused, not doubled',
      pod: pod({ volumes: [{ name: 'kube-api-access-zzzzz', emptyDir: {} }] }),
      sa: sa(),
      want: { volumes: ['kube-api-access-zzzzz'], mounts: [['kube-api-access-zzzzz']] },
    },
    {
      name: 'mount path already used: that container keeps its own, no volume when none needs it',
      pod: pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH }] }] }),
      sa: sa(),
      want: { volumes: ['mine'], mounts: [['mine']] },
    },
    {
      name: 'mount path used in one container of two: the other gets the volume',
      pod: pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH }] }, { name: 'b', image: 'x' }] }),
      sa: sa(),
      want: { volumes: ['mine', 'kube-api-access-abcde'], mounts: [['mine'], ['kube-api-access-abcde']] },
    },
    {
      name: 'init containers get the mount too',
      pod: pod({ initContainers: [{ name: 'i', image: 'x' }] }),
      sa: sa(),
      want: { volumes: ['kube-api-access-abcde'], mounts: [['kube-api-access-abcde'], ['kube-api-access-abcde']] },
    },
    {
      name: 'imagePullSecrets come from the ServiceAccount when the pod has none',
      pod: pod(),
      sa: sa({ imagePullSecrets: [{ name: 'reg' }] }),
      want: { volumes: ['kube-api-access-abcde'], mounts: [['kube-api-access-abcde']], pullSecrets: ['reg'] },
    },
    { name: 'missing ServiceAccount: refused', pod: pod({ serviceAccountName: 'robot' }), sa: undefined, want: { refused: 'pods "p" is forbidden: error looking up service account ns/robot: serviceaccount "robot" not found' } },
    { name: 'missing default ServiceAccount, generateName: refused without a name', pod: pod({}, { name: '', generateName: 'p-' }), sa: undefined, want: { refused: 'pods is forbidden: error looking up service account ns/default: serviceaccount "default" not found' } },
    { name: 'mirror pods are left alone', pod: pod({}, { annotations: { 'kubernetes.io/config.mirror': 'x' } }), sa: undefined, want: { volumes: [], mounts: [[]] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = admitServiceAccount(c.pod, c.sa, 'abcde');
      if ('refused' in c.want) {
        assert.equal(v.ok, false);
        if (!v.ok) assert.equal(v.message, c.want.refused);
        return;
      }
      assert.ok(v.ok);
      if (!v.ok) return;
      const s = v.pod.spec;
      assert.deepEqual((s.volumes ?? []).map((x) => x.name), c.want.volumes);
      assert.deepEqual([...(s.initContainers ?? []), ...s.containers].map((x) => (x.volumeMounts ?? []).map((m) => m.name)), c.want.mounts);
      for (const m of [...(s.initContainers ?? []), ...s.containers].flatMap((x) => x.volumeMounts ?? [])) {
        if (m.name.startsWith('kube-api-access-')) assert.deepEqual(m, { ...MOUNT, name: m.name });
      }
      if (c.want.saName) assert.equal(s.serviceAccountName, c.want.saName);
      if (c.want.pullSecrets) assert.deepEqual(s.imagePullSecrets?.map((x) => x.name), c.want.pullSecrets);
    });
  }
  it('ephemeral containers are never given the mount', () => {
    const p = { ...pod(), spec: { ...pod().spec, ephemeralContainers: [{ name: 'dbg', image: 'x' }] } } as Pod;
    const v = admitServiceAccount(p, sa(), 'abcde');
    assert.ok(v.ok);
    if (v.ok) assert.deepEqual((v.pod.spec as { ephemeralContainers?: { volumeMounts?: unknown }[] }).ephemeralContainers?.[0]?.volumeMounts, undefined);
  });
  it('the random suffix: 5 characters of the name generator alphabet', () => {
    for (let i = 0; i < 50; i++) assert.match(randomSuffix(), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe('kubelet token manager: refresh timing', () => {
  const H = 3600_000;
  const cases: { name: string; issued: number; expires: number; now: number; refreshAt: number; refresh: boolean }[] = [
    { name: 'one hour token: fresh at 47 minutes', issued: 0, expires: H, now: 47 * 60_000, refreshAt: 0.8 * H, refresh: false },
    { name: 'one hour token: due at 48 minutes (80%)', issued: 0, expires: H, now: 48 * 60_000, refreshAt: 0.8 * H, refresh: true },
    { name: '3607 s token: due at 80% of its life', issued: 1000, expires: 1000 + 3607_000, now: 1000 + 2885_600, refreshAt: 1000 + 2885_600, refresh: true },
    { name: 'expired: due', issued: 0, expires: H, now: 2 * H, refreshAt: 0.8 * H, refresh: true },
    { name: 'a 48 hour token: due at 24 hours of age', issued: 0, expires: 48 * H, now: MAX_TOKEN_AGE_MS, refreshAt: MAX_TOKEN_AGE_MS, refresh: true },
    { name: 'a 48 hour token: fresh at 23 hours', issued: 0, expires: 48 * H, now: 23 * H, refreshAt: MAX_TOKEN_AGE_MS, refresh: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = { issuedAtMs: c.issued, expiresAtMs: c.expires };
      assert.equal(refreshAtMs(t), c.refreshAt);
      assert.equal(requiresRefresh(t, c.now), c.refresh);
    });
  }
  it('token sources of a pod, defaults filled in (expirationSeconds 3600, audience: the API default)', () => {
    const p = pod({ volumes: [tokenVolume('kube-api-access-x'), { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't', audience: 'vault' } }] } }] as Pod['spec']['volumes'] });
    assert.deepEqual(podTokenSources(p), [{ audience: '', expirationSeconds: 3607 }, { audience: 'vault', expirationSeconds: 3600 }]);
  });
});

describe('the kubernetes Service', () => {
  it('takes the first address of the range, port 443 → the gateway, Endpoints name the gateway', () => {
    assert.equal(kubernetesServiceIp('10.96.0.0/12'), '10.96.0.1');
    assert.equal(kubernetesServiceIp('127.10.0.0/16'), '127.10.0.1');
    const svc = kubernetesServiceFor('127.10.0.1', 8443) as unknown as { spec: { ports: unknown[]; clusterIP: string; selector?: unknown } };
    assert.deepEqual(svc.spec.ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 }]);
    assert.equal(svc.spec.selector, undefined, 'no selector: the endpoints controller leaves its Endpoints alone');
    assert.ok(serviceCurrent(kubernetesServiceFor('127.10.0.1', 8443), 8443));
    assert.ok(!serviceCurrent(kubernetesServiceFor('127.10.0.1', 8443), 9443));
    assert.ok(endpointsCurrent(kubernetesEndpointsFor('127.0.0.1', 8443), '127.0.0.1', 8443));
    assert.ok(!endpointsCurrent(kubernetesEndpointsFor('127.0.0.1', 8443), '127.0.0.1', 9443));
  });
});
