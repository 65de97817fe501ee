/** The root CA publisher: its plan, and its reconcile against the in-memory writer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import type { ConfigMap, Namespace } from '../../shared/resources/types.js';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, planRootCA, ROOT_CA_CONFIGMAP } from '../../services/controller-manager/rootca/plan.js';
import { rootCAReconciler } from '../../services/controller-manager/rootca/controller.js';
import { cacheOf, deepFreeze, newNamespace } from './controller-fixtures.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const cm = (ns: string, data: Record<string, string> | undefined, over: Partial<ConfigMap['metadata']> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION }, resourceVersion: '7', ...over },
  ...(data ? { data } : {}),
});

describe('planRootCA', () => {
  const active = newNamespace({ name: 'team-a' });

  it('creates it in an active namespace without one: the PEM under ca.crt and the description annotation', () => {
    const a = planRootCA(active, undefined, PEM);
    assert.equal(a.kind, 'create');
    assert.deepEqual(a.kind === 'create' && a.configMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'team-a', annotations: { 'kubernetes.io/description': DESCRIPTION } },
      data: { 'ca.crt': PEM },
    });
  });

  it('the description is Kubernetes’ text', () => {
    assert.equal(
      DESCRIPTION,
      'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
    );
  });

  const cases: [string, Namespace | undefined, ConfigMap | undefined, string][] = [
    ['one as wanted: nothing', active, cm('team-a', { 'ca.crt': PEM }), 'none'],
    ['a terminating namespace: nothing', newNamespace({ name: 'team-a', phase: 'Terminating' }), undefined, 'none'],
    ['a namespace being deleted: nothing', newNamespace({ name: 'team-a', deletionTimestamp: '2026-12-06T00:00:00Z' }), undefined, 'none'],
    ['a namespace that is gone: nothing', undefined, undefined, 'none'],
    ['changed data: update', active, cm('team-a', { 'ca.crt': 'other' }), 'update'],
    ['an extra key: update', active, cm('team-a', { 'ca.crt': PEM, extra: 'x' }), 'update'],
    ['no data: update', active, cm('team-a', undefined), 'update'],
    ['the annotation removed: update', active, cm('team-a', { 'ca.crt': PEM }, { annotations: { other: 'y' } }), 'update'],
    ['a changed ConfigMap in a terminating namespace: nothing', newNamespace({ name: 'team-a', phase: 'Terminating' }), cm('team-a', { 'ca.crt': 'other' }), 'none'],
  ];
  for (const [name, ns, existing, want] of cases) it(name, () => assert.equal(planRootCA(ns, existing, PEM).kind, want));

  it('an update restores data and annotation, keeps the other metadata and the resourceVersion precondition, and mutates nothing', () => {
    const existing = deepFreeze(cm('team-a', { 'ca.crt': 'tampered', mine: '1' }, { labels: { l: '1' }, annotations: { keep: 'me' }, uid: 'u1' }));
    const a = planRootCA(deepFreeze(active), existing, PEM);
    assert.equal(a.kind, 'update');
    if (a.kind !== 'update') return;
    assert.deepEqual(a.configMap.data, { 'ca.crt': PEM });
    assert.deepEqual(a.configMap.metadata.annotations, { keep: 'me', [DESCRIPTION_ANNOTATION]: DESCRIPTION });
    assert.deepEqual(a.configMap.metadata.labels, { l: '1' });
    assert.equal(a.configMap.metadata.resourceVersion, '7');
    assert.equal(a.configMap.metadata.uid, 'u1');
  });
});

describe('rootcacertpublisher reconcile against the in-memory writer', () => {
  function setup(...namespaces: Namespace[]) {
    const writer = new MemoryWriter();
    const nsCache = cacheOf<Namespace>('namespaces', ...namespaces.map((n) => writer.seed('namespaces', n)));
    const cmCache = cacheOf<ConfigMap>('configmaps');
    const reconcile = rootCAReconciler({ namespaces: nsCache, configMaps: cmCache, writer, caPem: PEM });
    const configMaps = writer.resource<ConfigMap>('configmaps');
    const catchUp = async () => cmCache.feed(...(await configMaps.listAll()));
    return { writer, reconcile, cmCache, configMaps, catchUp };
  }

  it('creates kube-root-ca.crt in a new namespace, and nothing twice', async () => {
    const t = setup(newNamespace({ name: 'team-a' }));
    await t.reconcile('team-a');
    assert.equal(t.writer.count('create', 'configmaps'), 1);
    const got = await t.configMaps.get('team-a', ROOT_CA_CONFIGMAP);
    assert.deepEqual(got.data, { 'ca.crt': PEM });
    assert.equal(got.metadata.annotations?.[DESCRIPTION_ANNOTATION], DESCRIPTION);

    await t.catchUp();
    await t.reconcile('team-a');
    await t.reconcile('team-a');
    assert.equal(t.writer.writes().length, 1, 'no write once it is as wanted');
  });

  it('a create that finds it there already (cache behind) is success and writes nothing else', async () => {
    const t = setup(newNamespace({ name: 'team-a' }));
    await t.reconcile('team-a');
    await t.reconcile('team-a'); // the cache has not seen the first create: 409 AlreadyExists
    assert.equal(t.writer.count('create', 'configmaps'), 2);
    assert.equal((await t.configMaps.listAll('team-a')).length, 1);
  });

  it('restores changed data with one update', async () => {
    const t = setup(newNamespace({ name: 'team-a' }));
    await t.reconcile('team-a');
    const cur = await t.configMaps.get('team-a', ROOT_CA_CONFIGMAP);
    await t.configMaps.update({ ...cur, data: { 'ca.crt': 'tampered', extra: 'x' } });
    await t.catchUp();
    const before = t.writer.writes().length;
    await t.reconcile('team-a');
    assert.equal(t.writer.writes().length - before, 1);
    assert.deepEqual((await t.configMaps.get('team-a', ROOT_CA_CONFIGMAP)).data, { 'ca.crt': PEM });
  });

  it('recreates it after a delete', async () => {
    const t = setup(newNamespace({ name: 'team-a' }));
    await t.reconcile('team-a');
    await t.catchUp();
    const cur = await t.configMaps.get('team-a', ROOT_CA_CONFIGMAP);
    await t.configMaps.delete('team-a', ROOT_CA_CONFIGMAP);
    t.cmCache.drop(cur);
    await t.reconcile('team-a');
    const back = await t.configMaps.get('team-a', ROOT_CA_CONFIGMAP);
    assert.notEqual(back.metadata.uid, cur.metadata.uid);
    assert.deepEqual(back.data, { 'ca.crt': PEM });
  });

  it('skips terminating and unknown namespaces', async () => {
    const t = setup(newNamespace({ name: 'going', deletionTimestamp: '2026-12-06T00:00:00Z' }));
    await t.reconcile('going');
    await t.reconcile('never-was');
    assert.equal(t.writer.writes().length, 0);
  });
});
