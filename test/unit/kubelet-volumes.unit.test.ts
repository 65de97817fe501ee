/**
 * Kubelet volumes: planning (configMap, secret, downwardAPI, projected, emptyDir, hostPath and the
 * sources the kubelet cannot provide), container mounts (subPath, subPathExpr), hostPath type
 * checks, and the atomic writer on a temp directory (the `..data` swap on update).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/resources/storage-types.js';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Container, Pod, Secret, Volume } from '../../shared/resources/types.js';
import { emptyDirEviction, formatMap, planVolumes, podReferences, type VolumePlan, type VolumeSetup } from '../../services/kubelet/volumes/plan.js';
import { FakeRuntime } from '../../services/kubelet/runtime/fake.js';
import { containerMounts, expandSubPathExpr } from '../../services/kubelet/volumes/mounts.js';
import { hostPathCheck } from '../../services/kubelet/volumes/host-path.js';
import { AtomicWriter, timestampPrefix } from '../../services/kubelet/volumes/atomic-writer.js';
import { VolumeManager } from '../../services/kubelet/volumes/manager.js';
import { dockerMounts } from '../../services/kubelet/runtime/docker.js';
import type { ContainerConfig, ContainerRuntime, RuntimeMount } from '../../services/kubelet/runtime/types.js';
import { MemoryPodConfig } from '../../services/kubelet/pod-config.js';

const cm = (name: string, data: Record<string, string>, binaryData?: Record<string, string>): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data,
  ...(binaryData ? { binaryData } : {}),
});
const secret = (name: string, data: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});
const b64 = (s: string) => Buffer.from(s).toString('base64');

const container: Container = { name: 'app', image: 'x', resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } } };
const pod = (volumes: Volume[], extra: Partial<Pod['metadata']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1', labels: { app: 'web', tier: 'a"b' }, annotations: { note: 'x' }, ...extra },
  spec: { containers: [container], volumes },
});
/** What the kubelet reads its pods' ConfigMaps and Secrets from: the twin of the gateway-backed source (pod-config.ts). */
const sources = (cms: ConfigMap[] = [], secrets: Secret[] = []) => {
  const twin = new MemoryPodConfig(cms, secrets);
  return { configMap: (ns: string, n: string) => twin.configMap(ns, n), secret: (ns: string, n: string) => twin.secret(ns, n) };
};
const facts = { podIp: '10.0.0.5', hostIp: '127.0.0.1', nodeCpu: '2', nodeMemory: '8Gi' };

/** The files of the plan's single volume as path → [text, mode]. */
function files(plan: VolumePlan): Record<string, [string, string]> {
  assert.ok(plan.ok, plan.ok ? '' : plan.message);
  const v = plan.volumes[0]!;
  assert.equal(v.kind, 'payload');
  if (v.kind !== 'payload') return {};
  return Object.fromEntries(v.files.map((f) => [f.path, [f.data.toString('utf8'), f.mode.toString(8)]]));
}
const error = (plan: VolumePlan): string => {
  assert.equal(plan.ok, false);
  return plan.ok ? '' : plan.message;
};

describe('volume planning: configMap and secret', () => {
  const cfg = cm('cfg', { 'game.properties': 'lives=3', mode: 'hard' }, { 'bin.dat': b64('\u0001\u0002') });
  const cases: { name: string; volume: Volume; want: Record<string, [string, string]> | string }[] = [
    { name: 'every key is a file, mode 0644', volume: { name: 'v', configMap: { name: 'cfg' } }, want: { 'bin.dat': ['\u0001\u0002', '644'], 'game.properties': ['lives=3', '644'], mode: ['hard', '644'] } },
    { name: 'defaultMode applies to every file', volume: { name: 'v', configMap: { name: 'cfg', defaultMode: 0o400 } }, want: { 'bin.dat': ['\u0001\u0002', '400'], 'game.properties': ['lives=3', '400'], mode: ['hard', '400'] } },
    {
      name: 'items: only those keys, at their paths, item mode over defaultMode',
      volume: { name: 'v', configMap: { name: 'cfg', defaultMode: 0o600, items: [{ key: 'mode', path: 'conf/mode.txt', mode: 0o444 }, { key: 'game.properties', path: 'g' }] } },
      want: { 'conf/mode.txt': ['hard', '444'], g: ['lives=3', '600'] },
    },
    { name: 'missing configMap', volume: { name: 'v', configMap: { name: 'nope' } }, want: 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found' },
    { name: 'missing optional configMap: an empty volume', volume: { name: 'v', configMap: { name: 'nope', optional: true } }, want: {} },
    {
      name: 'an item naming a key the configMap lacks',
      volume: { name: 'v', configMap: { name: 'cfg', items: [{ key: 'missing', path: 'm' }] } },
      want: 'MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: missing',
    },
    { name: 'optional: a missing key is skipped', volume: { name: 'v', configMap: { name: 'cfg', optional: true, items: [{ key: 'missing', path: 'm' }, { key: 'mode', path: 'm2' }] } }, want: { m2: ['hard', '644'] } },
    { name: 'an item path with ..', volume: { name: 'v', configMap: { name: 'cfg', items: [{ key: 'mode', path: '../escape' }] } }, want: "MountVolume.SetUp failed for volume \"v\" : invalid path: must not contain '..': ../escape" },
    { name: 'secret keys decoded', volume: { name: 's', secret: { secretName: 'db' } }, want: { password: ['s3cret', '644'], user: ['admin', '644'] } },
    { name: 'secret items and defaultMode', volume: { name: 's', secret: { secretName: 'db', defaultMode: 0o400, items: [{ key: 'password', path: 'pw' }] } }, want: { pw: ['s3cret', '400'] } },
    { name: 'missing secret', volume: { name: 's', secret: { secretName: 'nope' } }, want: 'MountVolume.SetUp failed for volume "s" : secret "nope" not found' },
    { name: 'secret item with a missing key', volume: { name: 's', secret: { secretName: 'db', items: [{ key: 'x', path: 'x' }] } }, want: 'MountVolume.SetUp failed for volume "s" : references non-existent secret key: x' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planVolumes(pod([c.volume]), sources([cfg], [secret('db', { user: 'admin', password: 's3cret' })]), facts);
      if (typeof c.want === 'string') assert.equal(error(plan), c.want);
      else assert.deepEqual(files(plan), c.want);
    });
  }
  it('looks the objects up in the pod namespace only', () => {
    const other = { ...cfg, metadata: { name: 'cfg', namespace: 'other' } };
    assert.match(error(planVolumes(pod([{ name: 'v', configMap: { name: 'cfg' } }]), sources([other]), facts)), /configmap "cfg" not found/);
  });
});

describe('volume planning: downwardAPI and projected', () => {
  it('downwardAPI: fields, label maps (sorted, quoted), resources (limit, request, node allocatable when unset, divisor)', () => {
    const plan = planVolumes(
      pod([
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
              { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" }, mode: 0o400 },
              { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
              { path: 'mem_limit_mi', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
              { path: 'cpu_request_m', resourceFieldRef: { containerName: 'app', resource: 'requests.cpu', divisor: '1m' } },
              { path: 'cpu_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
            ],
          },
        },
      ]),
      sources(),
      facts,
    );
    assert.deepEqual(files(plan), {
      name: ['p', '644'],
      ns: ['ns', '644'],
      uid: ['u-1', '644'],
      labels: ['app="web"\ntier="a\\"b"', '644'],
      app: ['web', '400'],
      annotations: ['note="x"', '644'],
      mem_limit_mi: ['64', '644'],
      cpu_request_m: ['250', '644'],
      cpu_limit: ['2', '644'],
    });
  });
  it('downwardAPI: env-only fields (status.podIP) are refused with a clear message', () => {
    const plan = planVolumes(pod([{ name: 'info', downwardAPI: { items: [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }] } }]), sources(), facts);
    assert.equal(error(plan), 'MountVolume.SetUp failed for volume "info" : unsupported fieldPath in a downwardAPI volume: status.podIP');
  });
  it('formatMap sorts keys and quotes values', () => {
    assert.equal(formatMap({ b: '2', a: 'x\ny' }), 'a="x\\ny"\nb="2"');
  });
  it('projected: configMap + secret + downwardAPI in one directory, defaultMode shared', () => {
    const plan = planVolumes(
      pod([
        {
          name: 'all',
          projected: {
            defaultMode: 0o440,
            sources: [
              { configMap: { name: 'cfg', items: [{ key: 'mode', path: 'cfg/mode' }] } },
              { secret: { name: 'db', items: [{ key: 'user', path: 'secret/user', mode: 0o400 }] } },
              { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
            ],
          },
        },
      ]),
      sources([cm('cfg', { mode: 'hard' })], [secret('db', { user: 'admin' })]),
      facts,
    );
    assert.deepEqual(files(plan), { 'cfg/mode': ['hard', '440'], 'secret/user': ['admin', '400'], labels: ['app="web"\ntier="a\\"b"', '440'] });
  });
  it('projected: a missing source reads like the API error; optional sources are skipped', () => {
    const v = (optional: boolean): Volume => ({ name: 'all', projected: { sources: [{ configMap: { name: 'nope', optional } }, { secret: { name: 'gone', optional } }] } });
    assert.equal(error(planVolumes(pod([v(false)]), sources(), facts)), 'MountVolume.SetUp failed for volume "all" : configmaps "nope" not found');
    assert.deepEqual(files(planVolumes(pod([v(true)]), sources(), facts)), {});
  });
  it('projected: two sources writing one path conflict', () => {
    const v: Volume = { name: 'all', projected: { sources: [{ configMap: { name: 'a' } }, { configMap: { name: 'b' } }] } };
    assert.equal(error(planVolumes(pod([v]), sources([cm('a', { k: '1' }), cm('b', { k: '2' })]), facts)), 'MountVolume.SetUp failed for volume "all" : conflicting projected path: k');
  });
  it('projected serviceAccountToken: the token manager\'s token, its audience and expiry asked; a failed fetch or none is FailedMount, never a fake token', () => {
    const v: Volume = { name: 'token', projected: { defaultMode: 0o644, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607, audience: 'vault' } }] } };
    const asked: unknown[] = [];
    const withToken = { ...sources(), serviceAccountToken: (_p: Pod, src: unknown) => (asked.push(src), { ok: true as const, token: 'jwt' }) };
    assert.deepEqual(files(planVolumes(pod([v]), withToken, facts)), { token: ['jwt', '644'] });
    assert.deepEqual(asked, [{ audience: 'vault', expirationSeconds: 3607 }]);
    const failing = { ...sources(), serviceAccountToken: () => ({ ok: false as const, message: 'serviceaccounts "default" not found' }) };
    assert.equal(error(planVolumes(pod([v]), failing, facts)), 'MountVolume.SetUp failed for volume "token" : failed to fetch token: serviceaccounts "default" not found');
    assert.match(error(planVolumes(pod([v]), sources(), facts)), /^MountVolume.SetUp failed for volume "token" : failed to fetch token: /);
  });
});

describe('volume planning: emptyDir, hostPath, unsupported sources', () => {
  const one = (v: Volume): VolumePlan => planVolumes(pod([v]), sources(), facts);
  it('emptyDir: medium and sizeLimit', () => {
    assert.deepEqual(one({ name: 'e', emptyDir: {} }), { ok: true, volumes: [{ name: 'e', kind: 'emptyDir', medium: '' }] });
    assert.deepEqual(one({ name: 'e', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }), { ok: true, volumes: [{ name: 'e', kind: 'emptyDir', medium: 'Memory', sizeLimitBytes: 1048576, sizeLimit: '1Mi' }] });
    assert.match(error(one({ name: 'e', emptyDir: { medium: 'HugePages' } })), /emptyDir medium "HugePages" is not supported/);
  });
  it('hostPath: path and type', () => {
    assert.deepEqual(one({ name: 'h', hostPath: { path: '/var/log', type: 'Directory' } }), { ok: true, volumes: [{ name: 'h', kind: 'hostPath', path: '/var/log', type: 'Directory' }] });
    assert.match(error(one({ name: 'h', hostPath: { path: '/x', type: 'Pipe' } })), /hostPath type "Pipe" is not supported/);
  });
  for (const [source, body] of [
    ['nfs', { server: 'n', path: '/' }],
    ['csi', { driver: 'x' }],
    ['ephemeral', { volumeClaimTemplate: {} }],
  ] as const) {
    it(`${source}: FailedMount, the cluster has no storage for it`, () => {
      assert.equal(error(one({ name: 'd', [source]: body })), `MountVolume.SetUp failed for volume "d" : ${source} volumes are not supported by this kubelet: the cluster has no storage for them yet`);
    });
  }
});

describe('volume planning: persistentVolumeClaim', () => {
  const claim = (phase: string, volumeName?: string): PersistentVolumeClaim => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'ns', uid: 'c-1' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(volumeName ? { volumeName } : {}) },
    status: { phase },
  });
  const pv = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): PersistentVolume => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], claimRef: { namespace: 'ns', name: 'data', uid: 'c-1' }, ...spec },
  });
  const plan = (c: PersistentVolumeClaim | undefined, v: PersistentVolume | undefined, readOnly = false) =>
    planVolumes(pod([{ name: 'd', persistentVolumeClaim: { claimName: 'data', ...(readOnly ? { readOnly } : {}) } }]), { ...sources(), claim: () => c, volume: () => v }, { ...facts, storageDir: '/k/storage' });
  const rows: [string, PersistentVolumeClaim | undefined, PersistentVolume | undefined, string | Record<string, unknown>][] = [
    ['claim missing', undefined, undefined, 'error processing PVC ns/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found'],
    ['claim Pending', claim('Pending'), undefined, 'error processing PVC ns/data: PVC is not bound'],
    ['volume missing', claim('Bound', 'pv-1'), undefined, 'error processing PVC ns/data: failed to fetch PV pv-1 from API server: persistentvolumes "pv-1" not found'],
    ['local-path volume: under the node storage dir', claim('Bound', 'pvc-c-1'), pv('pvc-c-1', { hostPath: { path: '/var/lib/jetkube/storage/pvc-c-1_ns_data', type: 'DirectoryOrCreate' } }, { 'pv.kubernetes.io/provisioned-by': 'jetkube.io/local-path' }), { kind: 'hostPath', path: '/k/storage/pvc-c-1_ns_data', type: 'DirectoryOrCreate' }],
    ['hostPath volume: its path', claim('Bound', 'pv-1'), pv('pv-1', { hostPath: { path: '/srv/data' } }), { kind: 'hostPath', path: '/srv/data', type: '' }],
    ['local volume: an existing directory', claim('Bound', 'pv-1'), pv('pv-1', { local: { path: '/mnt/disk' } }), { kind: 'hostPath', path: '/mnt/disk', type: 'Directory' }],
    ['mountOptions: refused', claim('Bound', 'pv-1'), pv('pv-1', { hostPath: { path: '/srv' }, mountOptions: ['noatime'] }), 'persistent volume pv-1: mountOptions are not supported by this kubelet'],
    ['nfs volume: refused', claim('Bound', 'pv-1'), pv('pv-1', { nfs: { server: 's', path: '/' } }), 'persistent volume pv-1: nfs volumes are not supported by this kubelet (only hostPath and local)'],
  ];
  for (const [name, c, v, want] of rows) {
    it(name, () => {
      const p = plan(c, v);
      if (typeof want === 'string') assert.equal(error(p), `MountVolume.SetUp failed for volume "d" : ${want}`);
      else {
        assert.ok(p.ok, p.ok ? '' : p.message);
        const got = p.volumes[0] as unknown as Record<string, unknown>;
        for (const [k, x] of Object.entries(want)) assert.deepEqual(got[k], x, k);
      }
    });
  }
  it('readOnly claims mount read-only', () => {
    const p = plan(claim('Bound', 'pv-1'), pv('pv-1', { hostPath: { path: '/srv/data' } }), true);
    assert.ok(p.ok && p.volumes[0]!.kind === 'hostPath' && p.volumes[0]!.readOnly === true);
  });
});

describe('container mounts: subPath and subPathExpr', () => {
  const vols: VolumeSetup[] = [
    { name: 'cfg', kind: 'payload', plugin: 'configmap', files: [] },
    { name: 'data', kind: 'emptyDir', medium: '' },
  ];
  const mounts = (c: Partial<Container>, env: Record<string, string> = {}) => containerMounts({ name: 'c', image: 'x', ...c }, vols, env);
  it('configMap mounts are always read-only; emptyDir as asked', () => {
    const r = mounts({ volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'data', mountPath: '/data/' }, { name: 'data', mountPath: '/ro', readOnly: true }] });
    assert.ok(r.ok);
    assert.deepEqual(
      r.mounts.map((m) => [m.volume, m.containerPath, m.readOnly, m.subPath]),
      [
        ['cfg', '/etc/cfg', true, ''],
        ['data', '/data', false, ''],
        ['data', '/ro', true, ''],
      ],
    );
  });
  const cases: { name: string; mount: { subPath?: string; subPathExpr?: string }; env?: Record<string, string>; want: string | { error: string } }[] = [
    { name: 'subPath', mount: { subPath: 'logs/a' }, want: 'logs/a' },
    { name: 'subPath ./x/ normalised', mount: { subPath: './x/' }, want: 'x' },
    { name: 'subPathExpr from the env', mount: { subPathExpr: 'logs/$(POD_NAME)' }, env: { POD_NAME: 'web-0' }, want: 'logs/web-0' },
    { name: 'subPathExpr $$ is a literal $', mount: { subPathExpr: 'a$$(X)' }, env: { X: 'y' }, want: 'a$(X)' },
    { name: 'subPathExpr with a missing variable', mount: { subPathExpr: '$(B)/$(A)' }, env: {}, want: { error: 'missing value for A, B' } },
    { name: 'subPathExpr expanding to an absolute path', mount: { subPathExpr: '$(P)' }, env: { P: '/etc' }, want: { error: 'error SubPath `/etc` must not be an absolute path' } },
    { name: 'subPath with ..', mount: { subPath: 'a/../../b' }, want: { error: "unable to provision SubPath `a/../../b`: must not contain '..'" } },
    { name: 'subPathExpr expanding to ..', mount: { subPathExpr: '$(P)' }, env: { P: '..' }, want: { error: "unable to provision SubPath `..`: must not contain '..'" } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = mounts({ volumeMounts: [{ name: 'data', mountPath: '/d', ...c.mount }] }, c.env);
      if (typeof c.want === 'string') {
        assert.ok(r.ok, r.ok ? '' : r.message);
        assert.equal(r.mounts[0]!.subPath, c.want);
      } else assert.deepEqual(r, { ok: false, message: c.want.error });
    });
  }
  it('recursiveReadOnly Enabled: honoured where readOnly is already recursive, refused on a hostPath', () => {
    const vs: VolumeSetup[] = [...vols, { name: 'h', kind: 'hostPath', path: '/x', type: '' }];
    const rro = (name: string) => containerMounts({ name: 'c', image: 'x', volumeMounts: [{ name, mountPath: '/m', readOnly: true, recursiveReadOnly: 'Enabled' }] }, vs, {});
    assert.equal(rro('data').ok, true);
    assert.deepEqual(rro('h'), { ok: false, message: 'recursiveReadOnly Enabled of volumeMount "h" is not supported by this kubelet for hostPath volumes' });
  });
  it('expandSubPathExpr treats an empty value as missing (Kubernetes)', () => {
    assert.deepEqual(expandSubPathExpr('$(E)', { E: '' }), { ok: false, message: 'missing value for E' });
  });
});

describe('hostPath type checks', () => {
  const cases = [
    ['', 'missing', 'create-directory'],
    ['', 'file', 'ok'],
    ['DirectoryOrCreate', 'missing', 'create-directory'],
    ['DirectoryOrCreate', 'directory', 'ok'],
    ['DirectoryOrCreate', 'file', 'hostPath type check failed: /p is not a directory'],
    ['Directory', 'directory', 'ok'],
    ['Directory', 'missing', 'hostPath type check failed: /p is not a directory'],
    ['FileOrCreate', 'missing', 'create-file'],
    ['FileOrCreate', 'directory', 'hostPath type check failed: /p is not a file'],
    ['File', 'file', 'ok'],
    ['File', 'missing', 'hostPath type check failed: /p is not a file'],
    ['Socket', 'file', 'hostPath type check failed: /p is not a socket file'],
    ['Socket', 'socket', 'ok'],
    ['CharDevice', 'char', 'ok'],
    ['CharDevice', 'block', 'hostPath type check failed: /p is not a character device'],
    ['BlockDevice', 'file', 'hostPath type check failed: /p is not a block device'],
  ] as const;
  for (const [type, found, want] of cases) {
    it(`${type || '""'} on ${found}: ${want}`, () => {
      const d = hostPathCheck('/p', type, found);
      assert.equal(d.action === 'fail' ? d.message : d.action, want);
    });
  }
});

describe('atomic writer and volume manager on a temp directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'jk-volumes-unit-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const f = (path: string, text: string, mode = 0o644) => ({ path, data: Buffer.from(text), mode });

  it('writes ..<timestamp>, ..data and top-level links; an update swaps ..data and drops the old names', async () => {
    const w = new AtomicWriter();
    const dir = join(root, 'cm');
    assert.equal(timestampPrefix(new Date('2026-12-06T16:20:01.5Z')), '..2026_12_06_16_20_01.');
    assert.equal(await w.write(dir, [f('a', '1'), f('sub/b', '2', 0o400)], new Date('2026-12-06T16:20:01Z')), true);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');
    assert.equal(readFileSync(join(dir, 'sub/b'), 'utf8'), '2');
    assert.equal(statSync(join(dir, 'sub/b')).mode & 0o777, 0o400);
    assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
    const first = readlinkSync(join(dir, '..data'));
    assert.match(first, /^\.\.2026_12_06_16_20_01\./);
    assert.equal(await w.write(dir, [f('a', '1'), f('sub/b', '2', 0o400)]), false, 'same payload: nothing written');
    assert.equal(await w.write(dir, [f('a', 'changed'), f('c', '3')]), true);
    const second = readlinkSync(join(dir, '..data'));
    assert.notEqual(second, first);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed');
    assert.deepEqual(readdirSync(dir).sort(), ['..data', second, 'a', 'c'].sort());
  });

  it('sets up emptyDir (0777) and payload volumes, checks hostPath, resolves subPaths inside the volume', async () => {
    const vm = new VolumeManager();
    const podDir = join(root, 'pods', 'uid-1');
    const hostFile = join(root, 'host-file');
    const vols: VolumeSetup[] = [
      { name: 'cfg', kind: 'payload', plugin: 'configmap', files: [f('key', 'v1')] },
      { name: 'scratch', kind: 'emptyDir', medium: '' },
      { name: 'h', kind: 'hostPath', path: hostFile, type: 'FileOrCreate' },
    ];
    const r = await vm.setUp(podDir, vols);
    assert.ok(r.ok);
    assert.equal(r.dirs.get('cfg'), join(podDir, 'volumes/kubernetes.io~configmap/cfg'));
    assert.equal(statSync(r.dirs.get('scratch')!).mode & 0o777, 0o777);
    assert.ok(lstatSync(hostFile).isFile(), 'FileOrCreate made the file');
    const bad = await vm.setUp(podDir, [{ name: 'h', kind: 'hostPath', path: hostFile, type: 'Directory' }]);
    assert.deepEqual(bad, { ok: false, volume: 'h', message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${hostFile} is not a directory` });

    const shared = new Map([['cfg', 1], ['scratch', 2]]);
    const mounts = await vm.resolve(
      [
        { volume: 'cfg', kind: 'payload', containerPath: '/etc/key', readOnly: true, subPath: 'key' },
        { volume: 'scratch', kind: 'emptyDir', containerPath: '/logs', readOnly: false, subPath: 'logs/web-0', medium: '' },
      ],
      r.dirs,
      shared,
      true,
    );
    // The payload subPath is pinned to the current ..<timestamp> directory: a snapshot.
    assert.match(mounts[0]!.hostPath, /kubernetes\.io~configmap\/cfg\/\.\.\d{4}_.*\/key$/);
    assert.ok(statSync(join(r.dirs.get('scratch')!, 'logs/web-0')).isDirectory(), 'a missing subPath directory is created');
    assert.equal(mounts[1]!.sharedBy, 2);
    await assert.rejects(
      vm.resolve([{ volume: 'cfg', kind: 'payload', containerPath: '/x', readOnly: true, subPath: 'nope' }], r.dirs, shared, true),
      /subPath "nope" of volume "cfg" does not exist/,
    );
  });
});

describe('docker mounts', () => {
  const cfg = (mounts: RuntimeMount[]): ContainerConfig => ({ image: 'i', command: [], args: [], env: {}, labels: {}, ports: [], mounts });
  const m = (over: Partial<RuntimeMount>): RuntimeMount => ({ volume: 'v', kind: 'emptyDir', hostPath: '/h', containerPath: '/c', readOnly: false, subPath: false, sharedBy: 1, ...over });
  it('binds every mount (read-only as asked; a Memory emptyDir is the tmpfs the kubelet mounted at its directory)', () => {
    assert.deepEqual(dockerMounts(cfg([m({ kind: 'payload', readOnly: true }), m({ medium: 'Memory', sizeLimitBytes: 1024, containerPath: '/mem', sharedBy: 2 }), m({ medium: '', sizeLimitBytes: 5, containerPath: '/d' })])), [
      { Type: 'bind', Source: '/h', Target: '/c', ReadOnly: true },
      { Type: 'bind', Source: '/h', Target: '/mem', ReadOnly: false },
      { Type: 'bind', Source: '/h', Target: '/d', ReadOnly: false },
    ]);
  });
});

describe('which pods a ConfigMap or Secret change concerns', () => {
  const p = (spec: Partial<Pod['spec']>): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });
  const cases: [string, Pod, 'ConfigMap' | 'Secret', string, boolean][] = [
    ['configMap volume', p({ volumes: [{ name: 'v', configMap: { name: 'a' } }] }), 'ConfigMap', 'a', true],
    ['another configMap', p({ volumes: [{ name: 'v', configMap: { name: 'a' } }] }), 'ConfigMap', 'b', false],
    ['a secret of the same name is not the configMap', p({ volumes: [{ name: 'v', configMap: { name: 'a' } }] }), 'Secret', 'a', false],
    ['secret volume', p({ volumes: [{ name: 'v', secret: { secretName: 's' } }] }), 'Secret', 's', true],
    ['projected source', p({ volumes: [{ name: 'v', projected: { sources: [{ downwardAPI: { items: [] } }, { secret: { name: 's' } }] } }] }), 'Secret', 's', true],
    ['envFrom', p({ containers: [{ name: 'c', image: 'x', envFrom: [{ configMapRef: { name: 'e' } }] }] }), 'ConfigMap', 'e', true],
    ['env valueFrom of an init container', p({ initContainers: [{ name: 'i', image: 'x', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'k', key: 'x' } } }] }] }), 'Secret', 'k', true],
    ['nothing', p({}), 'ConfigMap', 'a', false],
  ];
  for (const [name, pod, kind, ref, want] of cases) it(name, () => assert.equal(podReferences(pod, kind, ref), want));
});

describe('fake runtime', () => {
  it('records the mounts a container would have, writes nothing', async () => {
    const rt = new FakeRuntime();
    assert.equal((rt as ContainerRuntime).podDir, undefined, 'no pod directory: the kubelet plans volumes but writes no file');
    const mounts: RuntimeMount[] = [{ volume: 'cfg', kind: 'payload', hostPath: '/var/lib/kubelet/pods/u/volumes/kubernetes.io~configmap/cfg', containerPath: '/etc/cfg', readOnly: true, subPath: false, sharedBy: 1 }];
    const id = await rt.start({ image: 'i', command: [], args: [], env: {}, labels: {}, ports: [], mounts });
    assert.deepEqual(rt.mounts(id), mounts);
    await rt.remove(id);
    assert.deepEqual(rt.mounts(id), []);
  });
});

describe('emptyDir sizeLimit eviction', () => {
  const vols: VolumeSetup[] = [
    { name: 'free', kind: 'emptyDir', medium: '' },
    { name: 'cache', kind: 'emptyDir', medium: '', sizeLimitBytes: 1048576, sizeLimit: '1Mi' },
  ];
  const cases: [string, [string, number][], string | undefined][] = [
    ['under the limit', [['cache', 1000]], undefined],
    ['at the limit', [['cache', 1048576]], undefined],
    ['over the limit', [['cache', 1048577]], 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi".'],
    ['no limit, any size', [['free', 1e12]], undefined],
    ['not measured', [], undefined],
  ];
  for (const [name, usage, want] of cases) it(name, () => assert.equal(emptyDirEviction(vols, new Map(usage))?.message, want));
});
