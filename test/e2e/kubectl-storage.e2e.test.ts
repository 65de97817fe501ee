/**
 * kubectl 1.32 with storage: `kubectl apply` of a StorageClass, a PersistentVolume and a claim, the
 * PV controller binding them, `kubectl get pv,pvc,sc` (server-side columns) and `kubectl describe`
 * of each kind, and kubectl's error for an invalid claim.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const MANIFEST = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: manual
provisioner: kubernetes.io/no-provisioner
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: disk-1
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /tmp/disk-1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: db
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
`;

describe('kubectl: storage kinds', { skip: KUBECTL_SKIP }, () => {
  const s = kubectlSuite('kstorage');
  let cm: RunningControllerManager | undefined;
  const ok = async (...args: string[]) => {
    const r = await s.kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    cm = await startControllerManager({ ...s.stack.cfg, gatewayUrl: s.stack.url }, createLogger('test', 'silent'), {
      controllers: ['persistentvolume-binder', 'local-path-provisioner'],
      leaderElection: { enabled: false },
    });
  });
  after(async () => cm?.close());

  it('apply, bind, get pv,pvc,sc', async () => {
    await writeFile(join(s.dir, 'storage.yaml'), MANIFEST);
    const applied = await ok('apply', '-f', join(s.dir, 'storage.yaml'));
    assert.match(applied, /storageclass\.storage\.k8s\.io\/manual created/);
    assert.match(applied, /persistentvolume\/disk-1 created/);
    assert.match(applied, /persistentvolumeclaim\/db created/);
    await eventually('db Bound', async () => /db\s+Bound\s+disk-1\s+2Gi\s+RWO\s+manual/.test(await ok('get', 'pvc')), 30_000, 200);
    const out = await ok('get', 'pv,pvc,sc');
    assert.match(out, /NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE/);
    assert.match(out, /persistentvolume\/disk-1\s+2Gi\s+RWO\s+Retain\s+Bound\s+default\/db\s+manual\s+<unset>\s+\d+s/);
    assert.match(out, /NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE/);
    assert.match(out, /persistentvolumeclaim\/db\s+Bound\s+disk-1\s+2Gi\s+RWO\s+manual\s+<unset>\s+\d+s/);
    assert.match(out, /NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE/);
    assert.match(out, /storageclass\.storage\.k8s\.io\/local-path \(default\)\s+jetkube\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/);
    assert.match(out, /storageclass\.storage\.k8s\.io\/manual\s+kubernetes\.io\/no-provisioner\s+Delete\s+Immediate\s+false/);
    const wide = await ok('get', 'pv', '-o', 'wide');
    assert.match(wide, /VOLUMEMODE/);
    assert.match(wide, /disk-1\s.*\sFilesystem/);
  });

  it('describe pvc, pv and sc', async () => {
    const pvc = await ok('describe', 'pvc', 'db');
    assert.match(pvc, /^Name:\s+db$/m);
    assert.match(pvc, /^StorageClass:\s+manual$/m);
    assert.match(pvc, /^Status:\s+Bound$/m);
    assert.match(pvc, /^Volume:\s+disk-1$/m);
    assert.match(pvc, /^Finalizers:\s+\[kubernetes\.io\/pvc-protection\]$/m);
    assert.match(pvc, /^Capacity:\s+2Gi$/m);
    const pv = await ok('describe', 'pv', 'disk-1');
    assert.match(pv, /^Claim:\s+default\/db$/m);
    assert.match(pv, /^Reclaim Policy:\s+Retain$/m);
    assert.match(pv, /^\s+Type:\s+HostPath/m);
    const sc = await ok('describe', 'sc', 'local-path');
    assert.match(sc, /^IsDefaultClass:\s+Yes$/m);
    assert.match(sc, /^VolumeBindingMode:\s+WaitForFirstConsumer$/m);
  });

  it('an invalid claim: kubectl prints the 422 causes', async () => {
    await writeFile(join(s.dir, 'bad.yaml'), 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bad}\nspec: {resources: {requests: {storage: "0"}}}\n');
    const r = await s.kubectl('apply', '-f', join(s.dir, 'bad.yaml'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The PersistentVolumeClaim "bad" is invalid: \n\* spec\.accessModes: Required value: at least 1 access mode is required\n\* spec\.resources\[storage\]: Invalid value: "0": must be greater than zero/);
  });
});
