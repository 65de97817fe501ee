/**
 * The kubelet's ConfigMaps and Secrets through the gateway (services/kubelet/pod-config.ts): what a
 * pod refers to is fetched before its sync, at most once per TTL (a missing or refused one after a
 * short TTL), reads of one object in flight are shared, a gateway failure keeps what was read; and
 * the names it fetches are exactly what the Node authorizer lets the node read (podReferences).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../shared/errors.js';
import { podConfigNames, podReferences } from '../../shared/resources/pod-references.js';
import type { ConfigMap, Pod, Secret } from '../../shared/resources/types.js';
import { GatewayPodConfig, MemoryPodConfig, type ConfigGetter } from '../../services/kubelet/pod-config.js';

const pod = (spec: Partial<Pod['spec']>, ns = 'team'): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } }) as Pod;
const refsAll = pod({
  volumes: [
    { name: 'a', configMap: { name: 'cm-vol' } },
    { name: 'b', secret: { secretName: 'sec-vol' } },
    { name: 'c', projected: { sources: [{ configMap: { name: 'cm-proj' } }, { secret: { name: 'sec-proj' } }, { serviceAccountToken: { path: 't' } }] } },
  ] as Pod['spec']['volumes'],
  initContainers: [{ name: 'i', image: 'x', envFrom: [{ configMapRef: { name: 'cm-init' } }] }],
  containers: [
    {
      name: 'c',
      image: 'x',
      envFrom: [{ secretRef: { name: 'sec-from' } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-key', key: 'k' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'sec-key', key: 'k' } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'sec-key', key: 'k2' } } },
      ],
    },
  ],
} as Partial<Pod['spec']>);

describe('podConfigNames', () => {
  it('lists each ConfigMap and Secret the pod reads once, from volumes, projected sources, env and envFrom', () => {
    assert.deepEqual(podConfigNames(refsAll, 'ConfigMap').sort(), ['cm-init', 'cm-key', 'cm-proj', 'cm-vol']);
    assert.deepEqual(podConfigNames(refsAll, 'Secret').sort(), ['sec-from', 'sec-key', 'sec-proj', 'sec-vol']);
    assert.deepEqual(podConfigNames(pod({}), 'Secret'), []);
  });
  it('agrees with podReferences (what the Node authorizer lets the node read)', () => {
    for (const kind of ['ConfigMap', 'Secret'] as const) for (const n of podConfigNames(refsAll, kind)) assert.ok(podReferences(refsAll, kind, n), `${kind} ${n}`);
  });
});

const cm = (name: string, rv = '1', ns = 'team'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, resourceVersion: rv }, data: { k: rv } });
const secret = (name: string, ns = 'team'): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, data: { k: 'dg==' } }) as Secret;

function fixture(ttlMs = 10_000, missingTtlMs = 1000) {
  let now = 1_000_000;
  const store = new Map<string, ConfigMap | Secret>();
  const calls: string[] = [];
  let fail: Error | undefined;
  const get: ConfigGetter = async (kind, ns, name) => {
    calls.push(`${kind}/${ns}/${name}`);
    await new Promise((r) => setImmediate(r));
    if (fail) throw fail;
    const o = store.get(`${kind}/${ns}/${name}`);
    if (!o) throw new ApiError('NotFound', `${kind.toLowerCase()}s "${name}" not found`);
    return o;
  };
  const source = new GatewayPodConfig(get, { ttlMs, missingTtlMs, now: () => now });
  return {
    source,
    calls,
    put: (kind: 'ConfigMap' | 'Secret', o: ConfigMap | Secret) => store.set(`${kind}/${o.metadata.namespace}/${o.metadata.name}`, o),
    remove: (key: string) => store.delete(key),
    advance: (ms: number) => (now += ms),
    failWith: (e: Error | undefined) => (fail = e),
  };
}

const mounts = pod({ volumes: [{ name: 'a', configMap: { name: 'conf' } }, { name: 'b', secret: { secretName: 'tls' } }] as Pod['spec']['volumes'] });

describe('GatewayPodConfig', () => {
  it('nothing is known before a sync prepares the pod; then what it refers to is read', async () => {
    const f = fixture();
    f.put('ConfigMap', cm('conf'));
    f.put('Secret', secret('tls'));
    assert.equal(f.source.configMap('team', 'conf'), undefined);
    await f.source.prepare(mounts);
    assert.equal(f.source.configMap('team', 'conf')?.data?.k, '1');
    assert.equal(f.source.secret('team', 'tls')?.data?.k, 'dg==');
    assert.deepEqual(f.calls.sort(), ['ConfigMap/team/conf', 'Secret/team/tls']);
    // other namespaces, other kinds: nothing
    assert.equal(f.source.configMap('other', 'conf'), undefined);
    assert.equal(f.source.secret('team', 'conf'), undefined);
  });

  it('within the TTL a sync reads nothing; after it, an update is seen', async () => {
    const f = fixture(10_000);
    f.put('ConfigMap', cm('conf', '1'));
    f.put('Secret', secret('tls'));
    await f.source.prepare(mounts);
    f.put('ConfigMap', cm('conf', '2'));
    f.advance(9_999);
    await f.source.prepare(mounts);
    assert.equal(f.calls.length, 2);
    assert.equal(f.source.configMap('team', 'conf')?.data?.k, '1');
    f.advance(1);
    await f.source.prepare(mounts);
    assert.equal(f.calls.length, 4);
    assert.equal(f.source.configMap('team', 'conf')?.data?.k, '2');
  });

  it('a missing or refused object is asked for again after the short TTL, and found once it exists', async () => {
    const f = fixture(10_000, 1000);
    await f.source.prepare(mounts);
    assert.equal(f.source.configMap('team', 'conf'), undefined);
    f.put('ConfigMap', cm('conf'));
    f.advance(999);
    await f.source.prepare(mounts);
    assert.equal(f.source.configMap('team', 'conf'), undefined);
    f.advance(1);
    f.failWith(new ApiError('Forbidden', 'no relationship found between node and this object'));
    await f.source.prepare(mounts);
    assert.equal(f.source.configMap('team', 'conf'), undefined);
    f.failWith(undefined);
    f.advance(1000);
    await f.source.prepare(mounts);
    assert.equal(f.source.configMap('team', 'conf')?.data?.k, '1');
  });

  it('a deleted object is gone after the TTL', async () => {
    const f = fixture(10_000);
    f.put('ConfigMap', cm('conf'));
    await f.source.prepare(mounts);
    f.remove('ConfigMap/team/conf');
    f.advance(9_000);
    await f.source.prepare(mounts);
    assert.ok(f.source.configMap('team', 'conf'));
    f.advance(1_000);
    await f.source.prepare(mounts);
    assert.equal(f.source.configMap('team', 'conf'), undefined);
  });

  it('the gateway unreachable: what was read stays, and it is asked again at the next sync', async () => {
    const f = fixture(10_000);
    f.put('ConfigMap', cm('conf'));
    f.put('Secret', secret('tls'));
    await f.source.prepare(mounts);
    f.advance(10_000);
    f.failWith(new Error('connect ECONNREFUSED'));
    await f.source.prepare(mounts);
    assert.equal(f.source.configMap('team', 'conf')?.data?.k, '1');
    const before = f.calls.length;
    f.failWith(undefined);
    await f.source.prepare(mounts);
    assert.equal(f.calls.length, before + 2);
  });

  it('syncs at once of pods reading the same object share one read', async () => {
    const f = fixture();
    f.put('ConfigMap', cm('conf'));
    f.put('Secret', secret('tls'));
    await Promise.all([f.source.prepare(mounts), f.source.prepare(mounts), f.source.prepare(mounts)]);
    assert.equal(f.calls.length, 2);
  });
});

describe('MemoryPodConfig (the twin)', () => {
  it('serves what it holds, by kind and namespace', async () => {
    const m = new MemoryPodConfig([cm('conf')], [secret('tls')]);
    await m.prepare();
    assert.ok(m.configMap('team', 'conf'));
    assert.ok(m.secret('team', 'tls'));
    assert.equal(m.secret('team', 'conf'), undefined);
    m.delete('Secret', 'team', 'tls');
    assert.equal(m.secret('team', 'tls'), undefined);
  });
});
