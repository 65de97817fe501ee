/**
 * Malformed and hostile requests: each gets a Kubernetes Status with the right 4xx code and the
 * stream's last sequence and message count stay exactly the same (nothing is written).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
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
  /** What the Status message must say. */
  readonly message?: RegExp;
}

const NS = '/api/v1/namespaces/default';
const DEP = '/apis/apps/v1/namespaces/default/deployments';
const dep = deployment('good', 1);
const withSpec = (spec: object) => ({ ...dep, spec: { ...dep.spec, ...spec } });
const withContainer = (c: object) => withSpec({ template: { ...dep.spec.template, spec: { containers: [{ name: 'main', image: 'nginx', ...c }] } } });

// Hardening: nesting far deeper than any object (Go's decoder stops at 10,000; the gateway at 512).
const DEEP = 10_000;
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const TOO_DEEP = /nested too deeply/;
const LONG = 'a'.repeat(4000);
const manyPorts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, port: 1000 + i, targetPort: 80 }));

const CASES: Case[] = [
  { name: 'bad JSON', method: 'POST', path: `${NS}/configmaps`, body: '{"kind": "ConfigMap", ', status: 400, reason: 'BadRequest' },
  { name: 'bad YAML', method: 'POST', path: `${NS}/configmaps`, body: 'kind: ConfigMap\nmetadata: [unclosed\n', contentType: 'application/yaml', status: 400 },
  { name: 'two YAML documents', method: 'POST', path: `${NS}/configmaps`, body: 'kind: ConfigMap\n---\nkind: ConfigMap\n', contentType: 'application/yaml', status: 400 },
  { name: 'YAML alias bomb', method: 'POST', path: `${NS}/configmaps`, body: 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nkind: ConfigMap\n', contentType: 'application/yaml', status: 400 },
  { name: 'body is an array', method: 'POST', path: `${NS}/configmaps`, body: [configMap('arr')], status: 400 },
  { name: 'body is a string', method: 'POST', path: `${NS}/configmaps`, body: '"just a string"', status: 400 },
  { name: 'empty body on create', method: 'POST', path: `${NS}/configmaps`, body: '', status: 400 },
  { name: 'kind of another resource', method: 'POST', path: `${NS}/configmaps`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }, status: 400 },
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
  { name: 'unknown API group', method: 'GET', path: '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', status: 404 },
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
  { name: 'server-side apply without a fieldManager', method: 'PATCH', path: `${NS}/configmaps/existing`, body: 'apiVersion: v1\nkind: ConfigMap\ndata: {a: b}', contentType: 'application/apply-patch+yaml', status: 422, reason: 'Invalid' },
  { name: 'force on a merge patch', method: 'PATCH', path: `${NS}/configmaps/existing?force=true`, body: { data: { a: 'b' } }, contentType: 'application/merge-patch+json', status: 422, reason: 'Invalid' },
  { name: 'server-side apply without kind', method: 'PATCH', path: `${NS}/configmaps/existing?fieldManager=t`, body: 'apiVersion: v1\ndata: {a: b}', contentType: 'application/apply-patch+yaml', status: 400, reason: 'BadRequest' },
  { name: 'server-side apply carrying managedFields', method: 'PATCH', path: `${NS}/configmaps/existing?fieldManager=t`, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {managedFields: [{manager: x}]}\ndata: {a: b}', contentType: 'application/apply-patch+yaml', status: 400, reason: 'BadRequest' },
  { name: 'server-side apply with an unknown field', method: 'PATCH', path: `${NS}/configmaps/existing?fieldManager=t&fieldValidation=Strict`, body: 'apiVersion: v1\nkind: ConfigMap\nbogus: 1', contentType: 'application/apply-patch+yaml', status: 400, reason: 'BadRequest' },
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
  // Item 2: deep nesting is a 400 at decode time, never a stack overflow (500).
  { name: 'create nested 10,000 deep', method: 'POST', path: `${NS}/configmaps`, body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${deepObject(DEEP)}}`, status: 400, reason: 'BadRequest', message: TOO_DEEP },
  { name: 'create nested just over the limit', method: 'POST', path: `${NS}/configmaps`, body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${deepObject(512)}}`, status: 400, message: TOO_DEEP },
  { name: 'merge patch nested 10,000 deep', method: 'PATCH', path: `${NS}/configmaps/existing`, body: `{"data":${deepObject(DEEP)}}`, contentType: 'application/merge-patch+json', status: 400, message: TOO_DEEP },
  { name: 'strategic merge patch nested 10,000 deep', method: 'PATCH', path: `${DEP}/immutable`, body: `{"spec":${deepObject(DEEP)}}`, contentType: 'application/strategic-merge-patch+json', status: 400, message: TOO_DEEP },
  { name: 'JSON patch with a value nested 10,000 deep', method: 'PATCH', path: `${NS}/configmaps/existing`, body: `[{"op":"add","path":"/data/x","value":${deepArray(DEEP)}}]`, contentType: 'application/json-patch+json', status: 400, message: TOO_DEEP },
  { name: 'update nested 10,000 deep', method: 'PUT', path: `${NS}/configmaps/existing`, body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"existing"},"data":${deepArray(DEEP)}}`, status: 400, message: TOO_DEEP },
  { name: 'YAML flow collections nested 10,000 deep', method: 'POST', path: `${NS}/configmaps`, body: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deepy}\ndata: ${deepArray(DEEP)}\n`, contentType: 'application/yaml', status: 400, message: TOO_DEEP },
  { name: 'YAML block maps nested 600 deep', method: 'POST', path: `${NS}/configmaps`, body: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deepy}\ndata:\n${Array.from({ length: 600 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`, contentType: 'application/yaml', status: 400, message: TOO_DEEP },
  { name: 'YAML aliases nesting trees inside trees', method: 'POST', path: `${NS}/configmaps`, body: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deepy}\nx: &x ${deepArray(300)}\ny: &y [${'['.repeat(300)}*x${']'.repeat(300)}]\n`, contentType: 'application/yaml', status: 400, message: TOO_DEEP },
  // Item 3: the query string and path segments are decoded once, strictly; failures are Statuses.
  { name: 'NUL in a fieldSelector value', method: 'GET', path: `${NS}/configmaps?fieldSelector=metadata.name%3Da%00b`, status: 400, reason: 'BadRequest', message: /NUL/ },
  { name: 'NUL in a labelSelector', method: 'GET', path: `${NS}/configmaps?labelSelector=a%3Db%00`, status: 400, message: /NUL/ },
  { name: 'NUL in a watch fieldSelector', method: 'GET', path: `${NS}/configmaps?watch=true&fieldSelector=metadata.name%3D%00`, status: 400, message: /NUL/ },
  { name: 'NUL in a namespace segment (list)', method: 'GET', path: '/api/v1/namespaces/de%00fault/configmaps', status: 400, reason: 'BadRequest' },
  { name: 'NUL in a namespace segment (create)', method: 'POST', path: '/api/v1/namespaces/de%00fault/configmaps', body: configMap('x'), status: 400 },
  { name: 'NUL in a name segment', method: 'GET', path: `${NS}/configmaps/a%00b`, status: 400 },
  { name: 'bad percent-encoding %zz in the path', method: 'GET', path: `${NS}/configmaps/a%zz`, status: 400, reason: 'BadRequest' },
  { name: 'invalid UTF-8 %FF in the path', method: 'GET', path: `${NS}/configmaps/a%FF`, status: 400, reason: 'BadRequest' },
  { name: 'bad percent-encoding %zz in the query', method: 'GET', path: `${NS}/configmaps?labelSelector=a%zz`, status: 400, reason: 'BadRequest' },
  { name: 'invalid UTF-8 %FF in the query', method: 'GET', path: `${NS}/configmaps?labelSelector=a%3D%FF`, status: 400, reason: 'BadRequest' },
  { name: 'truncated escape in a query name', method: 'GET', path: `${NS}/configmaps?label%2=x`, status: 400 },
  { name: 'repeated dryRun with a bad entry', method: 'POST', path: `${NS}/configmaps?dryRun=All&dryRun=Nope`, body: configMap('dry'), status: 400 },
  // Item 4: names and namespaces from the URL are checked before any I/O.
  { name: 'GET a 4,000-character name', method: 'GET', path: `${NS}/configmaps/${LONG}`, status: 404, reason: 'NotFound' },
  { name: 'PUT a 4,000-character name', method: 'PUT', path: `${NS}/configmaps/${LONG}`, body: configMap(LONG), status: 404 },
  { name: 'PATCH a 4,000-character name', method: 'PATCH', path: `${NS}/configmaps/${LONG}`, body: { data: { a: 'b' } }, contentType: 'application/merge-patch+json', status: 404 },
  { name: 'DELETE a 4,000-character name', method: 'DELETE', path: `${NS}/configmaps/${LONG}`, status: 404 },
  { name: 'GET an upper-case name', method: 'GET', path: `${NS}/configmaps/Existing`, status: 404 },
  { name: 'GET a service name that is not a DNS-1035 label', method: 'GET', path: `${NS}/services/1abc`, status: 404 },
  { name: 'GET a name holding %', method: 'GET', path: `${NS}/configmaps/a%25b`, status: 400, reason: 'BadRequest', message: /Name parameter invalid/ },
  { name: 'GET a cluster-scoped 4,000-character name', method: 'GET', path: `/api/v1/nodes/${LONG}`, status: 404 },
  { name: 'GET a 4,000-character namespace', method: 'GET', path: `/api/v1/namespaces/${LONG}`, status: 404 },
  { name: 'GET in a 4,000-character namespace', method: 'GET', path: `/api/v1/namespaces/${LONG}/configmaps/x`, status: 404 },
  { name: 'create in a 4,000-character namespace', method: 'POST', path: `/api/v1/namespaces/${LONG}/configmaps`, body: configMap('x'), status: 404, reason: 'NotFound' },
  { name: 'watch in a 4,000-character namespace', method: 'GET', path: `/api/v1/namespaces/${LONG}/configmaps?watch=true`, status: 404 },
  { name: 'label selector over 8 KiB', method: 'GET', path: `${NS}/configmaps?labelSelector=a%20in%20(${Array.from({ length: 2000 }, (_, i) => `v${i}`).join(',')})`, status: 400, message: /too long/ },
  { name: 'field selector over 8 KiB', method: 'GET', path: `${NS}/configmaps?fieldSelector=metadata.name%3D${'a'.repeat(8200)}`, status: 400, message: /too long/ },
  // Item 5: a Service is validated in full before any reservation is written.
  { name: 'NodePort service with 3,000 ports', method: 'POST', path: `${NS}/services`, body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wide' }, spec: { type: 'NodePort', ports: manyPorts(3000) } }, status: 422, reason: 'Invalid', field: 'spec.ports' },
  { name: 'ClusterIP service with 3,000 ports', method: 'POST', path: `${NS}/services`, body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wide' }, spec: { ports: manyPorts(3000) } }, status: 422, field: 'spec.ports' },
  { name: 'NodePort service with a duplicate port', method: 'POST', path: `${NS}/services`, body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dup' }, spec: { type: 'NodePort', ports: [...manyPorts(5), { name: 'again', port: 1000, targetPort: 80 }] } }, status: 422, field: 'spec.ports[5]' },
  { name: 'changing an immutable selector', method: 'PUT', path: `${DEP}/immutable`, body: { ...deployment('immutable', 1, 'nginx', { app: 'changed' }) }, status: 422 },
  // Fuzzing: a collection delete refused for one item (a system namespace) deletes none (a-deletable stays).
  { name: 'delete the namespaces collection, system namespaces included', method: 'DELETE', path: '/api/v1/namespaces', status: 403, reason: 'Forbidden', message: /may not be deleted/ },
  // Fuzzing: an item of a keyed list without its key (a null type, pruned) would fail every later apply with a 500.
  { name: 'status condition without its type', method: 'PATCH', path: `${DEP}/immutable/status`, body: { status: { conditions: [{ type: null, status: 'True' }] } }, contentType: 'application/strategic-merge-patch+json', status: 422, reason: 'Invalid', field: 'status.conditions[0]', message: /omits all key fields/ },
  // Fuzzing: an applied configuration that cannot be typed is a 400 (kube-apiserver: 500).
  { name: 'server-side apply with a container lacking its name', method: 'PATCH', path: `${DEP}/immutable?fieldManager=t`, body: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: immutable}\nspec: {template: {spec: {containers: [{image: x}]}}}\n', contentType: 'application/apply-patch+yaml', status: 400, reason: 'BadRequest', message: /failed to create typed patch object .*omits all key fields/ },
  { name: 'server-side apply with a directive key in a list item', method: 'PATCH', path: '/api/v1/nodes/applied?fieldManager=t', body: 'apiVersion: v1\nkind: Node\nmetadata: {name: applied}\nstatus: {addresses: [{type: InternalIP, address: 127.0.0.1, $retainKeys: 1}]}\n', contentType: 'application/apply-patch+yaml', status: 400, reason: 'BadRequest', message: /field not declared in schema/ },
  // Fuzzing (fuzz.int.test.ts): what kube-apiserver leaves unclassified in a strategic merge patch is a 400, never a 500.
  { name: 'strategic merge patch with an unknown $patch type', method: 'PATCH', path: `${NS}/configmaps/existing`, body: { data: { $patch: 'frobnicate' } }, contentType: 'application/strategic-merge-patch+json', status: 400, reason: 'BadRequest', message: /unknown patch type: frobnicate/ },
  { name: 'strategic merge patch with a null $patch', method: 'PATCH', path: `${DEP}/immutable/scale`, body: { $patch: null, spec: { replicas: 2 } }, contentType: 'application/strategic-merge-patch+json', status: 400, reason: 'BadRequest', message: /unknown patch type/ },
  { name: 'strategic merge patch with a container lacking its merge key', method: 'PATCH', path: `${DEP}/immutable`, body: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, contentType: 'application/strategic-merge-patch+json', status: 400, reason: 'BadRequest', message: /does not contain declared merge key: name/ },
];

describe('gateway: malformed and hostile input', () => {
  let s: Stack;
  before(async () => {
    s = await startStack('hostile');
    const seed = [
      api(s.url, 'POST', `${NS}/configmaps`, configMap('existing')),
      api(s.url, 'POST', DEP, deployment('immutable', 1)),
      api(s.url, 'POST', `${NS}/pods`, pod('bound')),
      api(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a-deletable' } }),
    ];
    for (const r of await Promise.all(seed)) assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = await api(s.url, 'POST', `${NS}/pods/bound/binding`, { kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n1' } });
    assert.equal(b.status, 201);
  });
  after(async () => s?.close());

  it(`has at least 30 cases (${CASES.length})`, () => assert.ok(CASES.length >= 30));

  for (const c of CASES) {
    it(`${c.method} ${c.name} → ${c.status}`, async () => {
      const was = await s.gateway.log.state();
      const r = await api(s.url, c.method, c.path, c.body, c.contentType);
      assert.equal(r.status, c.status, `${c.name}: ${JSON.stringify(r.body).slice(0, 400)}`);
      assert.equal(r.body?.kind, 'Status', 'answered with a Status object');
      assert.equal(r.body.apiVersion, 'v1');
      assert.equal(r.body.code, c.status);
      assert.equal(r.body.status, 'Failure');
      assert.ok(r.body.message, 'with a message');
      if (c.reason) assert.equal(r.body.reason, c.reason);
      if (c.message) assert.match(r.body.message, c.message);
      if (c.field) {
        const fields = (r.body.details?.causes ?? []).map((x: { field: string }) => x.field);
        assert.ok(fields.some((f: string) => f.startsWith(c.field!)), `cause on ${c.field}, got ${JSON.stringify(fields)}`);
      }
      const now = await s.gateway.log.state();
      assert.deepEqual([now.lastSeq, now.messages], [was.lastSeq, was.messages], 'nothing written (last sequence and message count unchanged)');
    });
  }

  // Item 1: a lone surrogate becomes U+FFFD at decode time (as Go's decoder does), so Postgres
  // accepts the object and lists keep working.
  it('repairs lone UTF-16 surrogates in every body type, and lists keep working', async () => {
    const created = await api(s.url, 'POST', `${NS}/configmaps`, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"surrogate","labels":{"k":"v"}},"data":{"lone":"\\udfff","high":"a\\ud800b","pair":"\\ud83d\\ude00"}}');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.data, { lone: '\ufffd', high: 'a\ufffdb', pair: '\u{1f600}' });
    const merge = await api(s.url, 'PATCH', `${NS}/configmaps/surrogate`, '{"data":{"m":"\\udbff"}}', 'application/merge-patch+json');
    assert.equal(merge.body.data?.m, '\ufffd', JSON.stringify(merge.body));
    const json = await api(s.url, 'PATCH', `${NS}/configmaps/surrogate`, '[{"op":"add","path":"/data/j","value":"\\udc00\\ud800"}]', 'application/json-patch+json');
    assert.equal(json.body.data?.j, '\ufffd\ufffd', JSON.stringify(json.body));
    const sm = await api(s.url, 'PATCH', `${NS}/configmaps/surrogate`, '{"data":{"s":"\\ud800\\ud800\\udc00"}}', 'application/strategic-merge-patch+json');
    assert.equal(sm.body.data?.s, '\ufffd\u{10000}', JSON.stringify(sm.body));
    const yaml = await api(s.url, 'POST', `${NS}/configmaps`, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: surrogate-yaml}\ndata: {y: "\\udfff"}\n', 'application/yaml');
    assert.equal(yaml.status, 201, JSON.stringify(yaml.body));
    assert.equal(yaml.body.data.y, '\ufffd');
    const bytes = Buffer.concat([Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad-utf8"},"data":{"b":"x'), Buffer.from([0xff, 0xc3]), Buffer.from('y"}}')]);
    const raw = await api(s.url, 'POST', `${NS}/configmaps`, new Uint8Array(bytes));
    assert.equal(raw.status, 201, JSON.stringify(raw.body));
    assert.equal(raw.body.data.b, 'x\ufffd\ufffdy', 'bytes that are not UTF-8 are U+FFFD');
    // The list waits for the projector to reach the stream's end: it answers only if Postgres took every event.
    const list = await fetch(`${s.url}${NS}/configmaps?labelSelector=k%3Dv`, { signal: AbortSignal.timeout(15_000) });
    assert.equal(list.status, 200);
    const items = ((await list.json()) as { items: { data: Record<string, string> }[] }).items;
    assert.deepEqual(items.map((i) => i.data.s), ['\ufffd\u{10000}']);
  });

  // Fuzzing: a field named like one of Object.prototype's keys is an unknown field like any other
  // (a schema lookup found Object's own `constructor` and failed with a 500).
  it("takes fields named like Object.prototype's keys as unknown fields", async () => {
    const odd = { constructor: [0], toString: 'x', hasOwnProperty: { a: 1 }, valueOf: null };
    const cases: [string, string, unknown, string][] = [
      ['PATCH', `${NS}/pods/bound/status`, { status: odd }, 'application/strategic-merge-patch+json'],
      ['PATCH', `${NS}/pods/bound`, { spec: odd, metadata: { labels: { constructor: 'x' } } }, 'application/merge-patch+json'],
      ['PATCH', `${NS}/pods/bound?fieldManager=odd&fieldValidation=Ignore`, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: bound\nspec:\n  constructor: [0]\n  toString: x\n`, 'application/apply-patch+yaml'],
      ['PUT', `${NS}/configmaps/existing`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'existing' }, data: { a: '1' }, ...odd }, 'application/json'],
    ];
    for (const [method, path, body, type] of cases) {
      const r = await api(s.url, method, path, body, type);
      assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body).slice(0, 300)}`);
      assert.ok(!Object.hasOwn(r.body.spec ?? {}, 'constructor') && !Object.hasOwn(r.body, 'toString'), 'unknown fields are dropped');
    }
    const strict = await api(s.url, 'PATCH', `${NS}/pods/bound?fieldValidation=Strict`, { spec: { constructor: [0] } }, 'application/strategic-merge-patch+json');
    assert.equal(strict.status, 400, JSON.stringify(strict.body));
    assert.match(strict.body.message, /constructor/);
  });

  // Item 2: at the limit nothing recursive overflows either.
  it('takes bodies nested right at the limit without a stack overflow', async () => {
    const deep = '{"x":'.repeat(510) + '1' + '}'.repeat(510);
    const create = await api(s.url, 'POST', `${DEP}?fieldValidation=Ignore`, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"at-limit"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}},"deep":${deep}}}`);
    assert.equal(create.status, 201, JSON.stringify(create.body).slice(0, 300));
    for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      const r = await api(s.url, 'PATCH', `${DEP}/at-limit?fieldValidation=Ignore`, `{"spec":{"deep":${deep}}}`, type);
      assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.body).slice(0, 300)}`);
    }
  });

  // Item 3: a repeated single-valued parameter takes its first value, as kube-apiserver does.
  it('takes the first value of a repeated query parameter', async () => {
    const r = await api(s.url, 'GET', `${NS}/configmaps?labelSelector=k%3Dv&labelSelector=k%3Dnope&limit=5&limit=x`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['surrogate']);
    const dry = await api(s.url, 'POST', `${NS}/configmaps?dryRun=All&dryRun=All`, configMap('dry-twice'));
    assert.equal(dry.status, 201);
    assert.equal((await api(s.url, 'GET', `${NS}/configmaps/dry-twice`)).status, 404, 'a dry run writes nothing');
  });

  // Item 3: what Node's HTTP parser refuses before fastify routes it is a Status too.
  it('answers oversized headers and malformed HTTP with a Status', async () => {
    const was = await s.gateway.log.state();
    const big = await api(s.url, 'GET', `${NS}/configmaps?labelSelector=${'a'.repeat(20_000)}`);
    assert.equal(big.status, 431);
    assert.equal(big.body.kind, 'Status');
    assert.equal(big.body.code, 431);
    const { hostname, port } = new URL(s.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), hostname, () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      sock.on('data', (d) => (text += d.toString()));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    const status = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.deepEqual([status.kind, status.apiVersion, status.status, status.reason, status.code], ['Status', 'v1', 'Failure', 'BadRequest', 400]);
    // Fuzzing: Node never routes CONNECT, and closed the connection without an answer.
    const connectRaw = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), hostname, () => sock.write(`CONNECT ${NS}/pods/bound HTTP/1.1\r\nHost: x\r\n\r\n`));
      let text = '';
      sock.on('data', (d) => (text += d.toString()));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    // Fuzzing: the 400 for a HEAD whose request line Node refuses (a raw byte over 0x7F) has no body.
    const headRaw = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), hostname, () => sock.write(Buffer.from(`HEAD ${NS}/configmaps/\xc4 HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1')));
      let text = '';
      sock.on('data', (d) => (text += d.toString()));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(headRaw, /^HTTP\/1\.1 400 /);
    assert.ok(headRaw.endsWith('\r\n\r\n'), `no body after the headers: ${JSON.stringify(headRaw)}`);
    assert.match(connectRaw, /^HTTP\/1\.1 405 /);
    const connectStatus = JSON.parse(connectRaw.slice(connectRaw.indexOf('\r\n\r\n') + 4));
    assert.deepEqual([connectStatus.kind, connectStatus.status, connectStatus.reason, connectStatus.code], ['Status', 'Failure', 'MethodNotAllowed', 405]);
    const now = await s.gateway.log.state();
    assert.deepEqual([now.lastSeq, now.messages], [was.lastSeq, was.messages]);
  });

  // Item 4: a name too long for a NATS subject never reaches NATS, so requests in flight survive it.
  it('answers an overlong name without cutting the NATS connection under other requests', async () => {
    const others = Array.from({ length: 20 }, () => api(s.url, 'GET', `${NS}/configmaps/existing`));
    const long = await Promise.all([LONG, 'b'.repeat(5000), 'c'.repeat(9000)].map((n) => api(s.url, 'GET', `${NS}/configmaps/${n}`)));
    for (const r of long) assert.equal(r.status, 404);
    for (const r of await Promise.all(others)) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(s.gateway.log.nc.isClosed(), false);
    assert.equal((await api(s.url, 'GET', `${NS}/configmaps/existing`)).status, 200);
  });
});
