/**
 * RE2 patterns through a real gateway: a CRD with a pattern Go's regexp refuses is a 422 with
 * kube-apiserver's wording; a custom resource checked against a pattern that backtracks
 * catastrophically in a JavaScript RegExp (`^(a+)+$` on 50,000 a's and a `!`) is answered with the
 * pattern cause, and the gateway keeps answering meanwhile (a backtracking engine would not return).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const crd = (pattern: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'words.re2.example.com' },
  spec: {
    group: 're2.example.com',
    scope: 'Namespaced',
    names: { plural: 'words', singular: 'word', kind: 'Word' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { text: { type: 'string', pattern } } } } } } }],
  },
});
const WORDS = '/apis/re2.example.com/v1/namespaces/default/words';

describe('CRD patterns are RE2 at the gateway', () => {
  let s: Stack;
  before(async () => {
    s = await startStack('crdre2');
  });
  after(async () => {
    await s?.close();
    unserveCrd('words.re2.example.com');
  });

  it('a lookahead is refused with Go regexp\'s error', async () => {
    const r = await api(s.url, 'POST', CRDS, crd('^a(?=b)'));
    assert.equal(r.status, 422, JSON.stringify(r.body));
    const cause = r.body.details.causes.find((c: any) => c.field.endsWith('.pattern'));
    assert.equal(cause.field, 'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[text].pattern');
    assert.equal(cause.message, 'Invalid value: "^a(?=b)": must be a valid regular expression, but isn\'t: error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
  });

  it('a hostile pattern on a long value is answered, and the gateway stays responsive', async () => {
    assert.equal((await api(s.url, 'POST', CRDS, crd('^(a+)+$'))).status, 201);
    await eventually('Word served', async () => (await api(s.url, 'GET', WORDS)).status === 200);
    const value = `${'a'.repeat(50_000)}!`;
    const write = api(s.url, 'POST', WORDS, { apiVersion: 're2.example.com/v1', kind: 'Word', metadata: { name: 'evil' }, spec: { text: value } });
    const ping = await api(s.url, 'GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(ping.status, 200);
    const r = await write;
    assert.equal(r.status, 422);
    assert.equal(r.body.details.causes[0].field, 'spec.text');
    assert.match(r.body.details.causes[0].message, /spec\.text in body should match '\^\(a\+\)\+\$'/);
    const ok = await api(s.url, 'POST', WORDS, { apiVersion: 're2.example.com/v1', kind: 'Word', metadata: { name: 'fine' }, spec: { text: 'a'.repeat(50_000) } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body).slice(0, 300));
  });
});
