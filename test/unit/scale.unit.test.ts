/** The logic behind the scale fixes (issue 12): informer transforms, fake kubelet pools, the shared Event sink. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectCache, withoutManagedFields } from '../../shared/informer/index.js';
import { EventRecorder, type GatewayClient } from '../../shared/client/index.js';
import { kubeletConfigFromEnv, kubeletConfigs } from '../../services/kubelet/config.js';
import { POOL_WORKERS, POOL_WORKERS_FROM } from '../../services/kubelet/config.js';
import { NODE_READ_EVERY, nodeReadDue } from '../../services/kubelet/node-status.js';
import { sameStatus } from '../../services/kubelet/pod-status.js';
import { jsonListChunks } from '../../services/gateway/reads.js';
import type { KObject } from '../../shared/resources/meta.js';

const pod = (name: string, extra: Record<string, unknown> = {}): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `u-${name}`, managedFields: [{ manager: 'm', operation: 'Update', fieldsV1: { 'f:spec': {} } }], ...extra },
    spec: { nodeName: 'n1' },
  }) as unknown as KObject;

describe('withoutManagedFields', () => {
  it('drops metadata.managedFields and keeps everything else; an object without them is returned as is', () => {
    const p = pod('a', { labels: { app: 'x' } });
    const t = withoutManagedFields(p);
    assert.equal('managedFields' in t.metadata, false);
    assert.deepEqual(t.metadata.labels, { app: 'x' });
    assert.deepEqual(t.spec, p.spec);
    assert.ok('managedFields' in p.metadata, 'the input is not changed');
    assert.equal(withoutManagedFields(t), t);
  });
});

describe('ObjectCache with a transform', () => {
  it('caches, indexes, reports and filters the transformed object', () => {
    const seen: KObject[] = [];
    const c = new ObjectCache<KObject>((o) => {
      seen.push(o);
      return true;
    }, withoutManagedFields);
    const add = c.apply({ seq: 1, type: 'ADDED', object: pod('a') });
    assert.equal(add?.type, 'add');
    assert.equal('managedFields' in add!.obj.metadata, false);
    assert.equal('managedFields' in seen[0]!.metadata, false, 'the filter sees the transformed object');
    assert.equal('managedFields' in c.get('ns/a')!.metadata, false);
    // Two events differing only in managedFields are the same cached object: no relist difference.
    c.beginRelist();
    assert.equal(c.apply({ seq: 2, type: 'ADDED', object: pod('a') }), undefined);
    const del = c.apply({ seq: 3, type: 'DELETED', object: pod('a') });
    assert.equal(del?.type, 'delete');
    assert.equal('managedFields' in del!.obj.metadata, false);
    assert.equal(c.size, 0);
  });
});

describe('kubeletConfigs for a pool', () => {
  const base = kubeletConfigFromEnv({}, { nodeName: 'n', runtime: 'fake' });
  it('keeps the configured workers for a few kubelets', () => {
    assert.equal(kubeletConfigs(base, 1)[0]!.workers, base.workers);
    assert.ok(kubeletConfigs(base, POOL_WORKERS_FROM).every((k) => k.workers === base.workers));
  });
  it(`gives each of a large pool at most ${POOL_WORKERS} workers`, () => {
    const ks = kubeletConfigs(base, POOL_WORKERS_FROM + 1);
    assert.equal(ks.length, POOL_WORKERS_FROM + 1);
    assert.ok(ks.every((k) => k.workers === Math.min(base.workers, POOL_WORKERS)));
    assert.equal(new Set(ks.map((k) => k.nodeName)).size, ks.length);
  });
  it('bounds a pool\'s pod syncs in flight at KUBELET_POOL_SYNCS (64), a whole number of at least 1', () => {
    assert.equal(base.poolSyncs, 64);
    assert.equal(kubeletConfigFromEnv({ KUBELET_POOL_SYNCS: '8' }, { nodeName: 'n', runtime: 'fake' }).poolSyncs, 8);
    for (const bad of ['0', '-5', '2.5', 'many']) {
      assert.throws(() => kubeletConfigFromEnv({ KUBELET_POOL_SYNCS: bad }, { nodeName: 'n', runtime: 'fake' }), /KUBELET_POOL_SYNCS must be/, bad);
    }
  });
});

describe('EventRecorder shared by a pool', () => {
  it("reports each event with the host it is recorded for, else the recorder's own", async () => {
    const sent: any[] = [];
    const client = { events: { create: async (_ns: string | undefined, ev: unknown) => void sent.push(ev) } } as unknown as GatewayClient;
    const r = new EventRecorder(client, { component: 'kubelet', host: 'default-host' });
    r.record(pod('a'), 'Normal', 'Started', 'Started container c', 'node-7');
    r.record(pod('b'), 'Normal', 'Started', 'Started container c');
    await r.flush();
    assert.deepEqual(sent.map((e) => e.source.host).sort(), ['default-host', 'node-7']);
  });
});

describe('nodeReadDue (the kubelet reads its Node once a minute, not every status tick)', () => {
  it('reads when nothing is cached, then every NODE_READ_EVERY-th tick', () => {
    assert.equal(nodeReadDue(0, undefined), true);
    const node = {};
    const reads = Array.from({ length: 3 * NODE_READ_EVERY }, (_, t) => nodeReadDue(t, node)).filter(Boolean).length;
    assert.equal(reads, 3);
    assert.equal(nodeReadDue(NODE_READ_EVERY - 1, node), true);
    assert.equal(nodeReadDue(0, node), false);
  });
});

describe('sameStatus (no pod status write that changes nothing)', () => {
  const stored = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 't0' }], podIP: '127.64.0.2' };
  it('a null field is the same as an absent one (the gateway stores no nulls)', () => {
    assert.equal(sameStatus(stored, { ...stored, conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: 't0' }] }), true);
    assert.equal(sameStatus(undefined, null), true);
  });
  it('any real difference is a difference', () => {
    assert.equal(sameStatus(stored, { ...stored, phase: 'Failed' }), false);
    assert.equal(sameStatus(stored, { ...stored, conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: 't0' }] }), false);
    assert.equal(sameStatus(stored, { ...stored, conditions: [] }), false);
    assert.equal(sameStatus(stored, { ...stored, hostIP: '127.0.0.1' }), false);
    assert.equal(sameStatus({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(sameStatus(undefined, stored), false);
  });
});

describe('jsonListChunks (a list streamed as JSON text)', () => {
  it('joins to head + items + tail, in chunks of about the size asked', () => {
    const items = Array.from({ length: 50 }, (_, i) => JSON.stringify({ kind: 'Pod', metadata: { name: `p${i}` } }));
    const chunks = [...jsonListChunks('{"items":[', items, ']}', 100)];
    assert.ok(chunks.length > 5);
    assert.ok(chunks.slice(0, -1).every((c) => c.length >= 100 && c.length < 200));
    const body = JSON.parse(chunks.join(''));
    assert.equal(body.items.length, 50);
    assert.equal(body.items[49].metadata.name, 'p49');
  });
  it('an empty list is the head and the tail', () => {
    assert.deepEqual([...jsonListChunks('{"items":[', [], ']}')], ['{"items":[]}']);
  });
});
