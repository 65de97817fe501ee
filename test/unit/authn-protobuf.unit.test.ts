/** The protobuf bodies of authentication.k8s.io/v1 that kubectl sends: TokenRequest (`create token`) and the reviews. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoot, decodeProtobufRequest, ENVELOPE, MAGIC, MESSAGES, WRAPPERS } from '../../services/gateway/protobuf/index.js';
import { isApiError } from '../../shared/errors.js';

const root = buildRoot(MESSAGES, WRAPPERS, ENVELOPE);

function encode(type: string, obj: object): Uint8Array {
  const T = root.lookupType(`jk.${type}`);
  const err = T.verify(obj);
  if (err) throw new Error(`test body for ${type}: ${err}`);
  return T.encode(T.fromObject(obj)).finish();
}
const body = (kind: string, obj: object, apiVersion = 'authentication.k8s.io/v1') =>
  Buffer.concat([MAGIC, encode('Unknown', { typeMeta: { apiVersion, kind }, raw: encode(kind, obj) })]);

describe('authentication.k8s.io/v1 protobuf bodies', () => {
  it('TokenRequest on serviceaccounts/{name}/token, with duration and Pod binding', () => {
    const b = body('TokenRequest', { metadata: { name: 'default', namespace: 'ns1' }, spec: { audiences: ['vault'], expirationSeconds: 7200, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'u1' } } });
    const got = decodeProtobufRequest('POST', '/api/v1/namespaces/ns1/serviceaccounts/default/token', b) as { spec: object; kind: string; apiVersion: string };
    assert.equal(got.kind, 'TokenRequest');
    assert.equal(got.apiVersion, 'authentication.k8s.io/v1');
    assert.deepEqual(got.spec, { audiences: ['vault'], expirationSeconds: 7200, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'u1' } });
  });

  it('SelfSubjectReview and TokenReview', () => {
    const ssr = decodeProtobufRequest('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', body('SelfSubjectReview', { metadata: {} })) as { kind: string };
    assert.equal(ssr.kind, 'SelfSubjectReview');
    const tr = decodeProtobufRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews', body('TokenReview', { metadata: {}, spec: { token: 't', audiences: ['a'] } })) as { spec: object };
    assert.deepEqual(tr.spec, { token: 't', audiences: ['a'] });
  });

  it('a body of another kind on the token path is 400', () => {
    assert.throws(
      () => decodeProtobufRequest('POST', '/api/v1/namespaces/ns1/serviceaccounts/default/token', body('SelfSubjectReview', { metadata: {} })),
      (e: unknown) => isApiError(e) && e.code === 400 && /the URL is for TokenRequest in authentication.k8s.io\/v1/.test(e.message),
    );
  });
});
