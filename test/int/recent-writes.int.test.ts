/**
 * Updates that name the resourceVersion the gateway itself last wrote skip the read of the stream
 * (RecentWrites); the answers must be the ones a read would give: the update lands, a write made
 * meanwhile by someone else (another gateway) is a 409, a deletion meanwhile is a 404, and a stale
 * resourceVersion is a 409. The other writer is a second EventLog on the same stream.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventLog } from '../../shared/eventlog/index.js';
import { api, startStack, type Stack } from '../stack.js';

const leasePath = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const lease = (name: string, renewTime: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: 'kube-node-lease' },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
});
const at = (s: number) => `2026-12-06T18:00:${String(s).padStart(2, '0')}.000000Z`;

describe('updates through the gateway\'s recent writes', () => {
  let s: Stack;
  let other: EventLog;
  before(async () => {
    s = await startStack('recentw');
    other = await EventLog.connect({ natsUrl: s.cfg.natsUrl, prefix: s.cfg.prefix, historyPerObject: s.cfg.historyPerObject, name: 'other-gateway', recentWriteBytes: 0 });
  });
  after(async () => {
    await other?.close();
    await s?.close();
  });

  const renew = async (name: string, from: any, sec: number) => api(s.url, 'PUT', `${leasePath}/${name}`, { ...from, spec: { ...from.spec, renewTime: at(sec) } });

  it('renewals chained on the answered resourceVersion land, each on the stream as answered', async () => {
    let cur = (await api(s.url, 'POST', leasePath, lease('n1', at(0)))).body;
    for (let i = 1; i <= 5; i++) {
      const r = await renew('n1', cur, i);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(Number(r.body.metadata.resourceVersion) > Number(cur.metadata.resourceVersion));
      cur = r.body;
    }
    const got = await api(s.url, 'GET', `${leasePath}/n1`);
    assert.deepEqual(got.body, cur);
    assert.equal(got.body.spec.renewTime, at(5));
  });

  it('a write by another gateway in between makes the next one a 409, as a read would', async () => {
    const created = (await api(s.url, 'POST', leasePath, lease('n2', at(0)))).body;
    const mine = (await renew('n2', created, 1)).body;
    const subject = other.subjectFor('leases', 'kube-node-lease', 'n2');
    const last = (await other.getLast(subject))!;
    await other.append(subject, 'MODIFIED', { ...last.object, spec: { ...(last.object.spec as object), holderIdentity: 'someone-else' } }, last.seq);
    const r = await renew('n2', mine, 2);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.reason, 'Conflict');
    assert.match(r.body.message, /the object has been modified/);
    const got = await api(s.url, 'GET', `${leasePath}/n2`);
    assert.equal(got.body.spec.holderIdentity, 'someone-else');
  });

  it('a deletion by another gateway in between makes the next one a 404', async () => {
    const created = (await api(s.url, 'POST', leasePath, lease('n3', at(0)))).body;
    const mine = (await renew('n3', created, 1)).body;
    const subject = other.subjectFor('leases', 'kube-node-lease', 'n3');
    const last = (await other.getLast(subject))!;
    await other.append(subject, 'DELETED', last.object, last.seq);
    const r = await renew('n3', mine, 2);
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(r.body.reason, 'NotFound');
  });

  it('a stale resourceVersion is a 409 and changes nothing', async () => {
    const created = (await api(s.url, 'POST', leasePath, lease('n4', at(0)))).body;
    const first = (await renew('n4', created, 1)).body;
    const r = await renew('n4', created, 2);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    const got = await api(s.url, 'GET', `${leasePath}/n4`);
    assert.deepEqual(got.body, first);
  });

  it('an update that leaves managedFields out keeps the stored ones (what the kubelet sends)', async () => {
    const created = (await api(s.url, 'POST', `${leasePath}?fieldManager=kubelet`, lease('n5', at(0)))).body;
    assert.equal(created.metadata.managedFields?.[0]?.manager, 'kubelet');
    let cur = created;
    for (let i = 1; i <= 3; i++) {
      const { managedFields: _drop, ...metadata } = cur.metadata;
      const r = await api(s.url, 'PUT', `${leasePath}/n5?fieldManager=kubelet`, { ...cur, metadata, spec: { ...cur.spec, renewTime: at(i) } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.metadata.managedFields.map((m: any) => [m.manager, m.operation]), [['kubelet', 'Update']]);
      assert.deepEqual(r.body.metadata.managedFields[0].fieldsV1, created.metadata.managedFields[0].fieldsV1);
      cur = r.body;
    }
    assert.deepEqual((await api(s.url, 'GET', `${leasePath}/n5`)).body, cur);
  });

  it('a status write chained on the answered resourceVersion sees the spec written before it', async () => {
    const ns = (await api(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rw' } })).body;
    assert.ok(ns.metadata.uid);
    const cm = (await api(s.url, 'POST', '/api/v1/namespaces/rw/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } })).body;
    const u1 = await api(s.url, 'PUT', '/api/v1/namespaces/rw/configmaps/c', { ...cm, data: { a: '2' } });
    assert.equal(u1.status, 200);
    const u2 = await api(s.url, 'PUT', '/api/v1/namespaces/rw/configmaps/c', { ...u1.body, data: { ...u1.body.data, b: '3' } });
    assert.equal(u2.status, 200);
    assert.deepEqual(u2.body.data, { a: '2', b: '3' });
    assert.deepEqual((await api(s.url, 'GET', '/api/v1/namespaces/rw/configmaps/c')).body, u2.body);
  });
});
