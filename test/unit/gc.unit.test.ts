import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyOwnerReferences,
  decideDependent,
  dependentsOf,
  dependentsToDelete,
  indexByUid,
  planOwnerDeletion,
  removeFinalizerPatch,
  type GcPlan,
  type OwnerGcInput,
} from '../../services/controller-manager/gc/index.js';
import type { KObject } from '../../shared/resources/meta.js';
import { at, deepFreeze, newObject, ownerRef } from './controller-fixtures.js';

// Owners
const deploy = newObject('Deployment', { name: 'web', uid: 'd1' });
const deployForeground = newObject('Deployment', { name: 'web', uid: 'd1', deletionTimestamp: at(0), finalizers: ['foregroundDeletion'] });
const deployOrphan = newObject('Deployment', { name: 'web', uid: 'd1', deletionTimestamp: at(0), finalizers: ['orphan'] });
const otherOwner = newObject('ConfigMap', { name: 'keeper', uid: 'k1' });
const goneOwner = newObject('ConfigMap', { name: 'gone', uid: 'g1' });

// Dependents
const rs1 = newObject('ReplicaSet', { name: 'web-1', uid: 'rs1', ownerReferences: [ownerRef(deploy)] });
const rs2 = newObject('ReplicaSet', { name: 'web-2', uid: 'rs2', ownerReferences: [ownerRef(deploy)] });
const nonBlocking = newObject('ConfigMap', { name: 'nb', uid: 'nb1', ownerReferences: [ownerRef(deploy, { controller: false, blockOwnerDeletion: false })] });
const shared = newObject('ConfigMap', { name: 'shared', uid: 's1', ownerReferences: [ownerRef(deploy, { controller: false }), ownerRef(otherOwner, { controller: false })] });
const sharedWithGone = newObject('ConfigMap', { name: 'shared-gone', uid: 's2', ownerReferences: [ownerRef(deploy, { controller: false }), ownerRef(goneOwner, { controller: false })] });
const terminating = newObject('ReplicaSet', { name: 'web-0', uid: 'rs0', deletionTimestamp: at(0), ownerReferences: [ownerRef(deploy)] });

function plan(owner: KObject | undefined, dependents: KObject[], live: KObject[] = [otherOwner], extra: Partial<OwnerGcInput> = {}): GcPlan {
  return planOwnerDeletion(deepFreeze({ ownerUid: 'd1', owner, dependents, owners: indexByUid(live), ...extra }));
}
const deleted = (p: GcPlan): string[] => p.deletes.map((d) => `${d.target.name}:${d.propagationPolicy}`);
const patched = (p: GcPlan): string[] => p.patches.map((x) => `${x.target.name}:${x.why}:${x.patch.metadata.ownerReferences.map((r) => r.uid).join('+')}`);

describe('classifyOwnerReferences', () => {
  it('solid, dangling and waiting', () => {
    const dep = newObject('Pod', {
      ownerReferences: [ownerRef(otherOwner), ownerRef(goneOwner), ownerRef(deployForeground)],
    });
    const c = classifyOwnerReferences(dep, indexByUid([otherOwner, deployForeground]));
    assert.deepEqual([c.solid, c.dangling, c.waitingForDependentsDeletion].map((x) => x.map((r) => r.uid)), [['k1'], ['g1'], ['d1']]);
  });
  it('an owner being deleted in the background (or orphaning) is still solid', () => {
    const bg = newObject('Deployment', { uid: 'd1', deletionTimestamp: at(0), finalizers: ['example.com/x'] });
    assert.deepEqual(classifyOwnerReferences(rs1, indexByUid([bg])).solid.map((r) => r.uid), ['d1']);
    assert.deepEqual(classifyOwnerReferences(rs1, indexByUid([deployOrphan])).solid.map((r) => r.uid), ['d1']);
  });
  it('accepts a lookup function', () => {
    assert.deepEqual(classifyOwnerReferences(rs1, (uid) => (uid === 'd1' ? deploy : undefined)).solid.length, 1);
  });
});

describe('decideDependent', () => {
  const live = indexByUid([deploy, otherOwner]);
  const cases: [string, KObject, ReturnType<typeof decideDependent>][] = [
    ['no owners', newObject('Pod'), { action: 'none', reason: 'no-owners' }],
    ['solid owner', rs1, { action: 'none', reason: 'has-solid-owner' }],
    ['being deleted', terminating, { action: 'none', reason: 'being-deleted' }],
    [
      'deleting its own dependents',
      newObject('ReplicaSet', { deletionTimestamp: at(0), finalizers: ['foregroundDeletion'], ownerReferences: [ownerRef(goneOwner)] }),
      { action: 'none', reason: 'deleting-dependents' },
    ],
    ['all owners gone', newObject('Pod', { ownerReferences: [ownerRef(goneOwner)] }), { action: 'delete', propagationPolicy: 'Background', unblockOwnerUids: [] }],
    ['solid plus gone', sharedWithGone, { action: 'patch', removeOwnerUids: ['g1'] }],
    [
      'all owners gone, carries orphan finalizer',
      newObject('Pod', { finalizers: ['orphan'], ownerReferences: [ownerRef(goneOwner)] }),
      { action: 'delete', propagationPolicy: 'Orphan', unblockOwnerUids: [] },
    ],
    [
      'all owners gone, carries foregroundDeletion finalizer',
      newObject('Pod', { finalizers: ['foregroundDeletion'], ownerReferences: [ownerRef(goneOwner)] }),
      { action: 'delete', propagationPolicy: 'Foreground', unblockOwnerUids: [] },
    ],
  ];
  for (const [name, dep, want] of cases) it(name, () => assert.deepEqual(decideDependent(dep, live), want));

  it('owner uid mismatch (owner recreated under the same name) is dangling', () => {
    const recreated = newObject('Deployment', { name: 'web', uid: 'd2' });
    assert.deepEqual(decideDependent(rs1, indexByUid([recreated])), { action: 'delete', propagationPolicy: 'Background', unblockOwnerUids: [] });
  });

  it('waiting owner and own dependents: delete in the foreground', () => {
    const owners = indexByUid([deployForeground]);
    const pod = newObject('Pod', { ownerReferences: [ownerRef(rs1)] });
    assert.deepEqual(decideDependent(rs1, owners, [pod]), { action: 'delete', propagationPolicy: 'Foreground', unblockOwnerUids: [] });
    assert.deepEqual(decideDependent(rs1, owners, []), { action: 'delete', propagationPolicy: 'Background', unblockOwnerUids: [] });
  });

  it('a dependent that is itself deleting dependents: unblock, then delete in the foreground (cycle guard)', () => {
    const owners = indexByUid([deployForeground]);
    const child = newObject('Pod', { deletionTimestamp: at(0), finalizers: ['foregroundDeletion'], ownerReferences: [ownerRef(rs1)] });
    assert.deepEqual(decideDependent(rs1, owners, [child]), { action: 'delete', propagationPolicy: 'Foreground', unblockOwnerUids: ['d1'] });
  });
});

describe('planOwnerDeletion: Background (owner gone)', () => {
  it('deletes single-owner dependents', () => {
    const p = plan(undefined, [rs1, rs2]);
    assert.equal(p.mode, 'Background');
    assert.deepEqual(deleted(p), ['web-1:Background', 'web-2:Background']);
    assert.deepEqual(p.patches, []);
    assert.equal(p.removeFinalizer, undefined);
    assert.deepEqual(p.deletes[0]!.target, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'default', name: 'web-1', uid: 'rs1' });
  });
  it('multi-owner: a dependent with a surviving owner only loses the dangling reference', () => {
    const p = plan(undefined, [shared]);
    assert.deepEqual(deleted(p), []);
    assert.deepEqual(patched(p), ['shared:dangling:d1']);
    assert.deepEqual(p.patches[0]!.patch, { metadata: { uid: 's1', ownerReferences: [{ $patch: 'delete', uid: 'd1' }] } });
  });
  it('multi-owner: deleted when all of its owners are gone', () => {
    const p = plan(undefined, [sharedWithGone]);
    assert.deepEqual(deleted(p), ['shared-gone:Background']);
  });
  it('dependents already terminating are left alone; unrelated objects ignored', () => {
    const p = plan(undefined, [terminating, otherOwner]);
    assert.deepEqual([deleted(p), patched(p)], [[], []]);
  });
  it('an owner with another uid is gone', () => {
    const recreated = newObject('Deployment', { name: 'web', uid: 'd2' });
    assert.deepEqual(deleted(plan(recreated, [rs1])), ['web-1:Background']);
  });
  it('dependentsToDelete', () => {
    const input: OwnerGcInput = { ownerUid: 'd1', owner: undefined, dependents: [rs1, shared, sharedWithGone], owners: indexByUid([otherOwner]) };
    assert.deepEqual(dependentsToDelete(input).map((d) => d.metadata.name), ['web-1', 'shared-gone']);
  });
});

describe('planOwnerDeletion: Foreground', () => {
  it('deletes dependents and keeps the finalizer while blocking dependents remain', () => {
    const p = plan(deployForeground, [rs1, rs2]);
    assert.equal(p.mode, 'Foreground');
    assert.deepEqual(deleted(p), ['web-1:Background', 'web-2:Background']);
    assert.equal(p.removeFinalizer, undefined);
  });
  it('terminating dependents still block, and are not deleted again', () => {
    const p = plan(deployForeground, [terminating]);
    assert.deepEqual(deleted(p), []);
    assert.equal(p.removeFinalizer, undefined);
  });
  it('no dependents left: remove the finalizer', () => {
    const p = plan(deployForeground, []);
    assert.deepEqual(p, { mode: 'Foreground', patches: [], deletes: [], removeFinalizer: 'foregroundDeletion' });
  });
  it('only non-blocking dependents: delete them and remove the finalizer now', () => {
    const p = plan(deployForeground, [nonBlocking]);
    assert.deepEqual(deleted(p), ['nb:Background']);
    assert.equal(p.removeFinalizer, 'foregroundDeletion');
  });
  it('multi-owner: a dependent with a solid other owner is detached, not deleted', () => {
    const p = plan(deployForeground, [shared]);
    assert.deepEqual(deleted(p), []);
    assert.deepEqual(patched(p), ['shared:dangling:d1']);
    assert.equal(p.removeFinalizer, undefined, 'it blocks until the patch lands');
    const after = newObject('ConfigMap', { name: 'shared', uid: 's1', ownerReferences: [ownerRef(otherOwner, { controller: false })] });
    assert.equal(plan(deployForeground, [after]).removeFinalizer, 'foregroundDeletion');
  });
  it('multi-owner: deleted when the other owner is gone', () => {
    assert.deepEqual(deleted(plan(deployForeground, [sharedWithGone])), ['shared-gone:Background']);
  });
  it('dependents with dependents of their own cascade in the foreground', () => {
    const pod = newObject('Pod', { name: 'p', uid: 'p1', ownerReferences: [ownerRef(rs1)] });
    const p = plan(deployForeground, [rs1, rs2], [otherOwner], { dependentsOf: (uid) => dependentsOf(uid, [pod]) });
    assert.deepEqual(deleted(p), ['web-1:Foreground', 'web-2:Background']);
  });
  it('cycle guard: unblock patch precedes the delete', () => {
    const child = newObject('Pod', { name: 'c', uid: 'c1', deletionTimestamp: at(0), finalizers: ['foregroundDeletion'], ownerReferences: [ownerRef(rs1)] });
    const p = plan(deployForeground, [rs1], [otherOwner], { dependentsOf: (uid) => dependentsOf(uid, [child]) });
    assert.deepEqual(patched(p), ['web-1:unblock:d1']);
    assert.equal((p.patches[0]!.patch.metadata.ownerReferences[0] as { blockOwnerDeletion?: boolean }).blockOwnerDeletion, false);
    assert.deepEqual(deleted(p), ['web-1:Foreground']);
  });
});

describe('planOwnerDeletion: Orphan', () => {
  it('detaches every dependent, then removes the orphan finalizer; deletes nothing', () => {
    const p = plan(deployOrphan, [rs1, shared, terminating]);
    assert.equal(p.mode, 'Orphan');
    assert.deepEqual(deleted(p), []);
    assert.deepEqual(patched(p), ['web-1:orphan:d1', 'shared:orphan:d1', 'web-0:orphan:d1']);
    assert.equal(p.removeFinalizer, 'orphan');
  });
  it('no dependents: remove the finalizer at once', () => {
    assert.deepEqual(plan(deployOrphan, []), { mode: 'Orphan', patches: [], deletes: [], removeFinalizer: 'orphan' });
  });
  it('orphan wins over foregroundDeletion', () => {
    const both = newObject('Deployment', { uid: 'd1', deletionTimestamp: at(0), finalizers: ['foregroundDeletion', 'orphan'] });
    assert.equal(plan(both, [rs1]).mode, 'Orphan');
  });
});

describe('planOwnerDeletion: None', () => {
  it('live owner: nothing', () => {
    assert.deepEqual(plan(deploy, [rs1, shared]), { mode: 'None', patches: [], deletes: [] });
  });
  it('owner deleted in the background but held by another finalizer: nothing yet', () => {
    const held = newObject('Deployment', { uid: 'd1', deletionTimestamp: at(0), finalizers: ['example.com/hold'] });
    assert.equal(plan(held, [rs1]).mode, 'None');
  });
  it('an orphan finalizer without deletionTimestamp does nothing', () => {
    const notDeleting = newObject('Deployment', { uid: 'd1', finalizers: ['orphan'] });
    assert.equal(plan(notDeleting, [rs1]).mode, 'None');
  });
});

describe('removeFinalizerPatch', () => {
  it('keeps the other finalizers and guards by resourceVersion', () => {
    const o = newObject('Deployment', { uid: 'd1', finalizers: ['a', 'foregroundDeletion', 'b'], resourceVersion: '42' });
    assert.deepEqual(removeFinalizerPatch(o, 'foregroundDeletion'), { metadata: { finalizers: ['a', 'b'], resourceVersion: '42' } });
    assert.deepEqual(removeFinalizerPatch(newObject('Pod', { finalizers: ['orphan'] }), 'orphan'), { metadata: { finalizers: [] } });
  });
});
