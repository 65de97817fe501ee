/**
 * The resource kinds jetkube serves. One row per kind: the names the REST paths, the subjects
 * and the projection tables use.
 */

export interface ResourceInfo {
  /** Kind as in manifests: `Pod`. */
  readonly kind: string;
  /** Lower-case plural: `pods`. Used in REST paths and subjects. */
  readonly plural: string;
  readonly singular: string;
  /** API group: '' for the core group, `apps`, `coordination.k8s.io`. */
  readonly group: string;
  readonly version: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Projection table in Postgres. */
  readonly table: string;
  /** Subresources served under the object path. */
  readonly subresources: readonly ('status' | 'scale' | 'binding' | 'log' | 'eviction')[];
}

export const RESOURCES: readonly ResourceInfo[] = [
  r('Namespace', 'namespaces', '', false, ['ns'], 'namespaces', ['status']),
  r('Node', 'nodes', '', false, ['no'], 'nodes', ['status']),
  r('Pod', 'pods', '', true, ['po'], 'pods', ['status', 'binding', 'log', 'eviction']),
  r('Service', 'services', '', true, ['svc'], 'services', ['status']),
  r('Endpoints', 'endpoints', '', true, ['ep'], 'endpoints', []),
  r('ConfigMap', 'configmaps', '', true, ['cm'], 'configmaps', []),
  r('Secret', 'secrets', '', true, [], 'secrets', []),
  r('ServiceAccount', 'serviceaccounts', '', true, ['sa'], 'serviceaccounts', []),
  r('Event', 'events', '', true, ['ev'], 'kube_events', []),
  r('ReplicaSet', 'replicasets', 'apps', true, ['rs'], 'replicasets', ['status', 'scale']),
  r('Deployment', 'deployments', 'apps', true, ['deploy'], 'deployments', ['status', 'scale']),
  r('Lease', 'leases', 'coordination.k8s.io', true, [], 'leases', []),
];

function r(
  kind: string,
  plural: string,
  group: string,
  namespaced: boolean,
  shortNames: string[],
  table: string,
  subresources: ResourceInfo['subresources'],
): ResourceInfo {
  return { kind, plural, singular: kind.toLowerCase(), group, version: 'v1', namespaced, shortNames, table, subresources };
}

const byPlural = new Map(RESOURCES.map((x) => [x.plural, x]));
const byKind = new Map(RESOURCES.map((x) => [x.kind, x]));

export function resourceByPlural(plural: string): ResourceInfo | undefined {
  return byPlural.get(plural);
}
export function resourceByKind(kind: string): ResourceInfo | undefined {
  return byKind.get(kind);
}
/** `v1` for the core group, `apps/v1` otherwise. */
export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
/** Resolve a user's word (kind, plural, singular or short name, any case) to a resource. */
export function resolveResource(word: string): ResourceInfo | undefined {
  const w = word.toLowerCase();
  return RESOURCES.find(
    (x) => x.plural === w || x.singular === w || x.kind.toLowerCase() === w || x.shortNames.includes(w) ||
      `${x.plural}.${x.group}` === w,
  );
}
