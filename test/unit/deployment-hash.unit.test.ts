import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodTemplateSpec } from '../../shared/resources/types.js';
import {
  POD_TEMPLATE_HASH_LABEL,
  canonicalTemplateJson,
  equalIgnoreHash,
  fnv1a32,
  podTemplateHash,
  safeEncodeString,
} from '../../services/controller-manager/deployment/hash.js';
import { template } from './deployment-fixtures.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('fnv1a32', () => {
  const cases: [string, number][] = [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ];
  for (const [s, want] of cases) it(`hashes ${JSON.stringify(s)}`, () => assert.equal(fnv1a32(enc(s)), want));
  it('continues from a previous hash', () => assert.equal(fnv1a32(enc('bar'), fnv1a32(enc('foo'))), fnv1a32(enc('foobar'))));
});

describe('safeEncodeString', () => {
  it('maps decimal digits into the safe alphabet (byte % 27)', () => {
    // '0' is 48 → 48 % 27 = 21 → '4'; '9' is 57 → 3 → 'f' (hence names like web-7d4b9c6f85)
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });
});

/** generatePodTemplateSpec in deployment_util_test.go */
function gen(name: string, nodeName: string, annotations: Record<string, string>, labels: Record<string, string>): PodTemplateSpec {
  return { metadata: { name, annotations, labels }, spec: { nodeName, containers: [] } };
}

describe('equalIgnoreHash (Kubernetes TestEqualIgnoreHash)', () => {
  const H = POD_TEMPLATE_HASH_LABEL;
  const cases: [string, PodTemplateSpec, PodTemplateSpec, boolean][] = [
    ['same spec, same labels', gen('foo', 'foo-node', {}, { [H]: 'value-1', something: 'else' }), gen('foo', 'foo-node', {}, { [H]: 'value-1', something: 'else' }), true],
    ['same spec, only the hash differs', gen('foo', 'foo-node', {}, { [H]: 'value-1', something: 'else' }), gen('foo', 'foo-node', {}, { [H]: 'value-2', something: 'else' }), true],
    ['same spec, the former has no hash', gen('foo', 'foo-node', {}, { something: 'else' }), gen('foo', 'foo-node', {}, { [H]: 'value-2', something: 'else' }), true],
    ['different labels, the former has no hash, same count', gen('foo', 'foo-node', {}, { something: 'else' }), gen('foo', 'foo-node', {}, { [H]: 'value-2' }), false],
    ['different labels, the latter has no hash, same count', gen('foo', 'foo-node', {}, { [H]: 'value-1' }), gen('foo', 'foo-node', {}, { something: 'else' }), false],
    ['different labels, same hash', gen('foo', 'foo-node', {}, { [H]: 'value-1' }), gen('foo', 'foo-node', {}, { [H]: 'value-1', something: 'else' }), false],
    ['different spec (annotations), same labels', gen('foo', 'foo-node', { former: 'value' }, { [H]: 'value-1', something: 'else' }), gen('foo', 'foo-node', { latter: 'value' }, { [H]: 'value-1', something: 'else' }), false],
    ['different spec, different hash', gen('foo-1', 'foo-node-1', {}, { [H]: 'value-1', something: 'else' }), gen('foo-2', 'foo-node-2', {}, { [H]: 'value-2', something: 'else' }), false],
    ['different spec, the former has no hash', gen('foo-1', 'foo-node-1', {}, { something: 'else' }), gen('foo-2', 'foo-node-2', {}, { [H]: 'value-2', something: 'else' }), false],
    ['different spec, different labels', gen('foo', 'foo-node-1', {}, { something: 'else' }), gen('foo', 'foo-node-2', {}, { nothing: 'else' }), false],
  ];
  for (const [name, a, b, want] of cases) {
    it(name, () => {
      assert.equal(equalIgnoreHash(a, b), want);
      assert.equal(equalIgnoreHash(b, a), want);
    });
  }

  it('treats absent, null and empty lists/label maps alike', () => {
    const a: PodTemplateSpec = { metadata: { labels: {} }, spec: { containers: [{ name: 'c', args: [] }], volumes: [] } };
    const b = { metadata: {}, spec: { containers: [{ name: 'c', env: null }] } } as unknown as PodTemplateSpec;
    assert.ok(equalIgnoreHash(a, b));
  });

  it('ignores key order', () => {
    const a = { spec: { containers: [{ name: 'c', image: 'x' }] }, metadata: { labels: { b: '2', a: '1' } } } as PodTemplateSpec;
    const b = { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ image: 'x', name: 'c' }] } } as PodTemplateSpec;
    assert.equal(canonicalTemplateJson(a), canonicalTemplateJson(b));
  });

  it('does not reorder lists', () => {
    const a: PodTemplateSpec = { spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
    const b: PodTemplateSpec = { spec: { containers: [{ name: 'b' }, { name: 'a' }] } };
    assert.equal(equalIgnoreHash(a, b), false);
  });
});

describe('podTemplateHash', () => {
  it('is stable and uses only the safe alphabet', () => {
    const h = podTemplateHash(template('nginx:1.25'));
    assert.equal(h, podTemplateHash(template('nginx:1.25')));
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('is equal exactly when the templates are equal ignoring the hash label', () => {
    const t = template('nginx:1.25');
    const withHash = { ...t, metadata: { labels: { ...t.metadata!.labels, [POD_TEMPLATE_HASH_LABEL]: 'abc' } } };
    assert.equal(podTemplateHash(withHash), podTemplateHash(t));
    assert.notEqual(podTemplateHash(template('nginx:1.26')), podTemplateHash(t));
    assert.notEqual(podTemplateHash(template('nginx:1.25', { app: 'api' })), podTemplateHash(t));
  });

  it('changes with the collision count (and nil differs from 0, as in Kubernetes)', () => {
    const t = template();
    const hs = new Set([podTemplateHash(t), podTemplateHash(t, 0), podTemplateHash(t, 1), podTemplateHash(t, 2)]);
    assert.equal(hs.size, 4);
  });
});
