/**
 * Persistent storage on real NATS and Postgres: gateway + projector + controller-manager
 * (persistentvolume-binder, local-path-provisioner). The default StorageClass is there; a claim
 * without a class gets it and waits for its first consumer; once a node is selected (what the
 * scheduler does) the provisioner makes the volume and the two are bound; a claim in use by a pod
 * stays (pvc-protection) until the pod is gone; reclaim Delete removes the volume, Retain leaves
 * it Released; a bound volume stays (pv-protection) until released; restarting the
 * controller-manager twice (every object redelivered) writes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../stack.js';
import { eventually, listEvents, quiescent, startControllerStack, type ControllerStack } from '../controller-stack.js';

const NS = '/api/v1/namespaces/default';
const PVC = `${NS}/persistentvolumeclaims`;
const PV = '/api/v1/persistentvolumes';
const SC = '/apis/storage.k8s.io/v1/storageclasses';

const claim = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } }, ...spec },
});

async function get(url: string, path: string): Promise<any | undefined> {
  const r = await api(url, 'GET', path);
  if (r.status === 404) return undefined;
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

describe('persistent storage (int)', () => {
  let cs: ControllerStack;
  let url: string;

  before(async () => {
    cs = await startControllerStack('storage', ['persistentvolume-binder', 'local-path-provisioner']);
    url = cs.url;
  });
  after(async () => cs?.close());

  it('the default StorageClass local-path exists, and kubectl columns come from the server', async () => {
    const sc = await get(url, `${SC}/local-path`);
    assert.equal(sc.provisioner, 'jetkube.io/local-path');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
    assert.equal(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true');
    const r = await fetch(`${url}${SC}`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const table = (await r.json()) as { rows: { cells: unknown[] }[] };
    assert.deepEqual(table.rows[0]!.cells.slice(0, 5), ['local-path (default)', 'jetkube.io/local-path', 'Delete', 'WaitForFirstConsumer', false]);
  });

  it('a claim gets the default class, waits for its consumer, is provisioned on the selected node and bound', async () => {
    const created = await api(url, 'POST', PVC, claim('data'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    assert.equal(created.body.status.phase, 'Pending');
    const classed = await eventually('default class assigned', async () => {
      const c = await get(url, `${PVC}/data`);
      return c.spec.storageClassName === 'local-path' && c;
    });
    await eventually('WaitForFirstConsumer event', async () => (await listEvents(url)).find((e) => e.involvedObject.name === 'data' && e.reason === 'WaitForFirstConsumer'));
    assert.equal(classed.status.phase, 'Pending');
    // The scheduler's part: the node it chose for the claim's first pod.
    const ann = await api(url, 'PATCH', `${PVC}/data`, { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } }, 'application/merge-patch+json');
    assert.equal(ann.status, 200, JSON.stringify(ann.body));
    const bound = await eventually('claim Bound', async () => {
      const c = await get(url, `${PVC}/data`);
      return c.status.phase === 'Bound' && c;
    });
    const pvName = `pvc-${bound.metadata.uid}`;
    assert.equal(bound.spec.volumeName, pvName);
    assert.equal(bound.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(bound.metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'jetkube.io/local-path');
    assert.deepEqual(bound.status.capacity, { storage: '64Mi' });
    assert.deepEqual(bound.status.accessModes, ['ReadWriteOnce']);
    const pv = await eventually('volume Bound', async () => {
      const v = await get(url, `${PV}/${pvName}`);
      return v?.status.phase === 'Bound' && v;
    });
    assert.equal(pv.spec.claimRef.uid, bound.metadata.uid);
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, ['node-a']);
    assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
    assert.equal(pv.metadata.annotations['pv.kubernetes.io/provisioned-by'], 'jetkube.io/local-path');
    const events = await listEvents(url);
    assert.ok(events.some((e) => e.reason === 'ProvisioningSucceeded' && e.message === `Successfully provisioned volume ${pvName}`));
  });

  it('every object redelivered twice (two controller-manager restarts) writes nothing', async () => {
    const before = await quiescent(url);
    for (let i = 0; i < 2; i++) {
      await cs.stopControllerManager();
      const cm = await cs.startControllerManager();
      await eventually('controller caches synced', async () => cm.ready());
    }
    assert.equal(await quiescent(url), before);
    // The restarted controllers do work (the quiet above was not a stopped controller).
    await api(url, 'POST', PVC, { ...claim('later'), metadata: { name: 'later', annotations: { 'volume.kubernetes.io/selected-node': 'node-b' } } });
    await eventually('later Bound', async () => (await get(url, `${PVC}/later`)).status.phase === 'Bound');
  });

  it('pvc-protection: a claim used by a pod stays until the pod is gone; then reclaim Delete removes its volume', async () => {
    const c = await get(url, `${PVC}/data`);
    const pvName = c.spec.volumeName as string;
    const pod = await api(url, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    });
    assert.equal(pod.status, 201, JSON.stringify(pod.body));
    const del = await api(url, 'DELETE', `${PVC}/data`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    await quiescent(url);
    const held = await get(url, `${PVC}/data`);
    assert.ok(held.metadata.deletionTimestamp, 'marked for deletion');
    assert.deepEqual(held.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    assert.equal((await api(url, 'DELETE', `${NS}/pods/user?gracePeriodSeconds=0`)).status, 200);
    await eventually('claim gone', async () => (await get(url, `${PVC}/data`)) === undefined);
    await eventually('volume deleted (reclaim Delete)', async () => (await get(url, `${PV}/${pvName}`)) === undefined);
  });

  it('reclaim Retain leaves the volume Released; pv-protection holds a bound volume', async () => {
    const sc = await api(url, 'POST', SC, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner' });
    assert.equal(sc.status, 201, JSON.stringify(sc.body));
    assert.equal(sc.body.volumeBindingMode, 'Immediate');
    const pv = await api(url, 'POST', PV, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'static-1' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/tmp/static-1' } },
    });
    assert.equal(pv.status, 201, JSON.stringify(pv.body));
    assert.equal(pv.body.spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal((await api(url, 'POST', PVC, claim('static', { storageClassName: 'manual' }))).status, 201);
    await eventually('static claim Bound', async () => (await get(url, `${PVC}/static`)).status.phase === 'Bound');
    assert.equal((await get(url, `${PV}/static-1`)).metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    // pv-protection: deleting a bound volume only marks it.
    assert.equal((await api(url, 'DELETE', `${PV}/static-1`)).status, 200);
    await quiescent(url);
    const marked = await get(url, `${PV}/static-1`);
    assert.ok(marked.metadata.deletionTimestamp);
    assert.equal(marked.status.phase, 'Bound');
    // Release it: the claim goes, the volume is Released, then (being deleted) it goes too.
    assert.equal((await api(url, 'DELETE', `${PVC}/static`)).status, 200);
    await eventually('static volume gone once released', async () => (await get(url, `${PV}/static-1`)) === undefined);
    // Retain without a delete: Released, kept.
    await api(url, 'POST', PV, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'static-2' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/tmp/static-2' } } });
    await api(url, 'POST', PVC, claim('keep', { storageClassName: 'manual' }));
    await eventually('keep Bound', async () => (await get(url, `${PVC}/keep`)).status.phase === 'Bound');
    assert.equal((await api(url, 'DELETE', `${PVC}/keep`)).status, 200);
    await eventually('static-2 Released', async () => (await get(url, `${PV}/static-2`)).status.phase === 'Released');
    await quiescent(url);
    assert.equal((await get(url, `${PV}/static-2`)).status.phase, 'Released');
  });

  it('validation: Kubernetes messages and field causes', async () => {
    const r = await api(url, 'POST', PVC, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'bad' }, spec: { resources: { requests: {} } } });
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.details.causes.map((c: any) => c.field), ['spec.accessModes', 'spec.resources[storage]']);
    const sc = await api(url, 'PUT', `${SC}/manual`, { ...(await get(url, `${SC}/manual`)), reclaimPolicy: 'Retain' });
    assert.equal(sc.status, 422);
    assert.match(sc.body.message, /updates to reclaimPolicy are forbidden/);
  });
});
