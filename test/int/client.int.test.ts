import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { ApiError, isAlreadyExists, isApiError, isConflict, isNotFound } from '../../shared/errors.js';
import { GatewayClient, buildEvent, isRetryable, recordEvent } from '../../shared/client/index.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Node, Pod } from '../../shared/resources/types.js';
import { configMap, deployment, pod, startStack, type Stack } from '../stack.js';

const asK = (o: object) => o as unknown as KObject;

describe('GatewayClient against the real gateway', () => {
  let s: Stack;
  let client: GatewayClient;

  before(async () => {
    s = await startStack('client');
    client = new GatewayClient({ url: s.url, userAgent: 'client-test' });
  });
  after(async () => {
    await client?.close();
    await s?.close();
  });

  it('create, get, update (PUT with resourceVersion precondition), and 409 on a stale one', async () => {
    const cms = client.resource<KObject>('configmaps');
    const created = await cms.create('default', asK(configMap('c1', { v: '1' })));
    assert.equal(created.metadata.namespace, 'default');
    assert.match(created.metadata.resourceVersion!, /^\d+$/);
    const got = await cms.get('default', 'c1');
    assert.deepEqual(got, created);

    const updated = await cms.update({ ...got, data: { v: '2' } });
    assert.equal((updated as { data?: { v?: string } }).data?.v, '2');
    assert.ok(Number(updated.metadata.resourceVersion) > Number(got.metadata.resourceVersion));

    const stale = await cms.update({ ...got, data: { v: '3' } }).catch((e: unknown) => e);
    assert.ok(isConflict(stale), `expected Conflict, got ${String(stale)}`);
    assert.equal((stale as ApiError).code, 409);
    assert.match((stale as ApiError).message, /c1/);
    assert.equal(((await cms.get('default', 'c1')) as { data?: { v?: string } }).data?.v, '2');
  });

  it('maps 404 NotFound, 409 AlreadyExists and 422 Invalid (with causes) to ApiError', async () => {
    const cms = client.resource<KObject>('configmaps');
    const nf = await cms.get('default', 'nope').catch((e: unknown) => e);
    assert.ok(isNotFound(nf));
    assert.equal((nf as ApiError).details?.name, 'nope');

    await cms.create('default', asK(configMap('dup')));
    const ae = await cms.create('default', asK(configMap('dup'))).catch((e: unknown) => e);
    assert.ok(isAlreadyExists(ae), String(ae));
    assert.equal((ae as ApiError).code, 409);

    const bad = await client.pods.create('default', { ...(pod('Bad_Name') as unknown as Pod) }).catch((e: unknown) => e);
    assert.ok(isApiError(bad));
    assert.equal(bad.reason, 'Invalid');
    assert.equal(bad.code, 422);
    assert.ok((bad.details?.causes ?? []).some((c) => c.field === 'metadata.name'), JSON.stringify(bad.details));

    const wrongNs = await cms.get('no-such-namespace', 'x').catch((e: unknown) => e);
    assert.ok(isNotFound(wrongNs));
    await assert.rejects(cms.get(undefined, 'x'), (e: unknown) => isApiError(e) && e.reason === 'BadRequest', 'namespaced kinds need a namespace');
    assert.throws(() => client.resource('widgets'), /unknown resource/);
  });

  it('lists with label and field selectors, limit and continue; listAll follows pages', async () => {
    const cms = client.resource<KObject>('configmaps');
    for (let i = 0; i < 5; i++) {
      const cm = asK(configMap(`page-${i}`));
      await cms.create('default', { ...cm, metadata: { ...cm.metadata, labels: { set: 'paged', odd: String(i % 2 === 1) } } });
    }
    const all = await cms.list('default', { labelSelector: 'set=paged' });
    assert.equal(all.items.length, 5);
    assert.equal(all.kind, 'ConfigMapList');
    assert.match(all.metadata.resourceVersion!, /^\d+$/);
    const odd = await cms.list('default', { labelSelector: 'set=paged,odd=true' });
    assert.deepEqual(odd.items.map((o) => o.metadata.name).sort(), ['page-1', 'page-3']);
    const byName = await cms.list('default', { fieldSelector: 'metadata.name=page-2' });
    assert.deepEqual(byName.items.map((o) => o.metadata.name), ['page-2']);

    const first = await cms.list('default', { labelSelector: 'set=paged', limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata.continue, 'a continue token');
    const second = await cms.list('default', { labelSelector: 'set=paged', limit: 2, continue: first.metadata.continue! });
    assert.equal(second.items.length, 2);
    assert.equal(new Set([...first.items, ...second.items].map((o) => o.metadata.name)).size, 4);
    const paged = await cms.listAll('default', { labelSelector: 'set=paged', limit: 2 });
    assert.deepEqual(paged.map((o) => o.metadata.name).sort(), ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);

    // All namespaces.
    await client.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'second' } } as never);
    await cms.create('second', asK(configMap('page-x')));
    const everywhere = await cms.list(undefined, { fieldSelector: 'metadata.name=page-x' });
    assert.deepEqual(everywhere.items.map((o) => o.metadata.namespace), ['second']);
  });

  it('patches: merge, JSON patch, and a merge patch with a stale resourceVersion is a Conflict', async () => {
    const cms = client.resource<KObject>('configmaps');
    const c = await cms.create('default', asK(configMap('p1', { a: '1' })));
    const merged = await cms.patch('default', 'p1', { data: { b: '2' } });
    assert.deepEqual((merged as { data?: object }).data, { a: '1', b: '2' });
    const json = await cms.patch('default', 'p1', [{ op: 'remove', path: '/data/a' }], 'json');
    assert.deepEqual((json as { data?: object }).data, { b: '2' });
    const stale = await cms.patch('default', 'p1', { metadata: { resourceVersion: c.metadata.resourceVersion }, data: { c: '3' } }).catch((e: unknown) => e);
    assert.ok(isConflict(stale), String(stale));
    const strategic = await cms.patch('default', 'p1', { data: { d: '4' } }, 'strategic');
    assert.equal((strategic as { data?: { d?: string } }).data?.d, '4');
  });

  it('deletes with preconditions, grace period and propagation policy', async () => {
    const cms = client.resource<KObject>('configmaps');
    const c = await cms.create('default', asK(configMap('d1')));
    const wrongUid = await cms.delete('default', 'd1', { preconditions: { uid: 'not-the-uid' } }).catch((e: unknown) => e);
    assert.ok(isConflict(wrongUid), String(wrongUid));
    await cms.patch('default', 'd1', { data: { moved: 'on' } });
    const wrongRv = await cms.delete('default', 'd1', { preconditions: { resourceVersion: c.metadata.resourceVersion! } }).catch((e: unknown) => e);
    assert.ok(isConflict(wrongRv), String(wrongRv));
    const gone = await cms.delete('default', 'd1', { preconditions: { uid: c.metadata.uid! }, propagationPolicy: 'Background' });
    assert.equal(gone.metadata.name, 'd1');
    assert.ok(isNotFound(await cms.get('default', 'd1').catch((e: unknown) => e)));
    assert.ok(isNotFound(await cms.delete('default', 'd1').catch((e: unknown) => e)));

    // Foreground keeps the object with a finalizer; a bound pod with grace gets a deletionTimestamp in the future.
    const fg = await cms.create('default', asK(configMap('d2')));
    const kept = await cms.delete('default', 'd2', { propagationPolicy: 'Foreground' });
    assert.ok(kept.metadata.deletionTimestamp);
    assert.deepEqual(kept.metadata.finalizers, ['foregroundDeletion']);
    assert.equal(kept.metadata.uid, fg.metadata.uid);

    await client.pods.create('default', pod('graceful') as unknown as Pod);
    await client.bind('default', 'graceful', 'node-a');
    const terminating = await client.pods.delete('default', 'graceful', { gracePeriodSeconds: 20 });
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 20);
    await client.pods.delete('default', 'graceful', { gracePeriodSeconds: 0 });
    assert.ok(isNotFound(await client.pods.get('default', 'graceful').catch((e: unknown) => e)));

    const dry = await cms.create('default', asK(configMap('dry')));
    await cms.delete('default', 'dry', { dryRun: true });
    assert.equal((await cms.get('default', 'dry')).metadata.uid, dry.metadata.uid, 'dryRun deletes nothing');
  });

  it('updateStatus writes status only, with the resourceVersion precondition', async () => {
    const nodes = client.nodes;
    const n = await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-s', labels: { a: 'b' } } } as Node);
    assert.equal(n.metadata.namespace, undefined, 'cluster-scoped');
    const withStatus = await nodes.updateStatus({ ...n, spec: { unschedulable: true }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } } as Node);
    assert.equal(withStatus.status?.capacity?.cpu, '4');
    assert.equal(withStatus.spec?.unschedulable, undefined, 'spec ignored on /status');
    const stale = await nodes.updateStatus({ ...n, status: { capacity: { cpu: '1' } } } as Node).catch((e: unknown) => e);
    assert.ok(isConflict(stale), String(stale));
    const patched = await nodes.patch(undefined, 'node-s', { status: { allocatable: { cpu: '3' } } }, 'merge', { subresource: 'status' });
    assert.equal(patched.status?.allocatable?.cpu, '3');
    assert.deepEqual((await nodes.list()).items.map((x) => x.metadata.name), ['node-s']);
    await assert.rejects(client.configMaps.updateStatus(asK(configMap('x')) as never), /no status subresource/);
  });

  it('binds a pod once; a second bind is a 409 Conflict', async () => {
    await client.pods.create('default', pod('bind-me') as unknown as Pod);
    await client.bind('default', 'bind-me', 'node-1');
    const p = await client.pods.get('default', 'bind-me');
    assert.equal(p.spec.nodeName, 'node-1');
    assert.ok(p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True'));
    const again = await client.bind('default', 'bind-me', 'node-2').catch((e: unknown) => e);
    assert.ok(isConflict(again), String(again));
    assert.match((again as ApiError).message, /already assigned/);
    assert.ok(isNotFound(await client.bind('default', 'no-such-pod', 'node-1').catch((e: unknown) => e)));
  });

  it('reads and updates /scale', async () => {
    const d = client.deployments;
    await d.create('default', deployment('web', 2) as never);
    const sc = await d.getScale('default', 'web');
    assert.equal(sc.kind, 'Scale');
    assert.equal(sc.spec.replicas, 2);
    assert.equal(sc.status.selector, 'app=web');
    const up = await d.updateScale('default', 'web', 5, sc.metadata.resourceVersion);
    assert.equal(up.spec.replicas, 5);
    assert.equal((await d.get('default', 'web')).spec.replicas, 5);
    const stale = await d.updateScale('default', 'web', 1, sc.metadata.resourceVersion).catch((e: unknown) => e);
    assert.ok(isConflict(stale), String(stale));
    assert.equal((await d.updateScale('default', 'web', 3)).spec.replicas, 3, 'no precondition: last write wins');
    await assert.rejects(client.pods.getScale('default', 'x'), /no scale subresource/);
  });

  it('records Kubernetes Events about an object', async () => {
    const p = await client.pods.create('default', pod('evented') as unknown as Pod);
    const ev = await recordEvent(client, p, 'Warning', 'FailedScheduling', '0/0 nodes are available', 'default-scheduler');
    assert.ok(ev, 'created');
    assert.equal(ev.metadata.namespace, 'default');
    assert.ok(ev.metadata.name!.startsWith('evented.'));
    assert.deepEqual(
      { kind: ev.involvedObject.kind, name: ev.involvedObject.name, uid: ev.involvedObject.uid, ns: ev.involvedObject.namespace },
      { kind: 'Pod', name: 'evented', uid: p.metadata.uid, ns: 'default' },
    );
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.source?.component, 'default-scheduler');
    const listed = await client.events.list('default', { fieldSelector: 'involvedObject.name=evented' });
    assert.equal(listed.items.length, 1);

    // Cluster-scoped objects get their events in `default`; two events in the same instant get two names.
    const node = await client.nodes.get(undefined, 'node-s');
    const at = () => new Date('2024-01-01T00:00:00Z');
    const [e1, e2] = await Promise.all([
      recordEvent(client, node, 'Normal', 'Starting', 'kubelet starting', 'kubelet', { now: at, host: 'node-s' }),
      recordEvent(client, node, 'Normal', 'Starting', 'kubelet starting', 'kubelet', { now: at, host: 'node-s' }),
    ]);
    assert.equal(e1?.metadata.namespace, 'default');
    assert.notEqual(e1?.metadata.name, e2?.metadata.name);
    assert.equal(e1?.firstTimestamp, '2024-01-01T00:00:00Z');

    // A failure is reported as undefined, not thrown.
    const orphan = buildEvent(p, 'Normal', 'X', 'y', 'c', new Date());
    assert.equal(orphan.count, 1);
    const failed = await recordEvent(client, { ...p, metadata: { ...p.metadata, namespace: 'no-such-ns' } }, 'Normal', 'X', 'y', 'c');
    assert.equal(failed, undefined);
  });

  it('fails over to the next gateway of a list when one cannot be reached (found by the chaos test)', async () => {
    // A gateway SIGKILLed: its port refuses connections. Writes and reads go to the other one.
    const two = new GatewayClient({ url: `http://127.0.0.1:1, ${s.url}/` });
    try {
      assert.deepEqual(two.urls, ['http://127.0.0.1:1', s.url]);
      const cms = two.resource<KObject>('configmaps');
      const created = await cms.create('default', asK(configMap('failover-1')));
      assert.equal(two.url, s.url, 'the client stays on the gateway that answered');
      assert.equal((await cms.get('default', 'failover-1')).metadata.uid, created.metadata.uid);
    } finally {
      await two.close();
    }
  });

  it('does not send a write again after it reached a gateway that died before answering', async () => {
    // A gateway that takes the request and dies: the write may have been applied, so only a GET moves on.
    let seen = 0;
    const dying: Server = createServer((req) => {
      seen++;
      req.socket.destroy();
    });
    await new Promise<void>((r) => dying.listen(0, '127.0.0.1', r));
    const port = (dying.address() as { port: number }).port;
    const two = new GatewayClient({ url: `http://127.0.0.1:${port},${s.url}` });
    try {
      const cms = two.resource<KObject>('configmaps');
      const e = await cms.create('default', asK(configMap('failover-2'))).catch((err: unknown) => err);
      assert.ok(isApiError(e) && e.reason === 'ServiceUnavailable', String(e));
      assert.equal(seen, 1);
      assert.equal(two.url, `http://127.0.0.1:${port}`, 'a failed write does not move the client');
      assert.ok(isNotFound(await client.resource<KObject>('configmaps').get('default', 'failover-2').catch((err: unknown) => err)), 'not sent to the other gateway');
      const list = await cms.list('default');
      assert.ok(Array.isArray(list.items), 'a GET moves on');
      assert.equal(two.url, s.url);
    } finally {
      await two.close();
      await new Promise((r) => dying.close(r));
    }
  });

  it('turns network errors into a retryable ServiceUnavailable with the cause', async () => {
    const dead = new GatewayClient({ url: 'http://127.0.0.1:1', timeoutMs: 2000 });
    try {
      const e = await dead.pods.get('default', 'x').catch((err: unknown) => err);
      assert.ok(isApiError(e));
      assert.equal(e.reason, 'ServiceUnavailable');
      assert.ok(e.cause instanceof Error);
      assert.equal(isRetryable(e), true);
      assert.equal(isRetryable(new ApiError('Conflict', 'x')), false);
    } finally {
      await dead.close();
    }
  });
});
