/**
 * The cluster CA and its publisher against a real gateway, NATS and Postgres: a CA made by
 * ensureClusterCA in a temporary data directory is handed to the controller-manager, and every
 * namespace (default, kube-system, a new one) gets `kube-root-ca.crt` with its PEM and Kubernetes'
 * description; a deleted one comes back, edited data is reverted, a restart writes nothing, and a
 * terminating namespace gets none back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControllerStack, type ControllerStack } from '../controller-stack.js';
import { api } from '../stack.js';
import { lastSeq, streamEvents } from '../harness.js';
import { eventually } from '../wait.js';
import { ensureClusterCA, type ClusterCA } from '../../shared/pki/index.js';
import { DESCRIPTION } from '../../services/controller-manager/rootca/plan.js';

const CM = 'kube-root-ca.crt';

describe('kube-root-ca.crt in every namespace', () => {
  let cs: ControllerStack;
  let dir: string;
  let ca: ClusterCA;
  const call = (method: string, path: string, body?: unknown) => api(cs.url, method, path, body);
  const cmPath = (ns: string) => `/api/v1/namespaces/${ns}/configmaps/${CM}`;
  const published = async (ns: string) => {
    const r = await call('GET', cmPath(ns));
    return r.status === 200 && r.body.data?.['ca.crt'] === ca.certPem && Object.keys(r.body.data).length === 1;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jetkube-rootca-'));
    ca = await ensureClusterCA(join(dir, 'data'));
    cs = await startControllerStack('rootca', ['rootcacertpublisher', 'namespace'], { clusterCA: ca.certPem });
  });
  after(async () => {
    await cs?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes the CA in default, kube-system and a new namespace, with the description annotation', async () => {
    assert.equal((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } })).status, 201);
    for (const ns of ['default', 'kube-system', 'kube-public', 'team-a']) await eventually(`${CM} in ${ns}`, () => published(ns));
    const got = (await call('GET', cmPath('team-a'))).body;
    assert.equal(got.kind, 'ConfigMap');
    assert.equal(got.metadata.annotations['kubernetes.io/description'], DESCRIPTION);
    assert.match(got.data['ca.crt'], /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  });

  it('recreates it when deleted', async () => {
    const first = (await call('GET', cmPath('team-a'))).body;
    assert.equal((await call('DELETE', cmPath('team-a'))).status, 200);
    await eventually(`${CM} back in team-a`, async () => {
      const r = await call('GET', cmPath('team-a'));
      return r.status === 200 && r.body.metadata.uid !== first.metadata.uid && r.body.data?.['ca.crt'] === ca.certPem;
    });
  });

  it('reverts edited data, keeping what else was added to its metadata', async () => {
    const cur = (await call('GET', cmPath('default'))).body;
    const edited = { ...cur, metadata: { ...cur.metadata, labels: { mine: 'yes' } }, data: { 'ca.crt': 'not the CA', extra: 'x' } };
    const put = await call('PUT', cmPath('default'), edited);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await eventually(`${CM} restored in default`, () => published('default'));
    const after = (await call('GET', cmPath('default'))).body;
    assert.deepEqual(after.metadata.labels, { mine: 'yes' });
    assert.equal(after.metadata.uid, cur.metadata.uid, 'updated in place, not recreated');
  });

  it('a restarted controller-manager writes nothing for namespaces that have it', async () => {
    await cs.stopControllerManager();
    const seq = await lastSeq(cs.stack.cfg);
    const cm = await cs.startControllerManager();
    await eventually('controller-manager ready', async () => cm.ready());
    // A positive signal that the restarted controller has worked through its queue: a new namespace gets its ConfigMap.
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-c' } });
    await eventually(`${CM} in team-c`, () => published('team-c'));
    const writes = (await streamEvents(cs.stack.cfg)).filter((e) => e.seq > seq && e.object.kind === 'ConfigMap');
    assert.deepEqual(writes.map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`), [`ADDED team-c/${CM}`]);
  });

  it('does not bring it back in a terminating namespace', async () => {
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    await eventually(`${CM} in team-b`, () => published('team-b'));
    assert.equal((await call('DELETE', '/api/v1/namespaces/team-b')).status, 200);
    await eventually('team-b gone', async () => (await call('GET', '/api/v1/namespaces/team-b')).status === 404, 20_000);
    const events = (await streamEvents(cs.stack.cfg)).filter((e) => e.object.kind === 'ConfigMap' && e.object.metadata.namespace === 'team-b');
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'DELETED']);
  });
});
