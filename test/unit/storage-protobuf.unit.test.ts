/** Protobuf request bodies for PersistentVolume, PersistentVolumeClaim and StorageClass (their TOP_LEVEL lines). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoot, decodeProtobufBody, ENVELOPE, MAGIC, MESSAGES, TOP_LEVEL, WRAPPERS } from '../../services/gateway/protobuf/index.js';

const root = buildRoot(MESSAGES, WRAPPERS, ENVELOPE);

function encode(type: string, obj: object): Uint8Array {
  const T = root.lookupType(`jk.${type}`);
  const err = T.verify(obj);
  if (err) throw new Error(`test body for ${type}: ${err}`);
  return T.encode(T.fromObject(obj)).finish();
}

const body = (apiVersion: string, kind: string, obj: object) => Buffer.concat([MAGIC, encode('Unknown', { typeMeta: { apiVersion, kind }, raw: encode(kind, obj) })]);

describe('storage protobuf bodies', () => {
  it('are served', () => {
    assert.deepEqual(TOP_LEVEL.PersistentVolume, ['v1']);
    assert.deepEqual(TOP_LEVEL.PersistentVolumeClaim, ['v1']);
    assert.deepEqual(TOP_LEVEL.StorageClass, ['storage.k8s.io/v1']);
  });

  it('a PersistentVolumeClaim: access modes, storage request, class', () => {
    const o = decodeProtobufBody(body('v1', 'PersistentVolumeClaim', {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: { string: '1Gi' } } }, storageClassName: 'local-path' },
    }), { apiVersion: 'v1', kind: 'PersistentVolumeClaim' }) as Record<string, any>;
    assert.equal(o.kind, 'PersistentVolumeClaim');
    assert.deepEqual(o.spec.accessModes, ['ReadWriteOnce']);
    assert.deepEqual(o.spec.resources.requests, { storage: '1Gi' });
    assert.equal(o.spec.storageClassName, 'local-path');
  });

  it('a StorageClass: provisioner, binding mode, reclaim policy', () => {
    const o = decodeProtobufBody(body('storage.k8s.io/v1', 'StorageClass', {
      metadata: { name: 'fast' },
      provisioner: 'jetkube.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
    }), { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' }) as Record<string, any>;
    assert.equal(o.provisioner, 'jetkube.io/local-path');
    assert.equal(o.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(o.reclaimPolicy, 'Retain');
  });

  it('a PersistentVolume: capacity, hostPath, node affinity', () => {
    const o = decodeProtobufBody(body('v1', 'PersistentVolume', {
      metadata: { name: 'disk' },
      spec: {
        capacity: { storage: { string: '2Gi' } },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeSource: { hostPath: { path: '/srv' } },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
      },
    }), { apiVersion: 'v1', kind: 'PersistentVolume' }) as Record<string, any>;
    assert.deepEqual(o.spec.capacity, { storage: '2Gi' });
    assert.equal(o.spec.hostPath.path, '/srv');
    assert.equal(o.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0], 'n1');
  });
});
