/** ownerReferencesMergePatch: the garbage collector's strategic owner-reference patches as merge patches (for custom resources). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ownerReferencesMergePatch } from '../../services/controller-manager/gc/index.js';
import { removeOwnerReferencesPatch } from '../../services/controller-manager/replicaset/controller-ref.js';
import type { KObject, OwnerReference } from '../../shared/resources/meta.js';

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: `cm-${uid}`, uid, ...extra });
const obj = (refs: OwnerReference[]): KObject => ({ apiVersion: 'demo.jetkube.dev/v1', kind: 'WebApp', metadata: { name: 'w', uid: 'dep', resourceVersion: '42', ownerReferences: refs } });

describe('ownerReferencesMergePatch', () => {
  const cases: { name: string; refs: OwnerReference[]; patch: Parameters<typeof ownerReferencesMergePatch>[1]; want: OwnerReference[] | null }[] = [
    { name: 'removes one of two', refs: [ref('a'), ref('b')], patch: removeOwnerReferencesPatch(obj([]), ['a']), want: [ref('b')] },
    { name: 'removing the last leaves null (the field goes)', refs: [ref('a')], patch: removeOwnerReferencesPatch(obj([]), ['a']), want: null },
    { name: 'removing an absent uid changes nothing', refs: [ref('a')], patch: removeOwnerReferencesPatch(obj([]), ['z']), want: [ref('a')] },
    {
      name: 'an item with the uid merges into the reference (unblock)',
      refs: [ref('a', { blockOwnerDeletion: true }), ref('b')],
      patch: { metadata: { uid: 'dep', ownerReferences: [ref('a', { blockOwnerDeletion: false })] } },
      want: [ref('a', { blockOwnerDeletion: false }), ref('b')],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = ownerReferencesMergePatch(obj(c.refs), c.patch);
      assert.deepEqual(p, { metadata: { uid: 'dep', resourceVersion: '42', ownerReferences: c.want } });
    });
  }
});
