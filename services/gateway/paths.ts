/**
 * Kubernetes REST paths → a request target:
 *   /api/v1/<plural>[/<name>[/<sub>]]                       (cluster-scoped, or all-namespaces lists)
 *   /api/v1/namespaces/<ns>/<plural>[/<name>[/<sub>]]
 *   /apis/<group>/<version>/...                              (same shapes)
 * The namespace object itself is /api/v1/namespaces/<name>[/status|/finalize].
 */
import { RESOURCES, allResources, apiVersionOf, registryGeneration, type ResourceInfo } from '../../shared/resources/registry.js';
import { unescape } from './query.js';

export interface Target {
  readonly info: ResourceInfo;
  /** '' for cluster-scoped objects and all-namespaces collections. */
  readonly namespace: string;
  readonly name?: string;
  readonly subresource?: string;
  /**
   * The version the request names when it is not the kind's stored one (autoscaling/v1 for a
   * HorizontalPodAutoscaler): bodies are converted at the edge (shared/resources/hpa-v1.ts).
   */
  readonly requestVersion?: string;
}

/** Group versions served by converting to another: `autoscaling/v1` → its kinds' stored version. */
export const CONVERTED_VERSIONS: Readonly<Record<string, { readonly to: string; readonly plurals: readonly string[] }>> = {
  'autoscaling/v1': { to: 'autoscaling/v2', plurals: ['horizontalpodautoscalers'] },
};

export type Parsed =
  | { readonly type: 'resource'; readonly target: Target }
  | { readonly type: 'notfound' }
  /** A segment that is not percent-encoded UTF-8, or holds a NUL: a 400. */
  | { readonly type: 'invalid'; readonly message: string };

function indexByGroupVersion(resources: readonly ResourceInfo[]): Map<string, Map<string, ResourceInfo>> {
  const m = new Map<string, Map<string, ResourceInfo>>();
  // A CRD's kind is served under each of its served versions, as that version's row.
  for (const r of resources.flatMap((x) => x.versions ?? [x])) {
    const gv = apiVersionOf(r);
    if (!m.has(gv)) m.set(gv, new Map());
    m.get(gv)!.set(r.plural, r);
  }
  return m;
}

const builtIn = indexByGroupVersion(RESOURCES);
/** The built-in kinds' group versions (the OpenAPI documents describe these). */
export const GROUP_VERSIONS = [...builtIn.keys()];

/** The built-in kinds of a group version (kinds registered at run time have no OpenAPI schema yet). */
export function builtInResourcesIn(groupVersion: string): ResourceInfo[] {
  return [...(builtIn.get(groupVersion)?.values() ?? [])];
}

// Every kind served now, kinds registered at run time included; rebuilt when the registry changes.
let indexed = -1;
let byGroupVersion = new Map<string, Map<string, ResourceInfo>>();
function served(): Map<string, Map<string, ResourceInfo>> {
  if (indexed !== registryGeneration()) {
    byGroupVersion = indexByGroupVersion(allResources());
    indexed = registryGeneration();
  }
  return byGroupVersion;
}

/** The group versions served now (discovery). */
export function groupVersions(): string[] {
  return [...served().keys()];
}

export function resourcesIn(groupVersion: string): ResourceInfo[] {
  return [...(served().get(groupVersion)?.values() ?? [])];
}

export function parsePath(path: string): Parsed {
  const segs: string[] = [];
  for (const raw of path.split('?')[0]!.split('/').filter(Boolean)) {
    const s = unescape(raw, false);
    if (typeof s !== 'string') return { type: 'invalid', message: `invalid path segment ${JSON.stringify(raw)}: ${s.error}` };
    segs.push(s);
  }
  let rest: string[];
  let gv: string;
  if (segs[0] === 'api' && segs[1] === 'v1') {
    gv = 'v1';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    gv = `${segs[1]}/${segs[2]}`;
    rest = segs.slice(3);
  } else return { type: 'notfound' };
  const converted = CONVERTED_VERSIONS[gv];
  if (converted) {
    const inner = parsePath(`/apis/${converted.to}/${rest.map(encodeURIComponent).join('/')}`);
    if (inner.type !== 'resource' || !converted.plurals.includes(inner.target.info.plural)) return inner.type === 'invalid' ? inner : { type: 'notfound' };
    return { type: 'resource', target: { ...inner.target, requestVersion: gv.split('/')[1]! } };
  }
  const kinds = served().get(gv);
  if (!kinds || rest.length === 0) return { type: 'notfound' };

  // /namespaces/<ns>/<plural>/... (but not /namespaces/<ns>/status|finalize, the namespace's own subresources)
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    const info = kinds.get(rest[2]!);
    if (!info || !info.namespaced || rest.length > 5) return { type: 'notfound' };
    return target(info, rest[1]!, rest[3], rest[4]);
  }
  const info = kinds.get(rest[0]!);
  if (!info || rest.length > 3) return { type: 'notfound' };
  // /api/v1/pods (all namespaces) is a collection; /api/v1/pods/x is not a thing for namespaced kinds.
  if (info.namespaced && rest.length > 1) return { type: 'notfound' };
  return target(info, '', rest[1], rest[2]);
}

function target(info: ResourceInfo, namespace: string, name?: string, subresource?: string): Parsed {
  if (name === '') return { type: 'notfound' };
  return {
    type: 'resource',
    target: { info, namespace, ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) },
  };
}
