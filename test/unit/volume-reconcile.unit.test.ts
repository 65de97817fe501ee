/**
 * The PV controller's and the local-path provisioner's reconcilers against the in-memory writer:
 * a claim is provisioned and bound step by step; once converged, reconciling every key again (a
 * redelivered event, twice) writes nothing and records no event; a released Delete volume is deleted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import { ManualClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Pod } from '../../shared/resources/types.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../shared/resources/storage-types.js';
import { persistentVolumeReconciler, provisionerReconciler } from '../../services/controller-manager/volume/controller.js';
import { defaultStorageClass } from '../../shared/storage/local-path.js';
import { T0, cacheOf } from './controller-fixtures.js';

const silent = createLogger('test', 'silent');

function setup() {
  const writer = new MemoryWriter(new ManualClock(T0));
  writer.seed<StorageClass>('storageclasses', defaultStorageClass());
  writer.seed<PersistentVolumeClaim>('persistentvolumeclaims', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default', uid: 'uid-data', annotations: { 'volume.kubernetes.io/selected-node': 'n1' }, finalizers: ['kubernetes.io/pvc-protection'] },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    status: { phase: 'Pending' },
  });
  const claims = cacheOf<PersistentVolumeClaim>('persistentvolumeclaims');
  const volumes = cacheOf<PersistentVolume>('persistentvolumes');
  const classes = cacheOf<StorageClass>('storageclasses');
  const pods = cacheOf<Pod>('pods');
  const events: string[] = [];
  const recorder = { record: (_o: KObject, _t: string, reason: string) => void events.push(reason) };
  const pv = persistentVolumeReconciler({ claims, volumes, classes, pods, writer, recorder, log: silent });
  const prov = provisionerReconciler({ claims, volumes, classes, writer, recorder, log: silent });
  const catchUp = async () => {
    const cl = await writer.resource<PersistentVolumeClaim>('persistentvolumeclaims').listAll();
    for (const c of claims.list()) if (!cl.some((x) => x.metadata.name === c.metadata.name)) claims.drop(c);
    claims.feed(...cl);
    const vl = await writer.resource<PersistentVolume>('persistentvolumes').listAll();
    for (const v of volumes.list()) if (!vl.some((x) => x.metadata.name === v.metadata.name)) volumes.drop(v);
    volumes.feed(...vl);
    classes.feed(...(await writer.resource<StorageClass>('storageclasses').listAll()));
  };
  /** Every key once, as the handlers would queue them. */
  const round = async () => {
    for (const c of claims.list()) {
      await pv(`claim:default/${c.metadata.name}`);
      await prov(`default/${c.metadata.name}`);
    }
    for (const v of volumes.list()) await pv(`volume:${v.metadata.name}`);
    await catchUp();
  };
  return { writer, events, round, catchUp };
}

describe('PV controller and provisioner reconcile (in-memory writer)', () => {
  it('provisions and binds, then a redelivery (twice) writes nothing', async () => {
    const t = setup();
    await t.catchUp();
    for (let i = 0; i < 12; i++) await t.round();
    const claim = await t.writer.resource<PersistentVolumeClaim>('persistentvolumeclaims').get('default', 'data');
    assert.equal(claim.status?.phase, 'Bound');
    assert.equal(claim.spec?.storageClassName, 'local-path');
    assert.equal(claim.spec?.volumeName, 'pvc-uid-data');
    const pv = await t.writer.resource<PersistentVolume>('persistentvolumes').get(undefined, 'pvc-uid-data');
    assert.equal(pv.status?.phase, 'Bound');
    const writes = t.writer.writes().length;
    const events = t.events.length;
    await t.round();
    await t.round();
    assert.equal(t.writer.writes().length, writes, JSON.stringify(t.writer.writes().slice(writes)));
    assert.equal(t.events.length, events);
    assert.ok(t.events.includes('ProvisioningSucceeded'));
  });

  it('a deleted claim releases its volume, which (reclaim Delete, local-path) is deleted', async () => {
    const t = setup();
    await t.catchUp();
    for (let i = 0; i < 12; i++) await t.round();
    const claims = t.writer.resource<PersistentVolumeClaim>('persistentvolumeclaims');
    const c = await claims.get('default', 'data');
    await claims.update({ ...c, metadata: { ...c.metadata, finalizers: [] } } as PersistentVolumeClaim);
    await claims.delete('default', 'data');
    await t.catchUp();
    for (let i = 0; i < 4; i++) await t.round();
    assert.equal(t.writer.count('delete', 'persistentvolumes'), 1);
  });
});
