/**
 * Volumes on the process runtime, end to end: the control plane (`jetkube up --nodes 0`) and one
 * kubelet (`jetkube kubelet --runtime process`) on a fresh prefix; pods read their configMap,
 * secret, downwardAPI and projected files (mount paths under $JETKUBE_ROOT, the pod's directory),
 * see a ConfigMap update (a subPath mount does not), share an emptyDir between two containers,
 * wait with FailedMount for a missing ConfigMap until it exists, and are evicted when an emptyDir
 * outgrows its sizeLimit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { api } from '../stack.js';
import { eventually } from '../controller-stack.js';
import { startJetkube, stop } from './cli.js';
import { killContainers, startProcessKubelet } from './cluster.js';

const NS = '/api/v1/namespaces/default';
const RUN = Math.random().toString(36).slice(2, 7);
const NODE_NAME = `node-vol-${RUN}`;

describe('kubelet volumes with the process runtime, end to end', () => {
  let cfg: Config;
  let base: string;
  let up: ChildProcess;
  let kubelet: ChildProcess;
  let work: string;
  let root: string;

  before(async () => {
    cfg = await testConfig('kvol', { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    work = mkdtempSync(join(tmpdir(), 'jetkube-e2e-volumes-'));
    root = join(work, NODE_NAME);
    up = await startJetkube(['up', '--insecure', '--nodes', '0'], cfg, `${base}/readyz`);
    kubelet = await startProcessKubelet(cfg, base, NODE_NAME, root);
  });

  after(async () => {
    if (kubelet) await stop(kubelet);
    if (root) killContainers(root);
    if (up) await stop(up);
    await dropPrefix(cfg);
    rmSync(work, { recursive: true, force: true });
  });

  const create = async (path: string, body: unknown) => {
    const r = await api(base, 'POST', path, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const pod = (name: string, spec: Record<string, unknown>) => create(`${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { nodeName: NODE_NAME, terminationGracePeriodSeconds: 1, ...spec } });
  const getPod = async (name: string) => (await api(base, 'GET', `${NS}/pods/${name}`)).body;
  const logs = async (name: string, container: string) => {
    const r = await api(base, 'GET', `${NS}/pods/${name}/log?container=${container}`);
    return r.status === 200 ? String(r.body) : '';
  };
  const events = async (name: string) => ((await api(base, 'GET', `${NS}/events`)).body.items as any[]).filter((e) => e.involvedObject?.name === name);

  it('a pod reads its configMap, secret, downwardAPI and projected files (modes, items, $(JETKUBE_ROOT))', async () => {
    await create(`${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'files' }, data: { greeting: 'hello', 'app.conf': 'port=80' } });
    await create(`${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 's3cret' } });
    await pod('reader', {
      restartPolicy: 'Never',
      containers: [{
        name: 'c',
        image: 'busybox',
        command: ['sh', '-c', [
          'cat $(JETKUBE_ROOT)/etc/cfg/greeting; echo',
          'cat etc/cfg/conf/app; echo',
          'stat -L -c %a etc/cfg/conf/app',
          'cat etc/secret/password; echo',
          'stat -L -c %a etc/secret/password',
          'cat etc/info/name; echo',
          'cat etc/info/labels; echo',
          'cat etc/all/greeting; echo',
          'cat etc/all/pw; echo',
          'cat etc/all/ns; echo',
          'ls etc/cfg',
        ].join('; ')],
        volumeMounts: [
          { name: 'cfg', mountPath: '/etc/cfg' },
          { name: 'secret', mountPath: '/etc/secret', readOnly: true },
          { name: 'info', mountPath: '/etc/info' },
          { name: 'all', mountPath: '/etc/all' },
        ],
      }],
      volumes: [
        { name: 'cfg', configMap: { name: 'files', items: [{ key: 'greeting', path: 'greeting' }, { key: 'app.conf', path: 'conf/app', mode: 0o600 }] } },
        { name: 'secret', secret: { secretName: 'creds', defaultMode: 0o400 } },
        { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        {
          name: 'all',
          projected: {
            sources: [
              { configMap: { name: 'files', items: [{ key: 'greeting', path: 'greeting' }] } },
              { secret: { name: 'creds', items: [{ key: 'password', path: 'pw' }] } },
              { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    });
    const done = await eventually('reader finished', async () => {
      const p = await getPod('reader');
      return ['Succeeded', 'Failed'].includes(p.status?.phase) && p;
    }, 60_000);
    const out = await logs('reader', 'c');
    assert.equal(done.status.phase, 'Succeeded', out);
    assert.equal(out, ['hello', 'port=80', '600', 's3cret', '400', 'reader', 'app="reader"', 'hello', 's3cret', 'default', 'conf', 'greeting', ''].join('\n'));
  });

  it('a ConfigMap update reaches the mounted file (..data swap); a subPath mount keeps the old content', async () => {
    await create(`${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live' }, data: { value: 'v1' } });
    await pod('watcher', {
      containers: [{
        name: 'c',
        image: 'busybox',
        command: ['sh', '-c', 'while true; do echo "$(cat etc/live/value) $(cat etc/pinned)"; sleep 0.3; done'],
        volumeMounts: [
          { name: 'live', mountPath: '/etc/live' },
          { name: 'live', mountPath: '/etc/pinned', subPath: 'value' },
        ],
      }],
      volumes: [{ name: 'live', configMap: { name: 'live' } }],
    });
    await eventually('v1 shown', async () => (await logs('watcher', 'c')).includes('v1 v1\n'), 60_000);
    const cm = (await api(base, 'GET', `${NS}/configmaps/live`)).body;
    const r = await api(base, 'PUT', `${NS}/configmaps/live`, { ...cm, data: { value: 'v2' } });
    assert.equal(r.status, 200);
    await eventually('the update reached the file, not the subPath', async () => (await logs('watcher', 'c')).includes('v2 v1\n'), 90_000);
    assert.equal((await api(base, 'DELETE', `${NS}/pods/watcher`)).status, 200);
  });

  it('an emptyDir is shared by the containers of a pod (and a subPathExpr directory in it)', async () => {
    await pod('shared', {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'writer',
          image: 'busybox',
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          command: ['sh', '-c', 'echo from-writer > scratch/msg; echo per-pod > own/file'],
          volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'scratch', mountPath: '/own', subPathExpr: 'logs/$(POD)' }],
        },
        {
          name: 'reader',
          image: 'busybox',
          command: ['sh', '-c', 'while [ ! -s data/logs/shared/file ]; do sleep 0.2; done; cat data/msg data/logs/shared/file'],
          volumeMounts: [{ name: 'scratch', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    });
    await eventually('both finished', async () => (await getPod('shared')).status?.phase === 'Succeeded', 60_000);
    assert.equal(await logs('shared', 'reader'), 'from-writer\nper-pod\n');
    const uid = (await getPod('shared')).metadata.uid;
    assert.ok(existsSync(join(root, 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'scratch')));
    assert.equal((await api(base, 'DELETE', `${NS}/pods/shared`)).status, 200);
    await eventually('pod dir (volumes included) removed', async () => !existsSync(join(root, 'pods', uid)), 60_000);
  });

  it('a missing ConfigMap: FailedMount, the pod waits in ContainerCreating, and starts once the ConfigMap exists', async () => {
    await pod('waiter', {
      restartPolicy: 'Never',
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'cat cfg/k'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
      volumes: [{ name: 'cfg', configMap: { name: 'later' } }],
    });
    const ev = await eventually('FailedMount event', async () => (await events('waiter')).find((e) => e.reason === 'FailedMount'), 60_000);
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "later" not found');
    const waiting = await eventually('ContainerCreating', async () => {
      const p = await getPod('waiter');
      return p.status?.containerStatuses?.[0]?.state?.waiting && p;
    });
    assert.equal(waiting.status.phase, 'Pending');
    assert.equal(waiting.status.containerStatuses[0].state.waiting.reason, 'ContainerCreating');
    await create(`${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' }, data: { k: 'arrived' } });
    await eventually('ran', async () => (await getPod('waiter')).status?.phase === 'Succeeded', 60_000);
    assert.equal((await logs('waiter', 'c')).trim(), 'arrived');
  });

  it('hostPath: DirectoryOrCreate makes the directory the pod writes to; Directory on a missing path is FailedMount', async () => {
    const host = join(work, 'host-data');
    await pod('hoster', {
      restartPolicy: 'Never',
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo on-host > $(JETKUBE_ROOT)/host/out'], volumeMounts: [{ name: 'h', mountPath: '/host' }] }],
      volumes: [{ name: 'h', hostPath: { path: host, type: 'DirectoryOrCreate' } }],
    });
    await eventually('ran', async () => (await getPod('hoster')).status?.phase === 'Succeeded', 60_000);
    assert.equal(readFileSync(join(host, 'out'), 'utf8'), 'on-host\n');
    const missing = join(work, 'no-such-dir');
    const nohost = await pod('nohost', {
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', '100'], volumeMounts: [{ name: 'h', mountPath: '/host' }, { name: 'scratch', mountPath: '/scratch' }] }],
      volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'h', hostPath: { path: missing, type: 'Directory' } }],
    });
    const ev = await eventually('FailedMount', async () => (await events('nohost')).find((e) => e.reason === 'FailedMount'), 60_000);
    assert.equal(ev.message, `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${missing} is not a directory`);
    assert.equal((await getPod('nohost')).status?.phase, 'Pending');
    assert.ok(existsSync(join(root, 'pods', nohost.metadata.uid, 'volumes', 'kubernetes.io~empty-dir', 'scratch')), 'the volumes before it were set up');
    // Force-deleted with no container ever started: its directory still goes.
    assert.equal((await api(base, 'DELETE', `${NS}/pods/nohost?gracePeriodSeconds=0`)).status, 200);
    await eventually('force-deleted pod dir removed', async () => !existsSync(join(root, 'pods', nohost.metadata.uid)), 60_000);
    assert.equal((await api(base, 'DELETE', `${NS}/pods/hoster`)).status, 200);
    await eventually('pods gone', async () => (await api(base, 'GET', `${NS}/pods/hoster`)).status === 404, 60_000);
    assert.ok(existsSync(join(host, 'out')), 'deleting the pod leaves the host path alone');
  });

  it('an emptyDir over its sizeLimit gets the pod evicted (Failed, reason Evicted, Warning Event)', async () => {
    await pod('hog', {
      containers: [{
        name: 'c',
        image: 'busybox',
        command: ['sh', '-c', 'head -c 2097152 /dev/zero > cache/blob; sleep 100'],
        volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
      }],
      volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Mi' } }],
    });
    const p = await eventually('evicted', async () => {
      const q = await getPod('hog');
      return q.status?.phase === 'Failed' && q;
    }, 60_000);
    assert.equal(p.status.reason, 'Evicted');
    assert.equal(p.status.message, 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi".');
    const ev = await eventually('Evicted event', async () => (await events('hog')).find((e) => e.reason === 'Evicted'));
    assert.equal(ev.type, 'Warning');
    await eventually('container stopped', async () => (await getPod('hog')).status?.containerStatuses?.[0]?.state?.terminated);
    assert.equal((await api(base, 'DELETE', `${NS}/pods/hog`)).status, 200);
  });

  it('volumes the kubelet cannot provide fail clearly: a missing PVC (FailedMount) and a readOnly emptyDir (CreateContainerConfigError)', async () => {
    await pod('claimer', {
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', '100'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    });
    const ev = await eventually('FailedMount', async () => (await events('claimer')).find((e) => e.reason === 'FailedMount'), 60_000);
    assert.equal(ev.message, 'MountVolume.SetUp failed for volume "data" : error processing PVC default/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found');
    await pod('rodir', {
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', '100'], volumeMounts: [{ name: 'd', mountPath: '/d', readOnly: true }] }],
      volumes: [{ name: 'd', emptyDir: {} }],
    });
    const w = await eventually('CreateContainerConfigError', async () => {
      const s = (await getPod('rodir')).status?.containerStatuses?.[0]?.state?.waiting;
      return s?.reason === 'CreateContainerConfigError' && s;
    }, 60_000);
    assert.match(w.message, /the process runtime cannot mount volume "d" read-only at \/d/);
    for (const n of ['claimer', 'rodir']) assert.equal((await api(base, 'DELETE', `${NS}/pods/${n}`)).status, 200);
  });

  it('a pod deleted while its kubelet was down, never started: the restarted kubelet removes the orphaned directory', async () => {
    const p = await pod('orphan', {
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', '100'], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'h', mountPath: '/h' }] }],
      volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'h', hostPath: { path: join(work, 'missing-for-orphan'), type: 'Directory' } }],
    });
    const dir = join(root, 'pods', p.metadata.uid);
    await eventually('FailedMount', async () => (await events('orphan')).some((e) => e.reason === 'FailedMount'), 60_000);
    assert.ok(existsSync(dir), 'the emptyDir before the failing volume was set up');
    await stop(kubelet);
    // Gone for good while no kubelet watches (grace 0: the API removes it at once).
    assert.equal((await api(base, 'DELETE', `${NS}/pods/orphan?gracePeriodSeconds=0`)).status, 200);
    kubelet = await startProcessKubelet(cfg, base, NODE_NAME, root);
    await eventually('orphaned pod dir removed', async () => !existsSync(dir), 60_000);
  });

  it('malformed volumes are refused by the gateway (422), never accepted and ignored', async () => {
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'malformed' },
      spec: {
        containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'cfg', mountPath: '/cfg', subPath: '../etc' }] }],
        volumes: [{ name: 'cfg', configMap: { name: 'x', items: [{ key: 'k', path: '/abs' }] }, emptyDir: {} }],
      },
    });
    assert.equal(r.status, 422);
    assert.deepEqual(
      r.body.details.causes.map((c: any) => `${c.field}: ${c.message}`).sort(),
      [
        'spec.containers[0].volumeMounts[0].subPath: Invalid value: "../etc": must not contain \'..\'',
        'spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type',
      ].sort(),
    );
  });
});
