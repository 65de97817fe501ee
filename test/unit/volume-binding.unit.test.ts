/**
 * The PV controller's decisions (plan.ts), the local-path provisioner's (provision.ts), volume
 * matching (shared/storage/binding.ts) and the storage kinds' validation, table-driven.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../shared/resources/storage-types.js';
import { ANN, PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER } from '../../shared/resources/storage-types.js';
import { findBestMatch } from '../../shared/storage/binding.js';
import { REASON_NO_VOLUME_TO_BIND, REASON_SELECTED_NODE, REASON_VOLUME_NODE_AFFINITY, RWOP_CONFLICT, UNBOUND_IMMEDIATE, volumeBinding } from '../../shared/scheduling/volume-binding.js';
import { MESSAGES, planClaim, planVolume } from '../../services/controller-manager/volume/plan.js';
import { planProvision } from '../../services/controller-manager/volume/provision.js';
import { LOCAL_PATH_PROVISIONER, defaultStorageClass, provisionedVolume } from '../../shared/storage/local-path.js';
import { validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validateStorageClass, validateStorageClassUpdate } from '../../shared/resources/storage-validation.js';

const claim = (name: string, extra: { spec?: Record<string, unknown>; ann?: Record<string, string>; status?: Record<string, unknown>; deleting?: boolean; finalizers?: string[] } = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    resourceVersion: '5',
    ...(extra.ann ? { annotations: extra.ann } : {}),
    ...(extra.deleting ? { deletionTimestamp: '2026-12-06T00:00:00Z' } : {}),
    ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
  },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', volumeMode: 'Filesystem', ...(extra.spec ?? {}) },
  status: { phase: 'Pending', ...(extra.status ?? {}) },
});

const volume = (name: string, extra: { spec?: Record<string, unknown>; ann?: Record<string, string>; phase?: string; labels?: Record<string, string>; deleting?: boolean; finalizers?: string[] } = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: {
    name,
    uid: `uid-${name}`,
    resourceVersion: '3',
    ...(extra.ann ? { annotations: extra.ann } : {}),
    ...(extra.labels ? { labels: extra.labels } : {}),
    ...(extra.deleting ? { deletionTimestamp: '2026-12-06T00:00:00Z' } : {}),
    ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
  },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual', volumeMode: 'Filesystem', hostPath: { path: '/data' }, ...(extra.spec ?? {}) },
  status: { phase: extra.phase ?? 'Available' },
});

const refTo = (c: PersistentVolumeClaim, uid = c.metadata.uid) => ({ kind: 'PersistentVolumeClaim', namespace: 'default', name: c.metadata.name, uid, apiVersion: 'v1' });
const onNode = (node: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });
const sc = (name: string, mode: string, provisioner = LOCAL_PATH_PROVISIONER, isDefault = false): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, creationTimestamp: '2026-12-06T00:00:00Z', ...(isDefault ? { annotations: { [ANN.isDefaultClass]: 'true' } } : {}) },
  provisioner,
  reclaimPolicy: 'Delete',
  volumeBindingMode: mode,
});

describe('findBestMatch (findMatchingVolume)', () => {
  const c = claim('c');
  const cases: [string, PersistentVolume[], Parameters<typeof findBestMatch>[2], string | undefined][] = [
    ['an Available volume of the class and size', [volume('a')], {}, 'a'],
    ['the smallest that fits', [volume('big', { spec: { capacity: { storage: '10Gi' } } }), volume('small', { spec: { capacity: { storage: '2Gi' } } })], {}, 'small'],
    ['too small', [volume('a', { spec: { capacity: { storage: '500Mi' } } })], {}, undefined],
    ['another class', [volume('a', { spec: { storageClassName: 'fast' } })], {}, undefined],
    ['access modes not a superset', [volume('a', { spec: { accessModes: ['ReadOnlyMany'] } })], {}, undefined],
    ['another volumeMode', [volume('a', { spec: { volumeMode: 'Block' } })], {}, undefined],
    ['bound to another claim', [volume('a', { spec: { claimRef: refTo(claim('other')) } })], {}, undefined],
    ['Released', [volume('a', { phase: 'Released' })], {}, undefined],
    ['being deleted', [volume('a', { deleting: true })], {}, undefined],
    ['pre-bound to this claim wins over a better fit', [volume('x', { spec: { capacity: { storage: '1Gi' } } }), volume('pre', { spec: { capacity: { storage: '5Gi' }, claimRef: refTo(c, '') } })], {}, 'pre'],
    ['delayed binding without a node: only pre-bound', [volume('a')], { delayBinding: true }, undefined],
    ['node affinity on another node', [volume('a', { spec: { nodeAffinity: onNode('n2') } })], { node: 'n1' }, undefined],
    ['node affinity on the node', [volume('a', { spec: { nodeAffinity: onNode('n1') } })], { node: 'n1' }, 'a'],
  ];
  for (const [name, vols, opts, want] of cases) it(name, () => assert.equal(findBestMatch(c, vols, opts)?.metadata.name, want));

  it('a selector must match the labels', () => {
    const sel = claim('s', { spec: { selector: { matchLabels: { tier: 'db' } } } });
    assert.equal(findBestMatch(sel, [volume('a'), volume('b', { labels: { tier: 'db' } })])?.metadata.name, 'b');
  });
});

describe('planClaim (syncClaim)', () => {
  const base = { classes: [sc('manual', 'Immediate', 'kubernetes.io/no-provisioner')], inUse: false };
  const c = claim('c');
  type Row = [string, PersistentVolumeClaim, Partial<Parameters<typeof planClaim>[1]>, string | undefined, string | undefined];
  const bound = volume('v', { spec: { claimRef: refTo(c) }, phase: 'Bound' });
  const rows: Row[] = [
    ['unbound, a volume matches: the volume gets the claimRef first', c, { volumes: [volume('v')] }, 'updateVolume', undefined],
    ['claimRef set, volume not Bound yet: volume status', c, { volumes: [volume('v', { spec: { claimRef: refTo(c) } })] }, 'updateVolumeStatus', undefined],
    ['volume Bound: the claim gets volumeName and bind-completed', c, { volumes: [bound] }, 'updateClaim', undefined],
    ['claim bound: its status', claim('c', { spec: { volumeName: 'v' }, ann: { [ANN.bindCompleted]: 'yes' } }), { volumes: [bound] }, 'updateClaimStatus', undefined],
    ['fully bound: nothing', claim('c', { spec: { volumeName: 'v' }, ann: { [ANN.bindCompleted]: 'yes' }, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } }), { volumes: [bound] }, undefined, undefined],
    ['no volume, no provisioner that runs: ExternalProvisioning after the annotation', claim('c', { ann: { [ANN.storageProvisioner]: 'kubernetes.io/no-provisioner', [ANN.betaStorageProvisioner]: 'kubernetes.io/no-provisioner' } }), { volumes: [] }, undefined, 'ExternalProvisioning'],
    ['no volume: handed to the class provisioner', c, { volumes: [] }, 'updateClaim', undefined],
    ['WaitForFirstConsumer without a node', claim('w', { spec: { storageClassName: 'local-path' } }), { volumes: [], classes: [defaultStorageClass()] }, undefined, 'WaitForFirstConsumer'],
    ['WaitForFirstConsumer, a pod not scheduled yet', claim('w', { spec: { storageClassName: 'local-path' } }), { volumes: [], classes: [defaultStorageClass()], unscheduledPods: ['web-0'] }, undefined, 'WaitForPodScheduled'],
    ['nil class: a volume without a class is taken before the default class', claim('n', { spec: { storageClassName: undefined } }), { volumes: [volume('plain', { spec: { storageClassName: undefined } })], classes: [defaultStorageClass()] }, 'updateVolume', undefined],
    ['bind-completed, volumeName empty: Lost', claim('c', { ann: { [ANN.bindCompleted]: 'yes' }, status: { phase: 'Bound' } }), { volumes: [] }, 'updateClaimStatus', 'ClaimLost'],
    ['WaitForFirstConsumer with a selected node: to the provisioner', claim('w', { spec: { storageClassName: 'local-path' }, ann: { [ANN.selectedNode]: 'n1' } }), { volumes: [], classes: [defaultStorageClass()] }, 'updateClaim', undefined],
    ['class missing', claim('m', { spec: { storageClassName: 'nope' } }), { volumes: [] }, undefined, 'ProvisioningFailed'],
    ['no class (empty string): FailedBinding', claim('e', { spec: { storageClassName: '' } }), { volumes: [] }, undefined, 'FailedBinding'],
    ['nil class, a default exists: assigned', claim('n', { spec: { storageClassName: undefined } }), { volumes: [], classes: [defaultStorageClass()] }, 'updateClaim', undefined],
    ['volumeName names a volume bound elsewhere', claim('c', { spec: { volumeName: 'x' } }), { volumes: [volume('x', { spec: { claimRef: refTo(claim('other')) } })] }, undefined, 'FailedBinding'],
    ['bind-completed, volume gone: Lost', claim('c', { spec: { volumeName: 'gone' }, ann: { [ANN.bindCompleted]: 'yes' }, status: { phase: 'Bound' } }), { volumes: [] }, 'updateClaimStatus', 'ClaimLost'],
    ['bind-completed, volume bound to another claim: Misbound', claim('c', { spec: { volumeName: 'x' }, ann: { [ANN.bindCompleted]: 'yes' }, status: { phase: 'Bound' } }), { volumes: [volume('x', { spec: { claimRef: refTo(claim('other')) } })] }, 'updateClaimStatus', 'ClaimMisbound'],
    ['deleting, in use: keeps pvc-protection', claim('c', { deleting: true, finalizers: [PVC_PROTECTION_FINALIZER] }), { volumes: [], inUse: true }, undefined, undefined],
    ['deleting, not in use: pvc-protection removed', claim('c', { deleting: true, finalizers: [PVC_PROTECTION_FINALIZER] }), { volumes: [] }, 'updateClaim', undefined],
  ];
  for (const [name, cl, inputs, action, event] of rows) {
    it(name, () => {
      const plan = planClaim(cl, { ...base, volumes: [], ...inputs });
      assert.equal(plan.action?.type, action);
      assert.equal(plan.event?.reason, event);
    });
  }

  it('the bind writes carry Kubernetes annotations', () => {
    const v = planClaim(c, { ...base, volumes: [volume('v')] }).action;
    assert.ok(v?.type === 'updateVolume');
    assert.equal(v.volume.metadata.annotations?.[ANN.boundByController], 'yes');
    assert.equal(v.volume.spec?.claimRef?.uid, 'uid-c');
    const cl = planClaim(c, { ...base, volumes: [bound] }).action;
    assert.ok(cl?.type === 'updateClaim');
    assert.equal(cl.claim.spec?.volumeName, 'v');
    assert.equal(cl.claim.metadata.annotations?.[ANN.bindCompleted], 'yes');
    assert.equal(cl.claim.metadata.annotations?.[ANN.boundByController], 'yes');
    const n = planClaim(claim('n', { spec: { storageClassName: undefined } }), { ...base, volumes: [], classes: [sc('old', 'Immediate', 'p', true), { ...sc('new', 'Immediate', 'p', true), metadata: { name: 'new', creationTimestamp: '2026-12-07T00:00:00Z', annotations: { [ANN.isDefaultClass]: 'true' } } }] }).action;
    assert.ok(n?.type === 'updateClaim');
    assert.equal(n.claim.spec?.storageClassName, 'new', 'the newest default class');
  });
  it('messages are Kubernetes\'', () => {
    assert.equal(planClaim(claim('w', { spec: { storageClassName: 'local-path' } }), { ...base, volumes: [], classes: [defaultStorageClass()] }).event?.message, 'waiting for first consumer to be created before binding');
    assert.equal(planClaim(claim('w', { spec: { storageClassName: 'local-path' } }), { ...base, volumes: [], classes: [defaultStorageClass()], unscheduledPods: ['a', 'b'] }).event?.message, 'waiting for pods a,b to be scheduled');
    assert.equal(planClaim(claim('c', { spec: { volumeName: 'gone' }, ann: { [ANN.bindCompleted]: 'yes' } }), { ...base, volumes: [] }).event?.message, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    assert.equal(MESSAGES.waitForPodScheduled(['x']), 'waiting for pod x to be scheduled');
  });
});

describe('planVolume (syncVolume, pv-protection)', () => {
  const c = claim('c', { spec: { volumeName: 'v' } });
  const local = { [ANN.provisionedBy]: LOCAL_PATH_PROVISIONER };
  const rows: [string, PersistentVolume, PersistentVolumeClaim | undefined, string | undefined, string | undefined][] = [
    ['new, no claimRef: Available', volume('v', { phase: 'Pending' }), undefined, 'updateVolumeStatus', undefined],
    ['Available already: nothing', volume('v'), undefined, undefined, undefined],
    ['pre-bound without uid: Available', volume('v', { phase: 'Pending', spec: { claimRef: { name: 'c', namespace: 'default' } } }), undefined, 'updateVolumeStatus', undefined],
    ['claim bound to it: Bound', volume('v', { spec: { claimRef: refTo(c) } }), c, 'updateVolumeStatus', undefined],
    ['claim gone: Released', volume('v', { phase: 'Bound', spec: { claimRef: refTo(c) } }), undefined, 'updateVolumeStatus', undefined],
    ['claim recreated with another uid: Released', volume('v', { phase: 'Bound', spec: { claimRef: refTo(c, 'old-uid') } }), c, 'updateVolumeStatus', undefined],
    ['Released, Retain: stays', volume('v', { phase: 'Released', spec: { claimRef: refTo(c) } }), undefined, undefined, undefined],
    ['Released, Delete, local-path: deleted', volume('v', { phase: 'Released', ann: local, spec: { claimRef: refTo(c), persistentVolumeReclaimPolicy: 'Delete' } }), undefined, 'deleteVolume', undefined],
    ['Released, Delete, not ours: Failed', volume('v', { phase: 'Released', spec: { claimRef: refTo(c), persistentVolumeReclaimPolicy: 'Delete' } }), undefined, 'updateVolumeStatus', 'VolumeFailedDelete'],
    ['deleting, Bound: keeps pv-protection', volume('v', { phase: 'Bound', deleting: true, finalizers: [PV_PROTECTION_FINALIZER], spec: { claimRef: refTo(c) } }), c, undefined, undefined],
    ['deleting, Released: pv-protection removed', volume('v', { phase: 'Released', deleting: true, finalizers: [PV_PROTECTION_FINALIZER], spec: { claimRef: refTo(c) } }), undefined, 'updateVolume', undefined],
    ['claim bound elsewhere, we bound it: unbind', volume('v', { ann: { [ANN.boundByController]: 'yes' }, phase: 'Bound', spec: { claimRef: refTo(c) } }), claim('c', { spec: { volumeName: 'other' } }), 'updateVolume', undefined],
  ];
  for (const [name, pv, cl, action, event] of rows) {
    it(name, () => {
      const plan = planVolume(pv, cl);
      assert.equal(plan.action?.type, action);
      assert.equal(plan.event?.reason, event);
    });
  }
});

describe('planProvision (local-path)', () => {
  const lp = defaultStorageClass();
  const handed = { [ANN.storageProvisioner]: LOCAL_PATH_PROVISIONER };
  const c = claim('data', { spec: { storageClassName: 'local-path' }, ann: { ...handed, [ANN.selectedNode]: 'n1' } });
  it('creates a hostPath volume on the selected node, pre-bound to the claim', () => {
    const d = planProvision(c, [lp], () => false);
    assert.ok(d.type === 'create');
    assert.deepEqual(d.volume, provisionedVolume(c, lp, 'n1'));
    assert.equal(d.volume.metadata.name, 'pvc-uid-data');
    assert.equal(d.volume.spec?.hostPath?.path, '/var/lib/jetkube/storage/pvc-uid-data_default_data');
    assert.deepEqual(d.volume.spec?.nodeAffinity, onNode('n1'));
    assert.equal(d.volume.spec?.claimRef?.uid, 'uid-data');
    assert.equal(d.volume.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.deepEqual(d.volume.spec?.capacity, { storage: '1Gi' });
  });
  const rows: [string, PersistentVolumeClaim, boolean, string][] = [
    ['made before', c, true, 'none'],
    ['not handed to us', claim('x', { spec: { storageClassName: 'local-path' } }), false, 'none'],
    ['bound already', claim('x', { spec: { storageClassName: 'local-path', volumeName: 'v' }, ann: handed }), false, 'none'],
    ['no node', claim('x', { spec: { storageClassName: 'local-path' }, ann: handed }), false, 'fail'],
    ['a selector', claim('x', { spec: { storageClassName: 'local-path', selector: { matchLabels: { a: 'b' } } }, ann: { ...handed, [ANN.selectedNode]: 'n1' } }), false, 'fail'],
    ['a dataSource', claim('x', { spec: { storageClassName: 'local-path', dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } }, ann: { ...handed, [ANN.selectedNode]: 'n1' } }), false, 'fail'],
    ['class parameters', claim('x', { spec: { storageClassName: 'local-path' }, ann: { ...handed, [ANN.selectedNode]: 'n1' } }), false, 'fail-params'],
    ['volumeMode Block', claim('x', { spec: { storageClassName: 'local-path', volumeMode: 'Block' }, ann: { ...handed, [ANN.selectedNode]: 'n1' } }), false, 'fail'],
  ];
  for (const [name, cl, exists, want] of rows) {
    it(name, () => {
      if (want === 'fail-params') {
        const d = planProvision(cl, [{ ...lp, parameters: { nodePath: '/x' } }], () => exists);
        assert.ok(d.type === 'fail');
        assert.match(d.event.message, /takes no parameters \(got nodePath\)/);
      } else assert.equal(planProvision(cl, [lp], () => exists).type, want);
    });
  }
});

describe('storage validation', () => {
  const msgs = (cs: { field?: string; message?: string }[]) => cs.map((c) => `${c.field}: ${c.message}`);
  it('PersistentVolumeClaim', () => {
    assert.deepEqual(msgs(validatePersistentVolumeClaim(claim('c'))), []);
    assert.deepEqual(msgs(validatePersistentVolumeClaim(claim('c', { spec: { accessModes: [], resources: {} } }))), [
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    assert.deepEqual(msgs(validatePersistentVolumeClaim(claim('c', { spec: { accessModes: ['Sometimes'], resources: { requests: { storage: '0' } } } }))), [
      'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]);
  });
  it('PersistentVolumeClaim update: spec immutable except volumeName once and class from nil', () => {
    const old = claim('c');
    assert.deepEqual(msgs(validatePersistentVolumeClaimUpdate(claim('c', { spec: { volumeName: 'v' } }), old)), []);
    assert.deepEqual(msgs(validatePersistentVolumeClaimUpdate(claim('c', { spec: { accessModes: ['ReadWriteMany'] } }), old)), [
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    assert.deepEqual(msgs(validatePersistentVolumeClaimUpdate(claim('c', { spec: { storageClassName: 'x' } }), claim('c', { spec: { storageClassName: undefined } }))), []);
    assert.equal(validatePersistentVolumeClaimUpdate(claim('c', { spec: { resources: { requests: { storage: '2Gi' } } }, status: { phase: 'Bound' } }), claim('c', { status: { phase: 'Bound' } }))[0]?.field, 'spec.resources.requests.storage');
  });
  it('PersistentVolume', () => {
    assert.deepEqual(msgs(validatePersistentVolume(volume('v'))), []);
    const bad = volume('v', { spec: { capacity: {}, accessModes: [], hostPath: undefined, persistentVolumeReclaimPolicy: 'Keep' } });
    assert.deepEqual(msgs(validatePersistentVolume(bad)), [
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: {}: supported values: "storage"',
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      'spec: Required value: must specify a volume type',
    ]);
    assert.deepEqual(msgs(validatePersistentVolume(volume('v', { spec: { local: { path: '/x' } } }))), [
      'spec.local: Forbidden: may not specify more than 1 volume type',
    ]);
    assert.deepEqual(msgs(validatePersistentVolume(volume('v', { spec: { hostPath: undefined, local: { path: '/x' } } }))), [
      'spec.nodeAffinity: Required value: Local volume requires node affinity',
    ]);
  });
  it('StorageClass', () => {
    assert.deepEqual(msgs(validateStorageClass(defaultStorageClass())), []);
    assert.deepEqual(msgs(validateStorageClass({ ...defaultStorageClass(), provisioner: '', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' })), [
      'provisioner: Required value',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]);
    assert.deepEqual(msgs(validateStorageClassUpdate({ ...defaultStorageClass(), parameters: { a: 'b' }, provisioner: 'x.io/y' }, defaultStorageClass())), [
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
    ]);
  });
});

describe('volumeBinding (the scheduler\'s VolumeBinding plugin)', () => {
  const lp = defaultStorageClass();
  const manual = sc('manual', 'Immediate', 'kubernetes.io/no-provisioner');
  const local = sc('local', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner');
  const podWith = (...claims: string[]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x' }], volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) },
  }) as unknown as Parameters<typeof volumeBinding>[0];
  const lookup = (claims: PersistentVolumeClaim[], vols: PersistentVolume[] = []) => ({
    claim: (_ns: string, n: string) => claims.find((c) => c.metadata.name === n),
    volume: (n: string) => vols.find((v) => v.metadata.name === n),
    storageClass: (n: string) => [lp, manual, local].find((s) => s.metadata.name === n),
    volumes: () => vols,
  });
  const labels = new Map<string, string>();
  const boundClaim = claim('b', { spec: { volumeName: 'v' }, status: { phase: 'Bound' } });
  const boundPv = volume('v', { spec: { claimRef: refTo(boundClaim), nodeAffinity: onNode('n1') }, phase: 'Bound' });
  it('no claims: nothing to do', () => assert.deepEqual(volumeBinding(podWith(), lookup([])), { ok: true, toSelect: [], waiting: false }));
  const refusals: [string, PersistentVolumeClaim[], string][] = [
    ['missing claim', [], 'persistentvolumeclaim "b" not found'],
    ['claim being deleted', [claim('b', { deleting: true })], 'persistentvolumeclaim "b" is being deleted'],
    ['unbound Immediate claim', [claim('b')], UNBOUND_IMMEDIATE],
  ];
  for (const [name, claims, msg] of refusals) {
    it(name, () => {
      const r = volumeBinding(podWith('b'), lookup(claims));
      assert.ok(!r.ok);
      assert.equal(r.message, msg);
    });
  }
  it('ReadWriteOncePod: a second pod is refused while another uses the claim', () => {
    const rwop = claim('b', { spec: { accessModes: ['ReadWriteOncePod'], volumeName: 'v' }, status: { phase: 'Bound' } });
    const l = { ...lookup([rwop], [boundPv]), claimUsers: () => ['other'] };
    const r = volumeBinding(podWith('b'), l);
    assert.ok(!r.ok);
    assert.equal(r.message, RWOP_CONFLICT);
    assert.ok(volumeBinding(podWith('b'), { ...l, claimUsers: () => [] }).ok);
  });
  it('a bound volume keeps the pod on its node', () => {
    const r = volumeBinding(podWith('b'), lookup([boundClaim], [boundPv]));
    assert.ok(r.ok && r.filter);
    assert.equal(r.filter('n1', labels), undefined);
    assert.equal(r.filter('n2', labels), REASON_VOLUME_NODE_AFFINITY);
    assert.equal(r.waiting, false);
  });
  it('an unbound WaitForFirstConsumer claim: any node the class can provision on; the claim gets the node', () => {
    const r = volumeBinding(podWith('w'), lookup([claim('w', { spec: { storageClassName: 'local-path' } })]));
    assert.ok(r.ok && r.filter);
    assert.equal(r.filter('n2', labels), undefined);
    assert.deepEqual(r.toSelect, ['w']);
    assert.equal(r.waiting, true);
  });
  it('a node already selected: only that node, and the pod waits', () => {
    const r = volumeBinding(podWith('w'), lookup([claim('w', { spec: { storageClassName: 'local-path' }, ann: { [ANN.selectedNode]: 'n1' } })]));
    assert.ok(r.ok && r.filter);
    assert.equal(r.filter('n2', labels), REASON_SELECTED_NODE);
    assert.equal(r.filter('n1', labels), undefined);
    assert.deepEqual(r.toSelect, []);
    assert.equal(r.waiting, true);
  });
  it('no provisioner: only nodes with a matching volume', () => {
    const r = volumeBinding(podWith('l'), lookup([claim('l', { spec: { storageClassName: 'local' } })], [volume('lv', { spec: { storageClassName: 'local', local: { path: '/mnt' }, hostPath: undefined, nodeAffinity: onNode('n1') } })]));
    assert.ok(r.ok && r.filter);
    assert.equal(r.filter('n1', labels), undefined);
    assert.equal(r.filter('n2', labels), REASON_NO_VOLUME_TO_BIND);
  });
});

describe('pod volumes: persistentVolumeClaim', () => {
  it('claimName is required', async () => {
    const { validatePodSpec } = await import('../../shared/resources/pod-validation.js');
    const causes = validatePodSpec({ containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: {} }] } as never, 'spec');
    assert.deepEqual(causes.map((c) => `${c.field}: ${c.message}`), ['spec.volumes[0].persistentVolumeClaim.claimName: Required value']);
  });
});
