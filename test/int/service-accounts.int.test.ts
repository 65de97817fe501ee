/**
 * System namespaces and ServiceAccounts against a real gateway, NATS and Postgres: the four system
 * namespaces can't be deleted (403, Kubernetes' message, nothing written); the ServiceAccount kind
 * is served (CRUD, list, `kubectl get`'s columns); the controller-manager gives every namespace a
 * `default` ServiceAccount, again after it is deleted, never twice, and none in a terminating
 * namespace; pods run as `default` unless they name one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startControllerStack, type ControllerStack } from '../controller-stack.js';
import { api } from '../stack.js';
import { lastSeq, streamEvents } from '../harness.js';
import { eventually } from '../wait.js';

describe('system namespaces and service accounts', () => {
  let cs: ControllerStack;
  const call = (method: string, path: string, body?: unknown) => api(cs.url, method, path, body);
  const saPath = (ns: string, name = '') => `/api/v1/namespaces/${ns}/serviceaccounts${name ? `/${name}` : ''}`;

  before(async () => {
    cs = await startControllerStack('sa', ['serviceaccount', 'namespace']);
  });
  after(async () => cs?.close());

  it('refuses to delete a system namespace with 403 and writes nothing', async () => {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      const seq = await lastSeq(cs.stack.cfg);
      const r = await call('DELETE', `/api/v1/namespaces/${name}`);
      assert.equal(r.status, 403);
      assert.equal(r.body.reason, 'Forbidden');
      assert.equal(r.body.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
      assert.deepEqual(r.body.details, { name, kind: 'namespaces' });
      // (The ServiceAccount controller may be writing meanwhile: only namespace events count.)
      const nsEvents = (await streamEvents(cs.stack.cfg)).filter((e) => e.seq > seq && e.object.kind === 'Namespace');
      assert.deepEqual(nsEvents, []);
      assert.equal((await call('GET', `/api/v1/namespaces/${name}`)).status, 200);
    }
  });

  it('gives every namespace a default ServiceAccount, also the system ones', async () => {
    const created = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    assert.equal(created.status, 201);
    for (const ns of ['team-a', 'default', 'kube-system']) {
      await eventually(`default SA in ${ns}`, async () => (await call('GET', saPath(ns, 'default'))).status === 200);
    }
    const sa = (await call('GET', saPath('team-a', 'default'))).body;
    assert.equal(sa.kind, 'ServiceAccount');
    assert.equal(sa.apiVersion, 'v1');
  });

  it('recreates a deleted default ServiceAccount once, and never twice on a controller restart', async () => {
    const first = (await call('GET', saPath('team-a', 'default'))).body;
    assert.equal((await call('DELETE', saPath('team-a', 'default'))).status, 200);
    await eventually('the default SA back', async () => {
      const r = await call('GET', saPath('team-a', 'default'));
      return r.status === 200 && r.body.metadata.uid !== first.metadata.uid;
    });
    await cs.stopControllerManager();
    const seq = await lastSeq(cs.stack.cfg);
    const cm = await cs.startControllerManager();
    await eventually('controller-manager ready', async () => cm.ready());
    // A positive signal that the restarted controller has worked through its queue: a new namespace gets its account.
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-c' } });
    await eventually('default SA in team-c', async () => (await call('GET', saPath('team-c', 'default'))).status === 200);
    const sas = (await streamEvents(cs.stack.cfg)).filter((e) => e.seq > seq && e.object.kind === 'ServiceAccount');
    assert.deepEqual(sas.map((e) => e.object.metadata.namespace), ['team-c'], 'a restart writes no other ServiceAccount');
  });

  it('serves the kind: create, list, table columns; pods default to the default ServiceAccount', async () => {
    const r = await call('POST', saPath('team-a'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' }, secrets: [{ name: 's1' }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const list = await call('GET', saPath('team-a'));
    assert.deepEqual(list.body.items.map((x: { metadata: { name: string } }) => x.metadata.name).sort(), ['builder', 'default']);
    const table = await fetch(`${cs.url}${saPath('team-a', 'builder')}`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const t = (await table.json()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Secrets', 'Age']);
    assert.deepEqual(t.rows[0]!.cells.slice(0, 2), ['builder', 1]);
    const pod = (name: string, spec: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
    const p1 = (await call('POST', '/api/v1/namespaces/team-a/pods', pod('p1'))).body;
    assert.equal(p1.spec.serviceAccountName, 'default');
    assert.equal(p1.spec.serviceAccount, 'default');
    const p2 = (await call('POST', '/api/v1/namespaces/team-a/pods', pod('p2', { serviceAccountName: 'builder' }))).body;
    assert.equal(p2.spec.serviceAccountName, 'builder');
    assert.equal(p2.spec.serviceAccount, 'builder');
  });

  it('does not recreate ServiceAccounts in a terminating namespace', async () => {
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    await eventually('default SA in team-b', async () => (await call('GET', saPath('team-b', 'default'))).status === 200);
    assert.equal((await call('DELETE', '/api/v1/namespaces/team-b')).status, 200);
    await eventually('team-b gone', async () => (await call('GET', '/api/v1/namespaces/team-b')).status === 404, 20_000);
    const sas = (await streamEvents(cs.stack.cfg)).filter((e) => e.object.kind === 'ServiceAccount' && e.object.metadata.namespace === 'team-b');
    assert.deepEqual(sas.map((e) => e.type), ['ADDED', 'DELETED']);
  });
});
