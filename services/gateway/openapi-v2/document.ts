/**
 * The Swagger 2.0 document of `/openapi/v2`: paths for every served kind (the operations of the
 * v3 documents, in v2 form: parameters in the path items, body parameters, `consumes`/`produces`,
 * `x-kubernetes-action` and `x-kubernetes-group-version-kind` on each operation) and every
 * definition they reach, as Kubernetes' own. kubectl reads it (as protobuf) for client-side
 * validation of kinds the v3 documents don't list and for `explain --output plaintext-openapiv2`.
 */
import { DEFINITIONS, definitionNameOf, reachableDefinitions, type SchemaObject } from '../../../shared/openapi/definitions.js';
import type { ResourceInfo } from '../../../shared/resources/registry.js';
import { VERSION_INFO } from '../discovery.js';
import { PATCH_MEDIA_TYPES } from '../openapi.js';
import { GROUP_VERSIONS, builtInResourcesIn } from '../paths.js';
import { crdVersion, type Crd, type JSONSchemaProps } from '../../../shared/resources/crd.js';
import { reversedGroup } from '../openapi-crd.js';

const DEFS = '#/definitions/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
/** Definitions Kubernetes' document always holds: patch and delete bodies, the Status of failures, watch events. */
const ALWAYS = ['Patch', 'Status', 'DeleteOptions', 'WatchEvent'].map((k) => `${META}${k}`);

export interface Parameter {
  readonly name: string;
  readonly in: 'query' | 'path' | 'body';
  readonly required?: boolean;
  readonly type?: 'string' | 'integer' | 'boolean';
  readonly uniqueItems?: boolean;
  readonly schema?: SchemaObject;
}
export interface Operation {
  readonly consumes: readonly string[];
  readonly produces: readonly string[];
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly responses: Readonly<Record<string, { readonly description: string; readonly schema?: SchemaObject }>>;
  readonly 'x-kubernetes-action': 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete';
  readonly 'x-kubernetes-group-version-kind': { readonly group: string; readonly kind: string; readonly version: string };
}
export interface PathItem {
  readonly parameters: readonly Parameter[];
  readonly get?: Operation;
  readonly put?: Operation;
  readonly post?: Operation;
  readonly delete?: Operation;
  readonly patch?: Operation;
}
export interface Swagger {
  readonly swagger: '2.0';
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly definitions: Readonly<Record<string, SchemaObject>>;
}

/** The parameter types Kubernetes declares; the rest are strings. */
const PARAM_TYPES: Readonly<Record<string, 'integer' | 'boolean'>> = {
  force: 'boolean',
  watch: 'boolean',
  allowWatchBookmarks: 'boolean',
  sendInitialEvents: 'boolean',
  limit: 'integer',
  timeoutSeconds: 'integer',
  gracePeriodSeconds: 'integer',
};
const query = (name: string): Parameter => ({ name, in: 'query', type: PARAM_TYPES[name] ?? 'string', uniqueItems: true });
const pathParam = (name: string): Parameter => ({ name, in: 'path', required: true, type: 'string', uniqueItems: true });
const ref = (def: string): SchemaObject => ({ $ref: `${DEFS}${def}` });
const WRITE = ['dryRun', 'fieldManager', 'fieldValidation'].map(query);
const LIST = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'].map(query);
const JSON_ONLY = ['application/json'];
const LIST_PRODUCES = ['application/json', 'application/json;stream=watch'];

export function buildSwagger(groupVersions: readonly string[] = GROUP_VERSIONS, custom: readonly { info: ResourceInfo; crd: Crd }[] = []): Swagger {
  const paths: Record<string, PathItem> = {};
  const roots = [...ALWAYS];
  for (const gv of groupVersions) {
    for (const r of builtInResourcesIn(gv)) {
      const kindDef = definitionNameOf(r.group, r.version, r.kind);
      const listDef = definitionNameOf(r.group, r.version, `${r.kind}List`);
      if (!kindDef || !listDef) continue;
      roots.push(kindDef, listDef);
      Object.assign(paths, pathsOf(r, kindDef, listDef));
    }
  }
  // CRDs' kinds: their schemas in v2 form (no `nullable`), paths whose PATCH takes no strategic merge.
  const customDefs: Record<string, SchemaObject> = {};
  if (custom.length) roots.push(`${META}ObjectMeta`, `${META}ListMeta`);
  for (const { info: r, crd } of custom) {
    const v = crdVersion(crd, r.version);
    if (!v) continue;
    const base = `${reversedGroup(r.group)}.${r.version}`;
    const kindDef = `${base}.${r.kind}`;
    const listDef = `${base}.${crd.spec.names.listKind ?? `${r.kind}List`}`;
    const root = toV2Schema(v.schema?.openAPIV3Schema ?? { type: 'object' });
    customDefs[kindDef] = {
      ...root,
      type: 'object',
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: ref(`${META}ObjectMeta`), ...((root.properties as Record<string, SchemaObject> | undefined) ?? {}) },
      'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }],
    } as SchemaObject;
    customDefs[listDef] = {
      type: 'object',
      required: ['items'],
      properties: { apiVersion: { type: 'string' }, items: { type: 'array', items: ref(kindDef) }, kind: { type: 'string' }, metadata: ref(`${META}ListMeta`) },
      'x-kubernetes-group-version-kind': [{ group: r.group, kind: crd.spec.names.listKind ?? `${r.kind}List`, version: r.version }],
    } as SchemaObject;
    Object.assign(paths, pathsOf(r, kindDef, listDef, CR_PATCH_TYPES));
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion },
    paths: sortKeys(paths),
    definitions: sortKeys({ ...reachable(roots), ...customDefs }),
  };
}

const CR_PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'] as const;

/** A CRD schema as Kubernetes publishes it in v2: `nullable` has no v2 form (a nullable field loses its type). */
function toV2Schema(s: JSONSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s };
  if (s.nullable) delete out.type;
  delete out.nullable;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, x]) => [k, toV2Schema(x)]));
  if (s.items) out.items = toV2Schema(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = toV2Schema(s.additionalProperties);
  return out;
}

function pathsOf(r: ResourceInfo, kindDef: string, listDef: string, patchTypes: readonly string[] = PATCH_MEDIA_TYPES): Record<string, PathItem> {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const coll = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const gvk = { group: r.group, kind: r.kind, version: r.version };
  const kind = ref(kindDef);
  const ok = (schema: SchemaObject, ...codes: string[]) => ({
    ...Object.fromEntries(codes.map((c) => [c, { description: STATUS_TEXT[c]!, schema }])),
    '401': { description: 'Unauthorized' },
  });
  const op = (
    action: Operation['x-kubernetes-action'],
    verb: string,
    parameters: readonly Parameter[],
    responses: Operation['responses'],
    extra: Partial<Pick<Operation, 'consumes' | 'produces'>> = {},
  ): Operation => ({
    consumes: ['*/*'],
    produces: JSON_ONLY,
    ...extra,
    operationId: `${verb}${operationGroup(r)}${scope}${r.kind}`,
    ...(parameters.length ? { parameters } : {}),
    responses,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });
  const body: Parameter = { name: 'body', in: 'body', required: true, schema: kind };
  return {
    [coll]: {
      parameters: r.namespaced ? [pathParam('namespace')] : [],
      get: op('list', 'list', LIST, ok(ref(listDef), '200'), { produces: LIST_PRODUCES }),
      post: op('post', 'create', [body, ...WRITE], ok(kind, '200', '201', '202')),
    },
    [`${coll}/{name}`]: {
      parameters: [pathParam('name'), ...(r.namespaced ? [pathParam('namespace')] : [])],
      get: op('get', 'read', [], ok(kind, '200')),
      put: op('put', 'replace', [body, ...WRITE], ok(kind, '200', '201')),
      patch: op('patch', 'patch', [{ ...body, schema: ref(`${META}Patch`) }, ...WRITE, query('force')], ok(kind, '200', '201'), { consumes: patchTypes }),
      delete: op('delete', 'delete', [{ name: 'body', in: 'body', schema: ref(`${META}DeleteOptions`) }, query('dryRun'), query('gracePeriodSeconds'), query('propagationPolicy')], ok(kind, '200', '202')),
    },
  };
}

const STATUS_TEXT: Readonly<Record<string, string>> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

/** `CoreV1`, `AppsV1`, `CoordinationV1`: the group part of Kubernetes' operation ids. */
function operationGroup(r: ResourceInfo): string {
  const words = (r.group || 'core').replace(/\.k8s\.io$/, '').split('.');
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return `${words.map(cap).join('')}${cap(r.version)}`;
}

/** The named definitions and every definition they refer to, as Kubernetes publishes them. */
function reachable(roots: readonly string[]): Record<string, SchemaObject> {
  return Object.fromEntries(reachableDefinitions(roots).map((name) => [name, DEFINITIONS[name]!]));
}

/** Go writes maps with sorted keys; so does kube-apiserver's document. */
function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
