/**
 * Persistent storage on the process runtime, end to end: the control plane (`jetkube up --nodes 0`:
 * gateway, projector, scheduler, controller-manager with the PV controller and the local-path
 * provisioner) and one kubelet (`jetkube kubelet --runtime process`). A pod writes a file to its
 * claim (the default class, WaitForFirstConsumer: the scheduler selects the node, the provisioner
 * makes the volume under the kubelet's root), is deleted, and a new pod reads the file; a claim
 * that cannot bind keeps its pod Pending; a StatefulSet's volumeClaimTemplates give each pod its own
 * claim, and with whenDeleted Delete the claims, volumes and directories go with the set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig } from '../harness.js';
import { api } from '../stack.js';
import { eventually } from '../controller-stack.js';
import { freePort } from '../private-nats.js';
import { startJetkube, stop } from './cli.js';
import { killContainers, startProcessKubelet } from './cluster.js';

const NS = '/api/v1/namespaces/default';
const RUN = Math.random().toString(36).slice(2, 7);
const NODE_NAME = `node-pv-${RUN}`;

describe('persistent storage with the process runtime, end to end', () => {
  let cfg: Config;
  let base: string;
  let up: ChildProcess;
  let kubelet: ChildProcess;
  let work: string;
  let root: string;

  before(async () => {
    cfg = await testConfig('kstor', { port: await freePort() });
    base = `http://127.0.0.1:${cfg.port}`;
    work = mkdtempSync(join(tmpdir(), 'jetkube-e2e-storage-'));
    root = join(work, NODE_NAME);
    up = await startJetkube(['up', '--insecure', '--nodes', '0'], cfg, `${base}/readyz`);
    kubelet = await startProcessKubelet(cfg, base, NODE_NAME, root);
    await eventually('node Ready', async () => {
      const n = await api(base, 'GET', `/api/v1/nodes/${NODE_NAME}`);
      return n.status === 200 && n.body.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    }, 60_000);
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
  const get = async (path: string) => (await api(base, 'GET', path)).body;
  const finished = (name: string) =>
    eventually(`${name} finished`, async () => {
      const p = await get(`${NS}/pods/${name}`);
      return ['Succeeded', 'Failed'].includes(p.status?.phase) && p;
    }, 90_000);
  const logs = async (name: string) => String((await api(base, 'GET', `${NS}/pods/${name}/log`)).body ?? '');
  const storageDirs = () => (existsSync(join(root, 'storage')) ? readdirSync(join(root, 'storage')) : []);
  const claimPod = (name: string, script: string, claim = 'data') => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }],
    },
  });

  it('a pod writes to its claim, is deleted, and a new pod reads the file', async () => {
    await create(`${NS}/persistentvolumeclaims`, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } });
    await create(`${NS}/pods`, claimPod('writer', 'echo kept > data/msg && cat data/msg'));
    const w = await finished('writer');
    assert.equal(w.status.phase, 'Succeeded', await logs('writer'));
    assert.equal(w.spec.nodeName, NODE_NAME);
    const claim = await get(`${NS}/persistentvolumeclaims/data`);
    assert.equal(claim.status.phase, 'Bound');
    assert.equal(claim.spec.storageClassName, 'local-path');
    assert.equal(claim.metadata.annotations['volume.kubernetes.io/selected-node'], NODE_NAME);
    const dir = `${claim.spec.volumeName}_default_data`;
    assert.equal(readFileSync(join(root, 'storage', dir, 'msg'), 'utf8'), 'kept\n', 'the file is in the volume directory under the kubelet root');
    assert.equal((await api(base, 'DELETE', `${NS}/pods/writer`)).status, 200);
    await eventually('writer gone', async () => (await api(base, 'GET', `${NS}/pods/writer`)).status === 404, 60_000);
    await create(`${NS}/pods`, claimPod('reader', 'cat data/msg'));
    const r = await finished('reader');
    assert.equal(r.status.phase, 'Succeeded');
    assert.equal(await logs('reader'), 'kept\n');
  });

  it('deleting the claim (reclaim Delete) removes the volume and its directory', async () => {
    const claim = await get(`${NS}/persistentvolumeclaims/data`);
    assert.equal((await api(base, 'DELETE', `${NS}/pods/reader`)).status, 200);
    assert.equal((await api(base, 'DELETE', `${NS}/persistentvolumeclaims/data`)).status, 200);
    await eventually('volume deleted', async () => (await api(base, 'GET', `/api/v1/persistentvolumes/${claim.spec.volumeName}`)).status === 404, 60_000);
    await eventually('directory removed by the kubelet', async () => !storageDirs().some((d) => d.startsWith(claim.spec.volumeName)), 60_000);
  });

  it('a claim that cannot bind keeps its pod Pending with a FailedScheduling event', async () => {
    await create('/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nothing' }, provisioner: 'kubernetes.io/no-provisioner' });
    await create(`${NS}/persistentvolumeclaims`, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'stuck' }, spec: { storageClassName: 'nothing', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } });
    await create(`${NS}/pods`, claimPod('waiting', 'true', 'stuck'));
    const ev = await eventually('FailedScheduling', async () => ((await get(`${NS}/events`)).items as any[]).find((e) => e.involvedObject?.name === 'waiting' && e.reason === 'FailedScheduling'), 60_000);
    assert.equal(ev.message, '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.');
    const p = await get(`${NS}/pods/waiting`);
    assert.equal(p.status.phase, 'Pending');
    assert.equal(p.spec.nodeName, undefined);
    await api(base, 'DELETE', `${NS}/pods/waiting?gracePeriodSeconds=0`);
  });

  it('a StatefulSet with volumeClaimTemplates: a claim per pod; whenDeleted Delete takes them with the set', async () => {
    await create('/apis/apps/v1/namespaces/default/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: 'c',
              image: 'busybox',
              env: [{ name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              command: ['sh', '-c', 'echo $ME > www/who; exec sleep 3600'],
              volumeMounts: [{ name: 'www', mountPath: '/www' }],
            }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '8Mi' } } } }],
      },
    });
    const claims = await eventually('both claims Bound', async () => {
      const items = (await get(`${NS}/persistentvolumeclaims?labelSelector=app%3Ddb`)).items as any[];
      return items.length === 2 && items.every((c) => c.status.phase === 'Bound') && items;
    }, 120_000);
    assert.deepEqual(claims.map((c) => c.metadata.name).sort(), ['www-db-0', 'www-db-1']);
    for (const c of claims) {
      const ordinal = c.metadata.name.slice(-1);
      const file = join(root, 'storage', `${c.spec.volumeName}_default_${c.metadata.name}`, 'who');
      await eventually(`db-${ordinal} wrote its file`, async () => existsSync(file) && readFileSync(file, 'utf8') === `db-${ordinal}\n`, 60_000);
    }
    assert.equal((await api(base, 'DELETE', '/apis/apps/v1/namespaces/default/statefulsets/db')).status, 200);
    await eventually('claims deleted with the set', async () => ((await get(`${NS}/persistentvolumeclaims?labelSelector=app%3Ddb`)).items as any[]).length === 0, 120_000);
    for (const c of claims) {
      await eventually(`${c.spec.volumeName} deleted`, async () => (await api(base, 'GET', `/api/v1/persistentvolumes/${c.spec.volumeName}`)).status === 404, 60_000);
    }
  });
});
