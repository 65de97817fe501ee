/**
 * The writer port's contract: the same cases against the real writer (the gateway client, over a
 * gateway on real NATS and Postgres) and against its in-memory twin (MemoryWriter), so a
 * reconcile unit-tested on the twin sees what it would see in production: the same answers, the
 * same ApiErrors (AlreadyExists, NotFound, Conflict on a stale resourceVersion or uid).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayClient, MemoryWriter, gatewayWriter, type ObjectWriter } from '../../shared/client/index.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { ReplicaSet } from '../../shared/resources/types.js';
import { startStack, type Stack } from '../stack.js';

type ConfigMap = KObject & { data?: Record<string, string> };

const cm = (name: string, data: Record<string, string> = { v: '1' }, extra: Partial<KObject['metadata']> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...extra },
  data,
});

const rs = (name: string): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

const rejectsWith = async (p: Promise<unknown>, is: (e: unknown) => boolean, what: string) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e !== undefined && is(e), `expected ${what}, got ${e === undefined ? 'success' : String(e)}`);
};

function contract(label: string, open: () => Promise<{ writer: ObjectWriter; close(): Promise<void> }>): void {
  describe(`writer contract: ${label}`, () => {
    let w: ObjectWriter;
    let close: () => Promise<void> = async () => undefined;
    const cms = () => w.resource<ConfigMap>('configmaps');

    before(async () => {
      const o = await open();
      w = o.writer;
      close = o.close;
    });
    after(async () => close());

    it('create answers the stored object (uid, resourceVersion); get reads it back; a second create is AlreadyExists', async () => {
      const created = await cms().create('default', cm('c1'));
      assert.equal(created.metadata.name, 'c1');
      assert.equal(created.metadata.namespace, 'default');
      assert.ok(created.metadata.uid);
      assert.ok(created.metadata.resourceVersion);
      assert.equal(created.kind, 'ConfigMap');
      const got = await cms().get('default', 'c1');
      assert.equal(got.metadata.uid, created.metadata.uid);
      assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
      assert.deepEqual(got.data, { v: '1' });
      await rejectsWith(cms().create('default', cm('c1')), isAlreadyExists, 'AlreadyExists');
    });

    it('generateName gives a fresh name per create', async () => {
      const a = await cms().create('default', { ...cm(''), metadata: { generateName: 'gen-', namespace: 'default' } });
      const b = await cms().create('default', { ...cm(''), metadata: { generateName: 'gen-', namespace: 'default' } });
      assert.match(a.metadata.name ?? '', /^gen-.+/);
      assert.notEqual(a.metadata.name, b.metadata.name);
    });

    it('get, update, patch and delete of something absent are NotFound', async () => {
      await rejectsWith(cms().get('default', 'nope'), isNotFound, 'NotFound');
      await rejectsWith(cms().update(cm('nope')), isNotFound, 'NotFound');
      await rejectsWith(cms().patch('default', 'nope', { data: { v: '2' } }, 'merge'), isNotFound, 'NotFound');
      await rejectsWith(cms().delete('default', 'nope'), isNotFound, 'NotFound');
    });

    it('update: the observed resourceVersion is the precondition (stale → Conflict, nothing changed)', async () => {
      const created = await cms().create('default', cm('c2'));
      const updated = await cms().update({ ...created, data: { v: '2' } });
      assert.deepEqual(updated.data, { v: '2' });
      assert.notEqual(updated.metadata.resourceVersion, created.metadata.resourceVersion);
      await rejectsWith(cms().update({ ...created, data: { v: '3' } }), isConflict, 'Conflict');
      assert.deepEqual((await cms().get('default', 'c2')).data, { v: '2' });
    });

    it('updateStatus writes only status, under the same precondition; update leaves status alone', async () => {
      const rss = w.resource<ReplicaSet>('replicasets');
      const created = await rss.create('default', rs('r1'));
      const withStatus = await rss.updateStatus({ ...created, status: { replicas: 0, observedGeneration: 1 } });
      assert.equal(withStatus.status?.observedGeneration, 1);
      await rejectsWith(rss.updateStatus({ ...created, status: { replicas: 0, observedGeneration: 2 } }), isConflict, 'Conflict');
      const updated = await rss.update({ ...withStatus, metadata: { ...withStatus.metadata, labels: { x: 'y' } }, status: { replicas: 0, observedGeneration: 7 } });
      assert.deepEqual(updated.metadata.labels, { x: 'y' });
      assert.equal(updated.status?.observedGeneration, 1);
    });

    it('merge patch: resourceVersion in it is a precondition; null removes a key', async () => {
      const created = await cms().create('default', cm('c3', { a: '1', b: '2' }));
      const patched = await cms().patch('default', 'c3', { data: { a: null, c: '3' } }, 'merge');
      assert.deepEqual(patched.data, { b: '2', c: '3' });
      const stale = { metadata: { resourceVersion: created.metadata.resourceVersion }, data: { d: '4' } };
      await rejectsWith(cms().patch('default', 'c3', stale, 'merge'), isConflict, 'Conflict');
    });

    it('strategic merge patch: owner references added and removed by uid; a wrong uid in it is a Conflict', async () => {
      const created = await cms().create('default', cm('c4'));
      const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u-1', controller: true, blockOwnerDeletion: true };
      const adopted = await cms().patch('default', 'c4', { metadata: { uid: created.metadata.uid, ownerReferences: [ref] } }, 'strategic');
      assert.deepEqual(adopted.metadata.ownerReferences, [ref]);
      const released = await cms().patch('default', 'c4', { metadata: { uid: created.metadata.uid, ownerReferences: [{ $patch: 'delete', uid: 'u-1' }] } }, 'strategic');
      assert.deepEqual(released.metadata.ownerReferences ?? [], []);
      await rejectsWith(cms().patch('default', 'c4', { metadata: { uid: 'someone-else', labels: { a: 'b' } } }, 'strategic'), isConflict, 'Conflict');
    });

    it('delete: uid and resourceVersion preconditions (wrong → Conflict), then gone', async () => {
      const created = await cms().create('default', cm('c5'));
      await rejectsWith(cms().delete('default', 'c5', { preconditions: { uid: 'other' } }), isConflict, 'Conflict');
      await cms().update({ ...created, data: { v: '9' } });
      await rejectsWith(cms().delete('default', 'c5', { preconditions: { resourceVersion: created.metadata.resourceVersion! } }), isConflict, 'Conflict');
      await cms().delete('default', 'c5', { preconditions: { uid: created.metadata.uid! } });
      await rejectsWith(cms().get('default', 'c5'), isNotFound, 'NotFound');
    });

    it('delete with finalizers marks the object; removing the last finalizer removes it', async () => {
      await cms().create('default', cm('c6', { v: '1' }, { finalizers: ['example.com/hold'] }));
      const marked = await cms().delete('default', 'c6');
      assert.ok(marked.metadata.deletionTimestamp);
      assert.ok((await cms().get('default', 'c6')).metadata.deletionTimestamp);
      await cms().patch('default', 'c6', { metadata: { finalizers: null } }, 'merge');
      await rejectsWith(cms().get('default', 'c6'), isNotFound, 'NotFound');
    });

    it('listAll lists a namespace', async () => {
      await cms().create(undefined, { ...cm('l1'), metadata: { name: 'l1', namespace: 'kube-public' } });
      const names = (await cms().listAll('kube-public')).map((o) => o.metadata.name);
      assert.ok(names.includes('l1'));
      assert.ok(!names.includes('c1'), 'nothing from another namespace');
    });
  });
}

contract('MemoryWriter', async () => ({ writer: new MemoryWriter(), close: async () => undefined }));

contract('gateway', async () => {
  const stack: Stack = await startStack('writer');
  const client = new GatewayClient({ url: stack.url, userAgent: 'writer-contract' });
  return {
    writer: gatewayWriter(client),
    async close() {
      await client.close();
      await stack.close();
    },
  };
});
