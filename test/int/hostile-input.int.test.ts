/**
 * Malformed and hostile requests: each gets a Kubernetes Status with the right 4xx code and the
 * stream's message count stays exactly the same (nothing is written).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, configMap, deployment, pod, startStack, type Stack } from '../stack.js';

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly status: number;
  readonly reason?: string;
  /** A field the Status must name in details.causes. */
  readonly field?: string;
}

const NS = '/api/v1/namespaces/default';
const DEP = '/apis/apps/v1/namespaces/default/deployments';
const dep = deployment('good', 1);
const withSpec = (spec: object) => ({ ...dep, spec: { ...dep.spec, ...spec } });
const withContainer = (c: object) => withSpec({ template: { ...dep.spec.template, spec: { containers: [{ name: 'main', image: 'nginx', ...c }] } } });

const CASES: Case[] = [
  { name: 'bad JSON', method: 'POST', path: `${NS}/configmaps`, body: '{"kind": "ConfigMap", ', status: 400, reason: 'BadRequest' },
  { name: 'bad YAML', method: 'POST', path: `${NS}/configmaps`, body: 'kind: ConfigMap\nmetadata: [unclosed\n', contentType: 'application/yaml', status: 400 },
  { name: 'two YAML documents', method: 'POST', path: `${NS}/configmaps`, body: 'kind: ConfigMap\n---\nkind: ConfigMap\n', contentType: 'application/yaml', status: 400 },
  { name: 'YAML alias bomb', method: 'POST', path: `${NS}/configmaps`, body: 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nkind: ConfigMap\n', contentType: 'application/yaml', status: 400 },
  { name: 'body is an array', method: 'POST', path: `${NS}/configmaps`, body: [configMap('arr')], status: 400 },
  { name: 'body is a string', method: 'POST', path: `${NS}/configmaps`, body: '"just a string"', status: 400 },
  { name: 'empty body on create', method: 'POST', path: `${NS}/configmaps`, body: '', status: 400 },
  { name: 'kind missing', method: 'POST', path: `${NS}/configmaps`, body: { apiVersion: 'v1', metadata: { name: 'x' } }, status: 400 },
  { name: 'kind does not match the path', method: 'POST', path: `${NS}/configmaps`, body: { ...pod('x') }, status: 400 },
  { name: 'wrong apiVersion', method: 'POST', path: DEP, body: { ...dep, apiVersion: 'apps/v1beta1' }, status: 400 },
  { name: 'namespace in body differs from path', method: 'POST', path: `${NS}/configmaps`, body: { ...configMap('x'), metadata: { name: 'x', namespace: 'kube-system' } }, status: 400 },
  { name: 'replicas is a string', method: 'POST', path: DEP, body: withSpec({ replicas: 'three' }), status: 400, field: 'spec.replicas' },
  { name: 'labels is an array', method: 'POST', path: `${NS}/configmaps`, body: { ...configMap('x'), metadata: { name: 'x', labels: ['a'] } }, status: 400, field: 'metadata.labels' },
  { name: 'label value not a string', method: 'POST', path: `${NS}/configmaps`, body: { ...configMap('x'), metadata: { name: 'x', labels: { a: 5 } } }, status: 400 },
  { name: 'unknown field with Strict validation', method: 'POST', path: `${DEP}?fieldValidation=Strict`, body: withSpec({ replicaz: 3 }), status: 400, field: 'spec.replicaz' },
  { name: 'invalid fieldValidation value', method: 'POST', path: `${DEP}?fieldValidation=Loose`, body: dep, status: 400 },
  { name: 'resourceVersion set on create', method: 'POST', path: `${NS}/configmaps`, body: { ...configMap('x'), metadata: { name: 'x', resourceVersion: '5' } }, status: 400 },
  { name: 'upper-case name', method: 'POST', path: `${NS}/configmaps`, body: configMap('Not_Valid'), status: 422, reason: 'Invalid', field: 'metadata.name' },
  { name: 'name too long', method: 'POST', path: `${NS}/configmaps`, body: configMap('a'.repeat(254)), status: 422, field: 'metadata.name' },
  { name: 'no name and no generateName', method: 'POST', path: `${NS}/configmaps`, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, status: 422, field: 'metadata.name' },
  { name: 'invalid label key', method: 'POST', path: `${NS}/configmaps`, body: { ...configMap('x'), metadata: { name: 'x', labels: { 'bad key!': 'v' } } }, status: 422, field: 'metadata.labels' },
  { name: 'label value too long', method: 'POST', path: `${NS}/configmaps`, body: { ...configMap('x'), metadata: { name: 'x', labels: { k: 'v'.repeat(64) } } }, status: 422 },
  { name: 'annotations over 256 KiB', method: 'POST', path: `${NS}/configmaps`, body: { ...configMap('x'), metadata: { name: 'x', annotations: { big: 'x'.repeat(262_145) } } }, status: 422, field: 'metadata.annotations' },
  { name: 'pod without containers', method: 'POST', path: `${NS}/pods`, body: { ...pod('x'), spec: { containers: [] } }, status: 422, field: 'spec.containers' },
  { name: 'container without image', method: 'POST', path: DEP, body: withContainer({ image: '' }), status: 422 },
  { name: 'duplicate container names', method: 'POST', path: `${NS}/pods`, body: { ...pod('x'), spec: { containers: [{ name: 'a', image: 'i' }, { name: 'a', image: 'i' }] } }, status: 422 },
  { name: 'container port out of range', method: 'POST', path: DEP, body: withContainer({ ports: [{ containerPort: 70000 }] }), status: 422 },
  { name: 'bad restartPolicy', method: 'POST', path: `${NS}/pods`, body: { ...pod('x'), spec: { ...pod('x').spec, restartPolicy: 'Sometimes' } }, status: 422, field: 'spec.restartPolicy' },
  { name: 'negative replicas', method: 'POST', path: DEP, body: withSpec({ replicas: -1 }), status: 422, field: 'spec.replicas' },
  { name: 'selector does not match template labels', method: 'POST', path: DEP, body: withSpec({ selector: { matchLabels: { app: 'other' } } }), status: 422 },
  { name: 'bad resource quantity', method: 'POST', path: DEP, body: withContainer({ resources: { limits: { cpu: 'lots' } } }), status: 422 },
  { name: 'service port 0', method: 'POST', path: `${NS}/services`, body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 0 }] } }, status: 422 },
  { name: 'unknown kind in path', method: 'POST', path: `${NS}/widgets`, body: { kind: 'Widget' }, status: 404, reason: 'NotFound' },
  { name: 'unknown API group', method: 'GET', path: '/apis/batch/v1/jobs', status: 404 },
  { name: 'get missing object', method: 'GET', path: `${NS}/configmaps/missing`, status: 404 },
  { name: 'update missing object', method: 'PUT', path: `${NS}/configmaps/missing`, body: configMap('missing'), status: 404 },
  { name: 'delete missing object', method: 'DELETE', path: `${NS}/configmaps/missing`, status: 404 },
  { name: 'namespace does not exist', method: 'POST', path: '/api/v1/namespaces/ghost/configmaps', body: configMap('x'), status: 404 },
  { name: 'PUT on a collection', method: 'PUT', path: `${NS}/configmaps`, body: configMap('x'), status: 405, reason: 'MethodNotAllowed' },
  { name: 'POST on an object', method: 'POST', path: `${NS}/configmaps/existing`, body: configMap('existing'), status: 405 },
  { name: 'create an existing name', method: 'POST', path: `${NS}/configmaps`, body: configMap('existing'), status: 409, reason: 'AlreadyExists' },
  { name: 'stale resourceVersion on update', method: 'PUT', path: `${NS}/configmaps/existing`, body: { ...configMap('existing', { b: '2' }), metadata: { name: 'existing', resourceVersion: '1' } }, status: 409, reason: 'Conflict' },
  { name: 'name in body differs from URL', method: 'PUT', path: `${NS}/configmaps/existing`, body: configMap('other'), status: 400 },
  { name: 'body over 3 MiB', method: 'POST', path: `${NS}/configmaps`, body: JSON.stringify({ ...configMap('huge'), data: { big: 'x'.repeat(3 * 1024 * 1024 + 10) } }), status: 413, reason: 'RequestEntityTooLarge' },
  { name: 'text/plain body', method: 'POST', path: `${NS}/configmaps`, body: 'kind=ConfigMap', contentType: 'text/plain', status: 415, reason: 'UnsupportedMediaType' },
  { name: 'patch with a non-patch content type', method: 'PATCH', path: `${NS}/configmaps/existing`, body: { data: { a: 'b' } }, contentType: 'application/json', status: 415 },
  { name: 'server-side apply (not served yet)', method: 'PATCH', path: `${NS}/configmaps/existing`, body: 'data: {a: b}', contentType: 'application/apply-patch+yaml', status: 415 },
  { name: 'JSON patch on a missing path', method: 'PATCH', path: `${NS}/configmaps/existing`, body: [{ op: 'replace', path: '/data/nope/deeper', value: 1 }], contentType: 'application/json-patch+json', status: 422 },
  { name: 'JSON patch that is not an array', method: 'PATCH', path: `${NS}/configmaps/existing`, body: { op: 'add' }, contentType: 'application/json-patch+json', status: 400 },
  { name: 'JSON patch with an unknown op', method: 'PATCH', path: `${NS}/configmaps/existing`, body: [{ op: 'explode', path: '/data' }], contentType: 'application/json-patch+json', status: 400 },
  { name: 'JSON patch failing a test op', method: 'PATCH', path: `${NS}/configmaps/existing`, body: [{ op: 'test', path: '/data/a', value: 'nope' }], contentType: 'application/json-patch+json', status: 422 },
  { name: 'merge patch that breaks the schema', method: 'PATCH', path: `${NS}/configmaps/existing`, body: { data: ['not', 'a', 'map'] }, contentType: 'application/merge-patch+json', status: 400 },
  { name: 'merge patch renaming the object', method: 'PATCH', path: `${NS}/configmaps/existing`, body: { metadata: { name: 'renamed' } }, contentType: 'application/merge-patch+json', status: 400 },
  { name: 'prototype pollution key', method: 'POST', path: `${NS}/configmaps`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"pp"},"__proto__":{"polluted":true}}', status: 400 },
  { name: 'label selector syntax error', method: 'GET', path: `${NS}/configmaps?labelSelector=${encodeURIComponent('app in (a,b')}`, status: 400 },
  { name: 'label selector with invalid key', method: 'GET', path: `${NS}/configmaps?labelSelector=${encodeURIComponent('bad key=1')}`, status: 400 },
  { name: 'unsupported field selector', method: 'GET', path: `${NS}/configmaps?fieldSelector=spec.foo%3Dbar`, status: 400 },
  { name: 'non-numeric limit', method: 'GET', path: `${NS}/configmaps?limit=ten`, status: 400 },
  { name: 'garbage continue token', method: 'GET', path: `${NS}/configmaps?limit=1&continue=%%%garbage`, status: 400 },
  { name: 'non-numeric watch resourceVersion', method: 'GET', path: `${NS}/configmaps?watch=true&resourceVersion=abc`, status: 400 },
  { name: 'binding without a target', method: 'POST', path: `${NS}/pods/bound/binding`, body: { kind: 'Binding', metadata: { name: 'bound' } }, status: 422 },
  { name: 'binding of an already bound pod', method: 'POST', path: `${NS}/pods/bound/binding`, body: { kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n2' } }, status: 409 },
  { name: 'bad propagationPolicy', method: 'DELETE', path: `${NS}/configmaps/existing`, body: { propagationPolicy: 'Sideways' }, status: 422 },
  { name: 'negative gracePeriodSeconds', method: 'DELETE', path: `${NS}/configmaps/existing?gracePeriodSeconds=-5`, status: 400 },
  { name: 'unknown subresource', method: 'GET', path: `${NS}/configmaps/existing/status`, status: 404 },
  { name: 'changing an immutable selector', method: 'PUT', path: `${DEP}/immutable`, body: { ...deployment('immutable', 1, 'nginx', { app: 'changed' }) }, status: 422 },
];

describe('gateway: malformed and hostile input', () => {
  let s: Stack;
  before(async () => {
    s = await startStack('hostile');
    const seed = [
      api(s.url, 'POST', `${NS}/configmaps`, configMap('existing')),
      api(s.url, 'POST', DEP, deployment('immutable', 1)),
      api(s.url, 'POST', `${NS}/pods`, pod('bound')),
    ];
    for (const r of await Promise.all(seed)) assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await api(s.url, 'POST', `${NS}/pods/bound/binding`, { kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n1' } });
    assert.equal(b.status, 201);
  });
  after(async () => s?.close());

  it(`has at least 30 cases (${CASES.length})`, () => assert.ok(CASES.length >= 30));

  for (const c of CASES) {
    it(`${c.method} ${c.name} → ${c.status}`, async () => {
      const before = (await s.gateway.log.state()).messages;
      const r = await api(s.url, c.method, c.path, c.body, c.contentType);
      assert.equal(r.status, c.status, `${c.name}: ${JSON.stringify(r.body).slice(0, 400)}`);
      assert.equal(r.body?.kind, 'Status', 'answered with a Status object');
      assert.equal(r.body.code, c.status);
      assert.equal(r.body.status, 'Failure');
      assert.ok(r.body.message, 'with a message');
      if (c.reason) assert.equal(r.body.reason, c.reason);
      if (c.field) {
        const fields = (r.body.details?.causes ?? []).map((x: { field: string }) => x.field);
        assert.ok(fields.some((f: string) => f.startsWith(c.field!)), `cause on ${c.field}, got ${JSON.stringify(fields)}`);
      }
      assert.equal((await s.gateway.log.state()).messages, before, 'nothing written');
    });
  }
});
