/**
 * OpenAPI v3 documents for the served kinds: an index (`/openapi/v3`) and one document per group
 * version with its paths and the full schemas of its kinds (Kubernetes' own definitions from
 * shared/openapi, with their x-kubernetes-* extensions). kubectl reads them for `explain`, for
 * strategic merge patch metadata in `apply`, and to learn that the server validates fields itself
 * (the `fieldValidation` parameter on each kind's write operations).
 */
import { createHash } from 'node:crypto';
import { DEFINITIONS, definitionNameOf, reachableDefinitions, refName, type SchemaObject } from '../../shared/openapi/definitions.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { GROUP_VERSIONS, builtInResourcesIn } from './paths.js';
import { VERSION_INFO } from './discovery.js';
import { crdDocInfo, crdOpenApi } from './openapi-crd.js';
import { groupVersions, resourcesIn } from './paths.js';
import { servedCrdOfKind } from '../../shared/resources/crd-serving.js';
import type { Crd } from '../../shared/resources/crd.js';

/** The group versions only CRDs serve (a built-in group version keeps its own document). */
function customGroupVersions(): string[] {
  return groupVersions().filter((gv) => !GROUP_VERSIONS.includes(gv));
}

/** Every kind a CRD serves now, with its CRD. */
export function servedCustomResources(): { info: ResourceInfo; crd: Crd }[] {
  return customGroupVersions().flatMap((gv) => customResourcesIn(gv));
}

function customResourcesIn(groupVersion: string): { info: ResourceInfo; crd: Crd }[] {
  if (GROUP_VERSIONS.includes(groupVersion)) return [];
  return resourcesIn(groupVersion).flatMap((info) => {
    const crd = servedCrdOfKind(info.group, info.kind);
    return crd ? [{ info, crd }] : [];
  });
}

const COMPONENTS = '#/components/schemas/';
const PATCH_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
/** The patch media types the gateway accepts; kubectl computes a strategic merge patch from these schemas only where this lists it. */
export const PATCH_MEDIA_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;
const PATCH_BODY = {
  content: Object.fromEntries(PATCH_MEDIA_TYPES.map((t) => [t, { schema: { $ref: `${COMPONENTS}${PATCH_SCHEMA}` } }])),
  required: true,
};

export function openApiV3Root(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of GROUP_VERSIONS) {
    const p = gv === 'v1' ? 'api/v1' : `apis/${gv}`;
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${VERSION_INFO.gitVersion}` };
  }
  // A CRD's document changes with the CRD: its hash is of its content, so clients' caches follow.
  for (const gv of customGroupVersions()) {
    const doc = openApiV3Doc(gv);
    if (doc) paths[`apis/${gv}`] = { serverRelativeURL: `/openapi/v3/apis/${gv}?hash=${createHash('sha512').update(doc).digest('hex').slice(0, 64).toUpperCase()}` };
  }
  return { paths };
}

const docs = new Map<string, string>();

/** The document of one group version as JSON text (built once), or undefined if nothing is served there. */
export function openApiV3Doc(groupVersion: string): string | undefined {
  const custom = customResourcesIn(groupVersion);
  if (custom.length) {
    const d = crdOpenApi(custom);
    const schemas = { ...Object.fromEntries(reachableDefinitions([...d.refs]).map((name) => [name, toV3(DEFINITIONS[name]!)])), ...d.schemas };
    return JSON.stringify({ openapi: '3.0.0', info: crdDocInfo(), paths: d.paths, components: { schemas } });
  }
  let doc = docs.get(groupVersion);
  if (doc === undefined) {
    const infos = builtInResourcesIn(groupVersion);
    if (infos.length === 0) return undefined;
    doc = JSON.stringify(buildDoc(groupVersion, infos));
    docs.set(groupVersion, doc);
  }
  return doc;
}

function buildDoc(groupVersion: string, infos: ResourceInfo[]): object {
  const prefix = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
  const roots: string[] = [PATCH_SCHEMA];
  const param = (name: string, where: 'query' | 'path') => ({ name, in: where, ...(where === 'path' ? { required: true } : {}), schema: { type: 'string', uniqueItems: true } });
  const writeParams = ['dryRun', 'fieldManager', 'fieldValidation'].map((n) => param(n, 'query'));
  const paths: Record<string, object> = {};
  for (const r of infos) {
    const kindDef = definitionNameOf(r.group, r.version, r.kind);
    const listDef = definitionNameOf(r.group, r.version, `${r.kind}List`);
    for (const d of [kindDef, listDef]) if (d) roots.push(d);
    const body = (def: string | undefined) => (def ? { content: { 'application/json': { schema: { $ref: `${COMPONENTS}${def}` } } } } : {});
    const gvk = { 'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind } };
    const item = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}/{name}` : `${prefix}/${r.plural}/{name}`;
    const coll = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
    const pathParams = [param('name', 'path'), ...(r.namespaced ? [param('namespace', 'path')] : [])];
    const op = (id: string, params: object[], def: string | undefined, withBody = false) => ({
      operationId: `${id}${r.kind}`,
      parameters: params,
      ...(withBody && def ? { requestBody: body(def) } : {}),
      responses: { '200': { description: 'OK', ...body(def) } },
      ...gvk,
    });
    paths[item] = {
      parameters: pathParams,
      get: op('read', [], kindDef),
      put: op('replace', writeParams, kindDef, true),
      patch: { ...op('patch', [...writeParams, param('force', 'query')], kindDef), requestBody: PATCH_BODY },
      delete: op('delete', [param('dryRun', 'query'), param('gracePeriodSeconds', 'query'), param('propagationPolicy', 'query')], kindDef),
    };
    paths[coll] = {
      parameters: r.namespaced ? [param('namespace', 'path')] : [],
      get: op('list', ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'watch', 'allowWatchBookmarks', 'sendInitialEvents', 'timeoutSeconds'].map((n) => param(n, 'query')), listDef),
      post: op('create', writeParams, kindDef, true),
    };
  }
  const schemas = Object.fromEntries(reachableDefinitions(roots).map((name) => [name, toV3(DEFINITIONS[name]!)]));
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths, components: { schemas } };
}

/**
 * v2 → v3: `$ref`s point into components; a property's `$ref` becomes `allOf: [{$ref}]` (Kubernetes
 * publishes it so because its properties carry descriptions; kubectl explain names the type from it).
 */
function toV3(s: SchemaObject, property = false): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') continue;
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, SchemaObject>).map(([p, x]) => [p, toV3(x, true)]));
    else if ((k === 'items' || k === 'additionalProperties') && typeof v === 'object') out[k] = toV3(v as SchemaObject);
    else out[k] = v;
  }
  if (s.$ref) {
    const target = refName(s.$ref);
    const ref = { $ref: `${COMPONENTS}${target}` };
    return property || Object.keys(out).length ? { allOf: [ref], ...out } : ref;
  }
  return out;
}
