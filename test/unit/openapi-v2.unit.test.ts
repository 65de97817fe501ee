/**
 * `/openapi/v2`: the Swagger 2.0 document of the served kinds (paths in v2 form, every reachable
 * definition, refs that resolve), its gnostic protobuf encoding (decoded back with our schema, and
 * a few bytes checked against the upstream field numbers by hand), and the Accept/ETag handling.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { buildSwagger, documentType, negotiate, openApiV2Bytes, openApiV2Response, toGnostic } from '../../services/gateway/openapi-v2/index.js';
import { RESOURCES } from '../../shared/resources/registry.js';

const KUBECTL_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** Every `$ref` anywhere in a value. */
function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refsIn(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      // A schema's `$ref` is a string; a property named `$ref` (JSONSchemaProps has one) is not a reference.
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refsIn(x, out);
    }
  }
  return out;
}

describe('openapi v2 document', () => {
  const doc = JSON.parse(openApiV2Bytes('json').toString('utf8'));

  it('is Swagger 2.0 with the served kinds and the definitions Kubernetes always holds', () => {
    assert.equal(doc.swagger, '2.0');
    assert.equal(doc.info.title, 'Kubernetes');
    assert.match(doc.info.version, /^v1\.32\./);
    for (const name of ['Patch', 'Status', 'DeleteOptions', 'WatchEvent', 'ObjectMeta']) assert.ok(doc.definitions[`${META}${name}`], name);
    for (const r of RESOURCES) {
      const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const coll = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
      const gvk = { group: r.group, kind: r.kind, version: r.version };
      const def = doc.definitions[`${refsIn(doc.paths[coll].post.responses['201'])[0]!.replace('#/definitions/', '')}`];
      assert.deepEqual(def['x-kubernetes-group-version-kind'], [gvk], r.kind);
      const actions = { get: 'list', post: 'post' } as const;
      for (const [m, action] of Object.entries(actions)) {
        assert.equal(doc.paths[coll][m]['x-kubernetes-action'], action, `${coll} ${m}`);
        assert.deepEqual(doc.paths[coll][m]['x-kubernetes-group-version-kind'], gvk);
      }
      const item = doc.paths[`${coll}/{name}`];
      assert.deepEqual(
        ['get', 'put', 'patch', 'delete'].map((m) => item[m]['x-kubernetes-action']),
        ['get', 'put', 'patch', 'delete'],
      );
      assert.deepEqual(
        item.parameters.map((p: { name: string }) => p.name),
        r.namespaced ? ['name', 'namespace'] : ['name'],
      );
    }
  });

  it('writes operations in v2 form: body parameters, typed query parameters, consumes/produces', () => {
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.deepEqual(item.parameters[0], { name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true });
    assert.equal(item.get.operationId, 'readAppsV1NamespacedDeployment');
    assert.deepEqual(item.get.responses['200'], { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    assert.deepEqual(item.put.parameters[0], { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    assert.deepEqual(item.patch.parameters[0].schema, { $ref: `#/definitions/${META}Patch` });
    assert.ok(item.patch.consumes.includes('application/strategic-merge-patch+json'));
    assert.deepEqual(item.delete.parameters[0], { name: 'body', in: 'body', schema: { $ref: `#/definitions/${META}DeleteOptions` } });
    const list = doc.paths['/api/v1/nodes'].get;
    assert.equal(list.operationId, 'listCoreV1Node');
    assert.deepEqual(list.parameters.find((p: { name: string }) => p.name === 'watch'), { name: 'watch', in: 'query', type: 'boolean', uniqueItems: true });
    assert.deepEqual(list.parameters.find((p: { name: string }) => p.name === 'limit')?.type, 'integer');
    assert.ok(list.produces.includes('application/json;stream=watch'));
    assert.equal(doc.paths['/api/v1/nodes'].post.consumes[0], '*/*');
  });

  it('holds exactly the reachable definitions, with their extensions', () => {
    const refs = new Set(refsIn(doc));
    for (const ref of refs) {
      assert.match(ref, /^#\/definitions\//);
      assert.ok(doc.definitions[ref.slice('#/definitions/'.length)], `${ref} resolves`);
    }
    const reached = new Set([...refs].map((r) => r.slice('#/definitions/'.length)));
    for (const name of Object.keys(doc.definitions)) assert.ok(reached.has(name) || name.startsWith(META), `${name} is reached`);
    // Nothing beyond the served kinds: of apiextensions, only what a CustomResourceDefinition reaches.
    assert.ok(!Object.keys(doc.definitions).some((n) => n.startsWith('io.k8s.api.flowcontrol')));
    assert.ok(doc.definitions['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition']);
    const containers = doc.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.deepEqual(Object.keys(doc.definitions), Object.keys(doc.definitions).sort());
  });

  it('is rebuilt identically', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(buildSwagger())), doc);
  });
});

describe('openapi v2 protobuf (gnostic)', () => {
  const Document = documentType();
  const decoded = Document.toObject(Document.decode(openApiV2Bytes('protobuf'))) as any;
  const ext = (m: { vendor_extension?: { name: string; value: { yaml: string } }[] }, name: string) => {
    const e = m.vendor_extension?.find((x) => x.name === name);
    return e ? YAML.parse(e.value.yaml) : undefined;
  };
  const definition = (name: string) => decoded.definitions.additional_properties.find((d: { name: string }) => d.name === name)?.value;

  it('decodes to the document: swagger, info, paths with parameters and operations', () => {
    assert.equal(decoded.swagger, '2.0');
    assert.equal(decoded.info.title, 'Kubernetes');
    const item = decoded.paths.path.find((p: { name: string }) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}').value;
    assert.deepEqual(item.parameters[0].parameter.non_body_parameter.path_parameter_sub_schema, { required: true, in: 'path', name: 'name', type: 'string', unique_items: true });
    assert.equal(item.get.operation_id, 'readAppsV1NamespacedDeployment');
    assert.equal(ext(item.get, 'x-kubernetes-action'), 'get');
    assert.deepEqual(ext(item.get, 'x-kubernetes-group-version-kind'), { group: 'apps', kind: 'Deployment', version: 'v1' });
    const ok = item.get.responses.response_code.find((r: { name: string }) => r.name === '200').value.response;
    assert.deepEqual(ok, { description: 'OK', schema: { schema: { _ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } } });
    const body = item.put.parameters[0].parameter.body_parameter;
    assert.deepEqual(body, { name: 'body', in: 'body', required: true, schema: { _ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    const watch = decoded.paths.path.find((p: { name: string }) => p.name === '/api/v1/nodes').value.get.parameters.map((p: any) => p.parameter.non_body_parameter.query_parameter_sub_schema).find((q: { name: string }) => q.name === 'watch');
    assert.deepEqual(watch, { in: 'query', name: 'watch', type: 'boolean', unique_items: true });
  });

  it('decodes to the definitions, with vendor extensions as YAML text', () => {
    const json = JSON.parse(openApiV2Bytes('json').toString('utf8'));
    assert.deepEqual(
      decoded.definitions.additional_properties.map((d: { name: string }) => d.name),
      Object.keys(json.definitions),
    );
    const deployment = definition('io.k8s.api.apps.v1.Deployment');
    const gvk = deployment.vendor_extension.find((e: { name: string }) => e.name === 'x-kubernetes-group-version-kind');
    assert.equal(gvk.value.yaml, '- group: apps\n  kind: Deployment\n  version: v1\n');
    assert.deepEqual(deployment.type, { value: ['object'] });
    const replicas = deployment.properties.additional_properties.find((p: { name: string }) => p.name === 'spec').value;
    assert.equal(replicas._ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    const containers = definition('io.k8s.api.core.v1.PodSpec').properties.additional_properties.find((p: { name: string }) => p.name === 'containers').value;
    assert.deepEqual(containers.type, { value: ['array'] });
    assert.deepEqual(containers.items, { schema: [{ _ref: '#/definitions/io.k8s.api.core.v1.Container' }] });
    assert.equal(ext(containers, 'x-kubernetes-patch-merge-key'), 'name');
    assert.equal(ext(containers, 'x-kubernetes-patch-strategy'), 'merge');
    const labels = definition(`${META}ObjectMeta`).properties.additional_properties.find((p: { name: string }) => p.name === 'labels').value;
    assert.deepEqual(labels.additional_properties, { schema: { type: { value: ['string'] } } });
  });

  it('uses the upstream field numbers on the wire', () => {
    const bytes = (o: Record<string, unknown>) => Buffer.from(Document.encode(Document.fromObject(toGnostic(o))).finish()).toString('hex');
    const text = (t: string) => Buffer.from(t).toString('hex');
    /** A length-delimited field: its tag bytes, a one-byte length, the body. */
    const ld = (tag: string, body: string) => `${tag}${(body.length / 2).toString(16).padStart(2, '0')}${body}`;
    // Document.swagger = 1 (string): tag 0x0a.
    assert.equal(bytes({ swagger: '2.0' }), ld('0a', text('2.0')));
    // Document.definitions = 9 (0x4a) → Definitions.additional_properties = 1 → NamedSchema{name = 1, value = 2}
    // → Schema.vendor_extension = 31 (tag 0xfa 0x01) → NamedAny{name = 1, value = 2} → Any.yaml = 2.
    const namedAny = ld('0a', text('x-k')) + ld('12', ld('12', text('v\n')));
    const namedSchema = ld('0a', text('A')) + ld('12', ld('fa01', namedAny));
    assert.equal(bytes({ definitions: { A: { 'x-k': 'v' } } }), ld('4a', ld('0a', namedSchema)));
  });

  it('refuses keys gnostic would not read, rather than dropping them', () => {
    assert.throws(() => toGnostic({ definitions: { A: { type: 'string', nullable: true } } }), /nullable/);
  });
});

describe('openapi v2 negotiation', () => {
  it('picks the encoding from Accept as kube-apiserver does', () => {
    assert.equal(negotiate(undefined), 'json');
    assert.equal(negotiate(''), 'json');
    assert.equal(negotiate('*/*'), 'json');
    assert.equal(negotiate('application/json'), 'json');
    assert.equal(negotiate(KUBECTL_ACCEPT), 'protobuf');
    assert.equal(negotiate('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), 'protobuf');
    assert.equal(negotiate(`application/json;q=0.5, ${KUBECTL_ACCEPT}`), 'protobuf');
    assert.equal(negotiate(`*/*, ${KUBECTL_ACCEPT}`), 'protobuf');
    assert.equal(negotiate('text/html'), undefined);
    assert.equal(negotiate('application/json;q=0'), undefined);
  });

  it('answers with the content type, one ETag for both encodings, 304 and 406', () => {
    const json = openApiV2Response('application/json', undefined);
    const pb = openApiV2Response(KUBECTL_ACCEPT, undefined);
    assert.equal(json.status, 200);
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.equal(json.headers.vary, 'Accept');
    assert.match(json.headers.etag!, /^"[0-9A-F]{128}"$/);
    assert.equal(pb.headers.etag, json.headers.etag);
    assert.equal(pb.body, openApiV2Bytes('protobuf'));
    const cached = openApiV2Response(KUBECTL_ACCEPT, `"other", ${json.headers.etag}`);
    assert.equal(cached.status, 304);
    assert.equal(cached.body, undefined);
    assert.equal(openApiV2Response('application/json', '"other"').status, 200);
    assert.equal(openApiV2Response('text/html', undefined).status, 406);
  });
});
