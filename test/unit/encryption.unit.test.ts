/** Encryption at rest: the EncryptionConfiguration reader, the aesgcm envelope and Secrets sealed and opened. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AESGCM_PREFIX, Encryption, isDecryptError, newEncryptionConfigYaml, openSecret, parseEncryptionConfig, sealSecret, SEALED_FIELD, type Provider } from '../../shared/encryption/index.js';
import type { KObject } from '../../shared/resources/meta.js';

const key = (name: string, fill: number, bytes = 32) => ({ name, secret: Buffer.alloc(bytes, fill) });
const aes = (...keys: ReturnType<typeof key>[]): Provider => ({ type: 'aesgcm', keys });
const identity: Provider = { type: 'identity' };
const secret = (data: Record<string, string> | undefined = { password: Buffer.from('hunter2').toString('base64') }, name = 's'): KObject =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', labels: { app: 'a' } }, ...(data ? { data } : {}), type: 'Opaque' }) as KObject;

const yaml = (providers: string) =>
  `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n${providers}`;
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

describe('parseEncryptionConfig', () => {
  it('reads aesgcm keys and identity in order', () => {
    const c = parseEncryptionConfig(yaml(`      - aesgcm:\n          keys:\n            - {name: key2, secret: ${b64(32)}}\n            - {name: key1, secret: ${b64(16)}}\n      - identity: {}\n`));
    assert.deepEqual(c.providers.map((p) => (p.type === 'aesgcm' ? `aesgcm:${p.keys.map((k) => `${k.name}/${k.secret.length}`).join(',')}` : p.type)), ['aesgcm:key2/32,key1/16', 'identity']);
  });
  it('reads the configuration up makes', () => {
    const c = parseEncryptionConfig(newEncryptionConfigYaml(Buffer.alloc(32, 1)));
    assert.deepEqual(c.providers.map((p) => p.type), ['aesgcm', 'identity']);
  });
  const refused: [string, string, RegExp][] = [
    ['a wrong kind', 'apiVersion: apiserver.config.k8s.io/v1\nkind: Nope\nresources: []\n', /expected apiVersion apiserver.config.k8s.io\/v1 and kind EncryptionConfiguration/],
    ['a key of 20 bytes', yaml(`      - aesgcm: {keys: [{name: k, secret: ${b64(20)}}]}\n`), /secret is not of the expected length, got 20, expected one of \[16 24 32\]/],
    ['a secret that is not base64', yaml(`      - aesgcm: {keys: [{name: k, secret: "not base64!"}]}\n`), /secret is not base64/],
    ['aescbc (not implemented)', yaml(`      - aescbc: {keys: [{name: k, secret: ${b64(32)}}]}\n`), /Unsupported value: "aescbc": jetkube implements the "aesgcm" and "identity" providers/],
    ['configmaps (not implemented)', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [configmaps]\n    providers: [{identity: {}}]\n', /Unsupported value: "configmaps": jetkube encrypts "secrets" only/],
    ['two providers in one entry', yaml(`      - {identity: {}, aesgcm: {keys: [{name: k, secret: ${b64(32)}}]}}\n`), /exactly one provider per entry/],
    ['a duplicate key name', yaml(`      - aesgcm: {keys: [{name: k, secret: ${b64(32)}}, {name: k, secret: ${b64(16)}}]}\n`), /key name "k": Duplicate value/],
    ['a colon in a key name', yaml(`      - aesgcm: {keys: [{name: "a:b", secret: ${b64(32)}}]}\n`), /name: Invalid value: "a:b"/],
    ['an unknown field', yaml(`      - aesgcm: {keys: [{name: k, secret: ${b64(32)}}], cacheSize: 3}\n`), /unknown field "cacheSize"/],
  ];
  for (const [name, text, want] of refused) it(`refuses ${name}`, () => assert.throws(() => parseEncryptionConfig(text), want));
});

describe('Encryption (aesgcm envelope)', () => {
  const one = new Encryption([aes(key('key1', 1)), identity]);
  it('round-trips, with the Kubernetes prefix and a fresh nonce each time', () => {
    const a = one.seal(Buffer.from('plain'), 'aad')!;
    const b = one.seal(Buffer.from('plain'), 'aad')!;
    assert.ok(a.startsWith(`${AESGCM_PREFIX}key1:`));
    assert.notEqual(a, b);
    assert.equal(one.open(a, 'aad').toString(), 'plain');
    for (const bytes of [16, 24]) {
      const e = new Encryption([aes(key('k', 2, bytes))]);
      assert.equal(e.open(e.seal(Buffer.from('x'), 'aad')!, 'aad').toString(), 'x');
    }
  });
  const sealed = one.seal(Buffer.from('plain'), 'aad')!;
  const failures: [string, () => unknown, RegExp][] = [
    ['a wrong key of the same name', () => new Encryption([aes(key('key1', 9))]).open(sealed, 'aad'), /message authentication failed/],
    ['a missing key', () => new Encryption([aes(key('key2', 1))]).open(sealed, 'aad'), /no aesgcm key named "key1"/],
    ['no provider at all', () => new Encryption([identity]).open(sealed, 'aad'), /no aesgcm key named "key1"/],
    ['another object (associated data)', () => one.open(sealed, 'other'), /message authentication failed/],
    ['a tampered ciphertext', () => one.open(flipByte(sealed), 'aad'), /message authentication failed/],
    ['a truncated one', () => one.open(`${AESGCM_PREFIX}key1:AAAA`, 'aad'), /too short/],
    ['another prefix', () => one.open('k8s:enc:aescbc:v1:key1:AAAA', 'aad'), /no matching prefix found/],
  ];
  for (const [name, fn, want] of failures) {
    it(`refuses ${name}`, () => assert.throws(fn, (e: unknown) => isDecryptError(e) && want.test((e as Error).message)));
  }
  it('rotation: the first key writes, every key reads', () => {
    const old = new Encryption([aes(key('key1', 1)), identity]);
    const both = new Encryption([aes(key('key2', 2), key('key1', 1)), identity]);
    const oldText = old.seal(Buffer.from('v1'), 'aad')!;
    // Step 1: the new key added second everywhere (reads both), then first (writes with it).
    assert.equal(both.open(oldText, 'aad').toString(), 'v1');
    const newText = both.seal(Buffer.from('v2'), 'aad')!;
    assert.ok(newText.startsWith(`${AESGCM_PREFIX}key2:`));
    // After every object is rewritten, the old key can go: the new text still opens, the old does not.
    const onlyNew = new Encryption([aes(key('key2', 2)), identity]);
    assert.equal(onlyNew.open(newText, 'aad').toString(), 'v2');
    assert.throws(() => onlyNew.open(oldText, 'aad'), /no aesgcm key named "key1"/);
  });
  it('identity first writes plain text', () => {
    assert.equal(new Encryption([identity, aes(key('key1', 1))]).seal(Buffer.from('x'), 'aad'), undefined);
  });
});

describe('sealSecret / openSecret', () => {
  const enc = new Encryption([aes(key('key1', 1)), identity]);
  it('seals data alone, in its place; metadata and type stay clear', () => {
    const s = secret();
    const stored = sealSecret(enc, s) as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(stored), ['apiVersion', 'kind', 'metadata', SEALED_FIELD, 'type']);
    assert.equal(stored.data, undefined);
    assert.ok(!JSON.stringify(stored).includes(Buffer.from('hunter2').toString('base64')));
    assert.deepEqual(stored.metadata, s.metadata);
    assert.deepEqual(openSecret(enc, stored as unknown as KObject), s);
  });
  it('a Secret without data round-trips', () => assert.deepEqual(openSecret(enc, sealSecret(enc, secret(undefined))), secret(undefined)));
  it('without encryption (or identity first) a Secret is stored as it is', () => {
    const s = secret();
    assert.equal(sealSecret(undefined, s), s);
    assert.deepEqual(sealSecret(new Encryption([identity]), secret()), secret());
  });
  it('sealed data cannot move to another Secret', () => {
    const stored = sealSecret(enc, secret(undefined, 'a'));
    const moved = { ...stored, metadata: { ...stored.metadata, name: 'b' } } as KObject;
    assert.throws(() => openSecret(enc, moved), /message authentication failed/);
  });
  it('a sealed Secret needs a key; a plain one needs identity', () => {
    assert.throws(() => openSecret(undefined, sealSecret(enc, secret())), /no ENCRYPTION_PROVIDER_CONFIG/);
    assert.throws(() => openSecret(new Encryption([aes(key('key1', 1))]), secret()), /stored unencrypted and no identity provider/);
    assert.deepEqual(openSecret(undefined, secret()), secret());
  });
});

function flipByte(sealed: string): string {
  const at = sealed.lastIndexOf(':') + 1;
  const body = Buffer.from(sealed.slice(at), 'base64');
  body[20] = body[20]! ^ 0xff;
  return sealed.slice(0, at) + body.toString('base64');
}
