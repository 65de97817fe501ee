/**
 * @kubernetes/client-node, a client library nobody here wrote, against the gateway: server-side
 * apply through KubernetesObjectApi (create, a second manager's conflict, force), a strategic
 * merge patch and typed reads through CoreV1Api, and an informer (list + watch) that sees changes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

describe('@kubernetes/client-node against the gateway', () => {
  let s: Stack;
  let kc: k8s.KubeConfig;
  let objects: k8s.KubernetesObjectApi;
  let core: k8s.CoreV1Api;
  const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lib', namespace: 'default' }, data });

  before(async () => {
    s = await startStack('clientnode');
    kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'jetkube', server: s.url, skipTLSVerify: true }],
      users: [{ name: 'anonymous' }],
      contexts: [{ name: 'jetkube', cluster: 'jetkube', user: 'anonymous' }],
      currentContext: 'jetkube',
    });
    objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => s?.close());

  it('server-side apply creates, records the manager, and reports a conflict until forced', async () => {
    const created = await objects.patch(cm({ a: '1' }), undefined, undefined, 'lib-one', undefined, k8s.PatchStrategy.ServerSideApply);
    const entries = (created as k8s.V1ConfigMap).metadata?.managedFields ?? [];
    assert.deepEqual(entries.map((e) => [e.manager, e.operation]), [['lib-one', 'Apply']]);
    await assert.rejects(
      objects.patch(cm({ a: '2' }), undefined, undefined, 'lib-two', undefined, k8s.PatchStrategy.ServerSideApply),
      (e: unknown) =>
        e instanceof k8s.ApiException && e.code === 409 && JSON.parse(String(e.body)).message === 'Apply failed with 1 conflict: conflict with "lib-one": .data.a',
    );
    const forced = await objects.patch(cm({ a: '2' }), undefined, undefined, 'lib-two', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal((forced as k8s.V1ConfigMap).data?.a, '2');
  });

  it('strategic merge patch and typed reads through CoreV1Api', async () => {
    const patched = await core.patchNamespacedConfigMap(
      { name: 'lib', namespace: 'default', body: { data: { b: '3' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(patched.data, { a: '2', b: '3' });
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    assert.ok(list.items.some((i) => i.metadata?.name === 'lib'));
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);
  });

  it('an informer lists, then sees an add and a delete', async () => {
    const seen: string[] = [];
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    informer.on('add', (o: k8s.V1ConfigMap) => seen.push(`add ${o.metadata?.name}`));
    informer.on('delete', (o: k8s.V1ConfigMap) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      await eventually('the initial list', async () => seen.includes('add lib'));
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' }, data: { x: '1' } } });
      await eventually('the add', async () => seen.includes('add watched'));
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace: 'default' });
      await eventually('the delete', async () => seen.includes('delete watched'));
    } finally {
      await informer.stop();
    }
  });
});
