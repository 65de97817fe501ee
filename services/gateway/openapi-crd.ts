/**
 * OpenAPI v3 documents of the group versions CRDs serve, as kube-apiserver publishes them (the
 * apiextensions builder): per kind a component named by the reversed group (`com.example.stable.
 * v1.CronTab`) from the version's openAPIV3Schema with apiVersion, kind and metadata added, a List
 * component, and paths whose PATCH takes JSON patch, merge patch and apply only (kubectl then
 * never sends a strategic merge patch to a custom resource). Pure.
 */
import type { Crd, JSONSchemaProps } from '../../shared/resources/crd.js';
import { crdVersion } from '../../shared/resources/crd.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { VERSION_INFO } from './discovery.js';

const COMPONENTS = '#/components/schemas/';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
const CR_PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'];

/** `stable.example.com` → `com.example.stable`. */
export const reversedGroup = (group: string): string => group.split('.').reverse().join('.');

/** A CRD schema as a published OpenAPI v3 schema: Kubernetes' extensions kept, defaults kept. */
function publish(s: JSONSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, publish(v)]));
  if (s.items) out.items = publish(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = publish(s.additionalProperties);
  return out;
}

export interface CrdDoc {
  /** Component schemas this document defines (kind and list), to merge with the referenced built-in ones. */
  readonly schemas: Record<string, unknown>;
  readonly paths: Record<string, object>;
  /** Built-in definitions referenced (ObjectMeta, ListMeta). */
  readonly refs: readonly string[];
}

export function crdOpenApi(infos: readonly { info: ResourceInfo; crd: Crd }[]): CrdDoc {
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, object> = {};
  const param = (name: string, where: 'query' | 'path') => ({ name, in: where, ...(where === 'path' ? { required: true } : {}), schema: { type: 'string', uniqueItems: true } });
  const writeParams = ['dryRun', 'fieldManager', 'fieldValidation'].map((n) => param(n, 'query'));
  for (const { info: r, crd } of infos) {
    const v = crdVersion(crd, r.version)!;
    const schema = v.schema?.openAPIV3Schema ?? { type: 'object' };
    const base = `${reversedGroup(r.group)}.${r.version}`;
    const kindName = `${base}.${r.kind}`;
    const listName = `${base}.${crd.spec.names.listKind ?? `${r.kind}List`}`;
    const gvk = [{ group: r.group, version: r.version, kind: r.kind }];
    const published = publish(schema);
    schemas[kindName] = {
      ...published,
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources' },
        kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
        metadata: { allOf: [{ $ref: `${COMPONENTS}${OBJECT_META}` }], description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ...((published.properties as Record<string, unknown> | undefined) ?? {}),
      },
      'x-kubernetes-group-version-kind': gvk,
    };
    schemas[listName] = {
      type: 'object',
      description: `${r.kind}List is a list of ${r.kind}`,
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        items: { type: 'array', items: { $ref: `${COMPONENTS}${kindName}` }, description: `List of ${r.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md` },
        kind: { type: 'string' },
        metadata: { allOf: [{ $ref: `${COMPONENTS}${LIST_META}` }] },
      },
      'x-kubernetes-group-version-kind': [{ ...gvk[0], kind: crd.spec.names.listKind ?? `${r.kind}List` }],
    };
    const prefix = `/apis/${r.group}/${r.version}`;
    const item = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}/{name}` : `${prefix}/${r.plural}/{name}`;
    const coll = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
    const body = (name: string) => ({ content: { 'application/json': { schema: { $ref: `${COMPONENTS}${name}` } }, 'application/yaml': { schema: { $ref: `${COMPONENTS}${name}` } } } });
    const op = (id: string, params: object[], def: string, withBody = false) => ({
      operationId: `${id}${reversedGroup(r.group).split('.').map(cap).join('')}${cap(r.version)}${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
      parameters: params,
      ...(withBody ? { requestBody: body(def) } : {}),
      responses: { '200': { description: 'OK', ...body(def) } },
      'x-kubernetes-group-version-kind': gvk[0],
    });
    paths[item] = {
      parameters: [param('name', 'path'), ...(r.namespaced ? [param('namespace', 'path')] : [])],
      get: op('read', [], kindName),
      put: op('replace', writeParams, kindName, true),
      patch: {
        ...op('patch', [...writeParams, param('force', 'query')], kindName),
        requestBody: { content: Object.fromEntries(CR_PATCH_TYPES.map((t) => [t, { schema: { type: 'object' } }])), required: true },
      },
      delete: op('delete', [param('dryRun', 'query'), param('gracePeriodSeconds', 'query'), param('propagationPolicy', 'query')], kindName),
    };
    paths[coll] = {
      parameters: r.namespaced ? [param('namespace', 'path')] : [],
      get: op('list', ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'watch'].map((n) => param(n, 'query')), listName),
      post: op('create', writeParams, kindName, true),
    };
  }
  return { schemas, paths, refs: [OBJECT_META, LIST_META] };
}

const cap = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

export function crdDocInfo(): object {
  return { title: 'Kubernetes CRD Swagger', version: VERSION_INFO.gitVersion };
}
